-- Test tasks, their execution log, batches and stored images.

CREATE TABLE batch (
    id         INTEGER PRIMARY KEY,
    spec       TEXT    NOT NULL,
    created_by INTEGER REFERENCES user (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE task (
    id               INTEGER PRIMARY KEY,
    config_id        INTEGER NOT NULL REFERENCES config (id),
    config_version   INTEGER NOT NULL,
    batch_id         INTEGER REFERENCES batch (id),
    region           TEXT    NOT NULL,
    prompt           TEXT    NOT NULL,
    -- The checked test case as JSON (prompt, resolution, aspect ratio, images, region).
    spec             TEXT    NOT NULL,
    -- The request body as sent, key redacted.
    request_json     TEXT,
    provider_task_id TEXT,
    status           TEXT    NOT NULL,
    -- none: never sent; sending: a submit may be in the air; sent: the provider answered.
    submit_state     TEXT    NOT NULL DEFAULT 'none' CHECK (submit_state IN ('none', 'sending', 'sent')),
    error_code       TEXT,
    error_message    TEXT,
    results          TEXT    NOT NULL DEFAULT '[]',
    usage            TEXT,
    warnings         TEXT    NOT NULL DEFAULT '[]',
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    deadline_at      INTEGER NOT NULL,
    created_by       INTEGER REFERENCES user (id),
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX task_status ON task (status, id);
CREATE INDEX task_config ON task (config_id, id);
CREATE INDEX task_created ON task (created_at);
CREATE INDEX task_provider_task_id ON task (provider_task_id);
CREATE INDEX task_batch ON task (batch_id);

CREATE TABLE task_event (
    task_id     INTEGER NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    level       TEXT    NOT NULL,
    stage       TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    http_status INTEGER,
    latency_ms  INTEGER,
    -- The task's status after this event.
    status      TEXT    NOT NULL,
    detail      TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

-- Images the console keeps itself: operators' uploads and results delivered as base64.
CREATE TABLE blob (
    name          TEXT PRIMARY KEY NOT NULL,
    mime          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    original_name TEXT    NOT NULL,
    created_by    INTEGER REFERENCES user (id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- An event is stored once. `detail` holds what it says, structured (app::domain::EventText as
-- JSON), rendered in the reader's language where it is shown; `message`, the English text, is
-- kept only by rows from before events were stored structured, which have no `detail`. Rows
-- that had both lose the English copy: readers already used `detail` whenever it was there.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt (nothing refers to it).

CREATE TABLE task_event_new (
    task_id     INTEGER NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    level       TEXT    NOT NULL,
    stage       TEXT    NOT NULL,
    message     TEXT,
    http_status INTEGER,
    latency_ms  INTEGER,
    -- The task's status after this event.
    status      TEXT    NOT NULL,
    detail      TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq),
    CHECK ((message IS NULL) <> (detail IS NULL))
) WITHOUT ROWID;

INSERT INTO task_event_new (task_id, seq, level, stage, message, http_status, latency_ms, status, detail, created_at, updated_at)
SELECT task_id, seq, level, stage, CASE WHEN detail IS NULL THEN message END, http_status, latency_ms, status, detail, created_at, updated_at
FROM task_event;

DROP TABLE task_event;
ALTER TABLE task_event_new RENAME TO task_event;

-- API configurations, their keys (encrypted), and their history with snapshots.

CREATE TABLE config (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    -- trim + Unicode lowercase of name: uniqueness ignores case and surrounding spaces.
    name_key        TEXT    NOT NULL,
    api_type        TEXT    NOT NULL,
    host_domestic   TEXT    NOT NULL,
    host_overseas   TEXT    NOT NULL,
    draw_endpoint   TEXT    NOT NULL,
    result_endpoint TEXT    NOT NULL,
    upload_endpoint TEXT    NOT NULL,
    model_name      TEXT    NOT NULL,
    is_sync_api     INTEGER NOT NULL CHECK (is_sync_api IN (0, 1)),
    enable_retry    INTEGER NOT NULL CHECK (enable_retry IN (0, 1)),
    is_active       INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    timeout_secs    INTEGER NOT NULL,
    max_concurrency INTEGER NOT NULL,
    allow_local     INTEGER NOT NULL DEFAULT 0 CHECK (allow_local IN (0, 1)),
    -- XChaCha20-Poly1305 under the master key, the config id as associated data.
    key_ciphertext  BLOB,
    key_nonce       BLOB,
    key_mask        TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    archived_at     INTEGER,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES user (id),
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES user (id)
);
CREATE UNIQUE INDEX config_name_key ON config (name_key);

-- One row per change. Rows that produced a version carry the full snapshot (never the key).
CREATE TABLE config_event (
    id         INTEGER PRIMARY KEY,
    config_id  INTEGER NOT NULL REFERENCES config (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    snapshot   TEXT,
    changes    TEXT    NOT NULL DEFAULT '[]',
    actor_id   INTEGER REFERENCES user (id),
    actor_name TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX config_event_config ON config_event (config_id, id);

-- Key checks (检测密钥): what the provider said about a config's key, newest first. `result` is
-- the check as JSON (app::domain::KeyCheck). The last 20 per config are kept.
CREATE TABLE key_check (
    id         INTEGER PRIMARY KEY,
    config_id  INTEGER NOT NULL REFERENCES config (id) ON DELETE CASCADE,
    checked_at INTEGER NOT NULL,
    result     TEXT    NOT NULL CHECK (json_valid(result))
);
CREATE INDEX key_check_config ON key_check (config_id, checked_at DESC);

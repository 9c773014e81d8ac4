-- Users, sign-in failures (for lockout), the audit log and small key/value facts.
-- Times are unix milliseconds (UTC).

CREATE TABLE user (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator')),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- Bumped when the password, role or disabled flag changes: older sessions stop working.
    auth_version  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX user_username_nocase ON user (username COLLATE NOCASE);

CREATE TABLE login_failure (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL COLLATE NOCASE,
    ip         TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX login_failure_username ON login_failure (username, created_at);
CREATE INDEX login_failure_ip ON login_failure (ip, created_at);

CREATE TABLE audit_event (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER REFERENCES user (id),
    actor_name TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX audit_event_created ON audit_event (created_at);

CREATE TABLE meta (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

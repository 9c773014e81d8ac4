-- Provider callbacks (RunningHub's webhookUrl, event TASK_END).
-- config.callbacks: the config asks the provider to call back when a task ends (only used when
-- the console knows its public address, --public-url).
ALTER TABLE config ADD COLUMN callbacks INTEGER NOT NULL DEFAULT 0 CHECK (callbacks IN (0, 1));

-- task.callback_token: the unguessable token in the task's webhookUrl, stored before the submit
-- leaves so a callback after a crash in mid submit still finds its task.
-- task.ended_by: how the end came to be known: 'poll', 'callback' (confirmed by one query), or
-- 'operator' (decided by a person).
ALTER TABLE task ADD COLUMN callback_token TEXT;
ALTER TABLE task ADD COLUMN ended_by TEXT CHECK (ended_by IN ('poll', 'callback', 'operator'));
CREATE UNIQUE INDEX task_callback_token ON task (callback_token) WHERE callback_token IS NOT NULL;

-- Every callback received, as it came (the body cut at 64 KiB), and what was done with it.
CREATE TABLE callback (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER REFERENCES task (id) ON DELETE SET NULL,
    provider_task_id TEXT,
    event            TEXT,
    status           TEXT,
    -- SHA-256 of the body: the same callback twice is recognised.
    body_sha256      TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    -- accepted: the task was told; duplicate: the same body came before; unknown_token: no task
    -- has this token; malformed: not a callback; ignored: the task was final already.
    outcome          TEXT    NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'unknown_token', 'malformed', 'ignored')),
    remote_addr      TEXT,
    received_at      INTEGER NOT NULL
);
CREATE INDEX callback_task ON callback (task_id, id);
CREATE INDEX callback_received ON callback (received_at);

-- task.rerun_of: the task this one runs again (lineage), if any.
ALTER TABLE task ADD COLUMN rerun_of INTEGER REFERENCES task (id);

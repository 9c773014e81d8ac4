-- Which process follows which task. Every process that runs the engine (a serving console, or
-- `rhconsole task run` when no console serves the data directory) registers here and keeps
-- its heartbeat fresh; a task records the engine that follows it. A console adopts tasks that
-- nobody follows (handed over by the command line) or whose engine died, and never takes a
-- task from a live one.
CREATE TABLE engine (
    id            TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('serve', 'cli')),
    pid           INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE task ADD COLUMN engine_id TEXT;

-- Finds tasks changed by another process (their events reach this console's live viewers).
CREATE INDEX task_updated ON task (updated_at);

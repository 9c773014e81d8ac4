-- The task statuses, once, with which of them are in flight (app::domain::TaskStatus holds the
-- same set; a test checks both agree). SQLite cannot add a CHECK constraint to an existing
-- table, so triggers refuse any other status on insert and update; rows already stored are
-- all known values and keep working.
CREATE TABLE task_status_name (
    name       TEXT PRIMARY KEY,
    in_flight  INTEGER NOT NULL CHECK (in_flight IN (0, 1))
) WITHOUT ROWID;

INSERT INTO task_status_name (name, in_flight) VALUES
    ('pending', 1),
    ('uploading', 1),
    ('submitting', 1),
    ('queued', 1),
    ('running', 1),
    ('succeeded', 0),
    ('failed', 0),
    ('cancelled', 0),
    ('timed_out', 0),
    ('submit_uncertain', 0);

CREATE TRIGGER task_status_known_on_insert
BEFORE INSERT ON task
WHEN NEW.status NOT IN (SELECT name FROM task_status_name)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: unknown task.status');
END;

CREATE TRIGGER task_status_known_on_update
BEFORE UPDATE OF status ON task
WHEN NEW.status NOT IN (SELECT name FROM task_status_name)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: unknown task.status');
END;

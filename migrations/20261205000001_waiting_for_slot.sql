-- Capacity-aware submit: a task waits in `waiting` while its config (or the provider's
-- account) is at its concurrency limit. `waiting_since` (unix ms) orders the line: a task's
-- place is 1 + the waiting tasks of its config that came before it.
INSERT INTO task_status_name (name, in_flight) VALUES ('waiting', 1);
ALTER TABLE task ADD COLUMN waiting_since INTEGER;
CREATE INDEX task_waiting ON task (config_id, waiting_since, id) WHERE status = 'waiting';

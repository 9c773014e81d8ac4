-- Statistics over a time window (the config list's 24-hour rates, the overview) read only
-- created_at, config_id, status and finished_at: a covering index keeps them off the wide task
-- rows. It starts with created_at, so it replaces task_created.
CREATE INDEX task_created_stats ON task (created_at, config_id, status, finished_at);
DROP INDEX task_created;

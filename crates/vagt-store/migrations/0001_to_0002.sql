-- Version 1 to 2: sync runs keep the error's code (for the UI to translate), how far behind
-- the server the store was left, and a running sync's progress and heartbeat.
ALTER TABLE sync_runs ADD COLUMN error_code TEXT;
ALTER TABLE sync_runs ADD COLUMN behind INTEGER;
ALTER TABLE sync_runs ADD COLUMN progress_type TEXT;
ALTER TABLE sync_runs ADD COLUMN progress_done INTEGER;
ALTER TABLE sync_runs ADD COLUMN progress_total INTEGER;
ALTER TABLE sync_runs ADD COLUMN progress_rate REAL;
ALTER TABLE sync_runs ADD COLUMN heartbeat_at INTEGER;

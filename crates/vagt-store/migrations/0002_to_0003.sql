-- Version 2 to 3: triage plans become documents with revisions (the per-parameter thresholds
-- table, never filled, is replaced); a nurse's level decision gets a stable key; a rejected
-- input remembers whose it was, so an implausible reading can raise that citizen's alarm;
-- acknowledgements from other stations wait for alarms this store has not raised yet.
DROP TABLE thresholds;

CREATE TABLE triage_plan_revisions (
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    document   TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    PRIMARY KEY (citizen_id, revision)
) STRICT, WITHOUT ROWID;

ALTER TABLE ecm_levels ADD COLUMN decision_key TEXT;

CREATE UNIQUE INDEX ecm_levels_decision_key ON ecm_levels (decision_key)
    WHERE decision_key IS NOT NULL;

ALTER TABLE rejected_input ADD COLUMN citizen_id TEXT REFERENCES citizens (id);

-- Acknowledgements made at other stations for alarms this store has not raised (yet), as the
-- backend brought them: applied the moment this store raises the alarm, so an alarm already
-- acknowledged elsewhere never opens here.
CREATE TABLE remote_acknowledgements (
    alarm_id        TEXT PRIMARY KEY,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at INTEGER NOT NULL,
    comment         TEXT,
    received_at     INTEGER NOT NULL
) STRICT;

-- Version 13 to 14: a worklist row's shown fields packed into one column (issue 15). The rows
-- are made from the tables they show, so the old ones are dropped and every citizen is marked
-- stale: the next whole worklist makes every row again.

DROP TABLE worklist_summary;

CREATE TABLE worklist_summary (
    name       TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    shown      BLOB NOT NULL,
    PRIMARY KEY (name, citizen_id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX worklist_summary_by_citizen ON worklist_summary (citizen_id);

INSERT INTO worklist_stale (citizen_id)
    SELECT id FROM citizens WHERE id NOT IN (SELECT citizen_id FROM worklist_stale);

-- Version 11 to 12: the whole worklist from indexes alone (issue 15).
-- * `citizens_worklist`: every citizen's worklist columns in id order.
-- * `alarms_open_by_citizen` holds the priority (and the state, which SQLite does not take
--   from the partial index's WHERE) too.
-- * `latest_packs`: each citizen's latest readings in one row, packed again when stale; every
--   citizen with latest readings starts stale.

CREATE INDEX citizens_worklist ON citizens (id, name, birth_date, phone, address, mas_only);

DROP INDEX alarms_open_by_citizen;
CREATE INDEX alarms_open_by_citizen ON alarms (citizen_id, priority, state) WHERE state = 'open';

CREATE TABLE latest_packs (
    citizen_id TEXT PRIMARY KEY,
    pack       BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE latest_packs_stale (
    citizen_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

INSERT INTO latest_packs_stale (citizen_id) SELECT DISTINCT citizen_id FROM latest_readings;

CREATE TRIGGER latest_added_stale AFTER INSERT ON latest_readings
BEGIN
    INSERT INTO latest_packs_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM latest_packs_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER latest_changed_stale AFTER UPDATE ON latest_readings
BEGIN
    INSERT INTO latest_packs_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM latest_packs_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER latest_removed_stale AFTER DELETE ON latest_readings
BEGIN
    INSERT INTO latest_packs_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM latest_packs_stale WHERE citizen_id = OLD.citizen_id);
END;

-- Version 12 to 13: the whole worklist kept as one row per citizen (issue 15).
-- * `worklist_summary` replaces `latest_packs`: the whole row, not only its latest readings, made
--   again when stale; `worklist_stale` replaces `latest_packs_stale` and is marked by triggers
--   on every table a row is made from. Every citizen starts stale.
-- * `citizens_worklist` and `ecm_levels_confirmed` go: only the whole list read the citizens
--   table and every confirmed level whole; a row's reads search by citizen.

DROP TRIGGER latest_added_stale;
DROP TRIGGER latest_changed_stale;
DROP TRIGGER latest_removed_stale;
DROP TABLE latest_packs;
DROP TABLE latest_packs_stale;
DROP INDEX citizens_worklist;
DROP INDEX ecm_levels_confirmed;

CREATE TABLE worklist_summary (
    name               TEXT NOT NULL,
    citizen_id         TEXT NOT NULL,
    birth_date         TEXT,
    phone              TEXT,
    address            TEXT,
    mas_only           INTEGER NOT NULL,
    diagnoses          TEXT NOT NULL,
    latest             BLOB NOT NULL,
    suggested_level    INTEGER,
    confirmed_level    INTEGER,
    open_alarms        INTEGER NOT NULL,
    top_alarm_priority TEXT,
    open_dispatch      TEXT,
    news2_from         INTEGER,
    news2              TEXT,
    PRIMARY KEY (name, citizen_id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX worklist_summary_by_citizen ON worklist_summary (citizen_id);

CREATE TABLE worklist_stale (
    citizen_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

INSERT INTO worklist_stale (citizen_id) SELECT id FROM citizens;

CREATE TRIGGER citizens_added_stale AFTER INSERT ON citizens
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.id);
END;

CREATE TRIGGER citizens_changed_stale
AFTER UPDATE OF name, birth_date, phone, address, mas_only ON citizens
    WHEN OLD.name IS NOT NEW.name OR OLD.birth_date IS NOT NEW.birth_date
        OR OLD.phone IS NOT NEW.phone OR OLD.address IS NOT NEW.address
        OR OLD.mas_only IS NOT NEW.mas_only
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.id);
END;

CREATE TRIGGER citizens_removed_stale AFTER DELETE ON citizens
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.id);
END;

CREATE TRIGGER diagnoses_added_stale AFTER INSERT ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER diagnoses_changed_stale AFTER UPDATE ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER diagnoses_removed_stale AFTER DELETE ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.citizen_id);
END;

CREATE TRIGGER latest_added_stale AFTER INSERT ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER latest_changed_stale AFTER UPDATE ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER latest_removed_stale AFTER DELETE ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.citizen_id);
END;

CREATE TRIGGER evaluations_added_stale AFTER INSERT ON citizen_evaluations
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER evaluations_changed_stale
AFTER UPDATE OF suggested_level, news2, news2_from ON citizen_evaluations
    WHEN OLD.suggested_level IS NOT NEW.suggested_level OR OLD.news2 IS NOT NEW.news2
        OR OLD.news2_from IS NOT NEW.news2_from
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER evaluations_removed_stale AFTER DELETE ON citizen_evaluations
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.citizen_id);
END;

CREATE TRIGGER decisions_added_stale AFTER INSERT ON ecm_levels
    WHEN NEW.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER decisions_changed_stale AFTER UPDATE ON ecm_levels
    WHEN OLD.kind = 'confirmed' OR NEW.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER decisions_removed_stale AFTER DELETE ON ecm_levels
    WHEN OLD.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.citizen_id);
END;

CREATE TRIGGER alarms_added_stale AFTER INSERT ON alarms
    WHEN NEW.state = 'open'
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER alarms_changed_stale AFTER UPDATE OF state, priority ON alarms
    WHEN (OLD.state = 'open' OR NEW.state = 'open')
        AND (OLD.state IS NOT NEW.state OR OLD.priority IS NOT NEW.priority)
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER alarms_removed_stale AFTER DELETE ON alarms
    WHEN OLD.state = 'open'
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.citizen_id);
END;

CREATE TRIGGER dispatches_added_stale AFTER INSERT ON dispatches
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER dispatches_changed_stale AFTER UPDATE OF state, requested_at ON dispatches
    WHEN OLD.state IS NOT NEW.state OR OLD.requested_at IS NOT NEW.requested_at
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT NEW.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = NEW.citizen_id);
END;

CREATE TRIGGER dispatches_removed_stale AFTER DELETE ON dispatches
BEGIN
    INSERT INTO worklist_stale (citizen_id) SELECT OLD.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = OLD.citizen_id);
END;

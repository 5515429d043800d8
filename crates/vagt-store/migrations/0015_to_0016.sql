-- Version 15 to 16: a bulk load (issue 15). While a pull brings at least as many readings as
-- the store holds, the readings' per-citizen index is dropped and made again at the end; the
-- row in `bulk_load` says one is under way. The triggers that look a changed reading's
-- latest up again by that index step aside meanwhile, for ones that mark the pair stale in
-- `latest_readings_stale`.

CREATE TABLE bulk_load (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    backend  TEXT NOT NULL,
    began_at INTEGER NOT NULL
) STRICT;

CREATE TABLE latest_readings_stale (
    citizen_id TEXT NOT NULL,
    parameter  TEXT NOT NULL,
    PRIMARY KEY (citizen_id, parameter)
) STRICT, WITHOUT ROWID;

DROP TRIGGER readings_changed_latest;
DROP TRIGGER readings_removed_latest;

CREATE TRIGGER readings_changed_latest
AFTER UPDATE OF is_current, status, value, effective_at ON readings
WHEN NOT EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        SELECT citizen_id, parameter, id, value, effective_at FROM readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter
          AND is_current = 1 AND status <> 'entered_in_error'
        ORDER BY effective_at DESC, id DESC LIMIT 1;
END;

CREATE TRIGGER readings_removed_latest AFTER DELETE ON readings
WHEN NOT EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        SELECT citizen_id, parameter, id, value, effective_at FROM readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter
          AND is_current = 1 AND status <> 'entered_in_error'
        ORDER BY effective_at DESC, id DESC LIMIT 1;
END;

CREATE TRIGGER readings_changed_latest_in_bulk
AFTER UPDATE OF is_current, status, value, effective_at ON readings
WHEN EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings_stale (citizen_id, parameter)
        VALUES (OLD.citizen_id, OLD.parameter) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER readings_removed_latest_in_bulk AFTER DELETE ON readings
WHEN EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings_stale (citizen_id, parameter)
        VALUES (OLD.citizen_id, OLD.parameter) ON CONFLICT DO NOTHING;
END;

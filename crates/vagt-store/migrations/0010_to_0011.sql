-- Version 10 to 11: the worklist without a search of every reading (issue 15).
-- * `latest_readings`: each citizen's newest current reading of each parameter, filled from the
--   readings there are and kept by triggers from now on.
-- * `ecm_levels_confirmed`: the nurses' decisions indexed apart from the suggested levels.
-- * `alarms_by_citizen`: one citizen's alarms without a scan of every alarm.
-- * `store_counts`: the count of current readings, kept by triggers.
-- * `citizen_evaluations` keeps the NEWS2 of the newest full set found at the last evaluation;
--   every citizen is made due, so the first evaluation after the upgrade fills it in.

ALTER TABLE citizen_evaluations ADD COLUMN news2 TEXT CHECK (news2 IS NULL OR json_valid(news2));
ALTER TABLE citizen_evaluations ADD COLUMN news2_from INTEGER;
UPDATE citizen_evaluations SET next_due_at = 0;

CREATE INDEX alarms_by_citizen ON alarms (citizen_id, raised_at);

CREATE INDEX ecm_levels_confirmed ON ecm_levels (citizen_id, set_at)
    WHERE kind = 'confirmed';

CREATE TABLE latest_readings (
    citizen_id   TEXT NOT NULL,
    parameter    TEXT NOT NULL,
    reading_id   INTEGER NOT NULL,
    value        REAL NOT NULL,
    effective_at INTEGER NOT NULL,
    PRIMARY KEY (citizen_id, parameter)
) STRICT, WITHOUT ROWID;

INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
    SELECT citizen_id, parameter, id, value, effective_at FROM (
        SELECT citizen_id, parameter, id, value, effective_at,
               row_number() OVER (PARTITION BY citizen_id, parameter
                                  ORDER BY effective_at DESC, id DESC) AS newest
        FROM readings
        WHERE is_current = 1 AND status <> 'entered_in_error')
    WHERE newest = 1;

CREATE TRIGGER readings_added_latest AFTER INSERT ON readings
WHEN NEW.is_current = 1 AND NEW.status <> 'entered_in_error'
BEGIN
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        VALUES (NEW.citizen_id, NEW.parameter, NEW.id, NEW.value, NEW.effective_at)
        ON CONFLICT (citizen_id, parameter) DO UPDATE
        SET reading_id = excluded.reading_id, value = excluded.value,
            effective_at = excluded.effective_at
        WHERE (excluded.effective_at, excluded.reading_id)
            > (latest_readings.effective_at, latest_readings.reading_id);
END;

CREATE TRIGGER readings_changed_latest
AFTER UPDATE OF is_current, status, value, effective_at ON readings
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
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        SELECT citizen_id, parameter, id, value, effective_at FROM readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter
          AND is_current = 1 AND status <> 'entered_in_error'
        ORDER BY effective_at DESC, id DESC LIMIT 1;
END;

CREATE TABLE store_counts (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO store_counts (name, value)
    SELECT 'current_readings', count(*) FROM readings WHERE is_current = 1;

CREATE TRIGGER readings_added_count AFTER INSERT ON readings
WHEN NEW.is_current = 1
BEGIN
    UPDATE store_counts SET value = value + 1 WHERE name = 'current_readings';
END;

CREATE TRIGGER readings_current_changed_count AFTER UPDATE OF is_current ON readings
WHEN OLD.is_current <> NEW.is_current
BEGIN
    UPDATE store_counts SET value = value + NEW.is_current - OLD.is_current
        WHERE name = 'current_readings';
END;

CREATE TRIGGER readings_removed_count AFTER DELETE ON readings
WHEN OLD.is_current = 1
BEGIN
    UPDATE store_counts SET value = value - 1 WHERE name = 'current_readings';
END;

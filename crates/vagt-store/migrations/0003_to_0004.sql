-- Version 3 to 4: care events the backend reports as Encounters (MAS visits, acute-bed and
-- hospital admissions, discharges), which set a floor under the suggested ECM level.
CREATE TABLE care_events (
    id             INTEGER PRIMARY KEY,
    citizen_id     TEXT NOT NULL REFERENCES citizens (id),
    kind           TEXT NOT NULL CHECK (kind IN (
                       'mas_visit', 'acute_bed_admission', 'hospital_admission', 'discharge')),
    at             INTEGER NOT NULL,
    source_id      TEXT NOT NULL,
    source_version TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'current'
                       CHECK (state IN ('current', 'superseded', 'retracted')),
    received_at    INTEGER NOT NULL,
    UNIQUE (source_id, source_version, kind)
) STRICT;

CREATE INDEX care_events_current_by_citizen ON care_events (citizen_id, at)
    WHERE state = 'current';

// The types of the boundary with the Rust back end (commands and the `vagt://changed` event).
// Written by hand from the contract until ts-rs generates this file; it will be overwritten,
// so nothing but the contract's types belongs here.

export type Timestamp = string;
export type CitizenId = string;
export type AlarmId = string;
export type EcmLevel = number;
export type Parameter = "spo2" | "pulse" | "fev1" | "fvc" | "temperature" | "weight" | "systolic_bp"
  | "diastolic_bp" | "respiratory_rate" | "blood_glucose" | "crp" | "cat_score" | "symptom_score";
export type Diagnosis = "copd" | "heart_failure" | "diabetes";
export type Triage = "green" | "yellow" | "red";
export type AlarmKind = "level_rise" | "level_fall" | "suggestion_differs" | "missed_measurement" | "rejected_reading";
export type AlarmPriority = "high" | "medium" | "low" | "info";
export type AlarmState = "open" | "acknowledged";
export type LevelKind = "suggested" | "confirmed";
export type LevelSource = "suggested" | "confirmed" | "event";
export type LevelRule = "all_green" | "one_yellow" | "two_yellows" | "any_red";
export type CareEventKind = "mas_visit" | "acute_bed" | "hospital_admission" | "discharge";
export type Audience = "watching" | "all_stations";
export type Loudness = "normal" | "loud" | "loudest";
export type SyncState = "never" | "syncing" | "online" | "offline" | "failing";
export type SpO2Scale = "scale1" | "scale2";
export type News2Risk = "low" | "low_medium" | "medium" | "high";
export type RelativeKindCode = "below_median" | "above_median" | "rise" | "fall";
export type LimitKind = "yellow_low" | "yellow_high" | "red_low" | "red_high";
export type AssumedPart = "consciousness" | "oxygen";

export type LatestReading = { value: number, unit: string, effective_at: Timestamp };

export type News2 = {
  respiratory_rate: number, spo2: number, oxygen: number, systolic_bp: number, pulse: number,
  consciousness: number, temperature: number, total: number, risk: News2Risk,
};
export type Measured = { value: number, effective_at: Timestamp };
export type FullSet = {
  respiratory_rate: Measured, spo2: Measured, systolic_bp: Measured, pulse: Measured, temperature: Measured,
};
export type FullSetScore = {
  at: Timestamp, scale: SpO2Scale, score: News2, readings: FullSet, assumed: AssumedPart[], is_minimum: boolean,
};

export type CitizenSummary = {
  id: CitizenId, name: string, birth_date: string | null, diagnoses: Diagnosis[], phone: string | null,
  address: string | null, last_reading_at: Timestamp | null, latest: { [key in Parameter]?: LatestReading },
  suggested_level: EcmLevel | null, confirmed_level: EcmLevel | null, open_alarms: number,
  top_alarm_priority: AlarmPriority | null, news2: FullSetScore | null,
};

export type FindingRule = { type: "limit", limit: LimitKind } | { type: "relative", id: string, kind: RelativeKindCode };
export type Finding = {
  parameter: Parameter, reading_key: string, reading_at: Timestamp, value: number, triage: Triage,
  rule: FindingRule, limit: number, baseline: number | null,
};
export type LevelTrigger =
  | { trigger: "reading", finding: Finding | null }
  | { trigger: "readings_improved" }
  | { trigger: "event", kind: CareEventKind, key: string }
  | { trigger: "event_ended", kind: CareEventKind, key: string, ended_by: string | null };
export type AlarmCause =
  | { type: "suggested_change", source: LevelSource, from: EcmLevel | null, to: EcmLevel, at: Timestamp, trigger: LevelTrigger | null }
  | { type: "confirmed_change", from: EcmLevel | null, to: EcmLevel, at: Timestamp, decision_key: string, nurse: string }
  | { type: "suggestion_differs", suggested: EcmLevel, suggested_since: Timestamp | null, confirmed: EcmLevel | null, decision_key: string | null }
  | { type: "missed_measurement", parameter: Parameter, last_at: Timestamp, due_at: Timestamp, grace_ms: number }
  | { type: "rejected_reading", fingerprint: string, reason: string, parameter: Parameter | null };

export type EscalationStep = { step: number, due_at: Timestamp, audience: Audience, loudness: Loudness };

export type AlarmRow = {
  id: AlarmId, citizen_id: CitizenId, citizen_name: string, kind: AlarmKind, priority: AlarmPriority,
  raised_at: Timestamp, cause: AlarmCause, state: AlarmState, acknowledged_by: string | null,
  acknowledged_at: Timestamp | null, ack_comment: string | null, escalation: EscalationStep | null,
  next_escalation_at: Timestamp | null, snoozed_until: Timestamp | null,
};

export type AckOutcome =
  | { outcome: "acknowledged", alarm_id: AlarmId }
  | { outcome: "already_acknowledged", alarm_id: AlarmId, by: string, at: Timestamp }
  | { outcome: "waiting", alarm_id: AlarmId };
export type SnoozeOutcome = { alarm_id: AlarmId, nurse: string, requested_until: Timestamp, silenced_until: Timestamp };

export type SyncProgress = { resource_type: string, done: number, total: number | null, per_second: number };
export type StoreStatus = {
  citizens: number, readings: number, rejected: number, outbox: number, last_sync: Timestamp | null,
  sync_error: string | null, sync_error_code: string | null, sync_state: SyncState,
  sync_progress: SyncProgress | null, readings_behind: number | null, open_alarms: number,
  open_high_alarms: number, alarms_total: number, schema_version: number, db_path: string, actor: string,
};

export type CommandError = { code: string, message: string };

export type PlanView = {
  citizen_id: CitizenId, revision: number | null, changed_by: string | null, reason: string | null,
  overrides: string, resolved: string,
};

/** What changed in the store; the UI re-reads only that. citizens null = all of them. */
export type StoreChanged = { citizens: CitizenId[] | null, alarms: boolean, status: boolean };

export type CitizenDetails = { id: CitizenId, name: string, cpr: string | null,
  birth_date: string | null, diagnoses: Diagnosis[], phone: string | null, address: string | null };
export type LevelHistoryEntry = { kind: LevelKind, level: EcmLevel, set_at: Timestamp,
  set_by: string | null, reason: string | null, rule: LevelRule | null };
export type PageReading = { parameter: Parameter, value: number, unit: string, effective_at: Timestamp,
  triage: Triage | null };
export type CitizenPage = {
  citizen: CitizenDetails,
  suggested_level: EcmLevel | null, confirmed_level: EcmLevel | null,
  level_history: LevelHistoryEntry[],
  plan: PlanForm,
  readings: PageReading[],
  alarms: AlarmRow[],
  news2: FullSetScore | null,
};

/** A plan document as JSON: every field optional (absent or null = inherited). */
export type LimitsEntry = { yellow_low?: number | null, yellow_high?: number | null, red_low?: number | null, red_high?: number | null, off?: boolean | null };
export type ScheduleEntry = { every_hours?: number | null, grace_hours?: number | null, off?: boolean | null };
export type RelativeEntry = { id: string, parameter?: Parameter | null, kind?: RelativeKindCode | null, percent?: number | null,
  amount?: number | null, window_hours?: number | null, min_readings?: number | null, colour?: Triage | null, off?: boolean | null };
export type EngineSection = { hold_hours?: number | null, lookback_hours?: number | null, mas_visit_hold_hours?: number | null };
export type LevelSection = { all_green?: EcmLevel | null, one_yellow?: EcmLevel | null, two_yellows?: EcmLevel | null,
  any_red?: EcmLevel | null, mas_visit?: EcmLevel | null, acute_bed?: EcmLevel | null, hospital?: EcmLevel | null };
export type News2Section = { spo2_scale?: SpO2Scale | null };
export type PlanDocument = { engine?: EngineSection, levels?: LevelSection, limits?: { [key in Parameter]?: LimitsEntry },
  schedule?: { [key in Parameter]?: ScheduleEntry }, relative?: RelativeEntry[], news2?: News2Section };

/** The plan of one citizen as a form: the diagnosis defaults, the citizen's overrides, the result. */
export type PlanForm = { citizen_id: CitizenId, revision: number | null, changed_by: string | null,
  changed_at: Timestamp | null, reason: string | null,
  defaults: PlanDocument, overrides: PlanDocument, resolved: PlanDocument };

export type PlanProblemCode = "syntax" | "unsupported_version" | "unknown_parameter" | "not_finite" | "not_positive"
  | "negative" | "out_of_range" | "yellow_outside_red" | "low_not_below_high" | "off_with_values" | "missing_field"
  | "unknown_value" | "field_not_allowed" | "green_rule" | "bad_rule_id" | "duplicate_rule" | "conflicting_rule"
  | "mapping_not_monotone";
/** One reason a plan is refused: a code and its values, worded by the UI through the catalogue. */
export type PlanProblem = { code: PlanProblemCode, field: string | null, value: number | null,
  other_field: string | null, other_value: number | null, low: number | null, high: number | null,
  text: string | null, message: string };
export type PlanCheck = { problems: PlanProblem[], resolved: PlanDocument | null };

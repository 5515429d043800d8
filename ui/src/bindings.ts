// Generated from the Rust types by `cargo test -p vagt-app --test bindings`
// (VAGT_UPDATE_BINDINGS=1 rewrites it). Do not edit: change the Rust types.

/** The window event that carries a `StoreChanged`. */
export const STORE_CHANGED_EVENT = "vagt://changed";

/** The unit each parameter is kept in (UCUM). */
export const CANONICAL_UNITS: Record<Parameter, string> = {
  spo2: "%",
  pulse: "/min",
  fev1: "L",
  fvc: "L",
  temperature: "Cel",
  weight: "kg",
  systolic_bp: "mm[Hg]",
  diastolic_bp: "mm[Hg]",
  respiratory_rate: "/min",
  blood_glucose: "mmol/L",
  crp: "mg/L",
  cat_score: "{score}",
  symptom_score: "{score}",
};

export type Timestamp = string;

export type CitizenId = string;

export type EcmLevel = number;

export type Parameter = "spo2" | "pulse" | "fev1" | "fvc" | "temperature" | "weight" | "systolic_bp" | "diastolic_bp" | "respiratory_rate" | "blood_glucose" | "crp" | "cat_score" | "symptom_score";

export type Diagnosis = "copd" | "heart_failure" | "diabetes";

export type Triage = "green" | "yellow" | "red";

export type LimitKind = "yellow_low" | "yellow_high" | "red_low" | "red_high";

export type LevelKind = "suggested" | "confirmed";

export type LevelSource = "suggested" | "confirmed" | "event";

export type CareEventKind = "mas_visit" | "acute_bed_admission" | "hospital_admission" | "discharge";

export type LevelRule = "all_green" | "one_yellow" | "two_yellows" | "any_red";

export type RelativeKindCode = "below_median" | "above_median" | "rise" | "fall";

export type AlarmKind = "level_rise" | "level_fall" | "suggestion_differs" | "missed_measurement" | "rejected_reading" | "plan_conflict" | "dispatch_conflict" | "follow_up_due";

export type AlarmPriority = "info" | "low" | "medium" | "high";

export type AlarmState = "open" | "acknowledged" | "resolved";

export type ResolvedReason = "measured" | "superseded" | "expired" | "withdrawn" | "decided" | "cleared";

export type AlarmCause = { "type": "suggested_change", source: LevelSource, from: EcmLevel | null, to: EcmLevel, 
/**
 * The data instant of the change.
 */
at: Timestamp, trigger: LevelTrigger | null, } | { "type": "confirmed_change", from: EcmLevel | null, to: EcmLevel, at: Timestamp, decision_key: string, nurse: string, } | { "type": "suggestion_differs", suggested: EcmLevel, suggested_since: Timestamp | null, confirmed: EcmLevel | null, decision_key: string | null, } | { "type": "missed_measurement", parameter: Parameter, last_at: Timestamp, due_at: Timestamp, grace_ms: number, } | { "type": "rejected_reading", fingerprint: string, reason: string, parameter: Parameter | null, } | { "type": "plan_conflict", revisions: Array<PlanHead>, } | { "type": "dispatch_conflict", dispatch_key: string, fields: Array<DispatchField>, steps: Array<string>, } | { "type": "follow_up_due", call_key: string, due_at: Timestamp, nurse: string, };

export type PlanHead = { key: string, changed_by: string, changed_at: Timestamp, };

export type LevelTrigger = { "trigger": "reading", finding: Finding | null, } | { "trigger": "readings_improved" } | { "trigger": "event", kind: CareEventKind, key: string, } | { "trigger": "event_ended", kind: CareEventKind, key: string, ended_by: string | null, };

export type Finding = { parameter: Parameter, reading_key: string, reading_at: Timestamp, value: number, triage: Triage, rule: FindingRule, 
/**
 * The value the reading crossed: the limit, or for a relative rule the computed bound
 * (e.g. 80 % of the median).
 */
limit: number, 
/**
 * For relative rules: the median (or the lowest / highest reading) of the window.
 */
baseline: number | null, };

export type FindingRule = { "type": "limit", limit: LimitKind, } | { "type": "relative", id: string, kind: RelativeKindCode, };

export type Audience = "watching" | "all_stations";

export type Loudness = "normal" | "loud" | "loudest";

export type EscalationStep = { step: number, due_at: Timestamp, audience: Audience, loudness: Loudness, };

export type EscalationRule = { 
/**
 * Delay from `raised_at` to the first step.
 */
after_ms: number, 
/**
 * Delay between later steps; `None`: only one step.
 */
repeat_ms: number | null, 
/**
 * Steps beyond this are not taken (at least 1).
 */
max_steps: number, audience: Audience, };

export type EscalationPolicy = { high: EscalationRule | null, medium: EscalationRule | null, low: EscalationRule | null, info: EscalationRule | null, };

export type SpO2Scale = "scale1" | "scale2";

export type News2Risk = "low" | "low_medium" | "medium" | "high";

export type News2Score = { respiratory_rate: number, spo2: number, oxygen: number, systolic_bp: number, pulse: number, consciousness: number, temperature: number, total: number, risk: News2Risk, };

export type Measured = { 
/**
 * In the parameter's canonical unit.
 */
value: number, effective_at: Timestamp, };

export type FullSet = { respiratory_rate: Measured, spo2: Measured, systolic_bp: Measured, pulse: Measured, temperature: Measured, };

export type AssumedPart = "consciousness" | "oxygen";

export type FullSetScore = { 
/**
 * The set's instant: the newest of its readings.
 */
at: Timestamp, scale: SpO2Scale, score: News2Score, 
/**
 * The readings scored.
 */
readings: FullSet, 
/**
 * Parts scored as Alert and room air because nobody assessed them.
 */
assumed: Array<AssumedPart>, 
/**
 * True when anything was assumed: the true NEWS2 is `score.total` or more, and the true
 * risk `score.risk` or higher. False when every part was measured or assessed.
 */
is_minimum: boolean, };

export type PlanDocument = { version?: number | null, engine?: EngineSection, levels?: LevelSection, limits?: { [key in Parameter]?: LimitsEntry }, schedule?: { [key in Parameter]?: ScheduleEntry }, relative?: Array<RelativeEntry>, news2?: News2Section, };

export type LimitsEntry = { yellow_low?: number | null, yellow_high?: number | null, red_low?: number | null, red_high?: number | null, off?: boolean | null, };

export type ScheduleEntry = { every_hours?: number | null, grace_hours?: number | null, off?: boolean | null, };

export type RelativeEntry = { id: string, parameter?: Parameter | null, kind?: RelativeKindCode | null, percent?: number | null, amount?: number | null, window_hours?: number | null, min_readings?: number | null, colour?: Triage | null, off?: boolean | null, };

export type EngineSection = { hold_hours?: number | null, lookback_hours?: number | null, mas_visit_hold_hours?: number | null, };

export type LevelSection = { all_green?: EcmLevel | null, one_yellow?: EcmLevel | null, two_yellows?: EcmLevel | null, any_red?: EcmLevel | null, mas_visit?: EcmLevel | null, acute_bed?: EcmLevel | null, hospital?: EcmLevel | null, };

export type News2Section = { spo2_scale?: SpO2Scale | null, };

export type PlanProblem = { code: PlanProblemCode, field: string | null, value: number | null, 
/**
 * The field it clashes with, and that field's value.
 */
other_field: string | null, other_value: number | null, 
/**
 * The allowed range, where one applies.
 */
low: number | null, high: number | null, 
/**
 * A detail that is not a number: a parser's message, an unknown name.
 */
text: string | null, message: string, };

export type PlanProblemCode = "syntax" | "unsupported_version" | "unknown_parameter" | "not_finite" | "not_positive" | "negative" | "out_of_range" | "yellow_outside_red" | "low_not_below_high" | "off_with_values" | "missing_field" | "unknown_value" | "field_not_allowed" | "green_rule" | "bad_rule_id" | "duplicate_rule" | "conflicting_rule" | "mapping_not_monotone";

export type CitizenSummary = { id: CitizenId, name: string, birth_date: string | null, diagnoses: Array<Diagnosis>, phone: string | null, address: string | null, last_reading_at: Timestamp | null, 
/**
 * Keyed by parameter code.
 */
latest: { [key in Parameter]?: LatestReading }, 
/**
 * The level the rules suggest, and the one a nurse confirmed (1-6).
 */
suggested_level: EcmLevel | null, confirmed_level: EcmLevel | null, 
/**
 * Alarms not yet acknowledged, and the highest priority among them.
 */
open_alarms: number, top_alarm_priority: AlarmPriority | null, 
/**
 * NEWS2 of the newest full set of home vitals of the last [`NEWS2_MAX_AGE_MS`], on the
 * SpO2 scale of the citizen's plan; `null` when there is none. Consciousness and oxygen are
 * not measured at home, so it is a floor (`is_minimum`): NEWS2 at least `score.total`.
 */
news2: FullSetScore | null, 
/**
 * Where the citizen's newest open MAS dispatch is (`null`: none open).
 */
open_dispatch: DispatchState | null, 
/**
 * A person the MAS function serves who is not enrolled: no readings or plan expected.
 */
mas_only: boolean, };

export type LatestReading = { value: number, unit: string, effective_at: Timestamp, };

export type WorklistAfter = { name: string, id: string, };

export type WorklistPage = { rows: Array<CitizenSummary>, 
/**
 * Where the next page begins; `null` when this page ends the list.
 */
next: WorklistAfter | null, };

export type AlarmRow = { id: string, citizen_id: CitizenId, citizen_name: string, kind: AlarmKind, priority: AlarmPriority, raised_at: Timestamp, 
/**
 * Codes and values; the UI words it.
 */
cause: AlarmCause, state: AlarmState, acknowledged_by: string | null, acknowledged_at: Timestamp | null, ack_comment: string | null, 
/**
 * When and why it ended by itself, when it did (state `resolved`).
 */
resolved_at: Timestamp | null, resolved_reason: ResolvedReason | null, 
/**
 * The escalation step reached at the time of reading (re-notify, louder, all stations);
 * `null` while none is due.
 */
escalation: EscalationStep | null, 
/**
 * When the next step falls due, so a station can read again then.
 */
next_escalation_at: Timestamp | null, 
/**
 * Until when the reading nurse's own snooze keeps the alarm quiet for her (a high alarm's
 * snooze ends at its first escalation); `null` when it is not snoozed by her.
 */
snoozed_until: Timestamp | null, };

export type AlarmEpisode = { citizen_id: CitizenId, citizen_name: string, 
/**
 * The highest priority among the causes.
 */
priority: AlarmPriority, 
/**
 * The newest cause's time.
 */
raised_at: Timestamp, 
/**
 * The furthest escalation step among the causes, if any is due.
 */
escalation: EscalationStep | null, 
/**
 * The soonest next step among the causes.
 */
next_escalation_at: Timestamp | null, 
/**
 * Until when the reading nurse's snoozes keep every cause quiet for her; `null` unless
 * all are snoozed.
 */
snoozed_until: Timestamp | null, 
/**
 * Every open cause, most urgent first; acknowledging the episode acknowledges these.
 */
causes: Array<AlarmRow>, };

export type EpisodePage = { episodes: Array<AlarmEpisode>, 
/**
 * The page after this one begins after this citizen id; `null` when this is the last.
 */
next: string | null, };

export type PlanRevisionSummary = { key: string, revision: number, changed_by: string, changed_at: Timestamp, reason: string, 
/**
 * Its overrides (TOML), to compare with the one in force.
 */
overrides: string, };

export type AckOutcome = { "outcome": "acknowledged", alarm_id: string, } | { "outcome": "already_acknowledged", alarm_id: string, by: string, at: Timestamp, } | { "outcome": "waiting", alarm_id: string, };

export type SnoozeOutcome = { alarm_id: string, nurse: string, 
/**
 * What was asked for, and until when it silences (earlier for a high alarm).
 */
requested_until: Timestamp, silenced_until: Timestamp, };

export type StoreStatus = { citizens: number, 
/**
 * Current readings (superseded versions not counted).
 */
readings: number, 
/**
 * Rejected inputs still waiting for a human.
 */
rejected: number, 
/**
 * Local changes not yet accepted by the backend.
 */
outbox: number, 
/**
 * When the last successful sync finished, if ever.
 */
last_sync: Timestamp | null, 
/**
 * Why the newest sync run failed, when it did (words for a nurse); `null` after a success.
 */
sync_error: string | null, 
/**
 * The stable code of that error (`offline`, `unauthorized`, ...), for the UI's catalogue.
 */
sync_error_code: string | null, sync_state: SyncState, 
/**
 * A running sync's progress (with `sync_state` `syncing`).
 */
sync_progress: SyncProgress | null, 
/**
 * Readings the backend holds that this store has not got yet, as of the newest run that
 * could tell; `null` when unknown (never synced, or offline before it could count).
 */
readings_behind: number | null, 
/**
 * A first sync's bulk load is under way (`bulk_load` in schema.sql): the rules wait until
 * every reading is in, so no alarm is raised meanwhile.
 */
bulk_load: boolean, 
/**
 * Alarms waiting for a nurse, and how many of them are high priority.
 */
open_alarms: number, open_high_alarms: number, 
/**
 * Every alarm ever raised here: with `open_alarms`, tells a poller that alarms changed.
 */
alarms_total: number, schema_version: number, db_path: string, };

export type SyncState = "never" | "syncing" | "online" | "offline" | "failing";

export type SyncProgress = { resource_type: string, done: number, 
/**
 * From the server's count, when it gives one.
 */
total: number | null, per_second: number, };

export type PlanView = { citizen_id: CitizenId, 
/**
 * The revision of the citizen's own overrides; `null` when the defaults apply unchanged.
 */
revision: number | null, 
/**
 * The key of that revision, to name as the base of the next one.
 */
key: string | null, changed_by: string | null, reason: string | null, 
/**
 * Other newest revisions, in conflict with the one in force.
 */
conflicts: Array<PlanRevisionSummary>, 
/**
 * The citizen's overrides (TOML).
 */
overrides: string, 
/**
 * The plan in force: the defaults of the citizen's diagnoses with the overrides (TOML).
 */
resolved: string, };

export type PlanForm = { citizen_id: CitizenId, revision: number | null, 
/**
 * The revision in force; the form sends it back as the base of the change.
 */
key: string | null, changed_by: string | null, changed_at: Timestamp | null, reason: string | null, 
/**
 * Other newest revisions, in conflict with the one in force: saving the form settles
 * them (the nurse has seen them).
 */
conflicts: Array<PlanRevisionSummary>, defaults: PlanDocument, overrides: PlanDocument, resolved: PlanDocument, };

export type PlanCheck = { problems: Array<PlanProblem>, resolved: PlanDocument | null, };

export type LevelHistoryEntry = { kind: LevelKind, level: EcmLevel, set_at: Timestamp, 
/**
 * The nurse, or `system` for a suggestion.
 */
set_by: string | null, 
/**
 * A nurse's reason (confirmed levels).
 */
reason: string | null, 
/**
 * Why the rules suggested it (suggested levels).
 */
rule: LevelRule | null, };

export type StationStatus = { actor: string, 
/**
 * Whether this process's background sync has the backend's Subscriptions bound (new
 * readings arrive as they are posted); `null` where no background sync runs (`vagtctl`).
 */
subscribed: boolean | null, citizens: number, 
/**
 * Current readings (superseded versions not counted).
 */
readings: number, 
/**
 * Rejected inputs still waiting for a human.
 */
rejected: number, 
/**
 * Local changes not yet accepted by the backend.
 */
outbox: number, 
/**
 * When the last successful sync finished, if ever.
 */
last_sync: Timestamp | null, 
/**
 * Why the newest sync run failed, when it did (words for a nurse); `null` after a success.
 */
sync_error: string | null, 
/**
 * The stable code of that error (`offline`, `unauthorized`, ...), for the UI's catalogue.
 */
sync_error_code: string | null, sync_state: SyncState, 
/**
 * A running sync's progress (with `sync_state` `syncing`).
 */
sync_progress: SyncProgress | null, 
/**
 * Readings the backend holds that this store has not got yet, as of the newest run that
 * could tell; `null` when unknown (never synced, or offline before it could count).
 */
readings_behind: number | null, 
/**
 * A first sync's bulk load is under way (`bulk_load` in schema.sql): the rules wait until
 * every reading is in, so no alarm is raised meanwhile.
 */
bulk_load: boolean, 
/**
 * Alarms waiting for a nurse, and how many of them are high priority.
 */
open_alarms: number, open_high_alarms: number, 
/**
 * Every alarm ever raised here: with `open_alarms`, tells a poller that alarms changed.
 */
alarms_total: number, schema_version: number, db_path: string, };

export type CitizenDetails = { id: CitizenId, name: string, 
/**
 * The id shown as a CPR number (`DDMMYY-SSSS`) when it is one.
 */
cpr: string | null, birth_date: string | null, diagnoses: Array<Diagnosis>, phone: string | null, address: string | null, 
/**
 * A person the MAS function serves who is not enrolled: no readings or plan expected.
 */
mas_only: boolean, };

export type PageReading = { parameter: Parameter, value: number, unit: string, effective_at: Timestamp, 
/**
 * `null` where the plan has no limits for the parameter.
 */
triage: Triage | null, };

export type CitizenPage = { citizen: CitizenDetails, suggested_level: EcmLevel | null, confirmed_level: EcmLevel | null, 
/**
 * Newest first.
 */
level_history: Array<LevelHistoryEntry>, plan: PlanForm, 
/**
 * The last 7 days, newest first, at most [`PAGE_READINGS_LIMIT`].
 */
readings: Array<PageReading>, 
/**
 * A first sync is loading the readings (a bulk load): `readings` and `news2` are not read
 * until it ends (each read would read every reading), and the page says so rather than
 * show none.
 */
readings_pending: boolean, 
/**
 * Open first, then past; highest priority and newest first.
 */
alarms: Array<AlarmRow>, news2: FullSetScore | null, 
/**
 * The drugs prescribed in advance, by name.
 */
medicine_box: Array<BoxedMedicine>, 
/**
 * MAS visits, newest first, each with its exact NEWS2.
 */
visits: Array<PageVisit>, };

export type StoreChanged = { 
/**
 * The citizens whose worklist rows changed; `null`: every citizen (re-read the list).
 */
citizens: Array<CitizenId> | null, 
/**
 * Any alarm may have changed: re-read them all.
 */
alarms: boolean, 
/**
 * Only these citizens' alarms changed (`alarms` is then false): re-read their episodes,
 * not the region's thousands. Absent when none did.
 */
alarm_citizens?: Array<CitizenId>, status: boolean, };

export type CommandError = { code: string, message: string, problems?: Array<PlanProblem>, 
/**
 * For a refused call: every field that is wrong.
 */
call_problems?: Array<CallProblem>, 
/**
 * For a refused dispatch or change of one: every field that is wrong.
 */
dispatch_problems?: Array<DispatchProblem>, 
/**
 * For a refused visit: every field that is wrong.
 */
visit_problems?: Array<VisitProblem>, 
/**
 * For a person who cannot be added: every field that is wrong.
 */
person_problems?: Array<PersonProblem>, };

export type Sparkline = { citizen_id: CitizenId, parameter: Parameter, 
/**
 * Oldest first, at most [`SPARKLINE_POINTS`]: each bucket's lowest and highest reading.
 */
points: Array<SparkPoint>, 
/**
 * The worst colour among all the readings (not only those kept).
 */
worst: Triage, };

export type SparkPoint = { at: Timestamp, value: number, triage: Triage, };

export type CallForm = { citizen_id: CitizenId | null, caller_name: string, direction: CallDirection, caller: CallerRole, started_at: Timestamp, ended_at: Timestamp, reason: string, symptoms: Array<SymptomReport>, notes: string, advice: string, medicine: Array<MedicineStarted>, e_doctor_consulted: boolean, assessed_level: EcmLevel | null, follow_up_at: Timestamp | null, answers_alarm: string | null, 
/**
 * Readings the citizen read out on the phone.
 */
readings: Array<PhoneReading>, 
/**
 * An outbound call nobody answered (see [`CallRecord::no_answer`]).
 */
no_answer: boolean, 
/**
 * The draft this form was kept as while it was typed: removed when the call is saved.
 */
draft_id: string | null, };

export type CallRecorded = { call: CallRecord, saved: CallSaved, 
/**
 * Alarms the nurse's assessment raised (a change of the confirmed level).
 */
alarms_raised: Array<string>, };

export type CallSaved = { key: string, 
/**
 * The decision key of the confirmed level the nurse's assessment set, if she gave one.
 */
level_decision: string | null, 
/**
 * The alarm the call answered, now acknowledged (or already acknowledged by someone).
 */
answered_alarm: string | null, };

export type FormDraft = { id: string, kind: string, citizen_id: CitizenId | null, form: unknown, updated_at: Timestamp, };

export type Dispatch = { key: string, citizen_id: CitizenId, state: DispatchState, urgency: DispatchUrgency, reason: string, assigned_to: string | null, outcome: VisitOutcome | null, requested_at: Timestamp, requested_by: string, updated_at: Timestamp, 
/**
 * Every state change, in the order the steps are applied.
 */
history: Array<StateEntry>, 
/**
 * Fields that need a nurse to settle them; empty in the usual case.
 */
conflicts: Array<DispatchConflict>, 
/**
 * The newest steps: a new step is made on all of them.
 */
heads: Array<string>, };

export type DispatchState = "requested" | "en_route" | "arrived" | "completed" | "cancelled";

export type DispatchUrgency = "immediate" | "urgent" | "planned";

export type VisitOutcome = "stays_home" | "municipal_acute_bed" | "hospital_admission";

export type DispatchField = "state" | "assigned_to" | "urgency";

export type DispatchConflict = { field: DispatchField, 
/**
 * Every version, oldest first; the last is the one shown meanwhile.
 */
versions: Array<ConflictVersion>, };

export type ConflictVersion = { step: string, 
/**
 * The value as its code (`en_route`, a nurse's name, `urgent`; empty: nobody assigned).
 */
value: string, by: string, at: Timestamp, };

export type StateEntry = { state: DispatchState, at: Timestamp, by: string, note: string, };

export type DispatchProblem = { 
/**
 * `reason`, `steps.2.note`, `state`, ...
 */
field: string, code: DispatchProblemCode, };

export type DispatchProblemCode = "missing" | "too_long" | "from_the_future" | "no_request" | "not_allowed" | "outcome" | "duplicate";

export type DispatchForm = { citizen_id: CitizenId, urgency: DispatchUrgency, reason: string, assigned_to: string | null, };

export type DispatchEdit = { "change": "state", to: DispatchState, outcome: VisitOutcome | null, note: string, } | { "change": "assigned", nurse: string | null, } | { "change": "urgency", urgency: DispatchUrgency, };

export type DispatchChanged = { saved: DispatchSaved, 
/**
 * Alarms it raised (an admission's change of the confirmed level).
 */
alarms_raised: Array<string>, };

export type DispatchSaved = { dispatch: Dispatch, 
/**
 * The new step's key.
 */
step: string, 
/**
 * The decision key of the confirmed level an admission set, if it set one.
 */
level_decision: string | null, };

export type CallRecord = { 
/**
 * Stable across stations (a `urn:uuid:`).
 */
key: string, 
/**
 * `None` for an unknown caller; such a call can be linked to a citizen later.
 */
citizen_id: CitizenId | null, 
/**
 * Who the caller said they were, when no citizen is known (or a relative's name).
 */
caller_name?: string, direction: CallDirection, caller: CallerRole, started_at: Timestamp, ended_at: Timestamp, nurse: string, reason: string, symptoms: Array<SymptomReport>, 
/**
 * What else the citizen said, in the nurse's words.
 */
notes?: string, advice?: string, medicine: Array<MedicineStarted>, e_doctor_consulted: boolean, 
/**
 * Readings taken over the phone.
 */
readings?: Array<PhoneReading>, 
/**
 * The nurse's ECM assessment: it is also recorded as her confirmed level.
 */
assessed_level: EcmLevel | null, 
/**
 * When to call back; a reminder when it falls due.
 */
follow_up_at: Timestamp | null, 
/**
 * The alarm the call answers; logging the call acknowledges it.
 */
answers_alarm: string | null, 
/**
 * The nurse called and nobody answered: the attempt is logged, and a call-back it was
 * for stays due unless this call promises a new one (`follow_up_at`).
 */
no_answer?: boolean, 
/**
 * Filled in by the store when it reads an unknown caller's call that a nurse has since
 * linked to a citizen (`citizen_id` is then that citizen); never part of the record as
 * recorded and pushed (the link travels as a record of its own).
 */
linked?: CallLink, };

export type CallDirection = "inbound" | "outbound";

export type CallerRole = "citizen" | "relative" | "gp" | "home_care" | "hospital" | "other";

export type Symptom = "breathlessness" | "sputum_amount" | "sputum_colour" | "cough" | "fever" | "swelling" | "weight_gain";

export type SymptomReport = { symptom: Symptom, present: boolean, detail?: string, };

export type MedicineStarted = { drug: string, dose: string, 
/**
 * The box's prescription ([`crate::medicine::BoxedMedicine::source_id`]), when the drug
 * was chosen from the citizen's box.
 */
from_box?: string | null, };

export type CallProblem = { 
/**
 * The form's field: `reason`, `ended_at`, `symptoms.cough`, `medicine.0.dose`, ...
 */
field: string, code: CallProblemCode, };

export type CallProblemCode = "missing" | "too_long" | "ends_before_start" | "from_the_future" | "follow_up_in_the_past" | "follow_up_too_far" | "duplicate_symptom" | "no_answer_inbound" | "wrong_unit" | "implausible" | "duplicate_reading" | "no_citizen";

export type PhoneReading = { parameter: Parameter, value: number, 
/**
 * As said and typed (UCUM or a common spelling); converted like any source's unit.
 */
unit: string, };

export type VisitRecord = { 
/**
 * Stable across stations (a `urn:uuid:`).
 */
key: string, citizen_id: CitizenId, 
/**
 * The dispatch that sent the nurse, when there was one.
 */
dispatch_key: string | null, nurse: string, arrived_at: Timestamp, left_at: Timestamp, vitals: VisitVitals, 
/**
 * The SpO2 scale the citizen's plan prescribes (Scale 2 for a confirmed hypercapnic
 * failure): part of the record, so every station scores the same NEWS2.
 */
spo2_scale: SpO2Scale, samples: VisitSamples, treatments: Array<TreatmentGiven>, e_doctor_consulted: boolean, outcome: VisitOutcome, 
/**
 * The plan the citizen stays home with, or why they were admitted.
 */
plan: string, notes?: string, };

export type VisitVitals = { 
/**
 * Breaths per minute.
 */
respiratory_rate: number, 
/**
 * Percent.
 */
spo2: number, 
/**
 * Breathing supplemental oxygen when the saturation was measured.
 */
on_oxygen: boolean, 
/**
 * mmHg.
 */
systolic_bp: number, 
/**
 * mmHg.
 */
diastolic_bp: number, 
/**
 * Beats per minute.
 */
pulse: number, consciousness: Consciousness, 
/**
 * °C.
 */
temperature: number, };

export type BloodGas = { ph: number, 
/**
 * kPa.
 */
pco2_kpa: number, 
/**
 * kPa.
 */
po2_kpa: number, };

export type VisitSamples = { 
/**
 * C-reactive protein, mg/L (point of care).
 */
crp: number | null, blood_gas: BloodGas | null, 
/**
 * A sputum sample sent for culture.
 */
sputum_sent: boolean, };

export type Route = "oral" | "inhaled" | "nebulised" | "intravenous" | "intramuscular" | "subcutaneous";

export type TreatmentGiven = { drug: string, dose: string, route: Route, 
/**
 * The medicine box's prescription it was given from
 * ([`crate::medicine::BoxedMedicine::source_id`]); `None` for a drug from the nurse's bag.
 */
from_box: string | null, };

export type VisitProblem = { field: string, code: VisitProblemCode, };

export type VisitProblemCode = "missing" | "too_long" | "ends_before_start" | "from_the_future" | "implausible";

export type Consciousness = "alert" | "new_confusion" | "voice" | "pain" | "unresponsive";

export type BoxedMedicine = { 
/**
 * Where the backend keeps it (`<base>|MedicationRequest/<id>`): a treatment given from the
 * box names it, so the backend can link the administration to the prescription.
 */
source_id: string, citizen_id: CitizenId, 
/**
 * The drug as prescribed ("Prednisolon 25 mg tablet").
 */
drug: string, 
/**
 * The ATC code, where the prescription carries one.
 */
atc: string | null, 
/**
 * The dose as prescribed ("37,5 mg dagligt i 5 dage").
 */
dose: string, 
/**
 * When to start it ("ved øget åndenød og ændret opspyt").
 */
when_to_start: string, 
/**
 * When it was prescribed, where known.
 */
prescribed_at: Timestamp | null, };

export type PageVisit = { visit: VisitRecord, news2: News2Score, };

export type VisitForm = { citizen_id: CitizenId, dispatch_key: string | null, arrived_at: Timestamp, left_at: Timestamp, vitals: VisitVitals, samples: VisitSamples, treatments: Array<TreatmentGiven>, e_doctor_consulted: boolean, outcome: VisitOutcome, plan: string, notes: string, 
/**
 * The draft this form was kept as while it was typed: removed when the visit is saved.
 */
draft_id: string | null, };

export type VisitRecorded = { visit: VisitRecord, saved: VisitSaved, 
/**
 * Alarms it raised (an admission's change of the confirmed level).
 */
alarms_raised: Array<string>, };

export type VisitSaved = { key: string, news2: News2Score, 
/**
 * The decision key of the confirmed level an admission set, if it set one.
 */
level_decision: string | null, 
/**
 * The dispatch the visit completed, if it completed one.
 */
completed_dispatch: string | null, 
/**
 * False when the visit was already kept (saved twice): nothing was done again.
 */
new: boolean, };

export type NewPerson = { 
/**
 * As typed: `DDMMYY-SSSS` or ten digits.
 */
cpr: string, name: string, address: string, phone?: string, };

export type PersonProblem = { 
/**
 * The form's field: `cpr`, `name`, `address`, `phone`.
 */
field: string, code: PersonProblemCode, };

export type PersonProblemCode = "missing" | "too_long" | "not_a_cpr";

export type CallLink = { 
/**
 * Stable across stations (a `urn:uuid:`).
 */
key: string, call_key: string, citizen_id: CitizenId, linked_by: string, linked_at: Timestamp, };

export type PersonAdded = { citizen_id: CitizenId, 
/**
 * The CPR number was already a citizen here (enrolled, or added before): nothing new was
 * made, and the dispatch or visit goes to that citizen.
 */
existing: boolean, };

export type PersonDispatchForm = { person: NewPerson, urgency: DispatchUrgency, reason: string, assigned_to: string | null, };

export type PersonDispatched = { person: PersonAdded, dispatch: DispatchChanged, };

export type IllnessSeverity = "stable" | "watcher" | "unstable";

export type SeverityReason = { "reason": "level", level: EcmLevel, } | { "reason": "level_rose", from: EcmLevel, to: EcmLevel, } | { "reason": "news2", total: number, risk: News2Risk, } | { "reason": "open_alarm", priority: AlarmPriority, } | { "reason": "baseline_drift" } | { "reason": "open_dispatch" } | { "reason": "call_back_due" };

export type HandoverAction = { "kind": "open_dispatch", key: string, owner: string | null, at: Timestamp, state: DispatchState, } | { "kind": "call_back_due", alarm_id: string, owner: string | null, at: Timestamp, } | { "kind": "unacknowledged_alarm", alarm_id: string, alarm: AlarmKind, priority: AlarmPriority, count: number, owner: string | null, at: Timestamp, };

export type Contingency = { "action": "write", "text": string } | { "action": "clear" };

export type Judgement = { "action": "set", "severity": IllnessSeverity } | { "action": "rule" };

export type ShiftSpan = { from: Timestamp, to: Timestamp, };

export type HandoverNote = { 
/**
 * Stable across stations (a `urn:uuid:`).
 */
key: string, citizen_id: CitizenId, shift: ShiftSpan, 
/**
 * Her judgement for this shift's handover (over the rule's), or its withdrawal.
 */
severity: Judgement | null, contingency: Contingency | null, written_by: string, written_at: Timestamp, };

export type HandoverSignoff = { 
/**
 * Stable across stations (a `urn:uuid:`).
 */
key: string, shift: ShiftSpan, 
/**
 * The citizens the handover presented when she signed, in its order.
 */
presented: Array<CitizenId>, 
/**
 * Those she signed as read (among the presented).
 */
signed: Array<CitizenId>, signed_by: string, signed_at: Timestamp, };

export type Signature = { by: string, at: Timestamp, };

export type Handover = { from: Timestamp, to: Timestamp, made_at: Timestamp, 
/**
 * The citizens the next shift must hear about, in handover order: ECM3 or above and
 * everyone with an open item first, then by severity.
 */
citizens: Array<HandoverCitizen>, 
/**
 * How many others there are: stable, below ECM3, nothing open, no change, call or visit
 * in the shift.
 */
quiet: number, 
/**
 * The shift's calls and MAS visits, newest first.
 */
calls: Array<CallRecord>, visits: Array<VisitRecord>, 
/**
 * Who signed this handover as read so far.
 */
signers: Array<string>, 
/**
 * The shift before (the one that ended as this began) and whether its handover was
 * signed: unsigned citizens of it are marked `carried_over` here.
 */
previous: PreviousHandover, };

export type HandoverCitizen = { citizen_id: CitizenId, name: string, diagnoses: Array<Diagnosis>, mas_only: boolean, 
/**
 * The severity the handover goes by: the nurse's for this shift if she set one, else
 * the rule's.
 */
severity: IllnessSeverity, 
/**
 * What the rule says, and why, one line of the rule each (none for a stable citizen).
 */
rule_severity: IllnessSeverity, reasons: Array<SeverityReason>, 
/**
 * The nurse's judgement for this shift, over the rule's.
 */
nurse_severity: NurseWord<IllnessSeverity> | null, 
/**
 * The "if ... then ..." note that stands.
 */
contingency: NurseWord<string> | null, 
/**
 * The receiver's signature, once she signed for this citizen.
 */
signed: Signature | null, 
/**
 * Presented at the previous handover and not signed for there.
 */
carried_over: boolean, confirmed_level: EcmLevel | null, suggested_level: EcmLevel | null, 
/**
 * The higher of the two when the shift began.
 */
level_at_start: EcmLevel | null, news2: FullSetScore | null, latest: { [key in Parameter]?: LatestReading }, 
/**
 * Oldest first.
 */
actions: Array<HandoverAction>, calls_in_shift: number, visits_in_shift: number, };

export type PreviousHandover = { from: Timestamp, to: Timestamp, 
/**
 * Someone signed it (if nobody did, nothing is known of what it presented).
 */
signed: boolean, 
/**
 * How many citizens it presented that nobody signed for.
 */
unsigned: number, };

export type NurseWord<T> = { value: T, by: string, at: Timestamp, };

export type TimelineKind = "alarm" | "level" | "plan" | "call" | "dispatch" | "visit" | "care_event";

export type TimelineMarker = "reading_yellow" | "reading_red" | "rejected" | "confirmed_level" | "suggested_level" | "event" | "alarm" | "acknowledged" | "call" | "plan";

export type TimelineItem = { "item": "alarm_raised", alarm_id: string, alarm: AlarmKind, priority: AlarmPriority, cause: AlarmCause, } | { "item": "alarm_acknowledged", alarm_id: string, alarm: AlarmKind, by: string, comment: string | null, } | { "item": "level", level: LevelHistoryEntry, } | { "item": "plan_revision", revision: PlanRevisionEntry, } | { "item": "call", call: CallRecord, } | { "item": "dispatch_step", dispatch_key: string, state: DispatchState, by: string, note: string, } | { "item": "visit", visit: VisitRecord, } | { "item": "care_event", event: CareEventKind, };

export type TimelineEntry = { at: Timestamp, kind: TimelineKind, marker: TimelineMarker, } & ({ "item": "alarm_raised", alarm_id: string, alarm: AlarmKind, priority: AlarmPriority, cause: AlarmCause, } | { "item": "alarm_acknowledged", alarm_id: string, alarm: AlarmKind, by: string, comment: string | null, } | { "item": "level", level: LevelHistoryEntry, } | { "item": "plan_revision", revision: PlanRevisionEntry, } | { "item": "call", call: CallRecord, } | { "item": "dispatch_step", dispatch_key: string, state: DispatchState, by: string, note: string, } | { "item": "visit", visit: VisitRecord, } | { "item": "care_event", event: CareEventKind, });

export type PlanRevisionEntry = { key: string, revision: number, changed_at: Timestamp, changed_by: string, reason: string, };

export type Rendered = { svg: string, width: number, height: number, panels: Array<PanelBox>, 
/**
 * In time order within each panel, panels top to bottom.
 */
points: Array<HoverPoint>, };

export type PanelBox = { panel: PanelKey, top: number, height: number, 
/**
 * Points before thinning, and drawn.
 */
readings: number, drawn: number, };

export type HoverPoint = { panel: PanelKey, parameter: Parameter, x: number, y: number, at: Timestamp, value: number, unit: string, triage: Triage, source: string, limits: LimitsInForce, };

export type PanelKey = { "kind": "parameter", "parameter": Parameter } | { "kind": "fev1_percent" } | { "kind": "blood_pressure" };

export type LimitsInForce = { yellow_low: number | null, yellow_high: number | null, red_low: number | null, red_high: number | null, 
/**
 * A relative rule's bound at this reading (e.g. 80 % of the week's median), if any.
 */
relative_bound: number | null, 
/**
 * Where the limits came from (the plan revision, or the defaults).
 */
source: string, };

export type Window = { from: Timestamp, to: Timestamp, };

export type TrendRange = { "kind": "48h" } | { "kind": "7d" } | { "kind": "30d" } | { "kind": "90d" } | { "kind": "1y" } | { "kind": "all" } | { "kind": "custom", from: Timestamp, to: Timestamp, };

// Typed wrappers around the Tauri commands of the Rust back end.
import { invoke } from '@tauri-apps/api/core';

export type Diagnosis = 'copd' | 'heart_failure' | 'diabetes';

export type ParameterCode =
  | 'spo2'
  | 'pulse'
  | 'fev1'
  | 'fvc'
  | 'temperature'
  | 'weight'
  | 'systolic_bp'
  | 'diastolic_bp'
  | 'respiratory_rate'
  | 'blood_glucose'
  | 'crp'
  | 'cat_score'
  | 'symptom_score';

export interface LatestValue {
  value: number;
  unit: string;
  /** RFC 3339, UTC */
  effective_at: string;
}

export interface CitizenSummary {
  id: string;
  name: string;
  birth_date: string | null;
  diagnoses: Diagnosis[];
  phone: string | null;
  address: string | null;
  /** RFC 3339, UTC */
  last_reading_at: string | null;
  latest: Partial<Record<ParameterCode, LatestValue>> & Record<string, LatestValue | undefined>;
  /** ECM levels 1-6: suggested by the rules, and confirmed by a nurse. */
  suggested_level: number | null;
  confirmed_level: number | null;
  open_alarms: number;
  top_alarm_priority: AlarmPriority | null;
  /** NEWS2 of the newest full set of vitals in the last 7 days, or null. */
  news2: FullSetScore | null;
}

export type News2Risk = 'low' | 'low_medium' | 'medium' | 'high';

export interface FullSetScore {
  /** RFC 3339: the newest reading of the set. */
  at: string;
  scale: 'scale1' | 'scale2';
  score: {
    respiratory_rate: number; spo2: number; oxygen: number; systolic_bp: number; pulse: number;
    consciousness: number; temperature: number; total: number; risk: News2Risk;
  };
  /** Parts not measured at home, scored at their lowest: the total is then a floor. */
  assumed: ('consciousness' | 'oxygen')[];
  is_minimum: boolean;
}

export type AlarmPriority = 'high' | 'medium' | 'low' | 'info';
export type AlarmKind =
  | 'level_rise'
  | 'level_fall'
  | 'suggestion_differs'
  | 'missed_measurement'
  | 'rejected_reading';

/** Codes and values only (see vagt_core::alarm::AlarmCause); the UI words it. */
export interface AlarmCause {
  type: string;
  [field: string]: unknown;
}

export interface AlarmRow {
  id: string;
  citizen_id: string;
  citizen_name: string;
  kind: AlarmKind;
  priority: AlarmPriority;
  /** RFC 3339, UTC: when the cause happened. */
  raised_at: string;
  cause: AlarmCause;
  state: 'open' | 'acknowledged';
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  ack_comment: string | null;
  /** The escalation step reached when read (re-notify, louder, to all stations), or null. */
  escalation: EscalationStep | null;
  /** RFC 3339: when the next step falls due; read the alarms again then. */
  next_escalation_at: string | null;
  /** RFC 3339: until when this station's nurse snoozed it for herself, or null. */
  snoozed_until: string | null;
}

export interface EscalationStep {
  step: number;
  due_at: string;
  audience: 'watching' | 'all_stations';
  loudness: 'normal' | 'loud' | 'loudest';
}

export interface SnoozeOutcome {
  alarm_id: string;
  nurse: string;
  requested_until: string;
  silenced_until: string;
}

/** A citizen's triage plan as TOML documents: the overrides, and the plan they give in force. */
export interface PlanView {
  citizen_id: string;
  revision: number | null;
  changed_by: string | null;
  reason: string | null;
  overrides: string;
  resolved: string;
}

export type AckOutcome =
  | { outcome: 'acknowledged'; alarm_id: string }
  | { outcome: 'already_acknowledged'; alarm_id: string; by: string; at: string };

export type SyncState = 'never' | 'syncing' | 'online' | 'offline' | 'failing';

export interface SyncProgress {
  resource_type: string;
  done: number;
  total: number | null;
  per_second: number;
}

export interface StoreStatus {
  citizens: number;
  readings: number;
  rejected: number;
  outbox: number;
  last_sync: string | null;
  /** Why the newest sync run failed; null after a success or before any sync. */
  sync_error: string | null;
  /** That error's stable code, translated through the catalogue (`sync_error.<code>`). */
  sync_error_code: string | null;
  sync_state: SyncState;
  sync_progress: SyncProgress | null;
  readings_behind: number | null;
  open_alarms: number;
  open_high_alarms: number;
  alarms_total: number;
  schema_version: number;
  db_path: string;
}

export interface ApiError {
  code: string;
  message: string;
}

/** Whatever a rejected invoke gives (the back end's `{code, message}`, a string, an Error) as an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err && typeof err === 'object') {
    const o = err as Record<string, unknown>;
    if (typeof o.message === 'string' && o.message) {
      return { code: typeof o.code === 'string' ? o.code : 'unknown', message: o.message };
    }
  }
  if (typeof err === 'string' && err) return { code: 'unknown', message: err };
  try {
    return { code: 'unknown', message: JSON.stringify(err) ?? String(err) };
  } catch {
    return { code: 'unknown', message: String(err) };
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw toApiError(err);
  }
}

export function listCitizens(): Promise<CitizenSummary[]> {
  return call<CitizenSummary[]>('list_citizens');
}

export function storeStatus(): Promise<StoreStatus> {
  return call<StoreStatus>('store_status');
}

export function listAlarms(openOnly: boolean): Promise<AlarmRow[]> {
  return call<AlarmRow[]>('list_alarms', { openOnly });
}

export function acknowledgeAlarm(alarmId: string, comment?: string): Promise<AckOutcome> {
  return call<AckOutcome>('acknowledge_alarm', { alarmId, comment: comment ?? null });
}

export function snoozeAlarm(alarmId: string, minutes: number): Promise<SnoozeOutcome> {
  return call<SnoozeOutcome>('snooze_alarm', { alarmId, minutes });
}

/** Sets the confirmed ECM level (1-6) with a reason; resolves to the decision's key. */
export function confirmLevel(citizenId: string, level: number, reason: string): Promise<string> {
  return call<string>('confirm_level', { citizenId, level, reason });
}

export function citizenPlan(citizenId: string): Promise<PlanView> {
  return call<PlanView>('citizen_plan', { citizenId });
}

/** Replaces the citizen's plan overrides (TOML) with a reason; resolves to the plan now in force. */
export function setCitizenPlan(citizenId: string, overrides: string, reason: string): Promise<PlanView> {
  return call<PlanView>('set_citizen_plan', { citizenId, overrides, reason });
}

/** Resolves false when the desktop has no notification service (the panel still shows it). */
export function notifyAlarm(title: string, body: string): Promise<boolean> {
  return call<boolean>('notify_alarm', { title, body });
}

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
}

export interface StoreStatus {
  citizens: number;
  readings: number;
  rejected: number;
  outbox: number;
  last_sync: string | null;
  /** Why the newest sync run failed; null after a success or before any sync. */
  sync_error: string | null;
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

// The call form as typed, and what is sent: pure helpers, no DOM, no I/O, no clock of their
// own (every instant is passed in). The store keeps a `CallFormState`; `buildCallForm` makes
// the back end's `CallForm` of it, `localProblems` says what is missing before anything is
// sent, and a draft (`draftPayload` / `readDraft`) carries the form across a crash.
import type {
  CallDirection, CallerRole, CallForm, CallProblemCode, CitizenId, FormDraft, MedicineStarted, Parameter, PhoneReading, Symptom,
  SymptomReport,
} from './bindings';
import { CANONICAL_UNITS } from './bindings';
import { HOUR_MS, MINUTE_MS, parseDecimal, parseTime } from './format';

/** In the grid's order: breathing first, then sputum, cough, fever, the heart's signs. */
export const SYMPTOMS: readonly Symptom[] = [
  'breathlessness', 'sputum_amount', 'sputum_colour', 'cough', 'fever', 'swelling', 'weight_gain',
];
export const CALLER_ROLES: readonly CallerRole[] = ['citizen', 'relative', 'gp', 'home_care', 'hospital', 'other'];
export const DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound'];
export const LEVELS: readonly number[] = [1, 2, 3, 4, 5, 6];
/** What a citizen can read out on the phone from their devices, in the form's order. */
export const PHONE_PARAMETERS: readonly Parameter[] = [
  'spo2', 'pulse', 'temperature', 'weight', 'systolic_bp', 'diastolic_bp', 'respiratory_rate', 'blood_glucose', 'fev1',
];

/** A reading as typed: the value kept as text (a decimal comma allowed) with its unit. */
export interface ReadingRow { parameter: Parameter; value: string; unit: string }

/** The back end refuses a call longer than this (a timer left running) and a follow-up further ahead. */
export const MAX_CALL_MS = 4 * HOUR_MS;
export const MAX_FOLLOW_UP_HOURS = 14 * 24;
/** A draft edited this recently is a call still going on (the app closed mid-call): its timer runs on. */
export const RESUME_LIVE_MS = 15 * MINUTE_MS;
/** The version of the draft payload; an unknown one is offered for discarding only. */
export const DRAFT_VERSION = 1;

export type SymptomAnswer = 'unasked' | 'yes' | 'no';
export interface SymptomEntry { answer: SymptomAnswer; detail: string }

export interface CallFormState {
  direction: CallDirection;
  caller: CallerRole;
  callerName: string;
  reason: string;
  symptoms: Record<Symptom, SymptomEntry>;
  notes: string;
  advice: string;
  medicine: MedicineStarted[];
  /** Readings read out on the phone. */
  readings: ReadingRow[];
  eDoctor: boolean;
  /** The nurse's ECM assessment; null: none. */
  level: number | null;
  /** "Call back in N hours" as typed (decimal comma allowed); empty: no follow-up. */
  followUpHours: string;
  /** The alarm the call answers (acknowledged when saved); null: none. */
  answersAlarm: string | null;
  /** An outbound call nobody answered: a call-back stays due unless a new one is set. */
  noAnswer: boolean;
}

/** Whom the call is with, as the form was opened. */
export interface CallContext {
  citizenId: CitizenId | null;
  /** The citizen's name; null for an unknown caller. */
  citizenName: string | null;
  /** The citizen's levels when the form opened, shown beside the assessment. */
  suggested: number | null;
  confirmed: number | null;
}

/** The form's problems: the back end's codes, and one the form finds itself. */
export type FormProblemCode = CallProblemCode | 'not_a_number' | 'no_answer' | 'unknown_alarm';
export interface FormProblem { field: string; code: FormProblemCode }

export function emptySymptoms(): Record<Symptom, SymptomEntry> {
  return Object.fromEntries(SYMPTOMS.map((s) => [s, { answer: 'unasked', detail: '' }])) as Record<Symptom, SymptomEntry>;
}

export function emptyForm(answersAlarm: string | null = null): CallFormState {
  return {
    direction: 'inbound', caller: 'citizen', callerName: '', reason: '', symptoms: emptySymptoms(), notes: '', advice: '',
    medicine: [], readings: [], eDoctor: false, level: null, followUpHours: '', answersAlarm, noAnswer: false,
  };
}

/** True when the nurse has typed or chosen anything beyond how the form opened. */
export function isDirty(state: CallFormState, answersAlarm: string | null = null): boolean {
  return JSON.stringify(state) !== JSON.stringify(emptyForm(answersAlarm));
}

/** Hours as typed ("4", "0,5", "1.5"): a number above zero, null for empty, NaN otherwise. */
export function parseHours(text: string): number | null {
  const clean = text.trim().replace(',', '.');
  if (clean === '') return null;
  if (!/^\d+(\.\d+)?$/.test(clean)) return Number.NaN;
  const hours = Number(clean);
  return hours > 0 ? hours : Number.NaN;
}

/** When to call back, for a call ending at `endedAt` (ms); null for none or what does not parse. */
export function followUpAt(state: CallFormState, endedAt: number): number | null {
  const hours = parseHours(state.followUpHours);
  return hours === null || Number.isNaN(hours) ? null : endedAt + Math.round(hours * HOUR_MS);
}

/** A reading row with its parameter's unit, as a new row starts. */
export function readingRow(parameter: Parameter): ReadingRow {
  return { parameter, value: '', unit: CANONICAL_UNITS[parameter] };
}

/** The reading rows with a value typed; a blank row is left out. */
function typedReadings(state: CallFormState): { row: ReadingRow; index: number }[] {
  return state.readings.map((row, index) => ({ row, index })).filter(({ row }) => row.value.trim() !== '');
}

/** A medicine row counts once anything is typed in it; a blank row is left out. */
function typedMedicine(state: CallFormState): { row: MedicineStarted; index: number }[] {
  return state.medicine
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => row.drug.trim() !== '' || row.dose.trim() !== '');
}

/**
 * What the form can tell is wrong before sending, named by the back end's field paths: the
 * reason, the name of an unknown caller, words about a symptom neither yes nor no (they would
 * be lost), a medicine row half filled, a follow-up that is not a number of hours or is too far
 * ahead. In the form's order, so the first is where the nurse is taken.
 */
export function localProblems(state: CallFormState, ctx: CallContext): FormProblem[] {
  const out: FormProblem[] = [];
  if (ctx.citizenId === null && state.callerName.trim() === '') out.push({ field: 'caller_name', code: 'missing' });
  if (state.reason.trim() === '') out.push({ field: 'reason', code: 'missing' });
  for (const s of SYMPTOMS) {
    const e = state.symptoms[s];
    if (e.answer === 'unasked' && e.detail.trim() !== '') out.push({ field: `symptoms.${s}`, code: 'no_answer' });
  }
  // Indices as sent: blank rows are dropped first.
  typedMedicine(state).forEach(({ row }, i) => {
    if (row.drug.trim() === '') out.push({ field: `medicine.${i}.drug`, code: 'missing' });
    if (row.dose.trim() === '') out.push({ field: `medicine.${i}.dose`, code: 'missing' });
  });
  typedReadings(state).forEach(({ row }, i) => {
    if (Number.isNaN(parseDecimal(row.value))) out.push({ field: `readings.${i}.value`, code: 'not_a_number' });
    if (row.unit.trim() === '') out.push({ field: `readings.${i}.unit`, code: 'missing' });
  });
  const hours = parseHours(state.followUpHours);
  if (hours !== null && Number.isNaN(hours)) out.push({ field: 'follow_up_at', code: 'not_a_number' });
  else if (hours !== null && hours > MAX_FOLLOW_UP_HOURS) out.push({ field: 'follow_up_at', code: 'follow_up_too_far' });
  return out;
}

/**
 * The field path of a medicine or reading row as the form shows it (`medicine.2.dose`) from the
 * path as sent, where blank rows were dropped; unchanged for every other field.
 */
export function formField(state: CallFormState, field: string): string {
  const m = /^(medicine|readings)\.(\d+)\.(\w+)$/.exec(field);
  if (!m) return field;
  const typed = (m[1] === 'medicine' ? typedMedicine(state) : typedReadings(state))[Number(m[2])];
  return typed ? `${m[1]}.${typed.index}.${m[3]}` : field;
}

/** Problems grouped by the form's field paths, in the order given. */
export function problemsByField(state: CallFormState, problems: readonly FormProblem[]): Map<string, FormProblemCode[]> {
  const out = new Map<string, FormProblemCode[]>();
  for (const p of problems) {
    const field = formField(state, p.field);
    const list = out.get(field) ?? [];
    if (!list.includes(p.code)) list.push(p.code);
    out.set(field, list);
  }
  return out;
}

/** The problems left after the nurse changed `field`: hers are gone, the rest stay in view. */
export function withoutField(problems: readonly FormProblem[], state: CallFormState, field: string): FormProblem[] {
  return problems.filter((p) => formField(state, p.field) !== field);
}

export interface CallTimes { startedAt: number; endedAt: number; draftId: string | null }

/** The `CallForm` the back end records, from the form as typed. */
export function buildCallForm(state: CallFormState, ctx: CallContext, times: CallTimes): CallForm {
  const symptoms: SymptomReport[] = SYMPTOMS.flatMap((symptom) => {
    const entry = state.symptoms[symptom];
    if (entry.answer === 'unasked') return [];
    const detail = entry.detail.trim();
    return [detail ? { symptom, present: entry.answer === 'yes', detail } : { symptom, present: entry.answer === 'yes' }];
  });
  const follow = followUpAt(state, times.endedAt);
  return {
    citizen_id: ctx.citizenId,
    caller_name: state.callerName.trim(),
    direction: state.direction,
    caller: state.caller,
    started_at: new Date(times.startedAt).toISOString(),
    ended_at: new Date(Math.max(times.endedAt, times.startedAt)).toISOString(),
    reason: state.reason.trim(),
    symptoms,
    notes: state.notes.trim(),
    advice: state.advice.trim(),
    medicine: typedMedicine(state).map(({ row }) => (row.from_box
      ? { drug: row.drug.trim(), dose: row.dose.trim(), from_box: row.from_box }
      : { drug: row.drug.trim(), dose: row.dose.trim() })),
    e_doctor_consulted: state.eDoctor,
    readings: typedReadings(state).map(({ row }): PhoneReading => ({
      parameter: row.parameter, value: parseDecimal(row.value) ?? Number.NaN, unit: row.unit.trim(),
    })),
    assessed_level: ctx.citizenId === null ? null : state.level,
    follow_up_at: follow === null ? null : new Date(follow).toISOString(),
    answers_alarm: state.answersAlarm,
    no_answer: state.noAnswer && state.direction === 'outbound',
    draft_id: times.draftId,
  };
}

/** The call's running time as "04:07", or "1:02:03" past an hour. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// ---------- drafts ----------

/** What a call draft keeps: the form, whom it is with, when the call started and was last typed in. */
export interface CallDraftPayload {
  v: number;
  ctx: CallContext;
  state: CallFormState;
  startedAt: string;
  editedAt: string;
}

export function draftPayload(state: CallFormState, ctx: CallContext, startedAt: number, editedAt: number): CallDraftPayload {
  return {
    v: DRAFT_VERSION, ctx, state: structuredClone(state),
    startedAt: new Date(startedAt).toISOString(), editedAt: new Date(editedAt).toISOString(),
  };
}

/** A call draft as the banner offers it; `form` null when it cannot be read back (discard only). */
export interface ResumableDraft {
  id: string;
  updatedAt: string;
  ctx: CallContext | null;
  callerName: string;
  form: { state: CallFormState; startedAt: number; editedAt: number } | null;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown, fallback = ''): string => (typeof x === 'string' ? x : fallback);
const oneOf = <T extends string>(x: unknown, options: readonly T[], fallback: T): T =>
  (options as readonly unknown[]).includes(x) ? (x as T) : fallback;
const levelOf = (x: unknown): number | null => (typeof x === 'number' && LEVELS.includes(x) ? x : null);

/** The form kept in a draft, made whole again: whatever is missing or odd is left empty. */
function stateOf(raw: unknown): CallFormState | null {
  if (!isObject(raw)) return null;
  const symptoms = emptySymptoms();
  const given = isObject(raw.symptoms) ? raw.symptoms : {};
  for (const s of SYMPTOMS) {
    const e = given[s];
    if (isObject(e)) symptoms[s] = { answer: oneOf(e.answer, ['unasked', 'yes', 'no'] as const, 'unasked'), detail: str(e.detail) };
  }
  const medicine = Array.isArray(raw.medicine)
    ? raw.medicine.filter(isObject).map((m) => (typeof m.from_box === 'string' && m.from_box
      ? { drug: str(m.drug), dose: str(m.dose), from_box: m.from_box }
      : { drug: str(m.drug), dose: str(m.dose) }))
    : [];
  const readings = Array.isArray(raw.readings)
    ? raw.readings.filter(isObject).map((r) => ({
      parameter: oneOf(r.parameter, PHONE_PARAMETERS, 'spo2'), value: str(r.value), unit: str(r.unit),
    }))
    : [];
  return {
    direction: oneOf(raw.direction, DIRECTIONS, 'inbound'),
    caller: oneOf(raw.caller, CALLER_ROLES, 'citizen'),
    callerName: str(raw.callerName), reason: str(raw.reason), symptoms, notes: str(raw.notes), advice: str(raw.advice),
    medicine, readings, eDoctor: raw.eDoctor === true, level: levelOf(raw.level), followUpHours: str(raw.followUpHours),
    answersAlarm: typeof raw.answersAlarm === 'string' && raw.answersAlarm ? raw.answersAlarm : null,
    noAnswer: raw.noAnswer === true,
  };
}

function contextOf(raw: unknown, citizenId: CitizenId | null): CallContext | null {
  if (!isObject(raw)) return null;
  return {
    citizenId: citizenId ?? (typeof raw.citizenId === 'string' ? raw.citizenId : null),
    citizenName: typeof raw.citizenName === 'string' ? raw.citizenName : null,
    suggested: levelOf(raw.suggested), confirmed: levelOf(raw.confirmed),
  };
}

/** A call draft from `list_drafts`, or null when it is of another kind. */
export function readDraft(draft: FormDraft): ResumableDraft | null {
  if (draft.kind !== 'call') return null;
  const raw = draft.form;
  const ok = isObject(raw) && raw.v === DRAFT_VERSION;
  const ctx = ok ? contextOf(raw.ctx, draft.citizen_id) : null;
  const state = ok ? stateOf(raw.state) : null;
  const startedAt = ok ? parseTime(str(raw.startedAt)) : null;
  const editedAt = ok ? (parseTime(str(raw.editedAt)) ?? parseTime(draft.updated_at)) : null;
  const form = ctx && state && startedAt !== null && editedAt !== null ? { state, startedAt, editedAt } : null;
  return { id: draft.id, updatedAt: draft.updated_at, ctx, callerName: state?.callerName.trim() ?? '', form };
}

/**
 * The times of a resumed call: a draft typed in moments ago is a call still going on (its timer
 * runs on); an older one ended when it was last typed in.
 */
export function resumeTiming(startedAt: number, editedAt: number, now: number): { startedAt: number; endedAt: number | null } {
  const live = now - editedAt <= RESUME_LIVE_MS && now - startedAt < MAX_CALL_MS;
  return { startedAt, endedAt: live ? null : Math.max(startedAt, Math.min(editedAt, startedAt + MAX_CALL_MS)) };
}

// The store's call log: the call form while the nurse is on the phone (O, Alt+O), kept as a
// draft as it is typed; the unfinished calls found at start, to resume or discard; and the
// open citizen's calls. Part of the UI's one store (see index.ts): what was typed lives here,
// so a refusal keeps it.
import * as api from '../api';
import type { AlarmRow, BoxedMedicine, CallRecord, CitizenId, Parameter, Symptom } from '../bindings';
import {
  buildCallForm, draftPayload, emptyForm, isDirty, localProblems, problemsByField, readDraft, readingRow, resumeTiming,
  withoutField, type CallContext, type CallFormState, type FormProblem, type ResumableDraft, type SymptomAnswer,
} from '../callform';
import { errorText } from '../wording';
import { applyChange, citizenById, setError, setNote, store, t, watchChanges } from './app.svelte';

/** The draft is written this long after the last keystroke (and at once when the window loses focus). */
export const DRAFT_DEBOUNCE_MS = 1_000;

export interface OpenCall {
  ctx: CallContext;
  /** The draft the form is kept under; removed when the call is saved or discarded. */
  draftId: string;
  startedAt: number;
  /** Null while the call goes on (it ends when saved); set for a draft resumed long after. */
  endedAt: number | null;
  /** The alarm the form was opened from: choosing it is not typing. */
  answersAtOpen: string | null;
  resumed: boolean;
}

/** Text fields of the form, and the field path each is named by in problems. */
export const TEXT_FIELDS = {
  callerName: 'caller_name', reason: 'reason', notes: 'notes', advice: 'advice', followUpHours: 'follow_up_at',
} as const;
export type TextField = keyof typeof TEXT_FIELDS;

let open = $state.raw<OpenCall | null>(null);
let form = $state<CallFormState>(emptyForm());
let problems = $state.raw<FormProblem[]>([]);
let callError = $state('');
let saving = $state(false);
let confirming = $state(false);
let draftSavedAt = $state<string | null>(null);
let draftFailed = $state(false);
let drafts = $state.raw<ResumableDraft[]>([]);
/** The citizen's medicine box, to start a drug from on the phone. */
let callBox = $state.raw<BoxedMedicine[]>([]);

const byField = $derived(problemsByField(form, problems));
const dirty = $derived(open !== null && isDirty(form, open.answersAtOpen));

/** The citizen's open alarms the call may answer: the panel's causes and the page's open ones. */
const alarmOptions = $derived.by((): AlarmRow[] => {
  const id = open?.ctx.citizenId;
  if (!id) return [];
  const out = new Map<string, AlarmRow>();
  for (const a of store.episodes.find((e) => e.citizen_id === id)?.causes ?? []) out.set(a.id, a);
  const page = store.page;
  if (page?.citizen.id === id) for (const a of page.alarms) if (a.state === 'open' && !out.has(a.id)) out.set(a.id, a);
  return [...out.values()];
});

// ---------- the citizen page's call list ----------
let logCitizen = $state<CitizenId | null>(null);
let logCalls = $state.raw<CallRecord[]>([]);
let logLoaded = $state(false);
let logError = $state('');
let logSeq = 0;

export const callForm = {
  get open() { return open; }, get form() { return form; }, get problems() { return problems; },
  /** Problems by the form's field paths (`reason`, `symptoms.cough`, `medicine.1.dose`). */
  get byField() { return byField; },
  get error() { return callError; }, get saving() { return saving; }, get confirming() { return confirming; },
  get dirty() { return dirty; }, get alarmOptions() { return alarmOptions; },
  get draftSavedAt() { return draftSavedAt; }, get draftFailed() { return draftFailed; },
  /** Unfinished calls found at start, newest first. */
  get drafts() { return drafts; },
  /** The citizen's medicine box (empty for an unknown caller, or while it is read). */
  get box() { return callBox; },
};

export const callLog = {
  get citizenId() { return logCitizen; }, get calls() { return logCalls; }, get loaded() { return logLoaded; },
  get error() { return logError; },
};

/** A fresh id for a draft (the back end keeps it as given). */
export function newDraftId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `draft-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** Whom the call is with: the citizen named, else the open page's, else the selected row's. */
function contextFor(named: CitizenId | null): CallContext | null {
  if (named !== null) {
    const c = citizenById(named);
    const page = store.page?.citizen.id === named ? store.page : null;
    const name = c?.name ?? page?.citizen.name ?? store.episodes.find((e) => e.citizen_id === named)?.citizen_name ?? named;
    return {
      citizenId: named, citizenName: name,
      suggested: page?.suggested_level ?? c?.suggested_level ?? null, confirmed: page?.confirmed_level ?? c?.confirmed_level ?? null,
    };
  }
  if (store.view.kind === 'citizen') {
    const page = store.page;
    if (!page) return null;
    return { citizenId: page.citizen.id, citizenName: page.citizen.name, suggested: page.suggested_level, confirmed: page.confirmed_level };
  }
  const c = store.visible[store.selectedIndex];
  return c ? { citizenId: c.id, citizenName: c.name, suggested: c.suggested_level, confirmed: c.confirmed_level } : null;
}

/**
 * Opens the call form: with an unknown caller (`unknown`), or with a citizen (the one named,
 * else the open page's, else the selected worklist row's), answering `alarmId` if given. The
 * call's time runs from now. False when there is nobody to call with, or a call is open.
 */
export function openCall(opts: { unknown?: boolean; citizenId?: CitizenId | null; alarmId?: string | null } = {}): boolean {
  if (open !== null) return false;
  const ctx: CallContext | null = opts.unknown
    ? { citizenId: null, citizenName: null, suggested: null, confirmed: null }
    : contextFor(opts.citizenId ?? null);
  if (!ctx) return false;
  const answers = ctx.citizenId === null ? null : (opts.alarmId ?? null);
  start({ ctx, draftId: newDraftId(), startedAt: Date.now(), endedAt: null, answersAtOpen: answers, resumed: false }, emptyForm(answers));
  return true;
}

function start(call: OpenCall, state: CallFormState): void {
  clearTimeout(draftTimer);
  callBox = [];
  const citizen = call.ctx.citizenId;
  if (citizen !== null) {
    api.medicineBox(citizen).then(
      (box) => {
        if (open === call) callBox = box;
      },
      // No box to offer: the nurse types the drug.
      () => undefined,
    );
  }
  form = state;
  problems = [];
  callError = '';
  saving = false;
  confirming = false;
  draftSavedAt = null;
  draftFailed = false;
  open = call;
}

// ---------- typing ----------
function touched(field: string): void {
  problems = withoutField(problems, form, field);
  confirming = false;
  scheduleDraft();
}

export function setCallText(field: TextField, text: string): void {
  form[field] = text;
  touched(TEXT_FIELDS[field]);
}

export function setCallDirection(direction: CallFormState['direction']): void {
  form.direction = direction;
  touched('direction');
}

export function setCallerRole(caller: CallFormState['caller']): void {
  form.caller = caller;
  touched('caller');
}

export function setSymptomAnswer(symptom: Symptom, answer: SymptomAnswer): void {
  form.symptoms[symptom].answer = answer;
  touched(`symptoms.${symptom}`);
}

export function setSymptomDetail(symptom: Symptom, text: string): void {
  form.symptoms[symptom].detail = text;
  touched(`symptoms.${symptom}`);
}

/** Adds a medicine row; returns its index. */
export function addMedicine(from?: BoxedMedicine): number {
  form.medicine.push(from ? { drug: from.drug, dose: from.dose, from_box: from.source_id } : { drug: '', dose: '' });
  // Rows shift: the problems of the old rows no longer point at the right one.
  problems = problems.filter((p) => !p.field.startsWith('medicine.'));
  scheduleDraft();
  return form.medicine.length - 1;
}

export function removeMedicine(index: number): void {
  form.medicine.splice(index, 1);
  problems = problems.filter((p) => !p.field.startsWith('medicine.'));
  scheduleDraft();
}

export function setMedicine(index: number, part: 'drug' | 'dose', text: string): void {
  const row = form.medicine[index];
  if (!row) return;
  row[part] = text;
  touched(`medicine.${index}.${part}`);
}

/** Adds a row for a reading read out on the phone; returns its index. */
export function addReading(parameter: Parameter = 'spo2'): number {
  form.readings.push(readingRow(parameter));
  problems = problems.filter((p) => !p.field.startsWith('readings'));
  scheduleDraft();
  return form.readings.length - 1;
}

export function removeReading(index: number): void {
  form.readings.splice(index, 1);
  problems = problems.filter((p) => !p.field.startsWith('readings'));
  scheduleDraft();
}

/** A reading's parameter (its unit becomes the parameter's own), value or unit, as typed. */
export function setReading(index: number, part: 'parameter' | 'value' | 'unit', text: string): void {
  const row = form.readings[index];
  if (!row) return;
  if (part === 'parameter') {
    form.readings[index] = { ...readingRow(text as Parameter), value: row.value };
  } else {
    row[part] = text;
  }
  touched(`readings.${index}.${part === 'unit' ? 'unit' : 'value'}`);
}

export function setNoAnswer(unanswered: boolean): void {
  form.noAnswer = unanswered;
  touched('no_answer');
}

export function setEDoctor(consulted: boolean): void {
  form.eDoctor = consulted;
  touched('e_doctor_consulted');
}

export function setCallLevel(level: number | null): void {
  form.level = level;
  touched('assessed_level');
}

export function setAnswersAlarm(alarmId: string | null): void {
  form.answersAlarm = alarmId;
  touched('answers_alarm');
}

// ---------- the draft ----------
let draftTimer: ReturnType<typeof setTimeout> | undefined;
/** Draft writes, one after another; a save waits for the last, so none lands after it. */
let draftChain: Promise<void> = Promise.resolve();

function scheduleDraft(): void {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => void saveDraftNow(), DRAFT_DEBOUNCE_MS);
}

/** Writes the draft now (the window lost focus); nothing when nothing was typed. */
export function flushDraft(): Promise<void> {
  clearTimeout(draftTimer);
  return saveDraftNow();
}

function saveDraftNow(): Promise<void> {
  const call = open;
  if (!call || saving || !isDirty(form, call.answersAtOpen)) return draftChain;
  const payload = draftPayload($state.snapshot(form) as CallFormState, call.ctx, call.startedAt, Date.now());
  draftChain = draftChain.then(async () => {
    // Saved or discarded meanwhile: a draft written now would come back at the next start.
    if (open !== call || saving) return;
    try {
      await api.saveDraft(call.draftId, 'call', call.ctx.citizenId, payload);
      if (open === call) {
        draftSavedAt = payload.editedAt;
        draftFailed = false;
      }
    } catch {
      if (open === call) draftFailed = true;
    }
  });
  return draftChain;
}

// ---------- saving, discarding ----------
function doneNote(call: OpenCall, recorded: { saved: { level_decision: string | null; answered_alarm: string | null } }, level: number | null): string {
  const name = call.ctx.citizenName ?? form.callerName.trim();
  const parts = [t('call.done', { name })];
  if (recorded.saved.level_decision !== null && level !== null) parts.push(t('call.done.level', { level: `ECM${level}` }));
  if (recorded.saved.answered_alarm !== null) parts.push(t('call.done.alarm'));
  return parts.join(' ');
}

/**
 * Saves the call (Ctrl+Enter): ended now (or when a resumed draft was last typed in). False,
 * with everything typed kept and each problem at its field, when refused.
 */
export async function submitCall(): Promise<boolean> {
  const call = open;
  if (!call || saving) return false;
  callError = '';
  confirming = false;
  const local = localProblems(form, call.ctx);
  if (local.length > 0) {
    problems = local;
    callError = t('error.invalid_call');
    return false;
  }
  saving = true;
  clearTimeout(draftTimer);
  try {
    // A draft write under way finishes first, so the save removes it for good.
    await draftChain;
    const state = $state.snapshot(form) as CallFormState;
    const sent = buildCallForm(state, call.ctx, { startedAt: call.startedAt, endedAt: call.endedAt ?? Date.now(), draftId: call.draftId });
    const recorded = await api.recordCall(sent);
    const note = doneNote(call, recorded, sent.assessed_level);
    open = null;
    problems = [];
    setNote(note);
    // The alarm it answered, the level it set and the call list are read again.
    await applyChange({ citizens: call.ctx.citizenId === null ? [] : [call.ctx.citizenId], alarms: true, status: true });
    return true;
  } catch (err) {
    const e = api.toApiError(err);
    const given: FormProblem[] = e.call_problems ?? [];
    // The alarm was removed meanwhile (another station): the nurse picks another, or none.
    if (e.code === 'unknown_alarm' || e.code === 'alarm_not_open') given.push({ field: 'answers_alarm', code: 'unknown_alarm' });
    problems = given;
    callError = errorText(e, t);
    return false;
  } finally {
    saving = false;
  }
}

/**
 * Esc: closes a form with nothing typed; with something typed it asks first (and Esc again
 * takes the question back). Returns true when the form closed.
 */
export function requestCloseCall(): boolean {
  if (!open || saving) return false;
  if (confirming) {
    confirming = false;
    return false;
  }
  if (isDirty(form, open.answersAtOpen)) {
    confirming = true;
    return false;
  }
  void discardCall();
  return true;
}

export function keepCall(): void {
  confirming = false;
}

/** Throws the open call away, and its draft with it. */
export async function discardCall(): Promise<void> {
  const call = open;
  if (!call) return;
  clearTimeout(draftTimer);
  open = null;
  confirming = false;
  problems = [];
  await draftChain;
  try {
    await api.discardDraft(call.draftId);
  } catch (err) {
    setError(api.toApiError(err));
  }
}

/**
 * The form went away without Esc (the window closed it): what was typed is kept as a draft and
 * offered for resuming; an empty form is simply dropped.
 */
export async function suspendCall(): Promise<void> {
  const call = open;
  if (!call) return;
  if (!isDirty(form, call.answersAtOpen)) {
    await discardCall();
    return;
  }
  const payload = draftPayload($state.snapshot(form) as CallFormState, call.ctx, call.startedAt, Date.now());
  await flushDraft();
  open = null;
  confirming = false;
  const kept = readDraft({ id: call.draftId, kind: 'call', citizen_id: call.ctx.citizenId, form: payload, updated_at: payload.editedAt });
  if (kept) drafts = [kept, ...drafts.filter((d) => d.id !== kept.id)];
}

// ---------- unfinished calls found at start ----------

/** Reads the nurse's call drafts (what she was typing when Vagt last closed). */
export async function loadDrafts(): Promise<void> {
  try {
    drafts = (await api.listDrafts()).map(readDraft).filter((d): d is ResumableDraft => d !== null);
  } catch (err) {
    setError(api.toApiError(err));
  }
}

/** Opens an unfinished call where it was left; false when it cannot be read or a call is open. */
export function resumeDraft(id: string): boolean {
  const d = drafts.find((x) => x.id === id);
  if (!d?.form || !d.ctx || open !== null) return false;
  const timing = resumeTiming(d.form.startedAt, d.form.editedAt, Date.now());
  start({ ctx: d.ctx, draftId: d.id, ...timing, answersAtOpen: null, resumed: true }, d.form.state);
  drafts = drafts.filter((x) => x.id !== id);
  return true;
}

export async function discardDraft(id: string): Promise<void> {
  try {
    await api.discardDraft(id);
    drafts = drafts.filter((x) => x.id !== id);
  } catch (err) {
    setError(api.toApiError(err));
  }
}

// ---------- the open citizen's calls ----------

/** Shows another citizen's calls (null: none); the same citizen keeps what is shown. */
export function openCallLog(id: CitizenId | null): void {
  if (id === logCitizen) return;
  logSeq += 1;
  logCitizen = id;
  logCalls = [];
  logLoaded = false;
  logError = '';
  if (id !== null) void loadCalls();
}

export async function loadCalls(): Promise<void> {
  const id = logCitizen;
  if (id === null) return;
  const mine = ++logSeq;
  try {
    const list = await api.listCalls(id);
    if (mine !== logSeq) return;
    logCalls = list;
    logLoaded = true;
    logError = '';
  } catch (err) {
    if (mine === logSeq) logError = errorText(api.toApiError(err), t);
  }
}

// A call saved here or at another station names its citizen: the list is read again.
watchChanges((change) => {
  if (logCitizen !== null && (change.citizens === null || change.citizens.includes(logCitizen))) void loadCalls();
});

export function resetCalls(): void {
  clearTimeout(draftTimer);
  draftChain = Promise.resolve();
  open = null; form = emptyForm(); problems = []; callError = ''; saving = false; confirming = false;
  draftSavedAt = null; draftFailed = false; drafts = [];
  logSeq += 1; logCitizen = null; logCalls = []; logLoaded = false; logError = '';
}

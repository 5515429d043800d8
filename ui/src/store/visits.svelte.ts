// The store's MAS visit form (V): the MAS nurse records a visit in the citizen's home, often
// offline. It opens for the citizen in reach (the page's, the worklist's row, or the board's
// dispatch, which the visit then completes); the citizen's medicine box is read for it; the
// NEWS2 of the vitals is scored as they are typed; everything typed is kept as a draft, and a
// draft of the same citizen is resumed when the form opens again (after a crash or a restart).
import * as api from '../api';
import type { BoxedMedicine, CitizenId, Consciousness, News2Score, Route, VisitOutcome } from '../bindings';
import {
  buildVisitForm, emptyVisit, GAS, isDirty, localProblems, problemsByField, readVisitDraft, visitDraftPayload, VITALS, vitalsOf,
  type GasKey, type NumberKey, type VisitContext, type VisitFormProblem, type VisitFormState, type VitalKey,
} from '../visitform';
import { errorText } from '../wording';
import { applyChange, citizenById, setNote, store, t } from './app.svelte';
import { DRAFT_DEBOUNCE_MS, newDraftId } from './calls.svelte';
import { dispatches, loadBoard } from './dispatches.svelte';

export interface OpenVisit {
  ctx: VisitContext;
  draftId: string;
  arrivedAt: number;
  resumed: boolean;
}

let open = $state.raw<OpenVisit | null>(null);
let form = $state<VisitFormState>(emptyVisit());
let box = $state.raw<BoxedMedicine[]>([]);
let problems = $state.raw<VisitFormProblem[]>([]);
let visitError = $state('');
let saving = $state(false);
let confirming = $state(false);
let news2 = $state.raw<News2Score | null>(null);
let draftFailed = $state(false);
let scoreSeq = 0;
// Read once per field by the dialog: worked out once per change, not once per read.
const byField = $derived(problemsByField(form, box, problems));
/** Set while the form is being opened (its draft and box read), so a second V opens nothing. */
let opening = false;

export const visitForm = {
  get open() { return open; }, get form() { return form; }, get box() { return box; },
  get problems() { return problems; }, get error() { return visitError; }, get saving() { return saving; },
  get confirming() { return confirming; }, get news2() { return news2; }, get draftFailed() { return draftFailed; },
  get byField() { return byField; },
};

/**
 * Whom the visit is to: the board's selected dispatch, else the citizen named (the handover's
 * chosen one), else the page's citizen, else the row.
 */
function contextFor(fromBoard: boolean, named: CitizenId | null): VisitContext | null {
  const name = (id: CitizenId) => citizenById(id)?.name ?? (store.page?.citizen.id === id ? store.page.citizen.name : id);
  if (fromBoard) {
    const d = dispatches.board.find((x) => x.key === dispatches.selected);
    if (d) return { citizenId: d.citizen_id, citizenName: name(d.citizen_id), dispatchKey: d.key };
  }
  const id = named ?? (store.view.kind === 'citizen' ? store.view.id : store.selectedId);
  if (!id) return null;
  // The citizen's open dispatch, if the nurse was sent: the visit completes it.
  const dispatchKey = dispatches.of(id)?.key ?? null;
  return { citizenId: id, citizenName: name(id), dispatchKey };
}

/**
 * V: opens the visit form for the citizen in reach (see `contextFor`). A draft kept for the
 * same citizen is resumed, with its arrival time. False when nobody is in reach.
 */
export async function openVisit(fromBoard = false, citizenId: CitizenId | null = null): Promise<boolean> {
  if (open !== null || opening) return false;
  const ctx = contextFor(fromBoard, citizenId);
  if (!ctx) return false;
  opening = true;
  clearTimeout(draftTimer);
  problems = [];
  visitError = '';
  saving = false;
  confirming = false;
  draftFailed = false;
  news2 = null;
  box = [];
  form = emptyVisit();
  let started: OpenVisit = { ctx, draftId: newDraftId(), arrivedAt: Date.now(), resumed: false };
  try {
    const kept = (await api.listDrafts()).find((d) => d.kind === 'visit' && d.citizen_id === ctx.citizenId);
    const payload = kept ? readVisitDraft(kept.form) : null;
    if (kept && payload) {
      started = { ctx: { ...ctx, dispatchKey: payload.ctx.dispatchKey ?? ctx.dispatchKey }, draftId: kept.id, arrivedAt: payload.arrivedAt, resumed: true };
      form = payload.form;
    }
  } catch {
    // No drafts to read: the form opens empty.
  } finally {
    opening = false;
  }
  open = started;
  try {
    const medicine = await api.medicineBox(ctx.citizenId);
    if (open === started) box = medicine;
  } catch (err) {
    if (open === started) visitError = errorText(api.toApiError(err), t);
  }
  void score();
  return true;
}

// ---------- typing ----------
function touched(field: string): void {
  // The nurse's own field loses its problems; the rest stay in view.
  problems = problems.filter((p) => !problemsByField(form, box, [p]).has(field));
  confirming = false;
  scheduleDraft();
}

/** The form's field of each number typed, for its problems. */
const NUMBER_FIELDS: Record<NumberKey, string> = {
  ...Object.fromEntries([...VITALS, ...GAS].map((x) => [x.key, x.field])) as Record<VitalKey | GasKey, string>,
  crp: 'samples.crp',
};

/** A number as the nurse types it (kept as text, so nothing half typed is lost). */
export function setVisitNumber(key: NumberKey, text: string): void {
  form[key] = text;
  touched(NUMBER_FIELDS[key]);
  if (VITALS.some((v) => v.key === key)) void score();
}

export function setOxygen(on: boolean): void {
  form.onOxygen = on;
  touched('vitals.spo2');
  void score();
}

export function setAcvpu(value: Consciousness): void {
  form.acvpu = value;
  touched('vitals.consciousness');
  void score();
}

export function setSputum(sent: boolean): void {
  form.sputum = sent;
  touched('samples.sputum_sent');
}

/** Gives (with a route) or un-gives (null) a drug of the box. */
export function setBoxGiven(sourceId: string, route: Route | null): void {
  const next = { ...form.fromBox };
  if (route === null) delete next[sourceId];
  else next[sourceId] = route;
  form.fromBox = next;
  touched(`box.${sourceId}`);
}

/** A new row for a drug from the bag; its index. */
export function addOther(): number {
  form.other = [...form.other, { drug: '', dose: '', route: 'oral' }];
  scheduleDraft();
  return form.other.length - 1;
}

export function removeOther(index: number): void {
  form.other = form.other.filter((_, i) => i !== index);
  problems = [];
  scheduleDraft();
}

export function setOther(index: number, part: 'drug' | 'dose' | 'route', text: string): void {
  const row = form.other[index];
  if (!row) return;
  if (part === 'route') row.route = text as Route;
  else row[part] = text;
  touched(`other.${index}.${part}`);
}

export function setVisitEDoctor(consulted: boolean): void {
  form.eDoctor = consulted;
  touched('e_doctor_consulted');
}

export function setVisitOutcome(outcome: VisitOutcome): void {
  form.outcome = outcome;
  touched('outcome');
}

export function setVisitText(field: 'plan' | 'notes', text: string): void {
  form[field] = text;
  touched(field);
}

/** Scores the vitals as typed, once all are numbers; the newest answer wins. */
async function score(): Promise<void> {
  const visit = open;
  const vitals = vitalsOf($state.snapshot(form) as VisitFormState);
  const seq = ++scoreSeq;
  if (!visit || !vitals) {
    news2 = null;
    return;
  }
  try {
    const scored = await api.visitNews2(visit.ctx.citizenId, vitals);
    if (seq === scoreSeq && open === visit) news2 = scored;
  } catch {
    if (seq === scoreSeq) news2 = null;
  }
}

// ---------- the draft ----------
let draftTimer: ReturnType<typeof setTimeout> | undefined;
let draftChain: Promise<void> = Promise.resolve();

function scheduleDraft(): void {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => void saveDraftNow(), DRAFT_DEBOUNCE_MS);
}

export function flushVisitDraft(): Promise<void> {
  clearTimeout(draftTimer);
  return saveDraftNow();
}

function saveDraftNow(): Promise<void> {
  const visit = open;
  if (!visit || saving || !isDirty(form)) return draftChain;
  const payload = visitDraftPayload(visit.ctx, visit.arrivedAt, $state.snapshot(form) as VisitFormState);
  draftChain = draftChain.then(async () => {
    if (open !== visit || saving) return;
    try {
      await api.saveDraft(visit.draftId, 'visit', visit.ctx.citizenId, payload);
      if (open === visit) draftFailed = false;
    } catch {
      if (open === visit) draftFailed = true;
    }
  });
  return draftChain;
}

// ---------- saving, closing ----------

/** Ctrl+Enter: records the visit; false (with the problems at their fields) when refused. */
export async function submitVisit(): Promise<boolean> {
  const visit = open;
  if (!visit || saving) return false;
  visitError = '';
  confirming = false;
  const local = localProblems(form, box);
  if (local.length > 0) {
    problems = local;
    visitError = t('error.invalid_visit');
    return false;
  }
  saving = true;
  clearTimeout(draftTimer);
  try {
    await draftChain;
    const sent = buildVisitForm($state.snapshot(form) as VisitFormState, visit.ctx, box, {
      arrivedAt: visit.arrivedAt, leftAt: Date.now(), draftId: visit.draftId,
    });
    const recorded = await api.recordVisit(sent);
    open = null;
    problems = [];
    const parts = [t('visit.done', { name: visit.ctx.citizenName, news2: recorded.saved.news2.total })];
    if (recorded.saved.completed_dispatch) parts.push(t('visit.done.dispatch'));
    const level = recorded.visit.outcome === 'hospital_admission' ? 6 : recorded.visit.outcome === 'municipal_acute_bed' ? 5 : null;
    if (level !== null) parts.push(t('visit.done.level', { level }));
    setNote(parts.join(' · '));
    await Promise.all([
      applyChange({ citizens: [visit.ctx.citizenId], alarms: true, status: true }),
      loadBoard(),
    ]);
    return true;
  } catch (err) {
    const e = api.toApiError(err);
    problems = e.visit_problems ?? [];
    visitError = errorText(e, t);
    // Still being typed: kept as a draft while the nurse puts it right.
    scheduleDraft();
    return false;
  } finally {
    saving = false;
  }
}

/** Esc: closes an untouched form; with something typed it asks first (Esc again takes it back). */
export function requestCloseVisit(): boolean {
  if (!open || saving) return false;
  if (confirming) {
    confirming = false;
    return false;
  }
  if (isDirty(form)) {
    confirming = true;
    return false;
  }
  open = null;
  return true;
}

export function keepVisit(): void {
  confirming = false;
}

/** Throws the visit away, and its draft with it. */
export async function discardVisit(): Promise<void> {
  const visit = open;
  if (!visit) return;
  clearTimeout(draftTimer);
  open = null;
  confirming = false;
  problems = [];
  await draftChain;
  try {
    await api.discardDraft(visit.draftId);
  } catch {
    // Kept: it is offered again the next time the form opens for this citizen.
  }
}

/** The form went away without Esc (the window closed it): what was typed stays a draft. */
export async function suspendVisit(): Promise<void> {
  if (!open) return;
  if (!isDirty(form)) {
    await discardVisit();
    return;
  }
  await flushVisitDraft();
  open = null;
  confirming = false;
}

export function resetVisits(): void {
  clearTimeout(draftTimer);
  opening = false;
  open = null;
  form = emptyVisit();
  box = [];
  problems = [];
  visitError = '';
  saving = false;
  confirming = false;
  news2 = null;
  draftFailed = false;
  draftChain = Promise.resolve();
}

// The store's MAS dispatches: the dispatch board (the open dispatches, B), the form that sends
// the MAS nurse (M; Alt+M to a person outside the clinic, known by CPR, name and address), the form that moves a dispatch on or settles a conflict (Enter on the
// board), and every dispatch of the citizen whose page is open. Part of the UI's one store (see index.ts): what was typed lives here, so a refusal
// keeps it.
import * as api from '../api';
import type {
  CitizenId, Dispatch, DispatchProblem, DispatchState, DispatchUrgency, PersonProblem, VisitOutcome,
} from '../bindings';
import { errorText } from '../wording';
import { applyChange, citizenById, setNote, store, t, watchChanges } from './app.svelte';

export type DispatchDialog =
  | { kind: 'new'; citizenId: CitizenId; name: string }
  | { kind: 'person' }
  | { kind: 'move'; dispatch: Dispatch; name: string };

/** The states a dispatch may move to from `d`: forward, cancel, or a version of a conflict. */
export function nextStates(d: Dispatch): DispatchState[] {
  const forward: Record<DispatchState, DispatchState[]> = {
    requested: ['en_route', 'arrived', 'cancelled'],
    en_route: ['arrived', 'cancelled'],
    arrived: ['completed', 'cancelled'],
    completed: [],
    cancelled: [],
  };
  const versions = d.conflicts.find((c) => c.field === 'state')?.versions.map((v) => v.value as DispatchState) ?? [];
  return [...new Set([...forward[d.state], ...versions])];
}

const RANK: Record<DispatchUrgency, number> = { immediate: 0, urgent: 1, planned: 2 };

/** The board's order: the most urgent first, then the longest waiting. */
export function boardOrder(list: Dispatch[]): Dispatch[] {
  return [...list].sort((a, b) => RANK[a.urgency] - RANK[b.urgency] || a.requested_at.localeCompare(b.requested_at));
}

let board = $state.raw<Dispatch[]>([]);
let boardLoaded = $state(false);
let boardError = $state('');
let boardSelected = $state<string | null>(null);
let boardSeq = 0;

let dialog = $state.raw<DispatchDialog | null>(null);
let urgency = $state<DispatchUrgency>('urgent');
let reason = $state('');
let nurse = $state('');
let nextState = $state<DispatchState | null>(null);
let outcome = $state<VisitOutcome | null>(null);
let note = $state('');
let problems = $state.raw<DispatchProblem[]>([]);
let person = $state({ cpr: '', name: '', address: '', phone: '' });
let personProblems = $state.raw<PersonProblem[]>([]);
let dialogError = $state('');
let saving = $state(false);

export const dispatches = {
  get board() { return board; }, get loaded() { return boardLoaded; }, get error() { return boardError; },
  get selected() { return boardSelected; },
  get dialog() { return dialog; }, get urgency() { return urgency; }, get reason() { return reason; },
  get nurse() { return nurse; }, get nextState() { return nextState; }, get outcome() { return outcome; },
  get note() { return note; }, get problems() { return problems; }, get dialogError() { return dialogError; },
  get saving() { return saving; },
  get person() { return person; }, get personProblems() { return personProblems; },
  /** The board's row of a citizen's open dispatch, for the worklist row and the page. */
  of(citizenId: CitizenId): Dispatch | undefined { return board.find((d) => d.citizen_id === citizenId); },
};

/** The citizen's name as the worklist knows it. */
function nameOf(id: CitizenId): string {
  return citizenById(id)?.name ?? store.episodes.find((e) => e.citizen_id === id)?.citizen_name ?? id;
}

export async function loadBoard(): Promise<void> {
  const seq = ++boardSeq;
  try {
    const list = await api.listDispatches(true);
    if (seq !== boardSeq) return;
    board = boardOrder(list);
    boardLoaded = true;
    boardError = '';
    if (boardSelected !== null && !list.some((d) => d.key === boardSelected)) boardSelected = list[0]?.key ?? null;
  } catch (err) {
    if (seq === boardSeq) boardError = errorText(api.toApiError(err), t);
  }
}

export function selectDispatch(key: string | null): void {
  boardSelected = key;
}

/** Moves the board's selection; the first arrow selects the first row. */
export function moveDispatch(delta: number): void {
  if (board.length === 0) return;
  const at = board.findIndex((d) => d.key === boardSelected);
  const next = at < 0 ? 0 : Math.min(board.length - 1, Math.max(0, at + delta));
  boardSelected = board[next]?.key ?? null;
}

function clearForm(): void {
  urgency = 'urgent'; reason = ''; nurse = ''; nextState = null; outcome = null; note = '';
  problems = []; dialogError = ''; saving = false;
  person = { cpr: '', name: '', address: '', phone: '' }; personProblems = [];
}

/** M: send the MAS nurse to a citizen. False when no citizen is in reach. */
export function openDispatchNew(citizenId: CitizenId | null): boolean {
  const id = citizenId ?? (store.view.kind === 'citizen' ? store.view.id : store.selectedId);
  if (!id) return false;
  clearForm();
  dialog = { kind: 'new', citizenId: id, name: nameOf(id) };
  return true;
}

/** Alt+M: send the MAS nurse to a person outside the clinic (CPR, name, address). */
export function openDispatchPerson(): boolean {
  clearForm();
  dialog = { kind: 'person' };
  return true;
}

export function setPersonField(field: 'cpr' | 'name' | 'address' | 'phone', value: string): void {
  person = { ...person, [field]: value };
  personProblems = personProblems.filter((p) => p.field !== field);
}

/** Enter on the board: move the selected dispatch on (or settle its conflict). */
export function openDispatchMove(key: string | null = boardSelected): boolean {
  const d = board.find((x) => x.key === key);
  if (!d) return false;
  clearForm();
  nextState = nextStates(d)[0] ?? null;
  nurse = d.assigned_to ?? '';
  dialog = { kind: 'move', dispatch: d, name: nameOf(d.citizen_id) };
  return true;
}

export function closeDispatchDialog(): void {
  dialog = null;
  clearForm();
}

export function setDispatchUrgency(next: DispatchUrgency): void { urgency = next; }
export function setDispatchReason(next: string): void { reason = next; problems = problems.filter((p) => p.field !== 'reason'); }
export function setDispatchNurse(next: string): void { nurse = next; }
export function setNextState(next: DispatchState): void {
  nextState = next;
  if (next !== 'completed') outcome = null;
  problems = problems.filter((p) => p.field !== 'state' && p.field !== 'outcome');
}
export function setOutcome(next: VisitOutcome): void { outcome = next; problems = problems.filter((p) => p.field !== 'outcome'); }
export function setDispatchNote(next: string): void { note = next; }

/** Ctrl+Enter: sends the request or the change. True when it was kept. */
export async function submitDispatch(): Promise<boolean> {
  const open = dialog;
  if (!open || saving) return false;
  // What the form can tell at once; the back end checks everything again.
  const local: DispatchProblem[] = [];
  if (open.kind !== 'move' && reason.trim() === '') local.push({ field: 'reason', code: 'missing' });
  if (open.kind === 'move' && nextState === 'completed' && outcome === null) local.push({ field: 'outcome', code: 'outcome' });
  const localPerson: PersonProblem[] = open.kind !== 'person' ? [] : (['cpr', 'name', 'address'] as const)
    .filter((f) => person[f].trim() === '').map((field) => ({ field, code: 'missing' }));
  if (local.length > 0 || localPerson.length > 0) {
    problems = local;
    personProblems = localPerson;
    dialogError = t(localPerson.length > 0 ? 'error.invalid_person' : 'error.invalid_dispatch');
    return false;
  }
  saving = true;
  try {
    let done;
    let known = false;
    if (open.kind === 'person') {
      const sent = await api.dispatchPerson({
        person: { cpr: person.cpr, name: person.name, address: person.address, phone: person.phone.trim() === '' ? undefined : person.phone },
        urgency, reason, assigned_to: nurse.trim() === '' ? null : nurse.trim(),
      });
      known = sent.person.existing;
      done = sent.dispatch;
    } else if (open.kind === 'new') {
      done = await api.requestDispatch({
        citizen_id: open.citizenId, urgency, reason, assigned_to: nurse.trim() === '' ? null : nurse.trim(),
      });
    } else if (nextState !== null) {
      done = await api.changeDispatch(open.dispatch.key, { change: 'state', to: nextState, outcome, note });
    } else {
      done = await api.changeDispatch(open.dispatch.key, { change: 'assigned', nurse: nurse.trim() === '' ? null : nurse.trim() });
    }
    const d = done.saved.dispatch;
    closeDispatchDialog();
    boardSelected = d.state === 'completed' || d.state === 'cancelled' ? null : d.key;
    // A person just added has no row yet to name them by.
    if (open.kind === 'person') await applyChange({ citizens: [d.citizen_id], alarms: false, status: false });
    setNote(t(open.kind === 'move' ? 'dispatch.moved' : known ? 'person.known' : 'dispatch.sent', {
      name: nameOf(d.citizen_id), state: t(`dispatch.state.${d.state}`),
    }));
    await Promise.all([
      loadBoard(),
      applyChange({ citizens: [d.citizen_id], alarms: done.alarms_raised.length > 0 || done.saved.level_decision !== null, status: true }),
    ]);
    return true;
  } catch (err) {
    const e = api.toApiError(err);
    problems = e.dispatch_problems ?? [];
    personProblems = e.person_problems ?? [];
    dialogError = errorText(e, t);
    return false;
  } finally {
    saving = false;
  }
}

// ---------- the open citizen's dispatches ----------
let historyCitizen = $state<CitizenId | null>(null);
let history = $state.raw<Dispatch[]>([]);
let historyLoaded = $state(false);
let historyError = $state('');
let historySeq = 0;

/** Every dispatch of the citizen whose page is open, the newest request first. */
export const dispatchHistory = {
  get citizenId() { return historyCitizen; }, get dispatches() { return history; },
  get loaded() { return historyLoaded; }, get error() { return historyError; },
};

/** Shows another citizen's dispatches (null: none); the same citizen keeps what is shown. */
export function openDispatchHistory(id: CitizenId | null): void {
  if (id === historyCitizen) return;
  historySeq += 1;
  historyCitizen = id;
  history = [];
  historyLoaded = false;
  historyError = '';
  if (id !== null) void loadHistory();
}

async function loadHistory(): Promise<void> {
  const id = historyCitizen;
  if (id === null) return;
  const mine = ++historySeq;
  try {
    const list = await api.listDispatches(false, id);
    if (mine !== historySeq) return;
    history = [...list].sort((a, b) => b.requested_at.localeCompare(a.requested_at));
    historyLoaded = true;
    historyError = '';
  } catch (err) {
    if (mine === historySeq) historyError = errorText(api.toApiError(err), t);
  }
}

// Another station's edit, or a sync, may have moved any dispatch on.
watchChanges((change) => {
  if (change.citizens === null || change.citizens.length > 0) void loadBoard();
  if (historyCitizen !== null && (change.citizens === null || change.citizens.includes(historyCitizen))) void loadHistory();
});

export function resetDispatches(): void {
  boardSeq += 1;
  historySeq += 1;
  historyCitizen = null; history = []; historyLoaded = false; historyError = '';
  board = []; boardLoaded = false; boardError = ''; boardSelected = null; dialog = null;
  clearForm();
}

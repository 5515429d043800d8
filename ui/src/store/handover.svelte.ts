// The store's shift handover (H): the handover of a shift as the back end builds it, the citizen
// chosen in it, the receiver's sign-off (S, Alt+S: "modtaget"), its PDF (G), and the nurse's note
// on a citizen (N: her severity for the shift, her "if ... then ..." note). Part of the UI's one
// store (see index.ts); what was typed lives here, so a refusal keeps it.
import * as api from '../api';
import type { CitizenId, Handover, HandoverCitizen, ShiftSpan } from '../bindings';
import { moveSelection } from '../filter';
import { noteChanges, nextShift, type SeverityChoice } from '../handover';
import { parseTime } from '../format';
import { keyFor } from '../keymap';
import { errorText } from '../wording';
import { setNote, showHandoverView, store, t, watchChanges } from './app.svelte';

/** How far Page Up / Page Down move the choice. */
export const HANDOVER_PAGE = 5;

/** The span shown; null until the first answer says what "the shift now" is. */
let span = $state.raw<ShiftSpan | null>(null);
let data = $state.raw<Handover | null>(null);
let loading = $state(false);
let loadError = $state('');
let selected = $state<CitizenId | null>(null);
let signing = $state(false);
let exporting = $state(false);
let exported = $state<string | null>(null);
let failure = $state('');
let seq = 0;

let noteFor = $state.raw<HandoverCitizen | null>(null);
let noteSeverity = $state<SeverityChoice>('rule');
let noteText = $state('');
let noteClear = $state(false);
let noteError = $state('');
let noteSaving = $state(false);

const selectedIndex = $derived(data?.citizens.findIndex((c) => c.citizen_id === selected) ?? -1);

export const handover = {
  get span() { return span; }, get data() { return data; }, get loading() { return loading; },
  get error() { return loadError; }, get selected() { return selected; }, get selectedIndex() { return selectedIndex; },
  get signing() { return signing; }, get exporting() { return exporting; }, get exported() { return exported; },
  get failure() { return failure; },
  get noteFor() { return noteFor; }, get noteSeverity() { return noteSeverity; }, get noteText() { return noteText; },
  get noteClear() { return noteClear; }, get noteError() { return noteError; }, get noteSaving() { return noteSaving; },
  /** The citizen chosen, if the handover presents them. */
  get citizen(): HandoverCitizen | null { return data?.citizens[selectedIndex] ?? null; },
  /** The shift shown has ended (so there is a next one to go to). */
  get ended(): boolean { return data !== null && (parseTime(data.to) ?? Infinity) <= Date.now(); },
  /** The handover goes no further than the shift now. */
  get hasNext(): boolean { return handover.ended; },
};

/** Reads the handover of the span shown; the choice stays on its citizen, else near its place. */
export async function loadHandover(): Promise<void> {
  const mine = ++seq;
  const asked = span;
  loading = true;
  try {
    const next = await api.handover(asked);
    if (mine !== seq) return;
    const at = selectedIndex;
    data = next;
    // Pinned: a reload after the clock passed a shift change still shows the shift being read.
    span = { from: next.from, to: next.to };
    if (!next.citizens.some((c) => c.citizen_id === selected)) {
      selected = next.citizens[Math.min(Math.max(at, 0), next.citizens.length - 1)]?.citizen_id ?? null;
    }
    loadError = '';
  } catch (err) {
    if (mine === seq) loadError = errorText(api.toApiError(err), t);
  } finally {
    if (mine === seq) loading = false;
  }
}

function showSpan(next: ShiftSpan | null): Promise<void> {
  span = next;
  data = null;
  selected = null;
  exported = null;
  failure = '';
  return loadHandover();
}

/** H: the handover of the shift now, from its first citizen. */
export function openHandover(): Promise<void> {
  showHandoverView();
  return showSpan(null);
}

/** Back from a citizen's page opened from the handover: the same shift and citizen, read again. */
export function returnToHandover(): Promise<void> {
  showHandoverView();
  return loadHandover();
}

/** ← / →: the shift before or after the one shown. False when there is none to go to. */
export function moveShift(direction: 'prev' | 'next'): boolean {
  const h = data;
  if (!h) return false;
  if (direction === 'next' && !handover.hasNext) return false;
  void showSpan(direction === 'prev' ? { from: h.previous.from, to: h.previous.to } : nextShift(h));
  return true;
}

export function selectHandoverCitizen(id: CitizenId | null): void {
  selected = id;
}

export function moveHandover(step: 'up' | 'down' | 'page_up' | 'page_down' | 'first' | 'last'): void {
  const list = data?.citizens ?? [];
  const n = list.length;
  const delta = { up: -1, down: 1, page_up: -HANDOVER_PAGE, page_down: HANDOVER_PAGE, first: -n, last: n }[step];
  selected = list[moveSelection(selectedIndex, delta, n)]?.citizen_id ?? null;
}

/**
 * S: signs the chosen citizen as received and read; Alt+S (`all`) every citizen the view shows,
 * named (never "all", so nobody who joined after it was read is signed for unseen). A handover
 * that presents nobody is signed with none. False when there is nothing to sign.
 */
export function signHandover(all: boolean): boolean {
  const h = data;
  const c = handover.citizen;
  if (!h || signing) return false;
  if (all || h.citizens.length === 0) void sign(h, h.citizens.map((x) => x.citizen_id), null);
  else if (c) void sign(h, [c.citizen_id], c);
  else return false;
  return true;
}

async function sign(h: Handover, ids: CitizenId[], c: HandoverCitizen | null): Promise<void> {
  signing = true;
  failure = '';
  try {
    const done = await api.signHandover({ from: h.from, to: h.to }, ids);
    setNote(c ? t('handover.sign.done', { name: c.name })
      : ids.length === 0 ? t('handover.sign.none_done') : t('handover.sign.all_done', { count: done.signed.length }));
  } catch (err) {
    failure = t('handover.sign.failed', { message: errorText(api.toApiError(err), t) });
  } finally {
    signing = false;
  }
  await loadHandover();
}

/** G: writes the handover shown as a PDF, and says where it went. */
export async function exportHandover(): Promise<void> {
  const h = data;
  if (!h || exporting) return;
  exporting = true;
  exported = null;
  failure = '';
  try {
    const path = await api.exportHandoverPdf({ from: h.from, to: h.to }, store.lang);
    if (data?.from !== h.from) return;
    exported = path;
    setNote(t('handover.exported', { path }));
  } catch (err) {
    if (data?.from === h.from) failure = t('trend.export_failed', { message: errorText(api.toApiError(err), t) });
  } finally {
    exporting = false;
  }
}

// ---------- the note (N) ----------

/**
 * N: the note dialog for the chosen citizen, with her standing severity and note. In a shift that
 * has ended it opens nothing and says why: a note written now belongs to the shift now.
 */
export function openHandoverNote(): boolean {
  if (handover.ended) {
    setNote(t('handover.note.ended', { key: keyFor('handover') }));
    return true;
  }
  const c = handover.citizen;
  if (!c) return false;
  noteFor = c;
  noteSeverity = c.nurse_severity?.value ?? 'rule';
  noteText = c.contingency?.value ?? '';
  noteClear = false;
  noteError = '';
  noteSaving = false;
  return true;
}

export function closeHandoverNote(): void {
  noteFor = null;
  noteError = '';
}

export function setNoteSeverity(next: SeverityChoice): void {
  noteSeverity = next;
  noteError = '';
}

export function setNoteText(next: string): void {
  noteText = next;
  noteError = '';
}

export function setNoteClear(next: boolean): void {
  noteClear = next;
  noteError = '';
}

/** Ctrl+Enter: sends only what changed. True when it was kept. */
export async function submitHandoverNote(): Promise<boolean> {
  const c = noteFor;
  const h = data;
  if (!c || !h || noteSaving) return false;
  const { severity, contingency } = noteChanges(c, noteSeverity, noteText, noteClear);
  if (severity === null && contingency === null) {
    noteError = t('error.empty_note');
    return false;
  }
  noteSaving = true;
  try {
    await api.writeHandoverNote(c.citizen_id, { from: h.from, to: h.to }, severity, contingency);
    closeHandoverNote();
    setNote(t('handover.note.done', { name: c.name }));
    await loadHandover();
    return true;
  } catch (err) {
    noteError = errorText(api.toApiError(err), t);
    return false;
  } finally {
    noteSaving = false;
  }
}

// Another station's note or sign-off, a sync, a call or an alarm may change what is handed over:
// the handover in view is read again, once for changes that arrive while it is being read.
let reloading: Promise<void> | null = null;
let again = false;

function reloadInView(): void {
  if (store.view.kind !== 'handover' || data === null) return;
  if (reloading) {
    again = true;
    return;
  }
  reloading = loadHandover().finally(() => {
    reloading = null;
    if (again) {
      again = false;
      reloadInView();
    }
  });
}

watchChanges(() => reloadInView());

export function resetHandover(): void {
  seq += 1;
  span = null; data = null; loading = false; loadError = ''; selected = null; signing = false;
  exporting = false; exported = null; failure = ''; noteFor = null; noteError = ''; noteSaving = false;
  reloading = null; again = false;
}

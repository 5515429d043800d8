// Unknown callers' calls no nurse has linked to a citizen yet (the strip above the worklist),
// and the dialog that ties one to a citizen found by name or CPR. Part of the UI's one store
// (see index.ts).
import * as api from '../api';
import type { CallRecord, CitizenSummary } from '../bindings';
import { filterCitizens, moveSelection } from '../filter';
import { errorText } from '../wording';
import { applyChange, setNote, store, t, watchChanges } from './app.svelte';

/** How many citizens the link dialog offers at once: the nurse types more to narrow it. */
export const LINK_CHOICES = 8;

let unlinked = $state.raw<CallRecord[]>([]);
let unlinkedError = $state('');
let loadSeq = 0;

let linking = $state.raw<CallRecord | null>(null);
let query = $state('');
let chosen = $state(0);
let linkError = $state('');
let saving = $state(false);

export const links = {
  get unlinked() { return unlinked; }, get error() { return unlinkedError; },
  get call() { return linking; }, get query() { return query; }, get chosen() { return chosen; },
  get dialogError() { return linkError; }, get saving() { return saving; },
  /** The citizens that match what was typed, at most LINK_CHOICES. */
  get matches(): CitizenSummary[] {
    return query.trim() === '' ? [] : filterCitizens(store.rows, query.replace(/(\d{6})-(\d{4})/, '$1$2')).slice(0, LINK_CHOICES);
  },
};

export async function loadUnlinked(): Promise<void> {
  const seq = ++loadSeq;
  try {
    const list = await api.unlinkedCalls();
    if (seq !== loadSeq) return;
    unlinked = list;
    unlinkedError = '';
  } catch (err) {
    if (seq === loadSeq) unlinkedError = errorText(api.toApiError(err), t);
  }
}

export function openLink(callKey: string): boolean {
  const call = unlinked.find((c) => c.key === callKey);
  if (!call) return false;
  linking = call; query = ''; chosen = 0; linkError = ''; saving = false;
  return true;
}

export function closeLink(): void {
  linking = null; query = ''; chosen = 0; linkError = '';
}

export function setLinkQuery(text: string): void {
  query = text;
  chosen = 0;
  linkError = '';
}

export function moveLinkChoice(delta: number): void {
  chosen = Math.max(0, moveSelection(chosen, delta, links.matches.length));
}

export function chooseLink(index: number): void {
  chosen = index;
}

/** Enter or Ctrl+Enter: ties the call to the chosen citizen. True when it was kept. */
export async function submitLink(): Promise<boolean> {
  const call = linking;
  const citizen = links.matches[chosen];
  if (!call || saving) return false;
  if (!citizen) {
    linkError = t('link.none_chosen');
    return false;
  }
  saving = true;
  try {
    await api.linkCall(call.key, citizen.id);
    closeLink();
    unlinked = unlinked.filter((c) => c.key !== call.key);
    setNote(t('link.done', { caller: call.caller_name ?? '', name: citizen.name }));
    await applyChange({ citizens: [citizen.id], alarms: true, status: true });
    return true;
  } catch (err) {
    linkError = errorText(api.toApiError(err), t);
    return false;
  } finally {
    saving = false;
  }
}

// A call logged here or pulled from another station may be an unknown caller's, and a link
// made elsewhere may have tied one.
watchChanges(() => void loadUnlinked());

export function resetLinks(): void {
  loadSeq += 1;
  unlinked = []; unlinkedError = ''; linking = null; query = ''; chosen = 0; linkError = ''; saving = false;
}

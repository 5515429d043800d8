// The store's citizen timeline (L on a citizen's page): everything that happened to the citizen,
// newest first, read whole once (every kind) and filtered here, so the chips' counts stay right;
// the kinds shown (1-7 toggle one, 0 shows all) and the entry chosen (the arrow keys). Part of
// the UI's one store (see index.ts).
import * as api from '../api';
import type { CitizenId, TimelineEntry, TimelineKind } from '../bindings';
import { moveSelection } from '../filter';
import { countKinds, entryKeys, filterKinds, nearestIndex, toggleKind } from '../timeline';
import { errorText } from '../wording';
import { returnToCitizen, showTimelineView, store, t, watchChanges } from './app.svelte';

let citizenId = $state<CitizenId | null>(null);
let entries = $state.raw<readonly TimelineEntry[]>([]);
let loaded = $state(false);
let loading = $state(false);
let loadError = $state('');
let shown = $state.raw<readonly TimelineKind[]>([]);
/** The chosen entry, by entryKey: it stays chosen when the list is filtered or read again. */
let selectedKey = $state<string | null>(null);
let pageSize = 10;
let seq = 0;

const visible = $derived(filterKinds(entries, shown));
const keys = $derived(entryKeys(visible));
const counts = $derived(countKinds(entries));
const selectedIndex = $derived(selectedKey === null ? -1 : keys.indexOf(selectedKey));

export const timeline = {
  get citizenId() { return citizenId; }, get entries() { return entries; }, get loaded() { return loaded; },
  get loading() { return loading; }, get error() { return loadError; },
  /** The kinds shown; none chosen shows them all. */
  get shown() { return shown; },
  get visible() { return visible; }, get counts() { return counts; }, get selectedIndex() { return selectedIndex; },
};

/** Keeps the choice on its entry; when that is gone, on the nearest older one. */
function keepChoice(before: TimelineEntry | undefined): void {
  if (selectedKey !== null && keys.includes(selectedKey)) return;
  const i = before ? nearestIndex(visible, before.at) : visible.length > 0 ? 0 : -1;
  selectedKey = keys[i] ?? null;
}

async function load(id: CitizenId): Promise<void> {
  const mine = ++seq;
  loading = true;
  try {
    const next = await api.timeline(id, []);
    if (mine !== seq || citizenId !== id) return;
    const before = visible[selectedIndex];
    entries = next;
    loaded = true;
    loadError = '';
    keepChoice(before);
  } catch (err) {
    if (mine === seq) loadError = errorText(api.toApiError(err), t);
  } finally {
    if (mine === seq) loading = false;
  }
}

/** L on a citizen's page: their timeline, every kind shown, the newest entry chosen. */
export function openTimeline(id: CitizenId): Promise<void> {
  showTimelineView(id);
  seq += 1;
  citizenId = id;
  entries = [];
  loaded = false;
  loadError = '';
  shown = [];
  selectedKey = null;
  return load(id);
}

/** Esc: back to the citizen's page. */
export function closeTimeline(): Promise<void> {
  seq += 1;
  citizenId = null;
  entries = [];
  loaded = false;
  loading = false;
  return returnToCitizen();
}

function showKinds(next: readonly TimelineKind[]): void {
  const before = visible[selectedIndex];
  shown = next;
  keepChoice(before);
}

/** A chip, or its digit: the kind joins the kinds shown or leaves them. */
export function toggleTimelineKind(kind: TimelineKind): void {
  showKinds(toggleKind(shown, kind));
}

/** 0, or the "all" chip: every kind. */
export function showAllTimelineKinds(): void {
  showKinds([]);
}

/** A digit key in the timeline: its kind toggled, or (0) every kind shown. */
export function showTimelineKind(kind: TimelineKind | 'all'): boolean {
  if (kind === 'all') showAllTimelineKinds();
  else toggleTimelineKind(kind);
  return true;
}

export function setTimelinePageSize(entriesPerPage: number): void {
  pageSize = Math.max(1, entriesPerPage);
}

export function selectTimelineEntry(index: number): void {
  selectedKey = keys[index] ?? null;
}

export function moveTimeline(step: 'up' | 'down' | 'page_up' | 'page_down' | 'first' | 'last'): void {
  const n = visible.length;
  const delta = { up: -1, down: 1, page_up: -pageSize, page_down: pageSize, first: -n, last: n }[step];
  selectedKey = keys[moveSelection(selectedIndex, delta, n)] ?? null;
}

// A call, a level, an alarm or a sync may add to the timeline in view: it is read again, the
// choice kept on its entry.
watchChanges((change) => {
  const view = store.view;
  if (view.kind !== 'timeline' || citizenId !== view.id || !loaded) return;
  if (change.citizens === null || change.citizens.includes(view.id) || change.alarms) void load(view.id);
});

export function resetTimeline(): void {
  seq += 1;
  citizenId = null; entries = []; loaded = false; loading = false; loadError = ''; shown = []; selectedKey = null; pageSize = 10;
}

// The store's core: the worklist, the alarm episodes, the status, the view and the citizen
// page. With alarms.svelte.ts and dialogs.svelte.ts it is the UI's one store (see index.ts):
// state lives only there and changes only through the named functions. Components read `store`
// (getters) and call the functions.
import { episodesDue, nextWake, signalsDue, sortAlarms, sortEpisodes, sortWorklist, type Heard } from '../alarms';
import * as api from '../api';
import type { ApiError } from '../api';
import type { AlarmEpisode, CitizenId, CitizenPage, CitizenSummary, StoreChanged, StationStatus } from '../bindings';
import { filterCitizens, moveSelection } from '../filter';
import { catalogue, DEFAULT_LANG, isLang, LANG_STORAGE_KEY, translate, type Lang, type Params } from '../i18n';
import { announce } from '../signals';
import { errorText } from '../wording';

/** Ages on screen are re-rendered this often, and nothing else runs on a clock when idle. */
export const TICK_MS = 60_000;
/** The fallback poll: catches changes made by another process (vagtctl). */
export const POLL_MS = 30_000;
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 60_000;

/**
 * `from`: the citizen page was opened from the handover, and Esc goes back there. A citizen's
 * timeline is opened from their page, and keeps where the page was opened from.
 */
export type View =
  | { kind: 'worklist' } | { kind: 'citizen'; id: CitizenId; from?: 'handover' } | { kind: 'handover' }
  | { kind: 'timeline'; id: CitizenId; from?: 'handover' };

// ---------- state ----------
let lang = $state<Lang>(DEFAULT_LANG);
let now = $state(Date.now());
let load = $state<'loading' | 'ready' | 'error'>('loading');
let error = $state.raw<ApiError | null>(null);
let errorFromRefresh = false;
let note = $state('');

// Raw: 10,000 rows are replaced, never mutated, so they need no deep proxies.
let rows = $state.raw<CitizenSummary[]>([]);
let rowsLoaded = $state(false);
let query = $state('');
let selectedId = $state<CitizenId | null>(null);
let pageSize = 10;
const sorted = $derived(sortWorklist(rows));
const visible = $derived(filterCitizens(sorted, query));
const selectedIndex = $derived(selectedId === null ? -1 : visible.findIndex((c) => c.id === selectedId));

// One per citizen who needs attention, most urgent first, each with its open causes.
let episodes = $state.raw<AlarmEpisode[]>([]);
const causeCount = $derived(episodes.reduce((n, e) => n + e.causes.length, 0));
let heard = new Map<string, Heard>();
let status = $state.raw<StationStatus | null>(null);

let view = $state.raw<View>({ kind: 'worklist' });
let page = $state.raw<CitizenPage | null>(null);
let pageError = $state('');

let helpOpen = $state(false);

/** Translates in the nurse's language; reading it makes a component follow a switch. */
export function t(key: string, params?: Params): string {
  return translate(catalogue, lang, key, params);
}

export const store = {
  get lang() { return lang; }, get now() { return now; }, get load() { return load; },
  get error() { return error; }, get note() { return note; }, get rowsLoaded() { return rowsLoaded; },
  get total() { return rows.length; }, get rows() { return rows; }, get visible() { return visible; }, get query() { return query; },
  get selectedId() { return selectedId; }, get selectedIndex() { return selectedIndex; },
  get episodes() { return episodes; }, get causeCount() { return causeCount; }, get status() { return status; },
  get view() { return view; }, get page() { return page; }, get pageError() { return pageError; },
  get helpOpen() { return helpOpen; },
};

// ---------- language and clock ----------
function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage can be disabled
  }
}

export function setLanguage(next: Lang): void {
  lang = next;
  try {
    storage()?.setItem(LANG_STORAGE_KEY, next);
  } catch {
    // quota or disabled storage: the switch still works for this session
  }
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}

export function toggleLanguage(): void {
  setLanguage(lang === 'da' ? 'en' : 'da');
}

export function tick(): void {
  now = Date.now();
}

// ---------- changes: pushed by the back end, re-read only where named ----------
/**
 * A change as the store applies it: the back end's, or (`episodesOf`) one the window's own clock
 * makes: an escalation step or a snooze's end changes those citizens' episodes and no others.
 */
type Change = StoreChanged & { episodesOf?: CitizenId[] };
let pending: Change | null = null;
let draining: Promise<void> | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelay = RETRY_FIRST_MS;
/** What failed to be read and waits for the retry. */
let toRetry: Change | null = null;
let wakeTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The back end names the citizens whose alarms changed (an evaluation's): only their episodes
 * are read again, as at a wake, unless so many that one whole read is cheaper.
 */
function episodesNamed(change: Change): Change {
  const named = change.alarm_citizens ?? [];
  if (change.alarms || named.length === 0) return change;
  const { alarm_citizens: _, ...rest } = change;
  if (named.length > WAKE_READS_AT_MOST) return { ...rest, alarms: true };
  return { ...rest, episodesOf: [...new Set([...(change.episodesOf ?? []), ...named])] };
}

function merge(a: Change, b: Change): Change {
  const citizens = a.citizens === null || b.citizens === null ? null : [...new Set([...a.citizens, ...b.citizens])];
  const merged: Change = { citizens, alarms: a.alarms || b.alarms, status: a.status || b.status };
  // Every episode read again covers a few.
  const episodesOf = [...new Set([...(a.episodesOf ?? []), ...(b.episodesOf ?? [])])];
  if (!merged.alarms && episodesOf.length > 0) merged.episodesOf = episodesOf;
  return merged;
}

/** Told of every change as it arrives, e.g. to drop what a cache holds of the citizens named. */
export type ChangeWatcher = (change: StoreChanged) => void;
const watchers = new Set<ChangeWatcher>();

/** Calls `watcher` with each change the store applies; returns a function that stops it. */
export function watchChanges(watcher: ChangeWatcher): () => void {
  watchers.add(watcher);
  return () => void watchers.delete(watcher);
}

/** Re-reads what a change names; changes arriving meanwhile are merged and read once after. */
export function applyChange(change: Change): Promise<void> {
  for (const watcher of watchers) watcher(change);
  const next = episodesNamed(change);
  pending = pending ? merge(pending, next) : next;
  draining ??= drain();
  return draining;
}

async function drain(): Promise<void> {
  try {
    while (pending) {
      const next = pending;
      pending = null;
      await reread(next);
    }
  } finally {
    // Cleared in the same turn as the last look at `pending`, so no change is left unread.
    draining = null;
  }
}

function mergeRows(current: CitizenSummary[], ids: CitizenId[], fresh: CitizenSummary[]): CitizenSummary[] {
  const named = new Set(ids);
  const byId = new Map(fresh.map((c) => [c.id, c]));
  const out: CitizenSummary[] = [];
  for (const c of current) {
    // A named id missing from the answer was removed from the store.
    if (!named.has(c.id)) out.push(c);
    else if (byId.has(c.id)) {
      out.push(byId.get(c.id) as CitizenSummary);
      byId.delete(c.id);
    }
  }
  return out.concat([...byId.values()]);
}

/** Rows a whole read puts in place of their old copies at a time (see readWholeWorklist). */
export const WHOLE_READ_REPLACES_ROWS = 2_000;

/** Every row read again. Rows already shown are replaced by their fresh copies as these arrive,
 * some pages at a time: held until the last page was read, a region's old rows and its new ones
 * were both in the web process at the end of a first sync, whose heap then stayed the larger
 * (docs/performance.md, "The window's rows replaced as they are read"). Not a page at a time:
 * each replacement sorts the whole list again. */
async function readWholeWorklist(): Promise<void> {
  const replaceShownRows = rows.length > 0;
  let arrived: CitizenSummary[] = [];
  const replace = () => {
    rows = mergeRows(rows, arrived.map((c) => c.id), arrived);
    arrived = [];
  };
  const fresh = await api.worklist((page) => {
    if (!replaceShownRows) return;
    arrived = arrived.concat(page);
    if (arrived.length >= WHOLE_READ_REPLACES_ROWS) replace();
  });
  rows = fresh;
  rowsLoaded = true;
}

async function reread(change: Change): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  const ids = change.citizens;
  if (ids === null) {
    jobs.push(readWholeWorklist());
  } else if (ids.length > 0) {
    jobs.push(api.worklistRows(ids).then((r) => {
      rows = mergeRows(rows, ids, r);
    }));
  }
  if (change.alarms) jobs.push(loadAlarms(true));
  else if (change.episodesOf) jobs.push(loadEpisodesOf(change.episodesOf));
  if (change.status) jobs.push(api.storeStatus().then(setStatus));
  const shown = view.kind === 'citizen' ? view.id : null;
  if (shown !== null && (ids === null || ids.includes(shown) || change.alarms || change.episodesOf?.includes(shown))) {
    jobs.push(readPage(shown));
  }
  const failed = (await Promise.allSettled(jobs)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    error = api.toApiError(failed.reason);
    errorFromRefresh = true;
    if (!rowsLoaded) load = 'error';
    retryLater(change);
    return;
  }
  retryDelay = RETRY_FIRST_MS;
  if (errorFromRefresh) {
    error = null;
    errorFromRefresh = false;
  }
  if (rowsLoaded) load = 'ready';
}

/** A failed read is tried again, less often the longer it fails; reads that fail meanwhile
 * join it, so none is dropped for a later one. */
function retryLater(change: Change): void {
  toRetry = toRetry ? merge(toRetry, change) : change;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => {
    const due = toRetry;
    toRetry = null;
    if (due) void applyChange(due);
  }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

/** The data version of the newest status read outside a bulk load's ending: what a poll
 * compares with. */
let versionSeen = '';
/** A first sync's bulk load has ended and its run still syncs: it evaluates everyone, then
 * tells every row, and only then is recorded finished. Its progress as the load ended, and
 * when: a run that pulls again, or an ending longer than this, is not that run's follow-up. */
let loadEnding: { progress: string; since: number } | null = null;
const LOAD_ENDING_AT_MOST_MS = 60_000;

/** Whether `next` is a bulk load's ending, as the statuses read before it tell. */
function endsBulkLoad(next: StationStatus): boolean {
  if (next.sync_state !== 'syncing' || next.bulk_load) return false;
  if (!loadEnding) return status?.bulk_load === true;
  return JSON.stringify(next.sync_progress) === loadEnding.progress
    && Date.now() - loadEnding.since < LOAD_ENDING_AT_MOST_MS;
}

/** Only a status that differs is stored, so an unchanged poll re-renders nothing. */
function setStatus(next: StationStatus): void {
  if (!endsBulkLoad(next)) {
    loadEnding = null;
    versionSeen = dataVersion(next);
  } else loadEnding ??= { progress: JSON.stringify(next.sync_progress), since: Date.now() };
  if (JSON.stringify(next) !== JSON.stringify(status)) status = next;
}

/** What in the status means the data may have changed (another process wrote; a bulk load
 * began or ended, which changes what a citizen's rows and page can show). While a first sync
 * loads in bulk, its counts move with every page it stores, and rows are read once, at its
 * end: a poll would otherwise read the region's every row again (10 MB) every 30 s. */
function dataVersion(s: StationStatus | null): string {
  if (!s) return '';
  const synced = s.bulk_load ? 'loading' : `${s.citizens}/${s.readings}/${s.rejected}/${s.last_sync ?? ''}`;
  return `${synced}/${s.open_alarms}/${s.alarms_total}/${s.outbox}/${s.bulk_load}`;
}

/** The slow fallback: one store_status; everything is read again only if it moved. Not while
 * a bulk load ends: its run tells every row once it has evaluated everyone (this station's,
 * by the back end's notice), or the first poll after its run sees them (another process's).
 * A poll that read them as the load ended read every row twice within seconds
 * (docs/performance.md, "A first sync's end read once"). */
export async function poll(): Promise<void> {
  if (load !== 'ready') return;
  try {
    const next = await api.storeStatus();
    if (!endsBulkLoad(next) && dataVersion(next) !== versionSeen) {
      await applyChange({ citizens: null, alarms: true, status: true });
    } else setStatus(next);
  } catch (err) {
    error = api.toApiError(err);
    errorFromRefresh = true;
  }
}

/** The episodes; sounds, notifications and the wake-up timer still go by each cause. */
/** At a wake more citizens than this are due: every episode is read again, in one call. */
const WAKE_READS_AT_MOST = 200;

async function loadAlarms(announceNew: boolean): Promise<void> {
  showEpisodes(sortEpisodes(await api.alarmEpisodes()), announceNew);
}

/** Reads the episodes of `ids` again and puts them in the list, most urgent first. */
async function loadEpisodesOf(ids: CitizenId[]): Promise<void> {
  const fresh = await api.alarmEpisodesOf(ids);
  const named = new Set(ids);
  showEpisodes(sortEpisodes([...episodes.filter((e) => !named.has(e.citizen_id)), ...fresh]), true);
}

function showEpisodes(list: AlarmEpisode[], announceNew: boolean): void {
  episodes = list;
  const causes = sortAlarms(list.flatMap((e) => e.causes));
  const signals = signalsDue(causes, heard);
  heard = signals.heard;
  scheduleWake(nextWake(causes));
  if (announceNew) announce(signals.fresh, signals.escalated, t);
}

/**
 * One timer at the next escalation step or end of a snooze. Then only the citizens whose time
 * came are read again: a region has thousands of episodes (5 MB), and steps fall due every few
 * seconds there.
 */
function scheduleWake(at: number | null): void {
  clearTimeout(wakeTimer);
  if (at === null) return;
  const delay = Math.min(Math.max(at - Date.now(), 0) + 250, 2 ** 31 - 1);
  wakeTimer = setTimeout(() => {
    const due = episodesDue(episodes, Date.now());
    const whole = due.length === 0 || due.length > WAKE_READS_AT_MOST;
    void applyChange(whole ? { citizens: [], alarms: true, status: false }
      : { citizens: [], alarms: false, status: false, episodesOf: due });
  }, delay);
}

// ---------- worklist ----------
export function setQuery(next: string): void {
  query = next;
}

export function setPageSize(rowsPerPage: number): void {
  pageSize = Math.max(1, rowsPerPage);
}

export function selectCitizen(id: CitizenId | null): void {
  selectedId = id;
}

export function moveCitizen(step: 'up' | 'down' | 'page_up' | 'page_down' | 'first' | 'last'): void {
  const n = visible.length;
  const delta = { up: -1, down: 1, page_up: -pageSize, page_down: pageSize, first: -n, last: n }[step];
  selectedId = visible[moveSelection(selectedIndex, delta, n)]?.id ?? null;
}

/** A worklist row by id (any row, not only the visible ones). */
export function citizenById(id: CitizenId): CitizenSummary | undefined {
  return rows.find((c) => c.id === id);
}

// ---------- the citizen page ----------
async function readPage(id: CitizenId): Promise<void> {
  try {
    const next = await api.citizenPage(id);
    if (view.kind === 'citizen' && view.id === id) {
      page = next;
      pageError = '';
    }
  } catch (err) {
    if (view.kind === 'citizen' && view.id === id) pageError = errorText(api.toApiError(err), t);
  }
}

export async function openCitizen(id: CitizenId, from?: 'handover'): Promise<void> {
  selectedId = id;
  view = from ? { kind: 'citizen', id, from } : { kind: 'citizen', id };
  page = null;
  pageError = '';
  await readPage(id);
}

export function closeCitizen(): void {
  view = { kind: 'worklist' };
  page = null;
  pageError = '';
}

/**
 * A citizen's timeline in the main area (its data lives in timeline.svelte.ts), from their page:
 * the page is kept, for the timeline's header and the way back.
 */
export function showTimelineView(id: CitizenId): void {
  const from = view.kind === 'citizen' && view.id === id ? view.from : undefined;
  view = from ? { kind: 'timeline', id, from } : { kind: 'timeline', id };
  if (page?.citizen.id !== id) page = null;
}

/** Back from a citizen's timeline to their page, shown at once as it was and read again. */
export async function returnToCitizen(): Promise<void> {
  if (view.kind !== 'timeline') return;
  const { id, from } = view;
  view = from ? { kind: 'citizen', id, from } : { kind: 'citizen', id };
  if (page?.citizen.id !== id) page = null;
  pageError = '';
  await readPage(id);
}

/** The shift handover in the main area (its data lives in handover.svelte.ts). */
export function showHandoverView(): void {
  view = { kind: 'handover' };
  page = null;
  pageError = '';
}

export function toggleHelp(open = !helpOpen): void {
  helpOpen = open;
}

export function setNote(text: string): void {
  note = text;
}

export function setError(next: ApiError | null): void {
  error = next;
}

// ---------- start ----------
let started = false;

/** Reads everything once, then follows the back end's change events; returns a stop function. */
export async function start(): Promise<() => void> {
  const stored = storage()?.getItem(LANG_STORAGE_KEY);
  setLanguage(isLang(stored) ? stored : DEFAULT_LANG);
  if (started) return () => undefined;
  started = true;
  let unlisten: (() => void) | null = null;
  try {
    unlisten = await api.onStoreChanged((change) => void applyChange(change));
  } catch (err) {
    // Without events the fallback poll still brings changes, only later.
    error = api.toApiError(err);
  }
  // A nurse starting a shift hears what is already waiting.
  await applyChange({ citizens: null, alarms: true, status: true });
  const ticker = setInterval(tick, TICK_MS);
  const poller = setInterval(() => void poll(), POLL_MS);
  return () => {
    // The window is going away (or a test's mock lacks unlisten): nothing left to stop.
    void Promise.resolve().then(() => unlisten?.()).catch(() => undefined);
    clearInterval(ticker);
    clearInterval(poller);
    clearTimeout(wakeTimer);
    clearTimeout(retryTimer);
    started = false;
  };
}

/** Puts the store back as at launch (tests mount the app many times). */
export function resetApp(): void {
  rows = []; rowsLoaded = false; query = ''; selectedId = null; episodes = [];
  heard = new Map(); status = null; versionSeen = ''; loadEnding = null; view = { kind: 'worklist' }; page = null; pageError = '';
  helpOpen = false; note = ''; error = null; errorFromRefresh = false; load = 'loading';
  pending = null; started = false; retryDelay = RETRY_FIRST_MS; toRetry = null;
  clearTimeout(wakeTimer); clearTimeout(retryTimer);
}

// Typed wrappers over the Tauri commands and the change event of the Rust back end.
// Types come only from ./bindings (generated from the Rust types); this file adds no shapes
// of its own.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { STORE_CHANGED_EVENT } from './bindings';
import type {
  AckOutcome, AlarmEpisode, AlarmRow, BoxedMedicine, CallForm, Contingency, Handover, HandoverNote, HandoverSignoff, Judgement, ShiftSpan, CallLink, CallProblem, CallRecord, CallRecorded, CitizenId, CitizenPage,
  CitizenSummary, CommandError, Dispatch, DispatchChanged, DispatchEdit, DispatchForm, DispatchProblem, FormDraft, News2Score,
  PersonDispatchForm, PersonDispatched, PersonProblem, PlanCheck, PlanDocument, PlanForm, PlanProblem, PlanView, Rendered, SnoozeOutcome, Sparkline, StoreChanged, StationStatus,
  TimelineEntry, TimelineKind, VisitForm, VisitProblem, VisitRecorded, VisitVitals, WorklistAfter, WorklistPage, EpisodePage,
} from './bindings';

export type * from './bindings';

/**
 * A failed command: the back end's `{code, message}`; `problems` only for `invalid_plan`,
 * `call_problems` only for `invalid_call`, `dispatch_problems` only for `invalid_dispatch`,
 * `visit_problems` only for `invalid_visit`, `person_problems` only for `invalid_person`.
 */
export type ApiError = CommandError;

export const CHANGED_EVENT = STORE_CHANGED_EVENT;

/** Whatever a rejected invoke gives (the back end's error, a string, an Error) as an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err && typeof err === 'object') {
    const o = err as Record<string, unknown>;
    if (typeof o.message === 'string' && o.message) {
      const out: ApiError = { code: typeof o.code === 'string' ? o.code : 'unknown', message: o.message };
      if (Array.isArray(o.problems)) out.problems = o.problems as PlanProblem[];
      if (Array.isArray(o.call_problems)) out.call_problems = o.call_problems as CallProblem[];
      if (Array.isArray(o.dispatch_problems)) out.dispatch_problems = o.dispatch_problems as DispatchProblem[];
      if (Array.isArray(o.visit_problems)) out.visit_problems = o.visit_problems as VisitProblem[];
      if (Array.isArray(o.person_problems)) out.person_problems = o.person_problems as PersonProblem[];
      return out;
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

/** Rows a page holds as the window reads the whole list. A region's list (10.5 MB) and its
 * episodes (7 MB) as one answer each held some 40 MiB in the app's process for 10-20 s after
 * start (in its allocator, mimalloc, where the answers are made): the app's process held 123-135
 * MiB at start then, 105-120 with pages of 1,000 rows and 500 citizens, 81-90 with pages of 250
 * and 125 (docs/performance.md, "The window reads its lists in pages"). */
export const WORKLIST_PAGE_ROWS = 250;

/** The whole worklist, read a page at a time. A change this station (or its sync) makes between
 * two pages is told as a change of its rows and read after this; one another process makes,
 * by the poll that notices it. A citizen whose new name moved them to a later page comes twice:
 * the later copy, read later, is kept. */
export async function worklist(onPage?: (rows: CitizenSummary[]) => void): Promise<CitizenSummary[]> {
  const rows = await allPages<WorklistPage, CitizenSummary, WorklistAfter>(
    (after) => call('worklist_page', { after, limit: WORKLIST_PAGE_ROWS }), (page) => page.rows, onPage);
  return latestCopies(rows);
}

/** Every item of a list read a page at a time, each page after where the one before ended;
 * `onPage` is given each page's items as it arrives. */
async function allPages<P extends { next: A | null }, T, A>(
  read: (after: A | null) => Promise<P>, items: (page: P) => T[], onPage?: (items: T[]) => void,
): Promise<T[]> {
  let all: T[] = [];
  let after: A | null = null;
  for (;;) {
    const page = await read(after);
    onPage?.(items(page));
    all = all.length === 0 ? items(page) : all.concat(items(page));
    if (page.next === null) return all;
    after = page.next;
  }
}

/** Each citizen once, the copy read last; the rows in the order read. */
function latestCopies(rows: CitizenSummary[]): CitizenSummary[] {
  const last = new Map<CitizenId, number>();
  rows.forEach((row, i) => last.set(row.id, i));
  return last.size === rows.length ? rows : rows.filter((row, i) => last.get(row.id) === i);
}

/** The rows of these citizens, a page of ids at a time; an id missing from the answer was
 * removed. A first sync's runs name every citizen they brought, a region's whole list: as one
 * answer it is the 10 MB the whole list's pages avoid. Each page is an audited read, as the
 * whole list's pages are. */
export const worklistRows = (citizenIds: CitizenId[]): Promise<CitizenSummary[]> =>
  inChunks(citizenIds, WORKLIST_PAGE_ROWS, (chunk) => call('worklist_rows', { citizenIds: chunk }));

/** What `read` answers for each chunk of `ids` in turn, `size` ids a call, as one list. */
async function inChunks<T>(ids: CitizenId[], size: number, read: (chunk: CitizenId[]) => Promise<T[]>): Promise<T[]> {
  let all: T[] = [];
  for (let from = 0; from < ids.length; from += size) {
    const part = await read(ids.slice(from, from + size));
    all = all.length === 0 ? part : all.concat(part);
  }
  return all;
}

export const storeStatus = (): Promise<StationStatus> => call('store_status');

export const listAlarms = (openOnly: boolean): Promise<AlarmRow[]> => call('list_alarms', { openOnly });

export const acknowledgeAlarm = (alarmId: string, comment: string | null = null): Promise<AckOutcome> =>
  call('acknowledge_alarm', { alarmId, comment });

/** Citizens whose episodes a page holds as the window reads them all (a region has thousands of
 * episodes, 7 MB as one answer): pages about as large as the worklist's. */
export const EPISODE_PAGE_CITIZENS = 125;

/** Every episode (one row per citizen who needs attention, every open cause under it), read a
 * page of citizens at a time: not in the order shown until sorted (`sortEpisodes`). A change
 * between two pages is read after, as for the worklist. */
export const alarmEpisodes = (): Promise<AlarmEpisode[]> =>
  allPages<EpisodePage, AlarmEpisode, string>(
    (after) => call('alarm_episodes_page', { after, citizens: EPISODE_PAGE_CITIZENS }), (page) => page.episodes);

/** The episodes of these citizens only, a page of citizens at a time; one with no open alarm
 * has none. */
export const alarmEpisodesOf = (citizenIds: CitizenId[]): Promise<AlarmEpisode[]> =>
  inChunks(citizenIds, EPISODE_PAGE_CITIZENS, (chunk) => call('alarm_episodes_of', { citizenIds: chunk }));

/**
 * Acknowledges the causes of a citizen's episode the nurse was shown (`alarmIds`); a cause
 * that came later keeps the episode open.
 */
export const acknowledgeEpisode = (
  citizenId: CitizenId, alarmIds: string[], comment: string | null = null,
): Promise<AckOutcome[]> => call('acknowledge_episode', { citizenId, alarmIds, comment });

export const snoozeAlarm = (alarmId: string, minutes: number): Promise<SnoozeOutcome> =>
  call('snooze_alarm', { alarmId, minutes });

/** Sets the confirmed ECM level (1-6) with a reason; resolves to the decision's key. */
export const confirmLevel = (citizenId: CitizenId, level: number, reason: string): Promise<string> =>
  call('confirm_level', { citizenId, level, reason });

export const citizenPage = (citizenId: CitizenId): Promise<CitizenPage> => call('citizen_page', { citizenId });

/**
 * The citizen's trend plot: an SVG document and its points in the SVG's pixels. `range` is
 * "48h", "7d", "30d", "90d", "1y", "all" or "FROM..TO" (RFC 3339); `width` in px (480-2400).
 */
export const citizenTrend = (
  citizenId: CitizenId, range: string, lang: 'da' | 'en', width?: number,
): Promise<Rendered> => call('citizen_trend', width === undefined ? { citizenId, range, lang } : { citizenId, range, lang, width });

/** Writes the trend as a PDF for the GP (into ~/Documents/Vagt/); resolves to its path. */
export const exportTrendPdf = (citizenId: CitizenId, range: string, lang: 'da' | 'en'): Promise<string> =>
  call('export_trend_pdf', { citizenId, range, lang });

/** 7-day sparklines of these citizens; a citizen with no readings in the week has none. */
export const sparklines = (citizenIds: CitizenId[]): Promise<Sparkline[]> => call('sparklines', { citizenIds });

export const planForm = (citizenId: CitizenId): Promise<PlanForm> => call('plan_form', { citizenId });

export const checkPlan = (citizenId: CitizenId, overrides: PlanDocument): Promise<PlanCheck> =>
  call('check_plan', { citizenId, overrides });

/** `bases`: the plan revisions the nurse saw (plandraft's `planBases`); `[]` on the defaults. */
export const setPlan = (
  citizenId: CitizenId, overrides: PlanDocument, reason: string, bases: string[],
): Promise<PlanForm> => call('set_plan', { citizenId, overrides, reason, bases });

export const planToml = (citizenId: CitizenId): Promise<PlanView> => call('plan_toml', { citizenId });

/** `bases` as for setPlan. */
export const setPlanToml = (citizenId: CitizenId, toml: string, reason: string, bases: string[]): Promise<PlanView> =>
  call('set_plan_toml', { citizenId, toml, reason, bases });

/**
 * Logs a call as the station's nurse: her assessment becomes the confirmed level, the alarm it
 * answers is acknowledged, and the draft it was kept under (`form.draft_id`) is removed.
 */
export const recordCall = (form: CallForm): Promise<CallRecorded> => call('record_call', { form });

/** Calls, newest first: one citizen's, or all. */
export const listCalls = (citizenId?: CitizenId): Promise<CallRecord[]> =>
  call('list_calls', citizenId === undefined ? {} : { citizenId });

/** Sends the MAS nurse to a citizen. */
export const requestDispatch = (form: DispatchForm): Promise<DispatchChanged> => call('request_dispatch', { form });

/** Sends the MAS nurse to a person who is not enrolled, adding them (or finding them by CPR). */
export const dispatchPerson = (form: PersonDispatchForm): Promise<PersonDispatched> => call('dispatch_person', { form });

/** Unknown callers' calls no nurse has linked to a citizen yet, newest first. */
export const unlinkedCalls = (): Promise<CallRecord[]> => call('unlinked_calls');

/** Ties an unknown caller's call to a citizen. */
export const linkCall = (callKey: string, citizenId: CitizenId): Promise<CallLink> => call('link_call', { callKey, citizenId });

/** Moves a dispatch on, reassigns it or changes its urgency; a state in conflict is settled by choosing one of its versions. */
export const changeDispatch = (key: string, edit: DispatchEdit): Promise<DispatchChanged> =>
  call('change_dispatch', { key, edit });

/** The dispatch board (`openOnly`), or every dispatch of one citizen. */
export const listDispatches = (openOnly: boolean, citizenId?: CitizenId): Promise<Dispatch[]> =>
  call('list_dispatches', citizenId === undefined ? { openOnly } : { openOnly, citizenId });

/**
 * Records a MAS visit as the nurse: an admission sets the confirmed level, an arrived dispatch
 * it names is completed, and its draft (`form.draft_id`) is removed.
 */
export const recordVisit = (form: VisitForm): Promise<VisitRecorded> => call('record_visit', { form });

/** The NEWS2 of the vitals typed so far, on the citizen's SpO2 scale. */
export const visitNews2 = (citizenId: CitizenId, vitals: VisitVitals): Promise<News2Score> =>
  call('visit_news2', { citizenId, vitals });

/** The citizen's medicine box (the drugs prescribed in advance). */
export const medicineBox = (citizenId: CitizenId): Promise<BoxedMedicine[]> => call('medicine_box', { citizenId });

/** Keeps a form as it is typed (`kind` "call" or "visit"), under an id the form chose. */
export const saveDraft = (id: string, kind: 'call' | 'visit', citizenId: CitizenId | null, form: unknown): Promise<null> =>
  call('save_draft', citizenId === null ? { id, kind, form } : { id, kind, citizenId, form });

/** The nurse's drafts, newest first: what she was typing when Vagt last closed. */
export const listDrafts = (): Promise<FormDraft[]> => call('list_drafts');

/** Throws a draft away; false when there was none. */
export const discardDraft = (id: string): Promise<boolean> => call('discard_draft', { id });

/** The handover of a shift: `span` null is the shift now (07-15, 15-23, 23-07 Copenhagen time). */
export const handover = (span: ShiftSpan | null = null): Promise<Handover> =>
  call('handover', { from: span?.from ?? null, to: span?.to ?? null });

/**
 * The nurse's note on a citizen in a shift's handover: her severity for the shift (`set`, over
 * the rule's) or hers withdrawn (`rule`), her "if ... then ..." note, or both; null leaves that
 * part as it stands.
 */
export const writeHandoverNote = (
  citizenId: CitizenId, span: ShiftSpan, severity: Judgement | null, contingency: Contingency | null,
): Promise<HandoverNote> => call('write_handover_note', { citizenId, from: span.from, to: span.to, severity, contingency });

/**
 * Signs a shift's handover as received and read, for these citizens: those the view showed, none
 * for a handover that presents nobody. Always named (the back end's null, "every citizen it
 * presents now", is not used), so nobody who joined after the view was read is signed for.
 */
export const signHandover = (span: ShiftSpan, citizenIds: CitizenId[]): Promise<HandoverSignoff> =>
  call('sign_handover', { from: span.from, to: span.to, citizenIds });

/** Writes the handover as a PDF (into ~/Documents/Vagt/); resolves to its path. */
export const exportHandoverPdf = (span: ShiftSpan, lang: 'da' | 'en'): Promise<string> =>
  call('export_handover_pdf', { from: span.from, to: span.to, lang });

/** The citizen's timeline, newest first: only `kinds` (every kind when empty). */
export const timeline = (citizenId: CitizenId, kinds: TimelineKind[] = []): Promise<TimelineEntry[]> =>
  call('timeline', { citizenId, kinds });

/** Resolves false when the desktop has no notification service (the panel still shows it). */
export const notifyAlarm = (title: string, body: string): Promise<boolean> => call('notify_alarm', { title, body });

/** Calls `handler` with what changed, each time the store changes. */
export function onStoreChanged(handler: (change: StoreChanged) => void): Promise<UnlistenFn> {
  return listen<StoreChanged>(CHANGED_EVENT, (event) => handler(event.payload));
}

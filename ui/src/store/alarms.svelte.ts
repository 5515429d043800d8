// The store's alarm actions: the episode chosen in the panel and the alarm chosen on a
// citizen's page, and K (acknowledge) and U (snooze) on them. Part of the UI's one store (see
// index.ts). In the panel a row is a citizen's episode: K and U act on the causes it shows.
import * as api from '../api';
import type { AckOutcome, AlarmEpisode, AlarmRow, CitizenId, SnoozeOutcome } from '../bindings';
import { moveSelection } from '../filter';
import { formatDateTime } from '../format';
import { errorText } from '../wording';
import { applyChange, setNote, store, t } from './app.svelte';

/** U snoozes the selected alarms for this nurse for this long. */
export const SNOOZE_MINUTES = 10;

/** The panel (episodes, by citizen) or the open citizen page (single alarms, by id). */
export type AlarmScope = 'panel' | 'page';

let chosenCitizenId = $state<CitizenId | null>(null);
/** Counts the nurse's moves of the panel's choice: the list follows those, not the order's. */
let panelMoves = $state(0);
let chosenPageAlarmId = $state<string | null>(null);

// Until the nurse picks one, K acts on the most urgent episode, even one that just arrived.
const panelCitizenId = $derived.by(() => {
  const list = store.episodes;
  return chosenCitizenId !== null && list.some((e) => e.citizen_id === chosenCitizenId)
    ? chosenCitizenId : (list[0]?.citizen_id ?? null);
});
const pageOpen = $derived(store.page?.alarms.filter((a) => a.state === 'open') ?? []);
const pageAlarmId = $derived(
  pageOpen.some((a) => a.id === chosenPageAlarmId) ? chosenPageAlarmId : (pageOpen[0]?.id ?? null),
);

export const alarmChoice = {
  /** The citizen whose episode the panel has selected. */
  get panelCitizenId() { return panelCitizenId; },
  /** Grows with each choice the nurse makes in the panel (arrows, a click). */
  get panelMoves() { return panelMoves; },
  /** The open alarm selected on the citizen's page. */
  get pageAlarmId() { return pageAlarmId; },
};

function episodeOf(citizenId: CitizenId | null): AlarmEpisode | undefined {
  return citizenId === null ? undefined : store.episodes.find((e) => e.citizen_id === citizenId);
}

export function chooseEpisode(citizenId: CitizenId): void {
  chosenCitizenId = citizenId;
  panelMoves += 1;
}

export function chooseAlarm(id: string): void {
  chosenPageAlarmId = id;
}

export function moveAlarm(scope: AlarmScope, delta: number): void {
  if (scope === 'panel') {
    const list = store.episodes;
    const next = list[moveSelection(list.findIndex((e) => e.citizen_id === panelCitizenId), delta, list.length)];
    if (next) chosenCitizenId = next.citizen_id;
    panelMoves += 1;
  } else {
    const next = pageOpen[moveSelection(pageOpen.findIndex((a) => a.id === pageAlarmId), delta, pageOpen.length)];
    if (next) chosenPageAlarmId = next.id;
  }
}

/** K: in the panel `id` is a citizen (their episode), on the page an alarm; default the selected. */
export function acknowledge(scope: AlarmScope, id?: string): Promise<void> {
  return scope === 'panel' ? acknowledgeEpisode(id ?? panelCitizenId) : acknowledgeAlarm(id ?? pageAlarmId);
}

/** U: as K, for this nurse only. */
export function snooze(scope: AlarmScope, id?: string): Promise<void> {
  return scope === 'panel' ? snoozeEpisode(id ?? panelCitizenId) : snoozeAlarms(pageOpen.filter((a) => a.id === (id ?? pageAlarmId)));
}

/** What the nurse reads after K: what she acknowledged, what someone else had, what waits. */
export function ackNote(outcomes: readonly AckOutcome[], name: string): string {
  const done = outcomes.filter((o) => o.outcome === 'acknowledged').length;
  const by = [...new Set(outcomes.flatMap((o) => (o.outcome === 'already_acknowledged' ? [o.by] : [])))];
  const parts: string[] = [];
  if (done > 0) parts.push(outcomes.length === 1 ? t('alarms.acked_done') : t('alarms.episode_acked', { count: done, name }));
  if (by.length > 0) parts.push(t('alarms.already_acked', { nurse: by.join(', ') }));
  if (outcomes.some((o) => o.outcome === 'waiting')) parts.push(t('alarms.ack_waiting'));
  return parts.join(' ');
}

/** Acknowledges exactly the causes the row shows now: one that comes later keeps it open. */
async function acknowledgeEpisode(citizenId: CitizenId | null): Promise<void> {
  const episode = episodeOf(citizenId);
  if (!episode) return;
  const shown = episode.causes.map((a) => a.id);
  try {
    const outcomes = await api.acknowledgeEpisode(episode.citizen_id, shown, null);
    chosenCitizenId = null;
    setNote(ackNote(outcomes, episode.citizen_name));
    await applyChange({ citizens: [episode.citizen_id], alarms: true, status: true });
  } catch (err) {
    // Said where the nurse is looking, in her language.
    setNote(errorText(api.toApiError(err), t));
  }
}

async function acknowledgeAlarm(alarmId: string | null): Promise<void> {
  const alarm = store.page?.alarms.find((a) => a.id === alarmId);
  if (!alarm) return;
  try {
    setNote(ackNote([await api.acknowledgeAlarm(alarm.id, null)], alarm.citizen_name));
    await applyChange({ citizens: [alarm.citizen_id], alarms: true, status: true });
  } catch (err) {
    setNote(errorText(api.toApiError(err), t));
  }
}

function snoozeEpisode(citizenId: CitizenId | null): Promise<void> {
  return snoozeAlarms(episodeOf(citizenId)?.causes ?? []);
}

/**
 * Snoozes each alarm for this nurse. A refusal (an escalated high alarm must not be hidden) is
 * said in the panel, in the nurse's language; the others are snoozed all the same.
 */
async function snoozeAlarms(alarms: readonly AlarmRow[]): Promise<void> {
  if (alarms.length === 0) return;
  const results = await Promise.allSettled(alarms.map((a) => api.snoozeAlarm(a.id, SNOOZE_MINUTES)));
  const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) setNote(errorText(api.toApiError(refused.reason), t));
  else setNote(t('alarms.snoozed_done', { time: formatDateTime(earliest(done), store.lang) }));
  if (done.length > 0) await applyChange({ citizens: [], alarms: true, status: false });
}

/** When the first of the snoozed alarms can be heard again. */
function earliest(outcomes: readonly SnoozeOutcome[]): string | null {
  let first: string | null = null;
  for (const o of outcomes) if (first === null || Date.parse(o.silenced_until) < Date.parse(first)) first = o.silenced_until;
  return first;
}

export function resetAlarms(): void {
  chosenCitizenId = null;
  chosenPageAlarmId = null;
}

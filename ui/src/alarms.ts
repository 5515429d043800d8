// Pure helpers for the alarm panel, the worklist order and the signals: no DOM, no I/O.
import type { AlarmEpisode, AlarmPriority, AlarmRow, CitizenId, CitizenSummary, EcmLevel, PlanHead } from './bindings';
import { formatDateTime, formatPlain, formatSpan, formatWhen, parseTime } from './format';
import type { Lang, Translate } from './i18n';
import { keyFor } from './keymap';

/** Names in Danish order (æ, ø, å last); one collator, not one per comparison. */
const DANISH = new Intl.Collator('da');

const PRIORITY_RANK: Record<AlarmPriority, number> = { high: 0, medium: 1, low: 2, info: 3 };
/** Each priority's shape, beside its word: never colour alone. */
export const PRIORITY_ICON: Record<AlarmPriority, string> = { high: '▲', medium: '◆', low: '■', info: 'ℹ' };

export function priorityRank(p: AlarmPriority | null | undefined): number {
  return p ? PRIORITY_RANK[p] : 4;
}

/**
 * The height of an alarm panel row (rem, border included) with `lines` cause lines: one is a
 * 2.5rem row as ever, more are 0.6rem + 1.35rem a line (the cause line's fixed height). The
 * panel sets each row to this height and places its window of rows by it.
 */
export function episodeRowRem(lines: number): number {
  return Math.max(2.5, 0.6 + 1.35 * lines) + 0.1;
}

/**
 * One line under a citizen's row in the alarm panel: one cause, or all of the citizen's missed
 * measurements together. A citizen who stops measuring misses every parameter of the plan at
 * once; eight lines saying so pushed the worklist off a 1366x768 screen at region scale, where
 * one line names them all. Each alarm stays its own: K acknowledges every one the row shows.
 */
export interface CauseLine {
  /** The first alarm's id: the line's key in the list. */
  key: string;
  /** One alarm, or two or more missed measurements, in the order the back end gave. */
  alarms: AlarmRow[];
}

const isMissed = (a: AlarmRow) => a.cause.type === 'missed_measurement';

/** An episode's causes as the lines the panel shows, the missed measurements where the first is. */
export function causeLines(causes: readonly AlarmRow[]): CauseLine[] {
  const missed = causes.filter(isMissed);
  const lines: CauseLine[] = [];
  for (const a of causes) {
    if (missed.length < 2 || !isMissed(a)) lines.push({ key: a.id, alarms: [a] });
    else if (a === missed[0]) lines.push({ key: a.id, alarms: missed });
  }
  return lines;
}

/** How many lines `causeLines` makes of these causes, without making them (the panel's heights). */
export function causeLineCount(causes: readonly AlarmRow[]): number {
  const missed = causes.reduce((n, a) => n + Number(isMissed(a)), 0);
  return missed < 2 ? causes.length : causes.length - missed + 1;
}

/** The height (rem) of an episode's row in the panel: its lines, each cause or missed measurements. */
export function episodeHeightRem(episode: Pick<AlarmEpisode, 'causes'>): number {
  return episodeRowRem(causeLineCount(episode.causes));
}

/** What a cause line shows beside its words: for several alarms, what stands for them all. */
export interface LineSummary {
  /** The most urgent of them. */
  priority: AlarmPriority;
  /** The furthest escalation step any reached; 0 for none. */
  step: number;
  /** When the oldest was raised. */
  raisedAt: string;
  /** Snoozed for this nurse while all of them are: until the first snooze ends. */
  snoozedUntil: string | null;
}

export function lineSummary(line: CauseLine): LineSummary {
  const [first, ...rest] = line.alarms;
  if (!first) return { priority: 'info', step: 0, raisedAt: '', snoozedUntil: null };
  const out: LineSummary = {
    priority: first.priority, step: first.escalation?.step ?? 0, raisedAt: first.raised_at, snoozedUntil: first.snoozed_until,
  };
  for (const a of rest) {
    if (priorityRank(a.priority) < priorityRank(out.priority)) out.priority = a.priority;
    out.step = Math.max(out.step, a.escalation?.step ?? 0);
    if (Date.parse(a.raised_at) < Date.parse(out.raisedAt)) out.raisedAt = a.raised_at;
    if (!a.snoozed_until || !out.snoozedUntil) out.snoozedUntil = null;
    else if (Date.parse(a.snoozed_until) < Date.parse(out.snoozedUntil)) out.snoozedUntil = a.snoozed_until;
  }
  return out;
}

/**
 * What a line of several missed measurements says: the parameters, in the order given (most
 * urgent first), and when the first of them was due.
 */
export function describeMissed(alarms: readonly AlarmRow[], t: Translate, lang: Lang): string {
  const parameters: string[] = [];
  let due: string | null = null;
  for (const a of alarms) {
    if (a.cause.type !== 'missed_measurement') continue;
    parameters.push(t(`parameter.${a.cause.parameter}`));
    if (due === null || Date.parse(a.cause.due_at) < Date.parse(due)) due = a.cause.due_at;
  }
  return t('alarms.cause.missed_many', { parameters: parameters.join(', '), due: due ? formatDateTime(due, lang) : '' });
}

/** Open first, then highest priority, then newest. */
export function sortAlarms(alarms: readonly AlarmRow[]): AlarmRow[] {
  // Keys worked out once per alarm: a region has thousands open, sorted at every read.
  const keyed = alarms.map((a) => ({
    a, open: Number(a.state === 'open'), rank: priorityRank(a.priority), at: Date.parse(a.raised_at),
  }));
  keyed.sort((x, y) => y.open - x.open || x.rank - y.rank || y.at - x.at || x.a.id.localeCompare(y.a.id));
  return keyed.map((k) => k.a);
}

/**
 * The worklist order: open alarms by their highest priority, then the confirmed level (the
 * suggestion when none is confirmed), then the oldest last reading (a silent citizen first),
 * then name.
 */
export function sortWorklist(citizens: readonly CitizenSummary[]): CitizenSummary[] {
  // Each row's keys are worked out once, not in every comparison: a region re-sorts 10,000 rows
  // on a change, some 130,000 comparisons.
  const keyed = citizens.map((c) => ({
    c,
    rank: priorityRank(c.open_alarms > 0 ? c.top_alarm_priority : null),
    level: c.confirmed_level ?? c.suggested_level ?? 0,
    lastAt: c.last_reading_at ? Date.parse(c.last_reading_at) : Number.NEGATIVE_INFINITY,
  }));
  keyed.sort((a, b) => a.rank - b.rank || b.level - a.level || a.lastAt - b.lastAt || DANISH.compare(a.c.name, b.c.name));
  return keyed.map((k) => k.c);
}

/** What this station last signalled for an alarm: its escalation step, and whether it was quiet. */
export interface Heard {
  step: number;
  quiet: boolean;
}

export interface Signals {
  /** New here, or back from the nurse's snooze: the normal sound. */
  fresh: AlarmRow[];
  /** Reached a higher escalation step since last heard: the loudest sound, again. */
  escalated: AlarmRow[];
  /** What is heard now, for the open alarms only. */
  heard: Map<string, Heard>;
}

/**
 * Which open alarms must sound now, given what was heard before. A snoozed alarm is quiet for
 * this nurse (it still shows); when her snooze ends it sounds again. Each escalation step
 * sounds once, louder, even for an alarm this station has announced.
 */
export function signalsDue(alarms: readonly AlarmRow[], before: ReadonlyMap<string, Heard>): Signals {
  const fresh: AlarmRow[] = [];
  const escalated: AlarmRow[] = [];
  const heard = new Map<string, Heard>();
  for (const a of alarms) {
    if (a.state !== 'open') continue;
    const step = a.escalation?.step ?? 0;
    const quiet = a.snoozed_until !== null;
    const prev = before.get(a.id);
    if (!quiet) {
      if (prev && step > prev.step) escalated.push(a);
      else if (!prev || prev.quiet) fresh.push(a);
    }
    // A step reached while quiet is not heard yet: it sounds when the snooze ends.
    heard.set(a.id, { step: quiet ? (prev?.step ?? 0) : step, quiet });
  }
  return { fresh, escalated, heard };
}

/** The earliest instant (ms) at which an alarm escalates or a snooze ends, or null. */
export function nextWake(alarms: readonly AlarmRow[]): number | null {
  let next: number | null = null;
  for (const a of alarms) {
    for (const at of [a.next_escalation_at, a.snoozed_until]) {
      if (!at) continue;
      const ms = Date.parse(at);
      if (!Number.isNaN(ms) && (next === null || ms < next)) next = ms;
    }
  }
  return next;
}

/**
 * Episodes in the back end's order (`episodes_of` in vagt-store): highest priority, then the
 * furthest escalation step, then the newest cause, then citizen id. The panel merges the
 * episodes of a few citizens into the list by it, so it must be the same order: every station
 * shows the same list.
 */
export function sortEpisodes(episodes: readonly AlarmEpisode[]): AlarmEpisode[] {
  const keyed = episodes.map((e) => ({
    e, rank: priorityRank(e.priority), step: e.escalation?.step ?? 0, at: Date.parse(e.raised_at),
  }));
  keyed.sort((a, b) => a.rank - b.rank || b.step - a.step || b.at - a.at
    || (a.e.citizen_id < b.e.citizen_id ? -1 : a.e.citizen_id > b.e.citizen_id ? 1 : 0));
  return keyed.map((k) => k.e);
}

/**
 * The citizens whose episodes time has changed by `now`: a cause's next escalation step or the
 * end of its snooze has come. Only they need reading again at a wake.
 */
export function episodesDue(episodes: readonly AlarmEpisode[], now: number): CitizenId[] {
  const due = (at: string | null) => at !== null && Date.parse(at) <= now;
  return episodes
    .filter((e) => e.causes.some((a) => due(a.next_escalation_at) || due(a.snoozed_until)))
    .map((e) => e.citizen_id);
}

/** Which sound a set of new alarms calls for: the loud one if any is medium or high. */
export function soundFor(alarms: readonly AlarmRow[]): 'high' | 'low' | null {
  if (alarms.length === 0) return null;
  return alarms.some((a) => priorityRank(a.priority) <= PRIORITY_RANK.medium) ? 'high' : 'low';
}

export function levelText(level: EcmLevel | null | undefined, t: Translate): string {
  return typeof level === 'number' ? `ECM${level}` : t('alarms.level.none');
}

/** "to steder" / "in two places": how many newest revisions a citizen's plan has. */
export function placesText(count: number, t: Translate): string {
  return count === 2 ? t('plan.conflict.two_places') : t('plan.conflict.places', { count });
}

/** "Anne 10.02, Bo 10.05": who made each of a plan's newest revisions, and when. */
export function revisionsText(revisions: readonly Pick<PlanHead, 'changed_by' | 'changed_at'>[], lang: Lang, now: number): string {
  return revisions.map((r) => `${r.changed_by} ${formatWhen(r.changed_at, lang, now)}`).join(', ');
}

/** A level's change, "ECM1 → ECM3" ("intet → ECM2" from no level). */
export function changeText(c: { from: EcmLevel | null; to: EcmLevel }, t: Translate): string {
  return t('alarms.cause.change', { from: levelText(c.from, t), to: levelText(c.to, t) });
}

/**
 * One line that says what caused the alarm, in the nurse's language. `now` only shortens a
 * time of today to the clock.
 */
export function describeCause(alarm: Pick<AlarmRow, 'cause'>, t: Translate, lang: Lang, now: number = Date.now()): string {
  const c = alarm.cause;
  switch (c.type) {
    case 'suggested_change':
    case 'confirmed_change': {
      const change = changeText(c, t);
      if (c.type === 'confirmed_change') return `${change} · ${t('alarms.cause.by_nurse', { nurse: c.nurse })}`;
      const trigger = c.trigger;
      // A care event from the backend (an admission, a MAS visit) or its end set the level.
      if (trigger?.trigger === 'event' || trigger?.trigger === 'event_ended') {
        const event = t(`care_event.${trigger.kind}`);
        return `${change} · ${trigger.trigger === 'event' ? event : t('alarms.cause.event_ended', { event })}`;
      }
      if (trigger?.trigger === 'readings_improved') return `${change} · ${t('alarms.cause.improved')}`;
      const finding = trigger?.trigger === 'reading' ? trigger.finding : null;
      if (finding) {
        return `${change} · ${t('alarms.cause.finding', {
          parameter: t(`parameter.${finding.parameter}`),
          value: formatPlain(finding.value, lang, 1),
        })}`;
      }
      return change;
    }
    case 'suggestion_differs':
      return t('alarms.cause.differs', { suggested: levelText(c.suggested, t), confirmed: levelText(c.confirmed, t) });
    case 'missed_measurement':
      return t('alarms.cause.missed', { parameter: t(`parameter.${c.parameter}`), due: formatDateTime(c.due_at, lang) });
    case 'rejected_reading':
      // The reason is the back end's English text: the nurse reads the parameter, not it.
      return c.parameter ? t('alarms.cause.rejected', { parameter: t(`parameter.${c.parameter}`) }) : t('alarms.cause.rejected_unknown');
    case 'plan_conflict':
      return t('alarms.cause.plan_conflict', {
        places: placesText(c.revisions.length, t), who: revisionsText(c.revisions, lang, now), key: keyFor('plan'),
      });
    case 'follow_up_due':
      return t('alarms.cause.follow_up_due', { time: formatDateTime(c.due_at, lang), nurse: c.nurse, key: keyFor('call') });
    case 'dispatch_conflict':
      return t('alarms.cause.dispatch_conflict', {
        fields: c.fields.map((f) => t(`dispatch.field.${f}`)).join(', '), key: keyFor('board'),
      });
    default:
      return '';
  }
}

/**
 * Why an alarm ended by itself, before anyone acknowledged it ("Løst: målingen kom"); '' for
 * one that did not. An expired change says how old it was when it left the horizon.
 */
export function resolvedText(alarm: AlarmRow, t: Translate): string {
  const reason = alarm.state === 'resolved' ? alarm.resolved_reason : null;
  if (!reason) return alarm.state === 'resolved' ? t('alarms.resolved.unknown') : '';
  if (reason === 'expired') {
    const raised = parseTime(alarm.raised_at);
    const resolved = parseTime(alarm.resolved_at);
    if (raised !== null && resolved !== null && resolved > raised) {
      return t('alarms.resolved.expired_age', { age: formatSpan(resolved - raised, t) });
    }
  }
  return t(`alarms.resolved.${reason}`);
}

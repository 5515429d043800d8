// The citizen's timeline (L on their page): its kinds and the digit keys that show them, its
// markers as the trend plot's legend draws them, its lines (a heading for each Copenhagen day,
// then that day's entries) and each entry's words. Pure, so the store, the view and the tests
// share it.
import { changeText, describeCause, levelText } from './alarms';
import { CANONICAL_UNITS, type Finding, type TimelineEntry, type TimelineKind, type TimelineMarker } from './bindings';
import { dayOf, formatTime, formatValue, parseTime } from './format';
import { TIME_ZONE, type Lang, type Translate } from './i18n';
import { callerText } from './wording';

/** The kinds in the chips' order; the digit keys 1-7 show them in this order. */
export const TIMELINE_KINDS: readonly TimelineKind[] = ['alarm', 'level', 'plan', 'call', 'dispatch', 'visit', 'care_event'];

/** What a digit key does in the timeline: '1'-'7' a kind, '0' every kind; null for any other key. */
export function kindOfKey(key: string): TimelineKind | 'all' | null {
  if (key === '0') return 'all';
  return /^[1-7]$/.test(key) ? (TIMELINE_KINDS[Number(key) - 1] ?? null) : null;
}

/** The digit key of a kind, for the chips' hints. */
export function keyOfKind(kind: TimelineKind): string {
  return String(TIMELINE_KINDS.indexOf(kind) + 1);
}

/**
 * How a marker is drawn. The trend plot's markers are its legend's filled squares in its
 * colours, with its legend's words (a suggested change as a triangle, to tell it from a rejected
 * input in the same colour); the timeline's own are an outlined square in the alarm priority's
 * colour (the app's priority badges), a check mark, a telephone and a "P" chip.
 */
export type MarkerShape = 'square' | 'triangle' | 'outline' | 'check' | 'phone' | 'chip';
export interface MarkerLook {
  readonly shape: MarkerShape;
  /** The plot's colour; null where the app's CSS colours it. */
  readonly colour: string | null;
  /** Catalogue key of its words. */
  readonly label: string;
}

/** The one table of the markers (the plot's colours: vagt-plot's style.rs). */
export const MARKERS: Readonly<Record<TimelineMarker, MarkerLook>> = {
  reading_yellow: { shape: 'square', colour: '#C78A00', label: 'plot.legend.yellow' },
  reading_red: { shape: 'square', colour: '#C62828', label: 'plot.legend.red' },
  rejected: { shape: 'square', colour: '#212121', label: 'plot.legend.rejected' },
  confirmed_level: { shape: 'square', colour: '#FFCC80', label: 'plot.legend.confirmed' },
  suggested_level: { shape: 'triangle', colour: '#212121', label: 'plot.legend.suggested' },
  event: { shape: 'square', colour: '#6A1B9A', label: 'plot.legend.event' },
  alarm: { shape: 'outline', colour: null, label: 'timeline.marker.alarm' },
  acknowledged: { shape: 'check', colour: null, label: 'timeline.marker.acknowledged' },
  call: { shape: 'phone', colour: null, label: 'timeline.marker.call' },
  plan: { shape: 'chip', colour: null, label: 'timeline.marker.plan' },
};

/** The marker's words (an alarm's with its priority). */
export function markerLabel(e: TimelineEntry, t: Translate): string {
  const priority = e.item === 'alarm_raised' ? t(`alarms.priority.${e.priority}`) : '';
  return t(MARKERS[e.marker].label, { priority });
}

// ---------- filtering ----------

/** The entries of the kinds shown (none chosen: all), in their order. */
export function filterKinds(entries: readonly TimelineEntry[], shown: readonly TimelineKind[]): readonly TimelineEntry[] {
  return shown.length === 0 ? entries : entries.filter((e) => shown.includes(e.kind));
}

/** How many entries of each kind (of the whole list, so the chips' counts stay as they filter). */
export function countKinds(entries: readonly TimelineEntry[]): Record<TimelineKind, number> {
  const out = Object.fromEntries(TIMELINE_KINDS.map((k) => [k, 0])) as Record<TimelineKind, number>;
  for (const e of entries) out[e.kind] += 1;
  return out;
}

/** A chip pressed: the kind joins the kinds shown, or leaves them; all chosen is none chosen. */
export function toggleKind(shown: readonly TimelineKind[], kind: TimelineKind): TimelineKind[] {
  const next = shown.includes(kind) ? shown.filter((k) => k !== kind) : [...shown, kind];
  return next.length === TIMELINE_KINDS.length ? [] : TIMELINE_KINDS.filter((k) => next.includes(k));
}

/** Who an entry is, for keeping the choice on it when the list is read again or filtered. */
export function entryKey(e: TimelineEntry): string {
  switch (e.item) {
    case 'alarm_raised': return `alarm:${e.alarm_id}`;
    case 'alarm_acknowledged': return `ack:${e.alarm_id}`;
    case 'level': return `level:${e.level.kind}:${e.at}:${e.level.level}`;
    case 'plan_revision': return `plan:${e.revision.key}`;
    case 'call': return `call:${e.call.key}`;
    case 'dispatch_step': return `dispatch:${e.dispatch_key}:${e.state}:${e.at}`;
    case 'visit': return `visit:${e.visit.key}`;
    case 'care_event': return `event:${e.event}:${e.at}`;
  }
}

/**
 * Every entry's key, one apart from another: a second entry of the same key (the same level twice
 * at one instant) is told by its place among them, which filtering by kind leaves as it was.
 */
export function entryKeys(entries: readonly TimelineEntry[]): string[] {
  const seen = new Map<string, number>();
  return entries.map((e) => {
    const key = entryKey(e);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n === 0 ? key : `${key}#${n}`;
  });
}

/** The entry to choose when `at`'s is no longer listed: the newest at or before it, else the oldest. */
export function nearestIndex(entries: readonly TimelineEntry[], at: string): number {
  if (entries.length === 0) return -1;
  const ms = parseTime(at) ?? 0;
  const i = entries.findIndex((e) => (parseTime(e.at) ?? 0) <= ms);
  return i < 0 ? entries.length - 1 : i;
}

// ---------- lines ----------

/** A day heading and an entry row are this tall (px); `.day` and `.entry` in TimelineView must agree. */
export const DAY_HEIGHT = 30;
export const ENTRY_HEIGHT = 46;

/** A heading for a Copenhagen day ("2026-11-22"), or the entry at `index` of the list (on that day). */
export type TimelineLine = { line: 'day'; day: string } | { line: 'entry'; index: number; day: string };

/** The list as lines, a day's heading before its entries; `lineOf[i]` is entry i's line. */
export function linesOf(entries: readonly TimelineEntry[], timeZone: string = TIME_ZONE): {
  lines: TimelineLine[]; lineOf: number[]; heights: number[];
} {
  const lines: TimelineLine[] = [];
  const lineOf: number[] = [];
  const heights: number[] = [];
  let current = '';
  entries.forEach((e, index) => {
    const day = dayOf(parseTime(e.at) ?? 0, timeZone);
    if (day !== current) {
      current = day;
      lines.push({ line: 'day', day });
      heights.push(DAY_HEIGHT);
    }
    lineOf.push(lines.length);
    lines.push({ line: 'entry', index, day });
    heights.push(ENTRY_HEIGHT);
  });
  return { lines, lineOf, heights };
}

// ---------- words ----------

/** A reading's finding: "SpO2 86 %, rød". */
export function findingText(f: Finding, t: Translate, lang: Lang): string {
  return t('timeline.finding', {
    parameter: t(`parameter.${f.parameter}`),
    value: formatValue(f.parameter, { value: f.value, unit: CANONICAL_UNITS[f.parameter] }, lang),
    triage: t(`triage.${f.triage}`),
  });
}

/** The alarm's cause as the alarm panel words it; a reading's finding with its unit and colour. */
function causeText(e: Extract<TimelineEntry, { item: 'alarm_raised' }>, t: Translate, lang: Lang, now: number): string {
  const c = e.cause;
  if (c.type === 'suggested_change' && c.trigger?.trigger === 'reading' && c.trigger.finding) {
    return `${changeText(c, t)} · ${findingText(c.trigger.finding, t, lang)}`;
  }
  return describeCause(e, t, lang, now);
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** An entry's row: its time, kind, what happened with who (`title`), and why or more (`detail`). */
export interface EntryWords { time: string; kind: string; title: string; detail: string }

/** An entry's words in the nurse's language. `now` only shortens a time of today to the clock. */
export function entryWords(e: TimelineEntry, t: Translate, lang: Lang, now: number): EntryWords {
  const words = (title: string, detail = ''): EntryWords => ({ time: formatTime(e.at, lang), kind: t(`timeline.entry.${e.kind}`), title, detail });
  switch (e.item) {
    case 'alarm_raised':
      return words(t('timeline.alarm', { alarm: t(`alarms.kind.${e.alarm}`), priority: t(`alarms.priority.${e.priority}`) }),
        causeText(e, t, lang, now));
    case 'alarm_acknowledged':
      return words(e.comment ? t('timeline.acknowledged_why', { nurse: e.by, comment: e.comment }) : t('timeline.acknowledged', { nurse: e.by }),
        t(`alarms.kind.${e.alarm}`));
    case 'level': {
      const l = e.level;
      const level = levelText(l.level, t);
      const title = l.kind === 'confirmed'
        ? (l.reason ? t('timeline.level.confirmed_why', { level, nurse: l.set_by ?? '–', reason: l.reason })
          : t('timeline.level.confirmed', { level, nurse: l.set_by ?? '–' }))
        : (l.rule ? t('timeline.level.suggested_rule', { level, rule: t(`level.rule.${l.rule}`) }) : t('timeline.level.suggested', { level }));
      return words(title, upperFirst(t(`ecm.${l.level}`)));
    }
    case 'plan_revision':
      return words(t('plan.revision', { revision: e.revision.revision, by: e.revision.changed_by, reason: e.revision.reason }));
    case 'call': {
      const c = e.call;
      const detail = [
        c.no_answer ? t('call.log.no_answer') : '', c.reason,
        c.assessed_level !== null ? t('timeline.call.assessed', { level: levelText(c.assessed_level, t) }) : '',
      ].filter(Boolean).join(' · ');
      return words(t('timeline.call', { direction: t(`call.direction.${c.direction}`), caller: callerText(c, t), nurse: c.nurse }), detail);
    }
    case 'dispatch_step':
      return words(t('timeline.dispatch', { state: t(`dispatch.state.${e.state}`), nurse: e.by }), e.note);
    case 'visit': {
      const v = e.visit;
      return words(t('timeline.visit', {
        from: formatTime(v.arrived_at, lang), to: formatTime(v.left_at, lang), outcome: t(`visit.outcome.${v.outcome}`), nurse: v.nurse,
      }), v.plan);
    }
    case 'care_event':
      return words(upperFirst(t(`care_event.${e.event}`)));
  }
}

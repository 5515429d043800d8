// The shift handover's words and shifts: the back end's reasons and open items in the nurse's
// language, and the clinic's shifts (07-15, 15-23, 23-07 on Copenhagen's clock). Pure, so the
// store, the view and the tests share it.
import { levelText } from './alarms';
import type { Contingency, HandoverAction, HandoverCitizen, IllnessSeverity, Judgement, SeverityReason, ShiftSpan } from './bindings';
import { HOUR_MS, parseTime } from './format';
import { TIME_ZONE, type Translate } from './i18n';

/** The hours (Copenhagen) a shift of the clinic starts at, and what each shift is called. */
export const SHIFT_STARTS = { 7: 'day', 15: 'evening', 23: 'night' } as const;
export type ShiftName = (typeof SHIFT_STARTS)[keyof typeof SHIFT_STARTS];

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE });

/** The shift an instant starts, if it is a shift change on Copenhagen's clock. */
function shiftStarting(at: number): ShiftName | null {
  const parts = clock.formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  if (minute !== 0 || at % 60_000 !== 0) return null;
  return SHIFT_STARTS[hour as keyof typeof SHIFT_STARTS] ?? null;
}

/** The first shift change 7, 8 or 9 hours after a shift change (a clock change may fall inside). */
function shiftEnd(from: number): number | null {
  if (shiftStarting(from) === null) return null;
  return [7, 8, 9].map((h) => from + h * HOUR_MS).find((at) => shiftStarting(at) !== null) ?? null;
}

/** Day, evening or night shift, when the span is one of the clinic's shifts. */
export function shiftName(span: ShiftSpan): ShiftName | null {
  const from = parseTime(span.from);
  const to = parseTime(span.to);
  if (from === null || to === null || shiftEnd(from) !== to) return null;
  return shiftStarting(from);
}

/** The span after `span`: the clinic's next shift, or one as long for a span of one's own. */
export function nextShift(span: ShiftSpan): ShiftSpan {
  const from = parseTime(span.from) ?? 0;
  const to = parseTime(span.to) ?? from;
  const end = shiftEnd(to) ?? to + (to - from);
  return { from: span.to, to: new Date(end).toISOString() };
}

/** One line of the illness-severity rule, as the PDF words it. */
export function reasonText(r: SeverityReason, t: Translate): string {
  switch (r.reason) {
    case 'level': return t('handover.reason.level', { level: r.level });
    case 'level_rose': return t('handover.reason.level_rose', { from: r.from, to: r.to });
    case 'news2': return t('handover.reason.news2', { total: r.total });
    case 'open_alarm': return t('handover.reason.open_alarm', { priority: t(`alarms.priority.${r.priority}`) });
    case 'baseline_drift': return t('handover.reason.baseline_drift');
    case 'open_dispatch': return t('handover.reason.open_dispatch');
    case 'call_back_due': return t('handover.reason.call_back_due');
  }
}

/** An open item with whose it is ("nobody yet" when nobody took it). */
export function actionText(a: HandoverAction, t: Translate): string {
  const owner = a.owner ?? t('handover.nobody');
  switch (a.kind) {
    case 'open_dispatch': return t('handover.action.open_dispatch', { state: t(`dispatch.state.${a.state}`), owner });
    case 'call_back_due': return t('handover.action.call_back_due', { owner });
    case 'unacknowledged_alarm':
      return t('handover.action.alarm', { count: a.count, alarm: t(`alarms.kind.${a.alarm}`), priority: t(`alarms.priority.${a.priority}`) });
  }
}

/** "Bekræftet ECM3 · foreslået ECM4 · ved vagtstart ECM2". */
export function levelsText(c: HandoverCitizen, t: Translate): string {
  return t('handover.levels', {
    confirmed: levelText(c.confirmed_level, t), suggested: levelText(c.suggested_level, t), start: levelText(c.level_at_start, t),
  });
}

/** The note dialog's severity: the rule's (no judgement of her own), or hers. */
export type SeverityChoice = 'rule' | IllnessSeverity;

/**
 * What a note sends: only what changed, null for a part left as it stands. Back to the rule's
 * over a severity of her own withdraws hers (`rule`: the rule's applies again, whatever it comes
 * to say); a level is her judgement (`set`). An emptied note, or `clear`, clears the standing one.
 */
export function noteChanges(
  c: HandoverCitizen, choice: SeverityChoice, text: string, clear: boolean,
): { severity: Judgement | null; contingency: Contingency | null } {
  const standingSeverity: SeverityChoice = c.nurse_severity?.value ?? 'rule';
  const severity: Judgement | null = choice === standingSeverity ? null
    : choice === 'rule' ? { action: 'rule' } : { action: 'set', severity: choice };
  const standing = c.contingency?.value.trim() ?? '';
  const typed = clear ? '' : text.trim();
  let contingency: Contingency | null = null;
  if (typed !== standing) contingency = typed === '' ? { action: 'clear' } : { action: 'write', text: typed };
  return { severity, contingency };
}

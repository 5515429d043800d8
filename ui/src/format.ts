// Pure formatting helpers: ages, units and values. No DOM, no global clock.
import { localeOf, type Lang, type Translate } from './i18n';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** A citizen whose last reading is older than this is flagged. */
export const STALE_AFTER_MS = 48 * HOUR_MS;

/** Milliseconds since epoch, or null for null/unparseable timestamps. */
export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * "3 t siden" / "3 h ago". Under a minute (or in the future: clock skew) is
 * "just now"; hours are used up to and including 48 h, days beyond.
 */
export function formatAge(iso: string | null | undefined, now: number, tr: Translate): string {
  const at = parseTime(iso);
  if (at === null) return tr('citizens.never');
  const diff = now - at;
  if (diff < MINUTE_MS) return tr('age.just_now');
  if (diff < HOUR_MS) return tr('age.minutes', { n: Math.floor(diff / MINUTE_MS) });
  if (diff <= STALE_AFTER_MS) return tr('age.hours', { n: Math.floor(diff / HOUR_MS) });
  return tr('age.days', { n: Math.floor(diff / DAY_MS) });
}

/** True when there is no (valid) reading or the last one is strictly older than 48 h. */
export function isStale(iso: string | null | undefined, now: number): boolean {
  const at = parseTime(iso);
  if (at === null) return true;
  return now - at > STALE_AFTER_MS;
}

const UNIT_LABELS: Record<string, string> = {
  '%': '%',
  '/min': '/min',
  L: 'L',
  Cel: '°C',
  kg: 'kg',
  'mm[Hg]': 'mmHg',
  'mmol/L': 'mmol/L',
  'mg/L': 'mg/L',
  '{score}': '',
  '1': '',
};

/** UCUM code to what a nurse reads; UCUM annotations like `{score}` have no label. */
export function unitLabel(ucum: string | null | undefined): string {
  if (!ucum) return '';
  const known = UNIT_LABELS[ucum];
  if (known !== undefined) return known;
  if (/^\{[^}]*\}$/.test(ucum)) return '';
  return ucum;
}

const DECIMALS: Record<string, number> = {
  fev1: 2,
  fvc: 2,
  temperature: 1,
  weight: 1,
  blood_glucose: 1,
};

export function decimalsFor(parameter: string): number {
  return DECIMALS[parameter] ?? 0;
}

/** Number with the parameter's decimals and the language's decimal mark ("37,2" / "37.2"). */
export function formatNumber(parameter: string, value: number, lang: Lang): string {
  if (!Number.isFinite(value)) return '';
  const d = decimalsFor(parameter);
  return new Intl.NumberFormat(localeOf(lang), {
    minimumFractionDigits: d,
    maximumFractionDigits: d,
    useGrouping: false,
  }).format(value);
}

/** "37,2 °C", "94 %", "12" (score without unit); "" for a missing/invalid value. */
export function formatValue(
  parameter: string,
  reading: { value: number; unit: string } | null | undefined,
  lang: Lang,
): string {
  if (!reading) return '';
  const num = formatNumber(parameter, reading.value, lang);
  if (num === '') return '';
  const unit = unitLabel(reading.unit);
  return unit ? `${num} ${unit}` : num;
}

/** Local date and time, e.g. "05.03.2025 14.07" (da) / "05/03/2025, 14:07" (en). */
export function formatDateTime(iso: string | null | undefined, lang: Lang, timeZone?: string): string {
  const at = parseTime(iso);
  if (at === null) return '';
  return new Intl.DateTimeFormat(localeOf(lang), {
    dateStyle: 'short',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(at));
}

/** A NEWS2 total as the worklist shows it: "≥7" when parts were assumed at their lowest. */
export function formatNews2(score: { total: number }, isMinimum: boolean): string {
  return `${isMinimum ? '≥' : ''}${score.total}`;
}

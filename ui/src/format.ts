// Pure formatting helpers: ages, units and values. No DOM, no global clock.
import { localeOf, TIME_ZONE, type Lang, type Translate } from './i18n';

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
  return numberFormat(localeOf(lang), { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: false }).format(value);
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

const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

/**
 * One formatter per kind, locale and options, made once: a long list formats thousands of
 * times, and WebKit's engine makes a new ICU formatter for each one made. Made per value (the
 * worklist's five value columns), scrolling through 10,000 citizens grew the page by 100 MiB
 * against 57 MiB, and a jump across the list took 26 ms of the page's work against 15 ms
 * (scripts/measure-scale.sh, one run each).
 */
function made<F extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => F): F {
  let f = formatters.get(key) as F | undefined;
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return made(`date|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return made(`number|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));
}

/** Date and time in Copenhagen, "05.03.2025 14.07" (da) / "05/03/2025, 14:07" (en), 24-hour. */
export function formatDateTime(iso: string | null | undefined, lang: Lang, timeZone: string = TIME_ZONE): string {
  const at = parseTime(iso);
  if (at === null) return '';
  // Date and time apart: ICU versions disagree on the separator between them.
  const date = dateFormat(localeOf(lang), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone }).format(at);
  const time = formatTime(iso, lang, timeZone);
  return lang === 'da' ? `${date} ${time}` : `${date}, ${time}`;
}

/** Only the time of day in Copenhagen, "10.02" (da) / "10:02" (en). */
export function formatTime(iso: string | null | undefined, lang: Lang, timeZone: string = TIME_ZONE): string {
  const at = parseTime(iso);
  if (at === null) return '';
  return dateFormat(localeOf(lang), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(at);
}

/** The Copenhagen calendar day of an instant (ms), as "2026-11-22". */
export function dayOf(at: number, timeZone: string = TIME_ZONE): string {
  // By its parts: what a locale's numeric date looks like differs between ICU versions.
  const parts = dateFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Only the time ("10.02" / "10:02") when it is today in Copenhagen, else date and time. */
export function formatWhen(iso: string | null | undefined, lang: Lang, now: number, timeZone: string = TIME_ZONE): string {
  const at = parseTime(iso);
  if (at === null) return '';
  if (dayOf(at, timeZone) !== dayOf(now, timeZone)) return formatDateTime(iso, lang, timeZone);
  return formatTime(iso, lang, timeZone);
}

/** A length of time as whole days ("3 døgn") from a day on, else whole hours ("5 timer"). */
export function formatSpan(ms: number, tr: Translate): string {
  const span = Math.max(0, ms);
  return span >= DAY_MS
    ? tr('span.days', { count: Math.floor(span / DAY_MS) })
    : tr('span.hours', { count: Math.floor(span / HOUR_MS) });
}

/** A calendar date as 01.12.2026 (da) or 01/12/2026 (en); a plain "YYYY-MM-DD" stays that day. */
export function formatDate(value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (plain) return lang === 'da' ? `${plain[3]}.${plain[2]}.${plain[1]}` : `${plain[3]}/${plain[2]}/${plain[1]}`;
  const at = parseTime(value);
  if (at === null) return '';
  return dateFormat(localeOf(lang), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TIME_ZONE }).format(at);
}

/** A calendar day ("2026-11-22") with its weekday: "søndag 22.11.2026" / "Sunday 22/11/2026". */
export function formatDay(day: string, lang: Lang): string {
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!plain) return day;
  const noon = Date.UTC(Number(plain[1]), Number(plain[2]) - 1, Number(plain[3]), 12);
  return `${dateFormat(localeOf(lang), { weekday: 'long', timeZone: 'UTC' }).format(noon)} ${formatDate(day, lang)}`;
}

/** A plain number in the language's style (decimal comma in Danish), up to `decimals`. */
export function formatPlain(value: number | null | undefined, lang: Lang, decimals = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  return numberFormat(localeOf(lang), { maximumFractionDigits: decimals, useGrouping: false }).format(value);
}

/** A CPR number as DDMMYY-SSSS; anything that is not ten digits is shown as given. */
export function formatCpr(cpr: string | null | undefined): string {
  if (!cpr) return '';
  const digits = cpr.replace(/\D/g, '');
  return digits.length === 10 ? `${digits.slice(0, 6)}-${digits.slice(6)}` : cpr;
}

/** Seconds left as "45 s" or "3 min". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}

/** A NEWS2 total as the worklist shows it: "≥7" when parts were assumed at their lowest. */
export function formatNews2(score: { total: number }, isMinimum: boolean): string {
  return `${isMinimum ? '≥' : ''}${score.total}`;
}

/** A number as typed ("38,4", "7.31"): null for empty, NaN for what is not a number. */
export function parseDecimal(text: string): number | null {
  const clean = text.trim().replace(',', '.');
  if (clean === '') return null;
  if (!/^-?\d+(\.\d+)?$/.test(clean)) return Number.NaN;
  return Number(clean);
}

// The words of the trend plot's tooltip: the reading, when, from where, and the limits in
// force at it. Pure: the caller passes the translate function and the language.
import type { HoverPoint, LimitsInForce } from './bindings';
import { formatDateTime, formatPlain, formatValue } from './format';
import type { Lang, Translate } from './i18n';
import { panelCode } from './trendcursor';

export interface TrendTip {
  /** "SpO2: 85 % (rød)" */
  reading: string;
  /** "Målt 22.11.2026 09.00" */
  time: string;
  /** "Kilde: Observation/123" */
  source: string;
  /** "Grænser: gul < 92 · rød < 88 (plan rev. 3, mette, 01.12.2026)" */
  limits: string;
}

/** Limits keep the decimals they were set with (37,5; 1,25), in the language's style. */
const limitNumber = (value: number, lang: Lang): string => formatPlain(value, lang, 2);

/** One colour's band: "gul < 92", "rød > 130", "gul < 50 eller > 110". */
function band(colour: 'yellow' | 'red', low: number | null, high: number | null, t: Translate, lang: Lang): string | null {
  const word = t(`triage.${colour}`);
  if (low !== null && high !== null) {
    return t('trend.limit.outside', { colour: word, low: limitNumber(low, lang), high: limitNumber(high, lang) });
  }
  if (low !== null) return t('trend.limit.below', { colour: word, value: limitNumber(low, lang) });
  if (high !== null) return t('trend.limit.above', { colour: word, value: limitNumber(high, lang) });
  return null;
}

/** The limits in force at a reading, as one line. */
export function limitsText(limits: LimitsInForce, t: Translate, lang: Lang): string {
  const parts = [
    band('yellow', limits.yellow_low, limits.yellow_high, t, lang),
    band('red', limits.red_low, limits.red_high, t, lang),
    limits.relative_bound === null ? null : t('trend.limit.relative', { value: limitNumber(limits.relative_bound, lang) }),
  ].filter((x): x is string => x !== null);
  return parts.length > 0
    ? t('trend.tip.limits', { limits: parts.join(' · '), source: limits.source })
    : t('trend.tip.no_limits', { source: limits.source });
}

/** The reading's value with its unit; FEV1 in % of the citizen's own median in whole per cent. */
export function pointValue(p: HoverPoint, lang: Lang): string {
  if (panelCode(p.panel) === 'fev1_percent') return `${formatPlain(p.value, lang, 0)} %`;
  return formatValue(p.parameter, { value: p.value, unit: p.unit }, lang);
}

/** What the panel's reading is called: the parameter, or the FEV1 panel's own name. */
export function pointName(p: HoverPoint, t: Translate): string {
  return panelCode(p.panel) === 'fev1_percent' ? t('plot.panel.fev1_percent') : t(`parameter.${p.parameter}`);
}

export function trendTip(p: HoverPoint, t: Translate, lang: Lang): TrendTip {
  return {
    reading: t('trend.tip.reading', { parameter: pointName(p, t), value: pointValue(p, lang), triage: t(`triage.${p.triage}`) }),
    time: t('trend.tip.time', { time: formatDateTime(p.at, lang) }),
    source: t('trend.tip.source', { source: p.source }),
    limits: limitsText(p.limits, t, lang),
  };
}

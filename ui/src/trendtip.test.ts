// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { HoverPoint, LimitsInForce } from './bindings';
import { catalogue, translate, type Lang } from './i18n';
import { limitsText, trendTip } from './trendtip';

const tr = (lang: Lang) => (key: string, params?: Record<string, string | number>) => translate(catalogue, lang, key, params);

const NO_LIMITS: LimitsInForce = {
  yellow_low: null, yellow_high: null, red_low: null, red_high: null, relative_bound: null, source: 'standardplan',
};

function point(extra: Partial<HoverPoint>): HoverPoint {
  return {
    panel: { kind: 'parameter', parameter: 'spo2' }, parameter: 'spo2', x: 0, y: 0, at: '2026-11-22T08:05:00Z', value: 87,
    unit: '%', triage: 'red', source: 'Observation/abc-1', limits: NO_LIMITS, ...extra,
  };
}

describe('the trend tooltip', () => {
  it('says the reading, when, the limits in force and where it came from, in Danish', () => {
    const p = point({ limits: { ...NO_LIMITS, yellow_low: 92, red_low: 88, source: 'plan rev. 3, mette, 20.11.2026' } });
    expect(trendTip(p, tr('da'), 'da')).toEqual({
      reading: 'SpO2: 87 % (rød)',
      time: 'Målt 22.11.2026 09.05',
      limits: 'Grænser: gul < 92 · rød < 88 (plan rev. 3, mette, 20.11.2026)',
      source: 'Kilde: Observation/abc-1',
    });
  });

  it('says the same in English', () => {
    const p = point({ limits: { ...NO_LIMITS, yellow_low: 92, red_low: 88, source: 'default plan' } });
    expect(trendTip(p, tr('en'), 'en')).toEqual({
      reading: 'SpO2: 87 % (red)',
      time: 'Measured 22/11/2026, 09:05',
      limits: 'Limits: yellow < 92 · red < 88 (default plan)',
      source: 'Source: Observation/abc-1',
    });
  });

  it('writes decimals with a comma in Danish and a point in English, limits and relative bound included', () => {
    const p = point({
      panel: { kind: 'parameter', parameter: 'temperature' }, parameter: 'temperature', value: 38.6, unit: '°C', triage: 'red',
      limits: { ...NO_LIMITS, yellow_high: 37.5, red_high: 38.5, relative_bound: 37.85, source: 'standardplan' },
    });
    const da = trendTip(p, tr('da'), 'da');
    expect(da.reading).toBe('Temp.: 38,6 °C (rød)');
    expect(da.limits).toBe('Grænser: gul > 37,5 · rød > 38,5 · relativ grænse 37,85 (standardplan)');
    const en = trendTip(p, tr('en'), 'en');
    expect(en.reading).toBe('Temp.: 38.6 °C (red)');
    expect(en.limits).toBe('Limits: yellow > 37.5 · red > 38.5 · relative limit 37.85 (standardplan)');
  });

  it('gives both sides of a band, and says when no limit applies', () => {
    const both = { ...NO_LIMITS, yellow_low: 50, yellow_high: 110, red_low: 40, red_high: 130, source: 'x' };
    expect(limitsText(both, tr('da'), 'da')).toBe('Grænser: gul < 50 eller > 110 · rød < 40 eller > 130 (x)');
    expect(limitsText(both, tr('en'), 'en')).toBe('Limits: yellow < 50 or > 110 · red < 40 or > 130 (x)');
    expect(limitsText(NO_LIMITS, tr('da'), 'da')).toBe('Ingen grænser (standardplan)');
    expect(limitsText({ ...NO_LIMITS, relative_bound: 1.2 }, tr('da'), 'da')).toBe('Grænser: relativ grænse 1,2 (standardplan)');
  });

  it('names the FEV1 panel\'s readings as per cent of the citizen\'s own median', () => {
    const p = point({ panel: { kind: 'fev1_percent' }, parameter: 'fev1', value: 78.4, unit: '%', triage: 'yellow' });
    expect(trendTip(p, tr('da'), 'da').reading).toBe('FEV1 i % af egen median (7 d): 78 % (gul)');
    // Blood pressure: each reading by its own parameter.
    const bp = point({ panel: { kind: 'blood_pressure' }, parameter: 'diastolic_bp', value: 95, unit: 'mmHg', triage: 'yellow' });
    expect(trendTip(bp, tr('en'), 'en').reading).toBe('Diastolic BP: 95 mmHg (yellow)');
  });
});

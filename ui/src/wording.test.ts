import { describe, expect, it } from 'vitest';
import type { PlanProblem } from './bindings';
import { catalogue, translate, type Lang, type Params } from './i18n';
import { errorText, fieldLabel, problemText } from './wording';

const tr = (lang: Lang) => (key: string, params?: Params) => translate(catalogue, lang, key, params);
const da = tr('da');

describe('errors', () => {
  it('reads a known code in the nurse language and never shows the English message', () => {
    expect(errorText({ code: 'reason_required', message: 'a reason is required' }, da)).toBe('En begrundelse er påkrævet.');
    const unknown = errorText({ code: 'brand_new', message: 'something English' }, da);
    expect(unknown).toBe('Der opstod en fejl (kode brand_new).');
    expect(unknown).not.toContain('English');
  });
});

describe('plan wording', () => {
  it('names fields in Danish', () => {
    expect(fieldLabel('limits.spo2.yellow_low', da)).toBe('SpO2 · gul nedre grænse');
    expect(fieldLabel('schedule.weight.every_hours', da)).toBe('Vægt · måles hver (timer)');
    expect(fieldLabel('relative.weight_gain_3d.amount', da)).toBe('regel weight_gain_3d · mængde');
    expect(fieldLabel('limits.pulse', da)).toBe('Puls · grænser');
    expect(fieldLabel('levels.any_red', da)).toBe('niveau ved rød');
    expect(fieldLabel('odd.path', da)).toBe('odd.path');
  });

  it('words a problem with both fields and Danish numbers', () => {
    const p: PlanProblem = {
      code: 'yellow_outside_red', field: 'limits.temperature.yellow_low', value: 35.5,
      other_field: 'limits.temperature.red_low', other_value: 36.05, low: null, high: null, text: null,
      message: 'limits.temperature.yellow_low = 35.5 lies outside limits.temperature.red_low = 36.05',
    };
    expect(problemText(p, da, 'da')).toBe(
      'Temp. · gul nedre grænse = 35,5 ligger uden for Temp. · rød nedre grænse = 36,05: en gul grænse skal ligge mellem den røde grænse og normalværdierne.',
    );
    expect(problemText(p, tr('en'), 'en')).toContain('Temp. · yellow lower limit = 35.5 lies outside');
  });
});

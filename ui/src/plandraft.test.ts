import { describe, expect, it } from 'vitest';
import type { PlanForm, PlanProblem } from './bindings';
import { documentOf, draftOf, formPaths, groupProblems, parseNumber, planBases, ruleIdsOf, valueAt } from './plandraft';

const form: PlanForm = {
  citizen_id: 'c-1', revision: 2, key: 'k2', changed_by: 'mette', changed_at: '2026-11-22T08:00:00Z', reason: 'aftalt',
  conflicts: [],
  defaults: {
    limits: { spo2: { yellow_low: 90, red_low: 86 } },
    relative: [{ id: 'fev1_below_7d_median', parameter: 'fev1', kind: 'below_median', percent: 20 }],
  },
  overrides: { engine: { hold_hours: 12 }, limits: { spo2: { red_low: 84.5 } }, schedule: { weight: { off: true } } },
  resolved: {},
};

describe('the plan draft', () => {
  it('shows the overrides in Danish and keeps empty what is inherited', () => {
    const { fields, ruleIds } = draftOf(form, 'da');
    expect(fields['limits.spo2.red_low']).toBe('84,5');
    expect(fields['limits.spo2.yellow_low']).toBe('');
    expect(fields['schedule.weight.off']).toBe('true');
    expect(ruleIds).toEqual(['fev1_below_7d_median']);
    expect(ruleIdsOf(form)).toEqual(ruleIds);
    expect(valueAt(form.defaults, 'relative.fev1_below_7d_median.percent')).toBe(20);
  });

  it('turns what was typed into the overrides document, keeping sections it does not edit', () => {
    const { fields, ruleIds } = draftOf(form, 'da');
    fields['limits.spo2.yellow_low'] = '88,5';
    fields['relative.fev1_below_7d_median.percent'] = '15';
    const { doc, invalid } = documentOf(fields, ruleIds, form.overrides);
    expect(invalid).toEqual([]);
    expect(doc).toEqual({
      engine: { hold_hours: 12 },
      limits: { spo2: { red_low: 84.5, yellow_low: 88.5 } },
      schedule: { weight: { off: true } },
      relative: [{ id: 'fev1_below_7d_median', percent: 15 }],
    });
  });

  it('names the fields whose text is not a number', () => {
    const { fields, ruleIds } = draftOf(form, 'en');
    fields['limits.pulse.red_high'] = '13O';
    expect(documentOf(fields, ruleIds, {}).invalid).toEqual(['limits.pulse.red_high']);
    expect(parseNumber(' ')).toBeUndefined();
    expect(parseNumber('-3,25')).toBe(-3.25);
    expect(parseNumber('1.2.3')).toBeNaN();
  });

  it('puts each problem at its field, or with the general ones', () => {
    const p = (field: string | null): PlanProblem => ({
      code: 'negative', field, value: -1, other_field: null, other_value: null, low: null, high: null, text: null, message: '',
    });
    const paths = new Set(formPaths([]));
    const { byField, general } = groupProblems([p('limits.spo2.red_low'), p('limits.spo2'), p('engine.hold_hours'), p(null)], paths);
    expect([...byField.keys()]).toEqual(['limits.spo2.red_low', 'limits.spo2.off']);
    expect(general.map((g) => g.field)).toEqual(['engine.hold_hours', null]);
  });
});

describe('the bases of a plan change', () => {
  it('are the revision in force and every one in conflict with it, none on the defaults', () => {
    expect(planBases(form)).toEqual(['k2']);
    const other = { key: 'k3', revision: 2, changed_by: 'bo', changed_at: '2026-11-22T08:05:00Z', reason: 'r', overrides: '' };
    expect(planBases({ ...form, conflicts: [other] })).toEqual(['k2', 'k3']);
    expect(planBases({ key: null, conflicts: [] })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { AlarmRow, CitizenSummary } from './api';
import { describeCause, newAlarms, sortAlarms, sortWorklist, soundFor } from './alarms';
import { catalogue, translate, type Params } from './i18n';

const t = (key: string, params?: Params) => translate(catalogue, 'da', key, params);

function alarm(id: string, priority: AlarmRow['priority'], raised_at: string, extra: Partial<AlarmRow> = {}): AlarmRow {
  return {
    id,
    citizen_id: 'c1',
    citizen_name: 'Test',
    kind: 'level_rise',
    priority,
    raised_at,
    cause: { type: 'suggested_change', from: 1, to: 3, trigger: { trigger: 'reading', finding: { parameter: 'spo2', value: 85 } } },
    state: 'open',
    acknowledged_by: null,
    acknowledged_at: null,
    ack_comment: null,
    ...extra,
  };
}

function citizen(id: string, extra: Partial<CitizenSummary>): CitizenSummary {
  return {
    id, name: id, birth_date: null, diagnoses: [], phone: null, address: null,
    last_reading_at: '2026-11-22T08:00:00Z', latest: {}, suggested_level: 1, confirmed_level: null,
    open_alarms: 0, top_alarm_priority: null, ...extra,
  };
}

describe('alarm order and signals', () => {
  it('puts open before acknowledged, high before low, newest first', () => {
    const sorted = sortAlarms([
      alarm('a', 'low', '2026-11-22T10:00:00Z'),
      alarm('b', 'high', '2026-11-22T08:00:00Z'),
      alarm('c', 'high', '2026-11-22T09:00:00Z'),
      alarm('d', 'high', '2026-11-22T11:00:00Z', { state: 'acknowledged' }),
    ]);
    expect(sorted.map((a) => a.id)).toEqual(['c', 'b', 'a', 'd']);
  });

  it('announces only open alarms not seen before, loud when any is medium or high', () => {
    const alarms = [alarm('a', 'low', 'x'), alarm('b', 'medium', 'x'), alarm('c', 'high', 'x', { state: 'acknowledged' })];
    expect(newAlarms(alarms, new Set(['a'])).map((a) => a.id)).toEqual(['b']);
    expect(soundFor(newAlarms(alarms, new Set(['a'])))).toBe('high');
    expect(soundFor([alarm('a', 'low', 'x'), alarm('e', 'info', 'x')])).toBe('low');
    expect(soundFor([])).toBeNull();
  });

  it('orders the worklist by open alarms, then level, then the oldest last reading', () => {
    const order = sortWorklist([
      citizen('calm', { suggested_level: 1 }),
      citizen('ecm3', { confirmed_level: 3, suggested_level: 1 }),
      citizen('alarm-low', { open_alarms: 1, top_alarm_priority: 'low' }),
      citizen('alarm-high', { open_alarms: 2, top_alarm_priority: 'high' }),
      citizen('silent', { last_reading_at: '2026-11-18T08:00:00Z' }),
    ]).map((c) => c.id);
    expect(order).toEqual(['alarm-high', 'alarm-low', 'ecm3', 'silent', 'calm']);
  });

  it('words a cause in Danish from its codes', () => {
    expect(describeCause(alarm('a', 'high', 'x'), t, 'da')).toBe('ECM1 → ECM3 · SpO2 85');
    const missed = alarm('m', 'low', 'x', {
      kind: 'missed_measurement',
      cause: { type: 'missed_measurement', parameter: 'weight', due_at: '2026-11-21T08:00:00Z' },
    });
    expect(describeCause(missed, t, 'da')).toMatch(/^Vægt forventet /);
    const nurse = alarm('n', 'medium', 'x', { cause: { type: 'confirmed_change', from: null, to: 2, nurse: 'mette' } });
    expect(describeCause(nurse, t, 'da')).toBe('intet → ECM2 · sat af mette');
  });
});

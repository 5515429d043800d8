import { describe, expect, it } from 'vitest';
import type { AlarmRow, CitizenSummary, Finding } from './bindings';
import {
  causeLineCount, causeLines, describeCause, describeMissed, episodeHeightRem, episodeRowRem, lineSummary, nextWake, resolvedText, signalsDue, sortAlarms, sortWorklist, soundFor, type Heard,
} from './alarms';
import { catalogue, translate, type Params } from './i18n';

const t = (key: string, params?: Params) => translate(catalogue, 'da', key, params);
const en = (key: string, params?: Params) => translate(catalogue, 'en', key, params);
const AT = '2026-11-22T08:00:00Z';

function finding(value: number): Finding {
  return {
    parameter: 'spo2', reading_key: 'r1', reading_at: AT, value, triage: 'red',
    rule: { type: 'limit', limit: 'red_low' }, limit: 86, baseline: null,
  };
}

function alarm(id: string, priority: AlarmRow['priority'], raised_at: string, extra: Partial<AlarmRow> = {}): AlarmRow {
  return {
    id,
    citizen_id: 'c1',
    citizen_name: 'Test',
    kind: 'level_rise',
    priority,
    raised_at,
    cause: { type: 'suggested_change', source: 'suggested', from: 1, to: 3, at: AT, trigger: { trigger: 'reading', finding: finding(85) } },
    state: 'open',
    acknowledged_by: null,
    acknowledged_at: null,
    ack_comment: null,
    resolved_at: null,
    resolved_reason: null,
    escalation: null,
    next_escalation_at: null,
    snoozed_until: null,
    ...extra,
  };
}

function citizen(id: string, extra: Partial<CitizenSummary>): CitizenSummary {
  return {
    id, name: id, birth_date: null, diagnoses: [], phone: null, address: null,
    last_reading_at: '2026-11-22T08:00:00Z', latest: {}, suggested_level: 1, confirmed_level: null,
    open_alarms: 0, top_alarm_priority: null, news2: null, open_dispatch: null, mas_only: false, ...extra,
  };
}

describe('care events in alarm causes', () => {
  it('names the admission or its end', () => {
    const admitted = alarm('a', 'high', 'x', {
      cause: { type: 'suggested_change', source: 'event', from: 1, to: 6, at: AT, trigger: { trigger: 'event', kind: 'hospital_admission', key: 'k' } },
    });
    expect(describeCause(admitted, t, 'da')).toBe('ECM1 → ECM6 · hospitalsindlæggelse');
    const ended = alarm('b', 'info', 'x', {
      cause: { type: 'suggested_change', source: 'event', from: 6, to: 1, at: AT, trigger: { trigger: 'event_ended', kind: 'hospital_admission', key: 'k', ended_by: 'd' } },
    });
    expect(describeCause(ended, t, 'da')).toBe('ECM6 → ECM1 · hospitalsindlæggelse afsluttet');
  });
});

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

  it('announces only open alarms not heard before, loud when any is medium or high', () => {
    const alarms = [alarm('a', 'low', 'x'), alarm('b', 'medium', 'x'), alarm('c', 'high', 'x', { state: 'acknowledged' })];
    const before = new Map<string, Heard>([['a', { step: 0, quiet: false }]]);
    const { fresh, escalated, heard } = signalsDue(alarms, before);
    expect(fresh.map((a) => a.id)).toEqual(['b']);
    expect(escalated).toEqual([]);
    expect([...heard.keys()]).toEqual(['a', 'b']);
    expect(soundFor(fresh)).toBe('high');
    expect(soundFor([alarm('a', 'low', 'x'), alarm('e', 'info', 'x')])).toBe('low');
    expect(soundFor([])).toBeNull();
  });

  it('sounds each escalation step once, louder, and keeps a snoozed alarm quiet until the snooze ends', () => {
    const step = (n: number) => ({ step: n, due_at: 'x', audience: 'all_stations' as const, loudness: 'loud' as const });
    let heard = signalsDue([alarm('h', 'high', 'x')], new Map()).heard;
    // Step 1 is due: it sounds again although announced before.
    let signals = signalsDue([alarm('h', 'high', 'x', { escalation: step(1) })], heard);
    expect(signals.escalated.map((a) => a.id)).toEqual(['h']);
    expect(signals.fresh).toEqual([]);
    heard = signals.heard;
    // Read again at the same step: silence.
    signals = signalsDue([alarm('h', 'high', 'x', { escalation: step(1) })], heard);
    expect(signals.escalated).toEqual([]);
    expect(signals.fresh).toEqual([]);
    // Snoozed by this nurse: no sound, even when a step is reached meanwhile.
    signals = signalsDue([alarm('h', 'high', 'x', { escalation: step(2), snoozed_until: 'y' })], signals.heard);
    expect(signals.escalated).toEqual([]);
    expect(signals.fresh).toEqual([]);
    // The snooze has ended: the step reached meanwhile sounds, loud.
    signals = signalsDue([alarm('h', 'high', 'x', { escalation: step(2) })], signals.heard);
    expect(signals.escalated.map((a) => a.id)).toEqual(['h']);
    // A snoozed alarm without a new step sounds normally when its snooze ends.
    const quiet = signalsDue([alarm('m', 'medium', 'x', { snoozed_until: 'y' })], new Map());
    expect(quiet.fresh).toEqual([]);
    expect(signalsDue([alarm('m', 'medium', 'x')], quiet.heard).fresh.map((a) => a.id)).toEqual(['m']);
  });

  it('wakes at the earliest escalation or end of a snooze', () => {
    expect(nextWake([alarm('a', 'low', 'x')])).toBeNull();
    expect(nextWake([
      alarm('a', 'high', 'x', { next_escalation_at: '2026-11-22T10:05:00Z' }),
      alarm('b', 'medium', 'x', { snoozed_until: '2026-11-22T10:02:00Z', next_escalation_at: '2026-11-22T10:30:00Z' }),
    ])).toBe(Date.parse('2026-11-22T10:02:00Z'));
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
    const decimal = alarm('d', 'high', 'x', {
      cause: { type: 'suggested_change', source: 'suggested', from: 1, to: 2, at: AT, trigger: { trigger: 'reading', finding: { ...finding(38.4), parameter: 'temperature' } } },
    });
    expect(describeCause(decimal, t, 'da')).toBe('ECM1 → ECM2 · Temp. 38,4');
    const missed = alarm('m', 'low', 'x', {
      kind: 'missed_measurement',
      cause: { type: 'missed_measurement', parameter: 'weight', last_at: AT, due_at: '2026-11-21T08:00:00Z', grace_ms: 0 },
    });
    // Due 09.00 in Copenhagen (08.00 UTC in winter), in Danish dates.
    expect(describeCause(missed, t, 'da')).toBe('Vægt forventet 21.11.2026 09.00');
    const nurse = alarm('n', 'medium', 'x', {
      cause: { type: 'confirmed_change', from: null, to: 2, at: AT, decision_key: 'd', nurse: 'mette' },
    });
    expect(describeCause(nurse, t, 'da')).toBe('intet → ECM2 · sat af mette');
    const rejected = alarm('r', 'low', 'x', {
      kind: 'rejected_reading',
      cause: { type: 'rejected_reading', fingerprint: 'f', reason: 'value 900 is implausible', parameter: 'pulse' },
    });
    // The back end's English reason never reaches the Danish text.
    expect(describeCause(rejected, t, 'da')).toBe('Puls: målingen kunne ikke godtages');
  });
});

describe('plan conflicts and alarms that ended by themselves', () => {
  it('words a plan conflict with who changed the plan and when, and the key that opens it', () => {
    const conflict = alarm('p', 'medium', 'x', {
      kind: 'plan_conflict',
      cause: { type: 'plan_conflict', revisions: [
        { key: 'k1', changed_by: 'anne', changed_at: '2026-11-22T09:02:00Z' },
        { key: 'k2', changed_by: 'bo', changed_at: '2026-11-22T09:05:00Z' },
      ] },
    });
    // Today in Copenhagen (10.02 there): only the clock.
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(describeCause(conflict, t, 'da', now)).toBe('Planen er ændret to steder (anne 10.02, bo 10.05) – åbn planen (P)');
    expect(describeCause(conflict, en, 'en', now)).toBe('Plan changed in two places (anne 10:02, bo 10:05) – open the plan (P)');
    // Another day: the date too.
    expect(describeCause(conflict, t, 'da', Date.parse('2026-11-24T12:00:00Z'))).toContain('anne 22.11.2026 10.02');
    expect(t('alarms.kind.plan_conflict')).toBe('Plankonflikt');
  });

  it('words a due call-back and a dispatch conflict with the key that acts on them', () => {
    const callBack = alarm('f', 'medium', '2026-11-22T13:00:00Z', {
      kind: 'follow_up_due',
      cause: { type: 'follow_up_due', call_key: 'urn:uuid:c1', due_at: '2026-11-22T13:00:00Z', nurse: 'anne' },
    });
    expect(describeCause(callBack, t, 'da')).toBe('Aftalt opkald 22.11.2026 14.00 (anne) – ring op (O)');
    expect(describeCause(callBack, en, 'en')).toBe('Call-back promised for 22/11/2026, 14:00 (anne) – call now (O)');
    const dispatch = alarm('d', 'medium', '2026-11-22T13:00:00Z', {
      kind: 'dispatch_conflict',
      cause: { type: 'dispatch_conflict', dispatch_key: 'urn:uuid:d1', fields: ['state', 'assigned_to'], steps: ['a', 'b'] },
    });
    expect(describeCause(dispatch, t, 'da')).toBe(
      'To vagter har ændret et MAS-udkald forskelligt (status, MAS-sygeplejerske) – vælg på udkaldstavlen (B)');
  });

  it('says why a resolved alarm ended, in both languages', () => {
    const resolved = (reason: NonNullable<AlarmRow['resolved_reason']>, extra: Partial<AlarmRow> = {}) =>
      alarm('r', 'low', '2026-11-19T08:00:00Z', { state: 'resolved', resolved_reason: reason, resolved_at: null, ...extra });
    expect(resolvedText(resolved('measured'), t)).toBe('Løst: målingen kom');
    expect(resolvedText(resolved('measured'), en)).toBe('Resolved: the measurement arrived');
    expect(resolvedText(resolved('superseded'), t)).toBe('Afløst af en nyere alarm');
    expect(resolvedText(resolved('withdrawn'), t)).toBe('Trukket tilbage: data viser den ikke længere');
    expect(resolvedText(resolved('decided'), t)).toBe('Afgjort af en sygeplejerske');
    expect(resolvedText(resolved('cleared'), t)).toBe('Ikke længere en alarm');
    // Expired: how old the change was when it left the horizon, not a number written in.
    expect(resolvedText(resolved('expired', { resolved_at: '2026-11-22T08:30:00Z' }), t)).toBe('Udløbet (ældre end 3 døgn)');
    expect(resolvedText(resolved('expired', { resolved_at: '2026-11-20T08:00:00Z' }), en)).toBe('Expired (older than 1 day)');
    expect(resolvedText(resolved('expired'), t)).toBe('Udløbet: for gammel til at være en alarm');
    // Open and acknowledged alarms did not end by themselves.
    expect(resolvedText(alarm('o', 'high', 'x'), t)).toBe('');
    expect(resolvedText(alarm('a', 'high', 'x', { state: 'acknowledged' }), t)).toBe('');
  });
});

describe('alarm panel rows', () => {
  it('are as tall as their causes: one cause as a plain row, each more a cause line', () => {
    expect(episodeRowRem(1)).toBeCloseTo(2.6, 9);
    expect(episodeRowRem(2)).toBeCloseTo(3.4, 9);
    expect(episodeRowRem(3)).toBeCloseTo(4.75, 9);
    expect(episodeRowRem(0)).toBeCloseTo(2.6, 9);
  });
});

describe('cause lines', () => {
  const missed = (id: string, parameter: 'weight' | 'spo2' | 'pulse', due_at: string, priority: AlarmRow['priority'] = 'medium') =>
    alarm(id, priority, due_at, {
      kind: 'missed_measurement',
      cause: { type: 'missed_measurement', parameter, last_at: '2026-11-20T08:00:00Z', due_at, grace_ms: 0 },
    });

  it('put all of a citizen\'s missed measurements on one line, where the first of them stands', () => {
    const causes = [
      alarm('rise', 'high', AT),
      missed('m1', 'weight', '2026-11-22T09:00:00Z'),
      alarm('rejected', 'medium', AT, { kind: 'rejected_reading', cause: { type: 'rejected_reading', parameter: 'spo2', reason: 'x', fingerprint: 'f' } }),
      missed('m2', 'spo2', '2026-11-22T07:00:00Z'),
      missed('m3', 'pulse', '2026-11-22T08:00:00Z', 'low'),
    ];
    const lines = causeLines(causes);
    expect(lines.map((l) => l.alarms.map((a) => a.id))).toEqual([['rise'], ['m1', 'm2', 'm3'], ['rejected']]);
    expect(lines.map((l) => l.key)).toEqual(['rise', 'm1', 'rejected']);
    expect(causeLineCount(causes)).toBe(3);
    expect(episodeHeightRem({ causes })).toBeCloseTo(episodeRowRem(3), 9);
    // The parameters in the back end's order, and the earliest due time.
    expect(describeMissed(lines[1]!.alarms, t, 'da')).toBe('Vægt, SpO2, Puls · den første forventet 22.11.2026 08.00');
    expect(describeMissed(lines[1]!.alarms, en, 'en')).toBe('Weight, SpO2, Pulse · the first due 22/11/2026, 08:00');
  });

  it('stand for their alarms by the most urgent, the furthest step, the oldest, and a snooze all share', () => {
    const step = (n: number) => ({ step: n, due_at: AT, audience: 'all_stations' as const, loudness: 'loudest' as const });
    const line = {
      key: 'm1',
      alarms: [
        missed('m1', 'weight', AT, 'low'),
        { ...missed('m2', 'spo2', AT, 'medium'), escalation: step(2), raised_at: '2026-11-21T08:00:00Z', snoozed_until: '2026-11-22T09:30:00Z' },
        { ...missed('m3', 'pulse', AT, 'low'), escalation: step(1), snoozed_until: '2026-11-22T09:10:00Z' },
      ],
    };
    // One of them not snoozed: the line is not.
    expect(lineSummary(line)).toEqual({ priority: 'medium', step: 2, raisedAt: '2026-11-21T08:00:00Z', snoozedUntil: null });
    // All snoozed: until the first snooze ends, when the line sounds again.
    line.alarms[0] = { ...line.alarms[0]!, snoozed_until: '2026-11-22T09:20:00Z' };
    expect(lineSummary(line).snoozedUntil).toBe('2026-11-22T09:10:00Z');
    // One alarm is itself.
    expect(lineSummary({ key: 'a', alarms: [alarm('a', 'high', AT)] }))
      .toEqual({ priority: 'high', step: 0, raisedAt: AT, snoozedUntil: null });
  });

  it('leave a single missed measurement, and every other cause, a line of its own', () => {
    const one = [alarm('rise', 'high', AT), missed('m1', 'weight', AT), alarm('fall', 'low', AT)];
    expect(causeLines(one).map((l) => l.alarms.map((a) => a.id))).toEqual([['rise'], ['m1'], ['fall']]);
    expect(causeLineCount(one)).toBe(3);
    const onlyMissed = [missed('m1', 'weight', AT), missed('m2', 'spo2', AT)];
    expect(causeLines(onlyMissed)).toHaveLength(1);
    expect(causeLineCount(onlyMissed)).toBe(1);
    expect(causeLineCount([])).toBe(0);
  });
});

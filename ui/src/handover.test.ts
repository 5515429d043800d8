// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { actionText, nextShift, noteChanges, reasonText, shiftName } from './handover';
import { catalogue, translate, type Params } from './i18n';
import { handoverCitizen } from './test/fakeBackend';

const da = (key: string, params?: Params) => translate(catalogue, 'da', key, params);

describe("the clinic's shifts", () => {
  it('names a shift by its start on Copenhagen\'s clock, and a span of one\'s own not at all', () => {
    expect(shiftName({ from: '2026-11-22T06:00:00.000Z', to: '2026-11-22T14:00:00.000Z' })).toBe('day');
    expect(shiftName({ from: '2026-11-22T14:00:00.000Z', to: '2026-11-22T22:00:00.000Z' })).toBe('evening');
    expect(shiftName({ from: '2026-11-22T22:00:00.000Z', to: '2026-11-23T06:00:00.000Z' })).toBe('night');
    expect(shiftName({ from: '2026-11-22T06:00:00.000Z', to: '2026-11-22T10:00:00.000Z' })).toBeNull();
    expect(shiftName({ from: '2026-11-22T07:00:00.000Z', to: '2026-11-22T15:00:00.000Z' })).toBeNull();
  });

  it('goes on to the next shift, nine hours over the night the clocks go back', () => {
    expect(nextShift({ from: '2026-11-22T06:00:00.000Z', to: '2026-11-22T14:00:00.000Z' }))
      .toEqual({ from: '2026-11-22T14:00:00.000Z', to: '2026-11-22T22:00:00.000Z' });
    // 24 October 2026, 23:00 summer time, to 07:00 winter time.
    expect(nextShift({ from: '2026-10-24T13:00:00.000Z', to: '2026-10-24T21:00:00.000Z' }))
      .toEqual({ from: '2026-10-24T21:00:00.000Z', to: '2026-10-25T06:00:00.000Z' });
    expect(nextShift({ from: '2026-11-22T10:00:00.000Z', to: '2026-11-22T12:00:00.000Z' }))
      .toEqual({ from: '2026-11-22T12:00:00.000Z', to: '2026-11-22T14:00:00.000Z' });
  });
});

describe('the words of the handover', () => {
  it('says the rule\'s reasons and the open items as the PDF does', () => {
    expect(reasonText({ reason: 'level_rose', from: 2, to: 4 }, da)).toBe('steget fra ECM2 til ECM4');
    expect(reasonText({ reason: 'open_alarm', priority: 'high' }, da)).toBe('åben alarm (Høj)');
    expect(actionText({ kind: 'call_back_due', alarm_id: 'a', owner: null, at: '2026-11-22T08:00:00Z' }, da))
      .toBe('Ring tilbage (aftalt af ingen endnu)');
    expect(reasonText({ reason: 'call_back_due' }, da)).toBe('aftalt opkald overskredet');
    expect(actionText({ kind: 'open_dispatch', key: 'd', owner: 'ole', at: '2026-11-22T08:00:00Z', state: 'en_route' }, da))
      .toContain('(ole)');
  });
});

describe('a handover note', () => {
  const plain = handoverCitizen(1, { rule_severity: 'watcher', severity: 'watcher' });
  const judged = handoverCitizen(2, {
    rule_severity: 'stable', severity: 'unstable', nurse_severity: { value: 'unstable', by: 'mette', at: '2026-11-22T08:00:00Z' },
    contingency: { value: 'Hvis SpO2 < 88 %: send MAS', by: 'mette', at: '2026-11-22T08:00:00Z' },
  });

  it('sends only what changed', () => {
    expect(noteChanges(plain, 'rule', '', false)).toEqual({ severity: null, contingency: null });
    expect(noteChanges(plain, 'unstable', '  Hvis feber: ring  ', false))
      .toEqual({ severity: { action: 'set', severity: 'unstable' }, contingency: { action: 'write', text: 'Hvis feber: ring' } });
    // Her own level, the same as the rule's today, is still hers: it stands when the rule changes.
    expect(noteChanges(plain, 'watcher', '', false).severity).toEqual({ action: 'set', severity: 'watcher' });
    expect(noteChanges(judged, 'unstable', 'Hvis SpO2 < 88 %: send MAS ', false)).toEqual({ severity: null, contingency: null });
  });

  it('goes back to the rule by withdrawing hers (not by saying the rule\'s value), and clears a note emptied or cleared', () => {
    expect(noteChanges(judged, 'rule', 'Hvis SpO2 < 88 %: send MAS', false)).toEqual({ severity: { action: 'rule' }, contingency: null });
    expect(noteChanges(judged, 'stable', 'Hvis SpO2 < 88 %: send MAS', false).severity).toEqual({ action: 'set', severity: 'stable' });
    expect(noteChanges(judged, 'unstable', '', false).contingency).toEqual({ action: 'clear' });
    expect(noteChanges(judged, 'unstable', 'Hvis SpO2 < 88 %: send MAS', true).contingency).toEqual({ action: 'clear' });
    // Nothing stands: nothing to clear.
    expect(noteChanges(plain, 'rule', 'x', true).contingency).toBeNull();
  });
});

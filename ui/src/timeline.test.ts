import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from './bindings';
import { catalogue, translate, type Lang } from './i18n';
import { KEYMAP } from './keymap';
import { timelineOf } from './test/fakeBackend';
import {
  countKinds, DAY_HEIGHT, ENTRY_HEIGHT, entryKey, entryKeys, entryWords, filterKinds, kindOfKey, keyOfKind, linesOf, MARKERS, markerLabel,
  nearestIndex, TIMELINE_KINDS, toggleKind,
} from './timeline';

const t = (key: string, params?: Record<string, string | number>) => translate(catalogue, 'da', key, params);
const en = (key: string, params?: Record<string, string | number>) => translate(catalogue, 'en', key, params);
const NOW = Date.parse('2026-11-22T08:00:00.000Z');
const sample = timelineOf('c-00001');
const entry = (item: TimelineEntry['item'], n = 0) => sample.filter((e) => e.item === item)[n] as TimelineEntry;
const words = (e: TimelineEntry, lang: Lang = 'da') => entryWords(e, lang === 'da' ? t : en, lang, NOW);

describe('the markers', () => {
  it('are the trend plot legend\'s colours and words', () => {
    expect(MARKERS.reading_red).toEqual({ shape: 'square', colour: '#C62828', label: 'plot.legend.red' });
    expect(MARKERS.reading_yellow).toEqual({ shape: 'square', colour: '#C78A00', label: 'plot.legend.yellow' });
    expect(MARKERS.rejected).toEqual({ shape: 'square', colour: '#212121', label: 'plot.legend.rejected' });
    expect(MARKERS.confirmed_level).toEqual({ shape: 'square', colour: '#FFCC80', label: 'plot.legend.confirmed' });
    expect(MARKERS.event).toEqual({ shape: 'square', colour: '#6A1B9A', label: 'plot.legend.event' });
    // A suggested change has the rejected input's colour: its shape tells them apart.
    expect(MARKERS.suggested_level.shape).toBe('triangle');
    expect(MARKERS.suggested_level.colour).toBe(MARKERS.rejected.colour);
  });

  it('all have their words in both languages', () => {
    for (const look of Object.values(MARKERS)) {
      expect(catalogue[look.label], look.label).toBeDefined();
    }
    expect(markerLabel(entry('alarm_raised', 0), t)).toBe('rød');
    expect(markerLabel(entry('alarm_raised', 3), t)).toBe('alarm (Info)');
    expect(markerLabel(entry('call'), en)).toBe('call');
  });
});

describe('the kinds and their keys', () => {
  it('maps 1-7 to the kinds in the chips\' order, 0 to all, and nothing else', () => {
    expect(['1', '2', '3', '4', '5', '6', '7'].map(kindOfKey)).toEqual([...TIMELINE_KINDS]);
    expect(kindOfKey('0')).toBe('all');
    expect(kindOfKey('8')).toBeNull();
    expect(kindOfKey('K')).toBeNull();
    for (const k of TIMELINE_KINDS) expect(kindOfKey(keyOfKind(k))).toBe(k);
  });

  it('has every digit in the key map, so App hears it', () => {
    for (const digit of ['0', '1', '2', '3', '4', '5', '6', '7']) {
      expect(KEYMAP.some((b) => b.keys === digit), digit).toBe(true);
    }
  });

  it('counts each kind of the whole list', () => {
    expect(countKinds(sample)).toEqual({ alarm: 5, level: 2, plan: 1, call: 1, dispatch: 4, visit: 1, care_event: 1 });
    expect(countKinds([])).toEqual({ alarm: 0, level: 0, plan: 0, call: 0, dispatch: 0, visit: 0, care_event: 0 });
  });

  it('filters by the kinds shown, none chosen showing all, in the list\'s order', () => {
    expect(filterKinds(sample, [])).toBe(sample);
    const calls = filterKinds(sample, ['call', 'level']);
    expect(calls.map((e) => e.kind)).toEqual(['level', 'call', 'level']);
  });

  it('toggles a kind in and out; all seven chosen is none chosen', () => {
    expect(toggleKind([], 'call')).toEqual(['call']);
    expect(toggleKind(['call'], 'alarm')).toEqual(['alarm', 'call']);
    expect(toggleKind(['alarm', 'call'], 'call')).toEqual(['alarm']);
    expect(toggleKind(['alarm'], 'alarm')).toEqual([]);
    const six = TIMELINE_KINDS.filter((k) => k !== 'visit');
    expect(toggleKind(six, 'visit')).toEqual([]);
  });
});

describe('choosing an entry', () => {
  it('names every entry of the sample apart', () => {
    const keys = sample.map(entryKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(entryKey(entry('call'))).toBe('call:urn:uuid:call-t');
  });

  it('tells twins apart by their place, the same whatever else is filtered out', () => {
    const twin = entry('care_event');
    const list = [twin, entry('call'), twin];
    expect(entryKeys(list)).toEqual([entryKey(twin), 'call:urn:uuid:call-t', `${entryKey(twin)}#1`]);
    expect(entryKeys(filterKinds(list, ['care_event']))).toEqual([entryKey(twin), `${entryKey(twin)}#1`]);
  });

  it('finds the newest entry at or before an instant, else the oldest', () => {
    const calls = filterKinds(sample, ['plan', 'alarm']);
    // Between the yellow alarm (22 h ago) and the plan revision (70 h): the revision.
    expect(calls[nearestIndex(calls, '2026-11-20T12:00:00.000Z')]?.kind).toBe('plan');
    expect(nearestIndex(calls, '2026-11-22T09:00:00.000Z')).toBe(0);
    expect(nearestIndex(calls, '2026-01-01T00:00:00.000Z')).toBe(calls.length - 1);
    expect(nearestIndex([], '2026-01-01T00:00:00.000Z')).toBe(-1);
  });
});

describe('the lines', () => {
  it('puts a heading before each Copenhagen day, newest day first', () => {
    const { lines, lineOf, heights } = linesOf(sample);
    const days = lines.flatMap((l) => (l.line === 'day' ? [l.day] : []));
    expect(days).toEqual(['2026-11-22', '2026-11-21', '2026-11-19']);
    expect(lines).toHaveLength(sample.length + 3);
    // Each entry's line is the entry, on its day.
    sample.forEach((_, i) => expect(lines[lineOf[i] as number]).toMatchObject({ line: 'entry', index: i }));
    expect(heights[0]).toBe(DAY_HEIGHT);
    expect(heights[1]).toBe(ENTRY_HEIGHT);
  });

  it('goes by Copenhagen\'s day, not UTC\'s', () => {
    // 23.30 UTC on 21.11 is 00.30 on 22.11 in Copenhagen.
    const late = { ...sample[0]!, at: '2026-11-21T23:30:00.000Z' } as TimelineEntry;
    const early = { ...sample[0]!, at: '2026-11-21T22:30:00.000Z' } as TimelineEntry;
    const { lines } = linesOf([late, early]);
    expect(lines.filter((l) => l.line === 'day')).toEqual([{ line: 'day', day: '2026-11-22' }, { line: 'day', day: '2026-11-21' }]);
  });
});

describe('an entry\'s words', () => {
  it('words a red reading\'s alarm with its priority and finding, the time in Copenhagen', () => {
    expect(words(entry('alarm_raised', 0))).toEqual({
      time: '08.12', kind: 'Alarm', title: 'ECM-niveau steget, Høj', detail: 'ECM2 → ECM3 · SpO2 86 %, rød',
    });
    expect(words(entry('alarm_raised', 2)).detail).toBe('ECM1 → ECM2 · Temp. 38,4 °C, gul');
    expect(words(entry('alarm_raised', 2), 'en').detail).toBe('ECM1 → ECM2 · Temp. 38.4 °C, yellow');
  });

  it('words other alarms as the alarm panel does', () => {
    expect(words(entry('alarm_raised', 1)).detail).toBe('Puls: målingen kunne ikke godtages');
    expect(words(entry('alarm_raised', 3)).detail).toBe('Vægt forventet 19.11.2026 09.00');
  });

  it('says who acknowledged, confirmed, suggested and revised, and why', () => {
    expect(words(entry('alarm_acknowledged'))).toMatchObject({ title: 'Kvitteret af anne: ringet op', detail: 'ECM-niveau steget' });
    expect(words(entry('level', 0))).toMatchObject({ title: 'Bekræftet ECM3 af anne: vurderet i telefon', detail: 'Moderat forværring' });
    expect(words(entry('level', 1)).title).toBe('Foreslået ECM3 (regel: en rød måling)');
    expect(words(entry('level', 1), 'en').title).toBe('Suggested ECM3 (rule: a red reading)');
    expect(words(entry('plan_revision')).title).toBe('Revision 3 af anne: lavere SpO2-mål aftalt med lægen');
    const bare = { ...entry('alarm_acknowledged'), comment: null } as TimelineEntry;
    expect(words(bare).title).toBe('Kvitteret af anne');
  });

  it('words calls, dispatch steps, visits and care events', () => {
    expect(words(entry('call'))).toMatchObject({ title: 'Udgående · Borgeren · anne', detail: 'SpO2 86 % i morges · vurderet ECM3' });
    expect(words(entry('dispatch_step', 2))).toMatchObject({ title: 'Undervejs, sat af mas.ole', detail: 'kører fra Nykøbing' });
    expect(words(entry('visit'))).toMatchObject({
      time: '14.30', title: '14.30–15.12 · Bliver hjemme · mas.ole', detail: 'prednisolon fra boksen, ny måling i morgen tidlig',
    });
    expect(words(entry('care_event'))).toMatchObject({ kind: 'Forløb', title: 'MAS-besøg', detail: '' });
    expect(words(entry('care_event'), 'en')).toMatchObject({ kind: 'Care event', title: 'MAS visit' });
  });
});

import { describe, expect, it } from 'vitest';
import { bindingFor, KEYMAP, keyFor, keyName } from './keymap';
import { catalogue } from './i18n';

const ev = (key: string, extra: Partial<KeyboardEvent> = {}) => ({
  key, code: extra.code ?? '', altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, ...extra,
});

describe('the key map table', () => {
  it('has no key twice and no action twice', () => {
    const keys = KEYMAP.map((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
    const actions = KEYMAP.map((b) => b.action);
    expect(new Set(actions).size).toBe(actions.length);
  });

  it('explains every key from the catalogue, and what it does in the trend plot and the handover', () => {
    for (const b of KEYMAP) expect(catalogue[b.text], b.text).toBeDefined();
    for (const b of KEYMAP.filter((k) => k.inPlot)) expect(catalogue[b.inPlot!], b.inPlot).toBeDefined();
    for (const b of KEYMAP.filter((k) => k.inHandover)) expect(catalogue[b.inHandover!], b.inHandover).toBeDefined();
    for (const b of KEYMAP.filter((k) => k.inTimeline)) expect(catalogue[b.inTimeline!], b.inTimeline).toBeDefined();
  });

  it('has L for the timeline, and the digits 1-7 and 0 for its kinds', () => {
    expect(bindingFor(ev('l'))?.action).toBe('timeline');
    expect(bindingFor(ev('7'))?.action).toBe('timeline_care_event');
    expect(bindingFor(ev('0'))?.action).toBe('timeline_all');
    // The digits that set the plot's period say what they do in the timeline.
    expect(['1', '2', '3', '4', '5', '6'].map((k) => KEYMAP.find((b) => b.keys === k)?.inTimeline)).toEqual([
      'keys.timeline.alarm', 'keys.timeline.level', 'keys.timeline.plan', 'keys.timeline.call', 'keys.timeline.dispatch', 'keys.timeline.visit',
    ]);
  });

  it('has H for the handover, N for its note, S and Alt+S to sign it, and K acknowledges alarms there too', () => {
    expect(bindingFor(ev('h'))?.action).toBe('handover');
    expect(bindingFor(ev('n'))?.action).toBe('handover_note');
    expect(bindingFor(ev('s'))?.action).toBe('sign');
    expect(bindingFor(ev('ß', { altKey: true, code: 'KeyS' }))?.action).toBe('sign_all');
    expect(bindingFor(ev('k'))?.action).toBe('ack');
    expect(bindingFor(ev('˚', { altKey: true, code: 'KeyK' }))).toBeUndefined();
    expect(KEYMAP.find((b) => b.keys === 'K')?.inHandover).toBeUndefined();
    expect(keyFor('sign')).toBe('S');
    expect(keyFor('sign_all')).toBe('Alt+S');
  });

  it('has keys for the trend plot: the cursor, the periods 1-6, T to focus and G to export', () => {
    expect(bindingFor(ev('ArrowLeft'))?.action).toBe('left');
    expect(bindingFor(ev('ArrowRight'))?.action).toBe('right');
    expect(['1', '2', '3', '4', '5', '6'].map((k) => bindingFor(ev(k))?.action)).toEqual([
      'range_48h', 'range_7d', 'range_30d', 'range_90d', 'range_1y', 'range_all',
    ]);
    expect(bindingFor(ev('t'))?.action).toBe('trend');
    expect(bindingFor(ev('g'))?.action).toBe('export');
    // Shift+1 makes "!": no period.
    expect(bindingFor(ev('!', { shiftKey: true }))).toBeUndefined();
    expect(keyFor('left')).toBe('←');
    expect(keyFor('range_1y')).toBe('5');
  });

  it('has O for a call with the selected citizen and Alt+O for an unknown caller', () => {
    expect(bindingFor(ev('o'))?.action).toBe('call');
    expect(bindingFor(ev('ø', { altKey: true, code: 'KeyO' }))?.action).toBe('call_unknown');
    expect(keyFor('call')).toBe('O');
    expect(keyFor('call_unknown')).toBe('Alt+O');
  });

  it('names keys the way the table spells them', () => {
    expect(keyName(ev('k'))).toBe('K');
    expect(keyName(ev('K', { shiftKey: true }))).toBe('K');
    expect(keyName(ev('?', { shiftKey: true }))).toBe('?');
    // Alt+L by the physical key, whatever character the layout makes of it.
    expect(keyName(ev('¬', { altKey: true, code: 'KeyL' }))).toBe('Alt+L');
    expect(keyName(ev('Enter', { ctrlKey: true }))).toBe('Ctrl+Enter');
    expect(keyName(ev('Shift'))).toBe('');
  });

  it('finds the action of a key press', () => {
    expect(bindingFor(ev('k'))?.action).toBe('ack');
    expect(bindingFor(ev('a', { altKey: true, code: 'KeyA' }))?.action).toBe('alarms');
    expect(bindingFor(ev('Enter', { ctrlKey: true }))?.action).toBe('save');
    expect(bindingFor(ev('x'))).toBeUndefined();
    expect(keyFor('back')).toBe('Esc');
  });
});

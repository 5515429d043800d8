// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { SparkPoint } from './bindings';
import { DAY_MS } from './format';
import { sparkShape } from './sparkline';

const NOW = Date.parse('2026-11-22T08:00:00Z');
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY_MS).toISOString();

describe('the sparkline\'s shape', () => {
  it('places time over the seven days and values over their own range', () => {
    const points: SparkPoint[] = [
      { at: at(7), value: 90, triage: 'yellow' }, { at: at(3.5), value: 86, triage: 'red' }, { at: at(0), value: 96, triage: 'green' },
    ];
    const s = sparkShape(points, NOW, 80, 20, 0);
    expect(s.line).toBe('0,12 40,20 80,0');
    // Red last, drawn on top.
    expect(s.dots.map((d) => d.triage)).toEqual(['green', 'yellow', 'red']);
    expect(s.dots[2]).toEqual({ x: 40, y: 20, triage: 'red' });
  });

  it('keeps dots inside the padding, draws a flat series mid-height, and is empty without points', () => {
    const flat = sparkShape([{ at: at(1), value: 94, triage: 'green' }, { at: at(0), value: 94, triage: 'green' }], NOW, 80, 20);
    expect(flat.dots.every((d) => d.y === 10 && d.x >= 2.5 && d.x <= 77.5)).toBe(true);
    expect(sparkShape([], NOW, 80, 20)).toEqual({ line: '', dots: [], marks: [] });
  });

  it('draws the dots as one path a colour, green to red, a circle a reading', () => {
    const points: SparkPoint[] = [
      { at: at(6), value: 90, triage: 'red' }, { at: at(5), value: 91, triage: 'green' },
      { at: at(4), value: 92, triage: 'red' }, { at: at(3), value: 93, triage: 'green' },
    ];
    const s = sparkShape(points, NOW, 80, 20);
    expect(s.marks.map((m) => [m.triage, m.count])).toEqual([['green', 2], ['red', 2]]);
    // Each circle starts at the dot's left edge, one radius from its centre, and is two arcs.
    const red = s.marks[1]!;
    const firstRed = s.dots.find((d) => d.triage === 'red')!;
    expect(red.path.startsWith(`M${Math.round((firstRed.x - 2.4) * 10) / 10},${firstRed.y}a2.4,2.4 0 1,0 4.8,0a2.4,2.4 0 1,0 -4.8,0`)).toBe(true);
    expect(red.path.match(/M/g)).toHaveLength(2);
    expect(red.path.match(/a/g)).toHaveLength(4);
  });
});

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
    // Each subpath is a whole circle: two half arcs of radius r from a point r left of the
    // reading, back to it, so its centre is the reading's place.
    const circles = (path: string) => [...path.matchAll(/M([-\d.]+),([-\d.]+)a([\d.]+),[\d.]+ 0 1,0 ([-\d.]+),0a[\d.]+,[\d.]+ 0 1,0 ([-\d.]+),0z/g)]
      .map((m) => ({ x: Number(m[1]) + Number(m[3]), y: Number(m[2]), r: Number(m[3]), there: Number(m[4]), back: Number(m[5]) }));
    const [green, red] = s.marks;
    const placesOf = (t: string) => s.dots.filter((d) => d.triage === t).map((d) => ({ x: d.x, y: d.y }));
    for (const [mark, r] of [[green!, 1.5], [red!, 2]] as const) {
      const got = circles(mark.path);
      expect(got.map((c) => ({ x: Math.round(c.x * 10) / 10, y: c.y }))).toEqual(placesOf(mark.triage));
      expect(got.every((c) => c.r === r && c.there === 2 * r && c.back === -2 * r)).toBe(true);
    }
    // Red dots get a wider white ring, drawn under them all; the others none.
    expect(circles(red!.halo ?? '').map((c) => c.r)).toEqual([2.8, 2.8]);
    expect(green!.halo).toBeUndefined();
  });
});

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { HoverPoint, PanelKey } from './bindings';
import { followPoint, moveCursor, nearestPoint, panelCode, panelRuns, scaleOf, toSvgPoint } from './trendcursor';

const SPO2: PanelKey = { kind: 'parameter', parameter: 'spo2' };
const BP: PanelKey = { kind: 'blood_pressure' };
const WEIGHT: PanelKey = { kind: 'parameter', parameter: 'weight' };
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-15T08:00:00Z');

function pt(panel: PanelKey, x: number, y: number, day: number, parameter: HoverPoint['parameter'] = 'spo2'): HoverPoint {
  return {
    panel, parameter, x, y, at: new Date(T0 + day * DAY).toISOString(), value: 90, unit: '%', triage: 'green', source: 's',
    limits: { yellow_low: null, yellow_high: null, red_low: null, red_high: null, relative_bound: null, source: 'standardplan' },
  };
}

// Three panels top to bottom, points in time order within each: SpO2 on days 0, 2, 4; blood
// pressure (systolic and diastolic at the same times) on days 1 and 3; weight on day 5 only.
const POINTS: HoverPoint[] = [
  pt(SPO2, 100, 100, 0), pt(SPO2, 300, 110, 2), pt(SPO2, 500, 90, 4),
  pt(BP, 200, 250, 1, 'systolic_bp'), pt(BP, 200, 300, 1, 'diastolic_bp'), pt(BP, 400, 240, 3, 'systolic_bp'), pt(BP, 400, 310, 3, 'diastolic_bp'),
  pt(WEIGHT, 600, 450, 5, 'weight'),
];

describe('panels', () => {
  it('names panels as their SVG groups do', () => {
    expect(panelCode(SPO2)).toBe('spo2');
    expect(panelCode(BP)).toBe('blood_pressure');
    expect(panelCode({ kind: 'fev1_percent' })).toBe('fev1_percent');
  });

  it('finds each panel\'s run of points', () => {
    expect(panelRuns(POINTS)).toEqual([
      { code: 'spo2', start: 0, end: 3 }, { code: 'blood_pressure', start: 3, end: 7 }, { code: 'weight', start: 7, end: 8 },
    ]);
  });
});

describe('the point under the mouse', () => {
  it('is the nearest within the radius, else none', () => {
    expect(nearestPoint(POINTS, 305, 104, 12)).toBe(1);
    expect(nearestPoint(POINTS, 200, 290, 12)).toBe(4);
    expect(nearestPoint(POINTS, 320, 110, 12)).toBeNull();
    expect(nearestPoint(POINTS, 200, 275, 12)).toBeNull();
    expect(nearestPoint([], 0, 0, 12)).toBeNull();
  });

  it('maps the mouse into SVG pixels when the drawing is shown scaled', () => {
    // A 1200 px drawing shown 600 px wide at (50, 20) on the screen.
    const box = { left: 50, top: 20, width: 600 };
    expect(scaleOf(box, 1200)).toBe(0.5);
    expect(toSvgPoint(200, 70, box, 1200)).toEqual({ x: 300, y: 100 });
    // 12 px on the screen are 24 px of the drawing: point 1 at (300, 110) is 6.3 screen px (12.6
    // drawing px) away, found only with the radius scaled.
    const at = toSvgPoint(200 + 6, 70 + 7, box, 1200);
    expect(at).toEqual({ x: 312, y: 114 });
    expect(nearestPoint(POINTS, at.x, at.y, 12 / scaleOf(box, 1200))).toBe(1);
    expect(nearestPoint(POINTS, at.x, at.y, 12)).toBeNull();
  });

  it('takes an unmeasured box (no layout) as unscaled', () => {
    expect(scaleOf({ left: 0, top: 0, width: 0 }, 1200)).toBe(1);
    expect(toSvgPoint(30, 40, { left: 0, top: 0, width: 0 }, 1200)).toEqual({ x: 30, y: 40 });
  });
});

describe('the keyboard cursor', () => {
  it('starts at the top panel: its newest point, or its first for Home and →', () => {
    expect(moveCursor(POINTS, null, 'prev')).toBe(2);
    expect(moveCursor(POINTS, null, 'last')).toBe(2);
    expect(moveCursor(POINTS, null, 'up')).toBe(2);
    expect(moveCursor(POINTS, null, 'next')).toBe(0);
    expect(moveCursor(POINTS, null, 'first')).toBe(0);
    expect(moveCursor([], null, 'next')).toBeNull();
  });

  it('moves ← and → within the panel and stops at its ends', () => {
    expect(moveCursor(POINTS, 1, 'next')).toBe(2);
    expect(moveCursor(POINTS, 2, 'next')).toBe(2);
    expect(moveCursor(POINTS, 1, 'prev')).toBe(0);
    expect(moveCursor(POINTS, 0, 'prev')).toBe(0);
    expect(moveCursor(POINTS, 3, 'prev')).toBe(3);
    expect(moveCursor(POINTS, 6, 'next')).toBe(6);
  });

  it('goes to the panel\'s first and last with Home and End', () => {
    expect(moveCursor(POINTS, 5, 'first')).toBe(3);
    expect(moveCursor(POINTS, 4, 'last')).toBe(6);
    expect(moveCursor(POINTS, 7, 'first')).toBe(7);
  });

  it('goes ↑ and ↓ to the point nearest in time in the panel above or below', () => {
    // SpO2 day 2 -> blood pressure day 1 and day 3 are as near: the earlier, systolic first.
    expect(moveCursor(POINTS, 1, 'down')).toBe(3);
    // SpO2 day 4 -> blood pressure day 3.
    expect(moveCursor(POINTS, 2, 'down')).toBe(5);
    // Diastolic day 3 -> weight day 5, the only one.
    expect(moveCursor(POINTS, 6, 'down')).toBe(7);
    // Weight day 5 -> blood pressure day 3 (systolic).
    expect(moveCursor(POINTS, 7, 'up')).toBe(5);
    // Blood pressure day 1 -> SpO2 day 0 and day 2 are as near: day 0.
    expect(moveCursor(POINTS, 4, 'up')).toBe(0);
    // No panel beyond: the cursor stays.
    expect(moveCursor(POINTS, 0, 'up')).toBe(0);
    expect(moveCursor(POINTS, 7, 'down')).toBe(7);
  });

  it('starts afresh from an index that is no longer there', () => {
    expect(moveCursor(POINTS, 42, 'next')).toBe(0);
  });
});

describe('the cursor after a re-read', () => {
  it('stays on the same reading, or the nearest in time in its panel, or goes', () => {
    const old = POINTS[5]!;
    expect(followPoint(old, POINTS)).toBe(5);
    // The panel lost its day-3 readings: day 1 is the nearest left.
    expect(followPoint(old, POINTS.filter((p) => !p.at.startsWith('2026-11-18')))).toBe(3);
    expect(followPoint(old, POINTS.filter((p) => p.panel.kind !== 'blood_pressure'))).toBeNull();
    expect(followPoint(null, POINTS)).toBeNull();
  });
});

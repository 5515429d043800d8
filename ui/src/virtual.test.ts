import { describe, expect, it } from 'vitest';
import { offsetsOf, rowInSlot, scrollToShow, scrollToShowSpan, slotCount, windowAt, windowOf } from './virtual';

describe('windowOf', () => {
  it('renders the rows in view and a few beyond', () => {
    expect(windowOf(0, 320, 32, 10_000, 8)).toEqual({ start: 0, end: 19 });
    expect(windowOf(32 * 5000, 320, 32, 10_000, 8)).toEqual({ start: 4992, end: 5019 });
  });
  it('stays inside the list', () => {
    expect(windowOf(32 * 9999, 320, 32, 10_000, 8)).toEqual({ start: 9991, end: 10_000 });
    expect(windowOf(0, 320, 32, 3, 8)).toEqual({ start: 0, end: 3 });
    expect(windowOf(500, 320, 32, 0, 8)).toEqual({ start: 0, end: 0 });
  });
});

describe('rows recycled through slots', () => {
  const shown = (range: { start: number; end: number }, slots: number) =>
    Array.from({ length: slots }, (_, slot) => rowInSlot(slot, range, slots));

  it('holds every window windowOf gives', () => {
    for (const scrollTop of [0, 100, 32 * 5000 + 7, 32 * 9999, 32 * 20_000]) {
      const range = windowOf(scrollTop, 700, 32, 10_000, 3);
      expect(range.end - range.start).toBeLessThanOrEqual(slotCount(700, 32, 3));
    }
  });

  it('shows each row of the window in exactly one slot', () => {
    const range = { start: 4990, end: 5019 };
    const rows = shown(range, 30).filter((r) => r !== null);
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 29 }, (_, k) => 4990 + k));
    expect(shown({ start: 0, end: 3 }, 30).filter((r) => r !== null)).toEqual([0, 1, 2]);
  });

  it('keeps a row in its slot while it stays in view, so a scroll refills only the slots of rows that came', () => {
    const before = shown({ start: 100, end: 130 }, 30);
    const after = shown({ start: 115, end: 145 }, 30);
    const kept = before.filter((row, slot) => row !== null && row === after[slot]);
    expect(kept).toEqual(Array.from({ length: 15 }, (_, k) => 115 + k).sort((a, b) => (a % 30) - (b % 30)));
    const refilled = after.filter((row, slot) => row !== before[slot]);
    expect([...refilled].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 15 }, (_, k) => 130 + k));
  });
});

describe('scrollToShow', () => {
  it('scrolls only when the row is out of view', () => {
    expect(scrollToShow(5, 0, 320, 32)).toBeNull();
    expect(scrollToShow(20, 0, 320, 32)).toBe(21 * 32 - 320);
    expect(scrollToShow(2, 640, 320, 32)).toBe(64);
  });
});

describe('lines of their own heights', () => {
  // A heading (30 px), then rows of 46 px: a heading again before the sixth line.
  const heights = [30, 46, 46, 46, 46, 30, 46, 46];
  const offsets = offsetsOf(heights);

  it('knows where each line starts and how tall they are together', () => {
    expect(offsets).toEqual([0, 30, 76, 122, 168, 214, 244, 290, 336]);
  });
  it('renders the lines in view and a few beyond', () => {
    expect(windowAt(offsets, 0, 100, 0)).toEqual({ start: 0, end: 3 });
    expect(windowAt(offsets, 130, 100, 0)).toEqual({ start: 3, end: 6 });
    expect(windowAt(offsets, 130, 100, 2)).toEqual({ start: 1, end: 8 });
    expect(windowAt(offsets, 10_000, 100, 1)).toEqual({ start: 6, end: 8 });
    expect(windowAt([0], 0, 100, 8)).toEqual({ start: 0, end: 0 });
  });
  it('scrolls a span into view only when it is not', () => {
    expect(scrollToShowSpan(30, 76, 0, 100)).toBeNull();
    expect(scrollToShowSpan(244, 290, 0, 100)).toBe(190);
    expect(scrollToShowSpan(30, 76, 200, 100)).toBe(30);
    // Taller than the view: its top.
    expect(scrollToShowSpan(30, 300, 0, 100)).toBe(30);
  });
});

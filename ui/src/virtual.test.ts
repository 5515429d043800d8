import { describe, expect, it } from 'vitest';
import { offsetsOf, scrollToShow, scrollToShowSpan, windowAt, windowOf } from './virtual';

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

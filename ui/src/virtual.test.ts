import { describe, expect, it } from 'vitest';
import { scrollToShow, windowOf } from './virtual';

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

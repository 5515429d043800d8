// jsdom lays nothing out: a test of the whole app gives the scrollers it needs a height (by test
// id), as a window would (every other element has none), and takes it back after the file's tests.
import { afterAll, beforeAll } from 'vitest';

export function giveHeights(heights: Record<string, number>): void {
  let restore: PropertyDescriptor | undefined;
  beforeAll(() => {
    restore = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return heights[this.dataset.testid ?? ''] ?? 0;
      },
    });
  });
  afterAll(() => {
    if (restore) Object.defineProperty(HTMLElement.prototype, 'clientHeight', restore);
  });
}

/** The worklist's scroller only. */
export function giveWorklistHeight(px = 400): void {
  giveHeights({ 'worklist-scroll': px });
}

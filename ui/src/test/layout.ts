// jsdom lays nothing out: a test of the whole app gives the worklist's scroller a height, as a
// window would (every other element has none), and takes it back after the file's tests.
import { afterAll, beforeAll } from 'vitest';

export function giveWorklistHeight(px = 400): void {
  let restore: PropertyDescriptor | undefined;
  beforeAll(() => {
    restore = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return this.dataset.testid === 'worklist-scroll' ? px : 0;
      },
    });
  });
  afterAll(() => {
    if (restore) Object.defineProperty(HTMLElement.prototype, 'clientHeight', restore);
  });
}

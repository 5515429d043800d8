// Virtual scrolling: which rows to render for a scroll position. Pure. The worklist's rows are
// all one height; a list of lines of a few known heights (the timeline's day headings and
// rows) goes by the lines' offsets.

/** Every worklist row is this tall (px); `.citizen-row` in Worklist.svelte must agree. */
export const ROW_HEIGHT = 32;
/** Rows rendered beyond each edge, so a fast scroll shows no blank before the next frame. */
export const OVERSCAN = 8;
/**
 * The worklist's: its rows are rendered in the frame of the scroll event, so a few are enough
 * for a compositor that moves the page before the rows come; each one more is one more row
 * filled in a frame of a fast scroll.
 */
export const WORKLIST_OVERSCAN = 3;

/** The half-open range [start, end) of rows to render. */
export function windowOf(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number): {
  start: number; end: number;
} {
  if (count <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const fit = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + fit + overscan);
  return { start, end: Math.max(end, start) };
}

/** How many rows a window of windowOf can hold at most: the slots the rows are recycled through. */
export function slotCount(viewport: number, rowHeight: number, overscan: number): number {
  return Math.ceil(Math.max(0, viewport) / rowHeight) + 1 + 2 * overscan;
}

/**
 * The row a slot shows, or null: row i of the window [start, end) lives in slot i mod `slots`
 * (`slots` at least end - start). A row keeps its slot, and so its elements, while it stays in
 * the window; a scroll refills only the slots of the rows that left with the rows that came.
 */
export function rowInSlot(slot: number, range: { start: number; end: number }, slots: number): number | null {
  const row = range.start + ((((slot - range.start) % slots) + slots) % slots);
  return row < range.end ? row : null;
}

/** The scrollTop that brings the span [top, bottom) fully into view, or null when it already is. */
export function scrollToShowSpan(top: number, bottom: number, scrollTop: number, viewport: number): number | null {
  if (top < scrollTop) return top;
  if (viewport > 0 && bottom > scrollTop + viewport) return Math.min(top, bottom - viewport);
  return null;
}

/** The scrollTop that brings row `index` fully into view, or null when it already is. */
export function scrollToShow(index: number, scrollTop: number, viewport: number, rowHeight: number): number | null {
  return scrollToShowSpan(index * rowHeight, (index + 1) * rowHeight, scrollTop, viewport);
}

/** The top of each line and, last, the height of them all: `heights.length + 1` numbers. */
export function offsetsOf(heights: readonly number[]): number[] {
  const out = [0];
  for (const h of heights) out.push((out[out.length - 1] as number) + h);
  return out;
}

/** The line at a height (the last line whose top is at or above it). */
function lineAt(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] as number) <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** As windowOf, for lines of their own heights (`offsets` from offsetsOf). */
export function windowAt(offsets: readonly number[], scrollTop: number, viewport: number, overscan: number): {
  start: number; end: number;
} {
  const count = offsets.length - 1;
  if (count <= 0) return { start: 0, end: 0 };
  const first = lineAt(offsets, Math.max(0, scrollTop));
  const last = lineAt(offsets, Math.max(0, scrollTop) + Math.max(0, viewport));
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + 1 + overscan) };
}

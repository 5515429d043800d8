// Virtual scrolling of the worklist: which rows to render for a scroll position. Pure.

/** Every worklist row is this tall (px); `.citizen-row` in Worklist.svelte must agree. */
export const ROW_HEIGHT = 32;
/** Rows rendered beyond each edge, so a fast scroll shows no blank before the next frame. */
export const OVERSCAN = 8;

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

/** The scrollTop that brings row `index` fully into view, or null when it already is. */
export function scrollToShow(index: number, scrollTop: number, viewport: number, rowHeight: number): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  const bottom = top + rowHeight;
  if (viewport > 0 && bottom > scrollTop + viewport) return bottom - viewport;
  return null;
}

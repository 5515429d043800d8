// The trend plot's cursor: the point nearest the mouse, and the keyboard's moves between
// points. Pure: points are in the SVG document's pixels, as `citizen_trend` gives them (in time
// order within each panel, panels top to bottom).
import type { HoverPoint, PanelKey } from './bindings';

/** How far (in displayed px) the mouse may be from a point and still show it. */
export const HOVER_RADIUS_PX = 12;

export type CursorMove = 'prev' | 'next' | 'up' | 'down' | 'first' | 'last';

/** A panel's code, as in its SVG group id (`panel-<code>`): "spo2", "fev1_percent". */
export function panelCode(key: PanelKey): string {
  return key.kind === 'parameter' ? key.parameter : key.kind;
}

/** What the browser measured of the displayed SVG (its bounding box, in CSS px). */
export interface Box {
  left: number;
  top: number;
  width: number;
}

/**
 * Displayed px per SVG px. The SVG is drawn at the container's width, but it may be scaled
 * down (a narrow window, or the width it was drawn at is not yet the container's).
 */
export function scaleOf(box: Box, svgWidth: number): number {
  return box.width > 0 && svgWidth > 0 ? box.width / svgWidth : 1;
}

/** A mouse position (client px) in the SVG's own coordinates. */
export function toSvgPoint(clientX: number, clientY: number, box: Box, svgWidth: number): { x: number; y: number } {
  const scale = scaleOf(box, svgWidth);
  return { x: (clientX - box.left) / scale, y: (clientY - box.top) / scale };
}

/**
 * The index of the point nearest (x, y) in SVG px, if one lies within `radius` SVG px; the
 * first of equally near points.
 */
export function nearestPoint(points: readonly HoverPoint[], x: number, y: number, radius: number): number | null {
  let best: number | null = null;
  let bestDist = radius * radius;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d < bestDist || (d === bestDist && best === null)) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/** The panels in order (top to bottom), each with the range [start, end) of its points. */
export function panelRuns(points: readonly HoverPoint[]): { code: string; start: number; end: number }[] {
  const runs: { code: string; start: number; end: number }[] = [];
  for (let i = 0; i < points.length; i++) {
    const code = panelCode(points[i]!.panel);
    const last = runs[runs.length - 1];
    if (last && last.code === code) last.end = i + 1;
    else runs.push({ code, start: i, end: i + 1 });
  }
  return runs;
}

function timeOf(p: HoverPoint): number {
  const t = Date.parse(p.at);
  return Number.isFinite(t) ? t : 0;
}

/** In [start, end), the index of the point nearest in time to `at` (the earlier on a tie). */
function nearestInTime(points: readonly HoverPoint[], start: number, end: number, at: number): number {
  let best = start;
  let bestGap = Infinity;
  for (let i = start; i < end; i++) {
    const gap = Math.abs(timeOf(points[i]!) - at);
    if (gap < bestGap) {
      best = i;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * Where a key moves the cursor: ←/→ the previous/next point of the same panel, ↑/↓ the point
 * nearest in time in the panel above/below (panels without points are passed over), Home/End
 * the panel's first/last point. The cursor stays at an edge. With no cursor yet, a move starts
 * at the top panel's newest point (its first for Home and →).
 */
export function moveCursor(points: readonly HoverPoint[], current: number | null, move: CursorMove): number | null {
  if (points.length === 0) return null;
  const runs = panelRuns(points);
  if (current === null || current < 0 || current >= points.length) {
    const top = runs[0]!;
    return move === 'first' || move === 'next' ? top.start : top.end - 1;
  }
  const r = runs.findIndex((run) => current >= run.start && current < run.end);
  const run = runs[r]!;
  switch (move) {
    case 'prev': return Math.max(run.start, current - 1);
    case 'next': return Math.min(run.end - 1, current + 1);
    case 'first': return run.start;
    case 'last': return run.end - 1;
    case 'up':
    case 'down': {
      const other = runs[move === 'up' ? r - 1 : r + 1];
      return other ? nearestInTime(points, other.start, other.end, timeOf(points[current]!)) : current;
    }
  }
}

/**
 * A point's index in a new set of points (after a re-read): the same panel and time if it is
 * still there, else the nearest in time in the same panel, else none.
 */
export function followPoint(old: HoverPoint | null, points: readonly HoverPoint[]): number | null {
  if (!old) return null;
  const code = panelCode(old.panel);
  const run = panelRuns(points).find((x) => x.code === code);
  if (!run) return null;
  for (let i = run.start; i < run.end; i++) {
    const p = points[i]!;
    if (p.at === old.at && p.parameter === old.parameter) return i;
  }
  return nearestInTime(points, run.start, run.end, timeOf(old));
}

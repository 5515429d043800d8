// The worklist's 7-day sparkline as geometry: where each reading sits in a small box. Pure.
import type { SparkPoint, Triage } from './bindings';
import { DAY_MS, parseTime } from './format';

export const SPARK_WINDOW_MS = 7 * DAY_MS;

export interface SparkDot {
  x: number;
  y: number;
  triage: Triage;
}

/** The dots of one triage colour as one path: a row's sparkline is a handful of elements. */
export interface SparkMarks {
  triage: Triage;
  /** The `d` attribute: a circle per reading. */
  path: string;
  /** Red only: the white rings under the red dots, as one path drawn before them. */
  halo?: string;
  count: number;
}

export interface SparkShape {
  /** The `points` attribute of the line through the readings. */
  line: string;
  /** The readings' places, reds last. */
  dots: SparkDot[];
  /** The dots by colour, green, yellow, red (drawn in that order, so reds are on top), colours
   * without dots left out. */
  marks: SparkMarks[];
}

/** A dot's radius: red larger, so it stands out beside the others. */
export const DOT_RADIUS: Record<Triage, number> = { green: 1.5, yellow: 1.5, red: 2 };
/** The white ring around a red dot, so it stands out on the line and its neighbours. */
export const RED_HALO_RADIUS = 2.8;

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * Readings placed in a `width` x `height` box: time left to right over the seven days up to
 * `now` (a gap in the line is a gap in the measuring), value bottom to top over their own
 * range, `pad` px kept free at the edges so dots are not cut.
 */
export function sparkShape(points: readonly SparkPoint[], now: number, width: number, height: number, pad = 2.5): SparkShape {
  const timed = points
    .map((p) => ({ p, at: parseTime(p.at) }))
    .filter((x): x is { p: SparkPoint; at: number } => x.at !== null && Number.isFinite(x.p.value));
  if (timed.length === 0) return { line: '', dots: [], marks: [] };
  const from = Math.min(now - SPARK_WINDOW_MS, timed[0]!.at);
  const to = Math.max(now, timed[timed.length - 1]!.at, from + 1);
  const values = timed.map((x) => x.p.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const xOf = (at: number) => round(pad + ((at - from) / (to - from)) * (width - 2 * pad));
  const yOf = (v: number) => round(hi === lo ? height / 2 : pad + ((hi - v) / (hi - lo)) * (height - 2 * pad));
  const dots = timed.map(({ p, at }) => ({ x: xOf(at), y: yOf(p.value), triage: p.triage }));
  const rank: Record<Triage, number> = { green: 0, yellow: 1, red: 2 };
  const sorted = [...dots].sort((a, b) => rank[a.triage] - rank[b.triage]);
  return {
    line: dots.map((d) => `${d.x},${d.y}`).join(' '),
    dots: sorted,
    marks: sparkMarks(sorted),
  };
}

/**
 * The dots drawn as one path per colour. A worklist row refilled while the list is flicked
 * changed one SVG circle per reading (created, moved or removed); a path is one attribute.
 */
function sparkMarks(sorted: readonly SparkDot[]): SparkMarks[] {
  const marks: SparkMarks[] = [];
  for (const d of sorted) {
    let last = marks[marks.length - 1];
    if (!last || last.triage !== d.triage) {
      last = { triage: d.triage, path: '', count: 0, ...(d.triage === 'red' ? { halo: '' } : {}) };
      marks.push(last);
    }
    last.path += circle(d, DOT_RADIUS[d.triage]);
    // Under every red dot, not each over the last one's: a red dot is never covered.
    if (last.halo !== undefined) last.halo += circle(d, RED_HALO_RADIUS);
    last.count += 1;
  }
  return marks;
}

/** A whole circle as a subpath: two half arcs from its left edge. */
function circle(d: SparkDot, r: number): string {
  return `M${round(d.x - r)},${d.y}a${r},${r} 0 1,0 ${round(2 * r)},0a${r},${r} 0 1,0 ${round(-2 * r)},0z`;
}

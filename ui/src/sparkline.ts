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
  count: number;
}

export interface SparkShape {
  /** The `points` attribute of the line through the readings. */
  line: string;
  /** Reds last, so they are drawn on top. */
  dots: SparkDot[];
  /** The dots by colour, green, yellow, red (drawn in that order), colours without dots left out. */
  marks: SparkMarks[];
}

/** A dot's radius: red larger, so it stands out beside the others. */
export const DOT_RADIUS: Record<Triage, number> = { green: 1.5, yellow: 1.5, red: 2.4 };

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
      last = { triage: d.triage, path: '', count: 0 };
      marks.push(last);
    }
    const r = DOT_RADIUS[d.triage];
    // Two half arcs from the dot's left edge: a whole circle in a path.
    last.path += `M${round(d.x - r)},${d.y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
    last.count += 1;
  }
  return marks;
}

// The store's trend plot on the citizen page: the period chosen, the drawing the back end made
// of it, the cursor on its points, and the PDF export for the GP. Part of the UI's one store
// (see index.ts). The plot is drawn again when the citizen's data changes.
import * as api from '../api';
import type { ApiError } from '../api';
import type { CitizenId, HoverPoint, Rendered } from '../bindings';
import type { Lang } from '../i18n';
import { followPoint, moveCursor, type CursorMove } from '../trendcursor';
import { errorText } from '../wording';
import { setNote, store, t, watchChanges } from './app.svelte';

/** The periods offered, shortest first; the keys 1-6 choose them in this order. */
export const TREND_RANGES = ['48h', '7d', '30d', '90d', '1y', 'all'] as const;
export type TrendRange = (typeof TREND_RANGES)[number];
export const DEFAULT_RANGE: TrendRange = '7d';
/** The widths the back end draws at (px); narrower containers scale the drawing down. */
export const MIN_PLOT_WIDTH = 480;
export const MAX_PLOT_WIDTH = 2400;

let citizenId = $state<CitizenId | null>(null);
let range = $state<TrendRange>(DEFAULT_RANGE);
let rendered = $state.raw<Rendered | null>(null);
let loading = $state(false);
let error = $state.raw<ApiError | null>(null);
let cursor = $state<number | null>(null);
let exporting = $state(false);
let exported = $state<string | null>(null);
let exportError = $state.raw<ApiError | null>(null);

/** What the last drawing was asked for; a newer request makes older answers moot. */
let asked: { id: CitizenId; range: TrendRange; lang: Lang; width: number } | null = null;
let seq = 0;

export const trend = {
  get citizenId() { return citizenId; }, get range() { return range; }, get rendered() { return rendered; },
  get loading() { return loading; }, get error() { return error; }, get cursor() { return cursor; },
  /** The point under the cursor, if any. */
  get point(): HoverPoint | null { return cursor === null ? null : (rendered?.points[cursor] ?? null); },
  get exporting() { return exporting; }, get exported() { return exported; }, get exportError() { return exportError; },
};

/** The plot of another citizen starts afresh, at the default period. */
export function openTrend(id: CitizenId | null): void {
  if (id === citizenId) return;
  seq += 1;
  citizenId = id;
  range = DEFAULT_RANGE;
  rendered = null;
  loading = false;
  error = null;
  cursor = null;
  exported = null;
  exportError = null;
  asked = null;
}

export function setTrendRange(next: TrendRange): void {
  range = next;
}

/** The width to draw at for a container this wide (px). */
export function plotWidth(containerWidth: number): number {
  return Math.round(Math.min(MAX_PLOT_WIDTH, Math.max(MIN_PLOT_WIDTH, containerWidth)));
}

/**
 * Draws the open citizen's plot for the period chosen, in `lang`, `width` px wide; nothing is
 * asked when the last drawing was asked for the same, unless `force`d (the data changed).
 */
export async function loadTrend(lang: Lang, width: number, force = false): Promise<void> {
  const id = citizenId;
  if (id === null || width <= 0) return;
  const want = { id, range, lang, width };
  if (!force && asked && asked.id === id && asked.range === range && asked.lang === lang && asked.width === width) return;
  asked = want;
  const mine = ++seq;
  loading = true;
  try {
    const next = await api.citizenTrend(id, want.range, lang, width);
    if (mine !== seq) return;
    const held = cursor === null ? null : (rendered?.points[cursor] ?? null);
    rendered = next;
    cursor = followPoint(held, next.points);
    error = null;
  } catch (err) {
    if (mine !== seq) return;
    error = api.toApiError(err);
    // A drawing of another period or language would be read as this one; a failed redraw of
    // the same (the data changed) keeps the last one in view.
    if (!force) {
      rendered = null;
      cursor = null;
    }
    // Asking again for the same is allowed after a failure.
    asked = null;
  } finally {
    if (mine === seq) loading = false;
  }
}

// The open citizen's readings, levels or plan changed: the plot is drawn again.
watchChanges((change) => {
  if (citizenId === null || asked === null) return;
  if (change.citizens === null || change.citizens.includes(citizenId)) {
    void loadTrend(asked.lang, asked.width, true);
  }
});

export function setTrendCursor(index: number | null): void {
  const n = rendered?.points.length ?? 0;
  cursor = index !== null && index >= 0 && index < n ? index : null;
}

export function moveTrendCursor(move: CursorMove): void {
  cursor = moveCursor(rendered?.points ?? [], cursor, move);
}

/** Writes the plot of the period chosen as a PDF for the GP, and says where it went. */
export async function exportTrend(): Promise<void> {
  const id = citizenId;
  if (id === null || exporting) return;
  exporting = true;
  exported = null;
  exportError = null;
  try {
    const path = await api.exportTrendPdf(id, range, store.lang);
    if (id !== citizenId) return;
    exported = path;
    setNote(t('trend.exported', { path }));
  } catch (err) {
    if (id !== citizenId) return;
    exportError = api.toApiError(err);
    setNote(t('trend.export_failed', { message: errorText(exportError, t) }));
  } finally {
    exporting = false;
  }
}

export function resetTrend(): void {
  openTrend(null);
}

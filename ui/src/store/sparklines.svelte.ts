// The store's sparklines for the worklist: fetched for the rows in view only, one batched call
// per window the nurse stops at, kept per citizen and asked again when a change names the
// citizen (or after a while, as the week moves on). Part of the UI's one store (see index.ts).
import { SvelteMap } from 'svelte/reactivity';
import * as api from '../api';
import type { CitizenId, Sparkline } from '../bindings';
import { watchChanges } from './app.svelte';

/** A scroll settles this long before the rows in view are asked for. */
export const SPARK_SETTLE_MS = 120;
/** A sparkline older than this is asked again when its row is in view. */
export const SPARK_MAX_AGE_MS = 10 * 60_000;
/** At most this many citizens in one call (a window is some 20-60 rows). */
export const SPARK_BATCH = 200;
/** Citizens kept; the least recently fetched out of view go first. */
export const SPARK_KEEP = 3000;

/** null: the citizen has no readings in the week. */
const cache = new SvelteMap<CitizenId, Sparkline | null>();
const fetchedAt = new Map<CitizenId, number>();
const inFlight = new Set<CitizenId>();
/** Named by a change while their call was out: the answer may be older than the change. */
const dirty = new Set<CitizenId>();
let wanted: CitizenId[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

/** The citizen's sparkline; undefined while not fetched yet, null when there is none. */
export function sparklineOf(id: CitizenId): Sparkline | null | undefined {
  return cache.get(id);
}

/** The rows now in view: what they lack is fetched once the scroll settles. */
export function wantSparklines(ids: readonly CitizenId[]): void {
  wanted = [...ids];
  schedule();
}

function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void fetchMissing(), SPARK_SETTLE_MS);
}

function missing(now: number): CitizenId[] {
  return wanted.filter((id) => !inFlight.has(id) && (!cache.has(id) || now - (fetchedAt.get(id) ?? 0) > SPARK_MAX_AGE_MS));
}

async function fetchMissing(): Promise<void> {
  const ids = missing(Date.now()).slice(0, SPARK_BATCH);
  if (ids.length === 0) return;
  for (const id of ids) inFlight.add(id);
  let ok = false;
  try {
    const got = await api.sparklines(ids);
    const byId = new Map(got.map((s) => [s.citizen_id, s]));
    const at = Date.now();
    for (const id of ids) {
      // Moved to the end of the map's order: the map's first keys are the oldest.
      cache.delete(id);
      cache.set(id, byId.get(id) ?? null);
      fetchedAt.set(id, dirty.has(id) ? 0 : at);
      dirty.delete(id);
    }
    ok = true;
  } catch {
    // The rows keep what they showed; the next scroll or change asks again.
  } finally {
    for (const id of ids) inFlight.delete(id);
  }
  evict();
  if (ok && missing(Date.now()).length > 0) schedule();
}

function evict(): void {
  if (cache.size <= SPARK_KEEP) return;
  const keep = new Set(wanted);
  for (const id of [...cache.keys()]) {
    if (cache.size <= SPARK_KEEP * 0.8) break;
    if (keep.has(id) || inFlight.has(id)) continue;
    cache.delete(id);
    fetchedAt.delete(id);
  }
}

// A change to a citizen makes their sparkline old; it is shown until the new one comes.
watchChanges((change) => {
  const ids = change.citizens ?? [...cache.keys(), ...inFlight];
  if (ids.length === 0) return;
  for (const id of ids) {
    if (inFlight.has(id)) dirty.add(id);
    if (fetchedAt.has(id)) fetchedAt.set(id, 0);
  }
  if (wanted.length > 0) schedule();
});

export function resetSparklines(): void {
  clearTimeout(timer);
  cache.clear();
  fetchedAt.clear();
  inFlight.clear();
  dirty.clear();
  wanted = [];
}

// The UI's one store, in eleven files to stay readable: app.svelte.ts (worklist, alarm episodes,
// status, view, citizen page), alarms.svelte.ts (the chosen alarm, K and U),
// dialogs.svelte.ts (the level and plan dialogs), calls.svelte.ts (the call form, its drafts
// and the citizen's calls), trend.svelte.ts (the citizen's trend plot) and
// sparklines.svelte.ts (the worklist's 7-day sparklines), dispatches.svelte.ts (the MAS
// dispatch board and its forms), visits.svelte.ts (the MAS visit form), links.svelte.ts
// (unknown callers' calls and linking them to citizens), handover.svelte.ts (the shift
// handover, its sign-off and the nurse's notes) and timeline.svelte.ts (a citizen's timeline).
// Components import it from here and change state only through these functions.
import { resetAlarms } from './alarms.svelte';
import { resetApp } from './app.svelte';
import { resetCalls } from './calls.svelte';
import { resetDialogs } from './dialogs.svelte';
import { resetDispatches } from './dispatches.svelte';
import { resetHandover } from './handover.svelte';
import { resetLinks } from './links.svelte';
import { resetSparklines } from './sparklines.svelte';
import { resetTimeline } from './timeline.svelte';
import { resetTrend } from './trend.svelte';
import { resetVisits } from './visits.svelte';

export * from './app.svelte';
export * from './alarms.svelte';
export * from './dialogs.svelte';
export * from './calls.svelte';
export * from './sparklines.svelte';
export * from './trend.svelte';
export * from './dispatches.svelte';
export * from './visits.svelte';
export * from './links.svelte';
export * from './handover.svelte';
export * from './timeline.svelte';

/** Puts the store back as at launch (tests mount the app many times). */
export function resetStore(): void {
  resetApp();
  resetAlarms();
  resetDialogs();
  resetCalls();
  resetTrend();
  resetSparklines();
  resetDispatches();
  resetVisits();
  resetLinks();
  resetHandover();
  resetTimeline();
}

// The UI's one store, in three files to stay readable: app.svelte.ts (worklist, alarm episodes,
// status, view, citizen page), alarms.svelte.ts (the chosen alarm, K and U) and
// dialogs.svelte.ts (the level and plan dialogs). Components import it from here and change
// state only through these functions.
import { resetAlarms } from './alarms.svelte';
import { resetApp } from './app.svelte';
import { resetDialogs } from './dialogs.svelte';

export * from './app.svelte';
export * from './alarms.svelte';
export * from './dialogs.svelte';

/** Puts the store back as at launch (tests mount the app many times). */
export function resetStore(): void {
  resetApp();
  resetAlarms();
  resetDialogs();
}

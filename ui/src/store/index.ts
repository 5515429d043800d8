// The UI's one store, in two files to stay readable: app.svelte.ts (worklist, alarms, status,
// view, citizen page) and dialogs.svelte.ts (the level and plan dialogs). Components import it
// from here and change state only through these functions.
import { resetApp } from './app.svelte';
import { resetDialogs } from './dialogs.svelte';

export * from './app.svelte';
export * from './dialogs.svelte';

/** Puts the store back as at launch (tests mount the app many times). */
export function resetStore(): void {
  resetApp();
  resetDialogs();
}

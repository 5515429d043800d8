// What the component tests do as a nurse would: find by test id, press keys where the focus is,
// type into the focused field. One copy for every test file.
import { fireEvent } from '@testing-library/svelte';

export const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
export const active = () => document.activeElement as HTMLElement;
export const press = (key: string, extra: Partial<KeyboardEventInit> = {}) =>
  fireEvent.keyDown(document.activeElement ?? document.body, { key, bubbles: true, ...extra });
export const type = (text: string) => fireEvent.input(active(), { target: { value: text } });

// The key map: one table of key -> action with the catalogue text that explains it. The `?`
// overlay lists this table and App's key handler looks actions up in it, so the two agree.

export type Action =
  | 'search' | 'down' | 'up' | 'page_down' | 'page_up' | 'first' | 'last' | 'open' | 'back'
  | 'ack' | 'snooze' | 'level' | 'plan' | 'alarms' | 'lang' | 'help' | 'save';

export interface KeyBinding {
  /** The key as `keyName` names an event, e.g. "K", "Alt+L", "Ctrl+Enter", "ArrowDown". */
  readonly keys: string;
  readonly action: Action;
  /** Catalogue key of what it does. */
  readonly text: string;
  /** Acts while the focus is in a text field (otherwise the field gets the key). */
  readonly inFields?: boolean;
}

export const KEYMAP: readonly KeyBinding[] = [
  { keys: '/', action: 'search', text: 'keys.search' },
  { keys: 'ArrowDown', action: 'down', text: 'keys.down' },
  { keys: 'ArrowUp', action: 'up', text: 'keys.up' },
  { keys: 'PageDown', action: 'page_down', text: 'keys.page_down' },
  { keys: 'PageUp', action: 'page_up', text: 'keys.page_up' },
  { keys: 'Home', action: 'first', text: 'keys.first' },
  { keys: 'End', action: 'last', text: 'keys.last' },
  { keys: 'Enter', action: 'open', text: 'keys.open' },
  { keys: 'Escape', action: 'back', text: 'keys.back', inFields: true },
  { keys: 'K', action: 'ack', text: 'keys.ack' },
  { keys: 'U', action: 'snooze', text: 'keys.snooze' },
  { keys: 'E', action: 'level', text: 'keys.level' },
  { keys: 'P', action: 'plan', text: 'keys.plan' },
  { keys: 'Alt+A', action: 'alarms', text: 'keys.alarms_focus', inFields: true },
  { keys: 'Alt+L', action: 'lang', text: 'keys.lang', inFields: true },
  { keys: '?', action: 'help', text: 'keys.help_overlay' },
  { keys: 'Ctrl+Enter', action: 'save', text: 'keys.save', inFields: true },
];

const NAMED = new Set(['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End', 'Enter', 'Escape']);

/**
 * The name of the key an event stands for, in the table's spelling. Letters are named by the
 * physical key when a modifier is held (Alt+L gives "¬" on some layouts) and case-blind
 * otherwise; a printable sign such as "?" is its own name, whatever Shift did to make it.
 */
export function keyName(e: Pick<KeyboardEvent, 'key' | 'code' | 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey'>): string {
  const mods = `${e.ctrlKey || e.metaKey ? 'Ctrl+' : ''}${e.altKey ? 'Alt+' : ''}`;
  let key = e.key;
  if (mods && /^Key[A-Z]$/.test(e.code)) key = e.code.slice(3);
  else if (key.length === 1) key = key.toUpperCase();
  else if (!NAMED.has(key)) return '';
  return `${mods}${key}`;
}

export function bindingFor(e: Parameters<typeof keyName>[0]): KeyBinding | undefined {
  const name = keyName(e);
  return name ? KEYMAP.find((b) => b.keys === name) : undefined;
}

/** The key as shown to a nurse: arrows as signs, the rest as written. */
export function keyLabel(keys: string): string {
  return keys
    .replace('ArrowDown', '↓').replace('ArrowUp', '↑').replace('Escape', 'Esc')
    .replace('PageDown', 'Page Down').replace('PageUp', 'Page Up');
}

/** The label of an action's key, for the hints beside buttons ("Kvittér (K)"). */
export function keyFor(action: Action): string {
  const b = KEYMAP.find((k) => k.action === action);
  return b ? keyLabel(b.keys) : '';
}

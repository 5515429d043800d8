// The key map: one table of key -> action with the catalogue text that explains it. The `?`
// overlay lists this table and App's key handler looks actions up in it, so the two agree.

export type Action =
  | 'search' | 'down' | 'up' | 'page_down' | 'page_up' | 'first' | 'last' | 'open' | 'back'
  | 'ack' | 'snooze' | 'level' | 'plan' | 'alarms' | 'lang' | 'help' | 'save'
  | 'left' | 'right' | 'trend' | 'export' | 'call' | 'call_unknown' | 'dispatch' | 'dispatch_person' | 'board' | 'visit'
  | 'range_48h' | 'range_7d' | 'range_30d' | 'range_90d' | 'range_1y' | 'range_all'
  | 'handover' | 'handover_note' | 'sign' | 'sign_all' | 'timeline' | 'timeline_care_event' | 'timeline_all';

export interface KeyBinding {
  /** The key as `keyName` names an event, e.g. "K", "Alt+L", "Ctrl+Enter", "ArrowDown". */
  readonly keys: string;
  readonly action: Action;
  /** Catalogue key of what it does. */
  readonly text: string;
  /** Acts while the focus is in a text field (otherwise the field gets the key). */
  readonly inFields?: boolean;
  /** Catalogue key of what it does in the trend plot, when that differs. */
  readonly inPlot?: string;
  /** Catalogue key of what it does in the shift handover, when that differs. */
  readonly inHandover?: string;
  /** Catalogue key of what it does in a citizen's timeline, when that differs. */
  readonly inTimeline?: string;
}

export const KEYMAP: readonly KeyBinding[] = [
  { keys: '/', action: 'search', text: 'keys.search' },
  { keys: 'ArrowDown', action: 'down', text: 'keys.down', inPlot: 'keys.plot.down', inTimeline: 'keys.timeline.down' },
  { keys: 'ArrowUp', action: 'up', text: 'keys.up', inPlot: 'keys.plot.up', inTimeline: 'keys.timeline.up' },
  { keys: 'ArrowLeft', action: 'left', text: 'keys.plot.prev', inHandover: 'keys.handover.prev' },
  { keys: 'ArrowRight', action: 'right', text: 'keys.plot.next', inHandover: 'keys.handover.next' },
  { keys: 'PageDown', action: 'page_down', text: 'keys.page_down' },
  { keys: 'PageUp', action: 'page_up', text: 'keys.page_up' },
  { keys: 'Home', action: 'first', text: 'keys.first', inPlot: 'keys.plot.first', inTimeline: 'keys.timeline.first' },
  { keys: 'End', action: 'last', text: 'keys.last', inPlot: 'keys.plot.last', inTimeline: 'keys.timeline.last' },
  { keys: 'Enter', action: 'open', text: 'keys.open' },
  { keys: 'Escape', action: 'back', text: 'keys.back', inFields: true, inTimeline: 'keys.timeline.back' },
  { keys: 'K', action: 'ack', text: 'keys.ack' },
  { keys: 'U', action: 'snooze', text: 'keys.snooze' },
  { keys: 'E', action: 'level', text: 'keys.level' },
  { keys: 'P', action: 'plan', text: 'keys.plan' },
  { keys: 'O', action: 'call', text: 'keys.call' },
  { keys: 'Alt+O', action: 'call_unknown', text: 'keys.call_unknown' },
  { keys: 'M', action: 'dispatch', text: 'keys.dispatch' },
  { keys: 'Alt+M', action: 'dispatch_person', text: 'keys.dispatch_person' },
  { keys: 'B', action: 'board', text: 'keys.board' },
  { keys: 'V', action: 'visit', text: 'keys.visit' },
  { keys: 'T', action: 'trend', text: 'keys.trend' },
  { keys: 'L', action: 'timeline', text: 'keys.timeline' },
  // The digits set the trend plot's period on a citizen's page, and show a kind in the timeline.
  { keys: '1', action: 'range_48h', text: 'keys.range.48h', inTimeline: 'keys.timeline.alarm' },
  { keys: '2', action: 'range_7d', text: 'keys.range.7d', inTimeline: 'keys.timeline.level' },
  { keys: '3', action: 'range_30d', text: 'keys.range.30d', inTimeline: 'keys.timeline.plan' },
  { keys: '4', action: 'range_90d', text: 'keys.range.90d', inTimeline: 'keys.timeline.call' },
  { keys: '5', action: 'range_1y', text: 'keys.range.1y', inTimeline: 'keys.timeline.dispatch' },
  { keys: '6', action: 'range_all', text: 'keys.range.all', inTimeline: 'keys.timeline.visit' },
  { keys: '7', action: 'timeline_care_event', text: 'keys.timeline.care_event' },
  { keys: '0', action: 'timeline_all', text: 'keys.timeline.all' },
  { keys: 'G', action: 'export', text: 'keys.export', inHandover: 'keys.handover.export' },
  { keys: 'H', action: 'handover', text: 'keys.handover' },
  // Signing the handover is a record sent to every station: keys of its own, never K's.
  { keys: 'S', action: 'sign', text: 'keys.handover.sign' },
  { keys: 'Alt+S', action: 'sign_all', text: 'keys.handover.sign_all' },
  { keys: 'N', action: 'handover_note', text: 'keys.handover.note' },
  { keys: 'Alt+A', action: 'alarms', text: 'keys.alarms_focus', inFields: true },
  { keys: 'Alt+L', action: 'lang', text: 'keys.lang', inFields: true },
  { keys: '?', action: 'help', text: 'keys.help_overlay' },
  { keys: 'Ctrl+Enter', action: 'save', text: 'keys.save', inFields: true },
];

const NAMED = new Set(['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'PageDown', 'PageUp', 'Home', 'End', 'Enter', 'Escape']);

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
    .replace('ArrowDown', '↓').replace('ArrowUp', '↑').replace('ArrowLeft', '←').replace('ArrowRight', '→')
    .replace('Escape', 'Esc')
    .replace('PageDown', 'Page Down').replace('PageUp', 'Page Up');
}

/** The label of an action's key, for the hints beside buttons ("Kvittér (K)"). */
export function keyFor(action: Action): string {
  const b = KEYMAP.find((k) => k.action === action);
  return b ? keyLabel(b.keys) : '';
}

// Worklist filtering and keyboard selection, kept free of the DOM.

export interface Searchable {
  id: string;
  name: string;
}

function fold(s: string): string {
  return s.toLocaleLowerCase('da').normalize('NFC');
}

/** Case-insensitive substring match on name or id; a blank query keeps everything. */
export function filterCitizens<T extends Searchable>(items: readonly T[], query: string): T[] {
  const q = fold(query.trim());
  if (!q) return [...items];
  return items.filter((c) => fold(c.name).includes(q) || fold(c.id).includes(q));
}

/**
 * Index after moving by `delta` rows (±1 for arrows, ±a page) in a list of `count` rows; -1
 * means "nothing selected". From nothing, down goes to the first row and up to the last.
 * The selection stops at the ends instead of wrapping.
 */
export function moveSelection(current: number, delta: number, count: number): number {
  if (count <= 0) return -1;
  if (current < 0 || current >= count) return delta > 0 ? 0 : count - 1;
  return Math.min(count - 1, Math.max(0, current + delta));
}

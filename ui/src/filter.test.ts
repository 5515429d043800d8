import { describe, expect, it } from 'vitest';
import { filterCitizens, moveSelection } from './filter';

const people = [
  { id: 'c-001', name: 'Åse Østergaard' },
  { id: 'c-002', name: 'Bent Hansen' },
  { id: 'C-013', name: 'Karen Bentsen' },
];

describe('filterCitizens', () => {
  it('keeps everything for an empty or blank query', () => {
    expect(filterCitizens(people, '')).toHaveLength(3);
    expect(filterCitizens(people, '   ')).toHaveLength(3);
  });

  it('matches names case-insensitively, including Danish letters', () => {
    expect(filterCitizens(people, 'bent').map((p) => p.id)).toEqual(['c-002', 'C-013']);
    expect(filterCitizens(people, 'ØSTER').map((p) => p.id)).toEqual(['c-001']);
    expect(filterCitizens(people, 'åse').map((p) => p.id)).toEqual(['c-001']);
  });

  it('matches ids case-insensitively and trims the query', () => {
    expect(filterCitizens(people, '  c-013 ').map((p) => p.name)).toEqual(['Karen Bentsen']);
    expect(filterCitizens(people, 'C-00').map((p) => p.id)).toEqual(['c-001', 'c-002']);
  });

  it('returns nothing when nothing matches, and does not mutate the input', () => {
    expect(filterCitizens(people, 'zzz')).toEqual([]);
    const copy = filterCitizens(people, '');
    copy.pop();
    expect(people).toHaveLength(3);
  });
});

describe('moveSelection', () => {
  it('starts at the first row going down and the last going up', () => {
    expect(moveSelection(-1, 1, 5)).toBe(0);
    expect(moveSelection(-1, -1, 5)).toBe(4);
  });
  it('moves by one and stops at the ends', () => {
    expect(moveSelection(2, 1, 5)).toBe(3);
    expect(moveSelection(2, -1, 5)).toBe(1);
    expect(moveSelection(4, 1, 5)).toBe(4);
    expect(moveSelection(0, -1, 5)).toBe(0);
  });
  it('handles an empty list and an out-of-range selection', () => {
    expect(moveSelection(0, 1, 0)).toBe(-1);
    expect(moveSelection(9, 1, 3)).toBe(0);
  });
});

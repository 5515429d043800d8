// MAS dispatches over the mocked back end: sent with M and the keys only, on the board and the
// citizen's row, moved on from the board to a hospital admission, a refusal at its field, and
// a conflict between two stations shown with both versions and settled.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetStore, setLanguage } from '../store';
import { citizen, dispatchOf, installFake, NOW, type Fake } from '../test/fakeBackend';
import App from './App.svelte';
import { giveWorklistHeight } from '../test/layout';
import { byTestId, active, press, type } from '../test/keys';

giveWorklistHeight();
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

const dialogOpen = () => (byTestId('dispatch-dialog') as HTMLDialogElement).open;

async function startApp(before?: (fake: Fake) => void): Promise<Fake> {
  const fake = installFake([citizen(0), citizen(1), citizen(2)]);
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

describe('MAS dispatches', () => {
  it('are sent with M, shown on the board and the row, and moved on to a hospital admission by keys', async () => {
    const fake = await startApp();
    screen.getByRole('grid').focus();
    await press('ArrowDown');
    await press('m');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    // The urgency group has the focus: 1 is "Straks".
    await press('1');
    expect(byTestId('dispatch-urgency')?.dataset.value).toBe('immediate');
    // Sent without a reason: refused at its field, nothing sent.
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('dispatch-reason')?.getAttribute('aria-invalid')).toBe('true'));
    expect(fake.callsOf('request_dispatch')).toEqual([]);
    byTestId('dispatch-reason')!.focus();
    await type('SpO2 86 %, åndenød');
    byTestId('dispatch-nurse')!.focus();
    await type('mas.ole');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('request_dispatch')).toEqual([{
      form: { citizen_id: 'c-00000', urgency: 'immediate', reason: 'SpO2 86 %, åndenød', assigned_to: 'mas.ole' },
    }]);
    await waitFor(() => expect(screen.getAllByTestId('dispatch-row')).toHaveLength(1));
    expect(byTestId('dispatch-board')?.textContent).toContain('Straks');

    // B goes to the board; Enter moves the chosen dispatch on.
    await press('b');
    expect(active().id).toBe('dispatch-list');
    for (const [key, state] of [['1', 'en_route'], ['1', 'arrived']] as const) {
      await press('Enter');
      await waitFor(() => expect(dialogOpen()).toBe(true));
      await press(key);
      expect(byTestId('dispatch-state')?.dataset.value).toBe(state);
      await press('Enter', { ctrlKey: true });
      await waitFor(() => expect(dialogOpen()).toBe(false));
      await waitFor(() => expect(screen.getByTestId('dispatch-row').dataset.state).toBe(state));
      document.getElementById('dispatch-list')!.focus();
    }
    await press('Enter');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    await press('1');
    expect(byTestId('dispatch-state')?.dataset.value).toBe('completed');
    // A completion needs its outcome.
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('dispatch-dialog-error')?.textContent).not.toBe(''));
    (byTestId('dispatch-outcome')!.querySelector('[role=radio]') as HTMLElement).focus();
    await press('i');
    expect(byTestId('dispatch-outcome')?.dataset.value).toBe('hospital_admission');
    expect(byTestId('dispatch-sets-level')?.textContent).toContain('ECM6');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('change_dispatch').at(-1)).toEqual({
      key: 'urn:uuid:dispatch-1', edit: { change: 'state', to: 'completed', outcome: 'hospital_admission', note: '' },
    });
    // Off the board once completed.
    await waitFor(() => expect(byTestId('dispatch-board')).toBeNull());
  });

  it('shows a conflict between two stations with both versions and settles it with one of them', async () => {
    const fake = await startApp((f) => {
      f.dispatches.push(dispatchOf({ citizen_id: 'c-00001', urgency: 'urgent', reason: 'feber', assigned_to: null }, 7, {
        state: 'cancelled',
        conflicts: [{
          field: 'state',
          versions: [
            { step: 's1', value: 'arrived', by: 'mas.ole', at: NOW },
            { step: 's2', value: 'cancelled', by: 'vagt.anna', at: NOW },
          ],
        }],
      }));
      f.dispatches[0]!.state = 'arrived'; // the board lists open ones: shown while in conflict
    });
    await waitFor(() => expect(screen.getByTestId('dispatch-conflict-badge')).toBeTruthy());
    await press('b');
    await press('Enter');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    const conflict = byTestId('dispatch-conflict')!.textContent ?? '';
    expect(conflict).toContain('Ankommet');
    expect(conflict).toContain('mas.ole');
    expect(conflict).toContain('Aflyst');
    expect(conflict).toContain('vagt.anna');
    // Both versions are choices, besides the way forward.
    const offered = [...byTestId('dispatch-state')!.querySelectorAll<HTMLElement>('[role=radio]')].map((b) => b.dataset.value);
    expect(offered).toEqual(['completed', 'cancelled', 'arrived']);
    // The MAS nurse was there: her version is chosen, which settles it.
    await press('3');
    expect(byTestId('dispatch-state')?.dataset.value).toBe('arrived');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('change_dispatch')).toEqual([{
      key: 'urn:uuid:dispatch-7', edit: { change: 'state', to: 'arrived', outcome: null, note: '' },
    }]);
    await waitFor(() => expect(screen.queryByTestId('dispatch-conflict-badge')).toBeNull());
  });

  it('marks the citizen row of an open dispatch', async () => {
    await startApp((f) => {
      f.citizens[2] = { ...f.citizens[2]!, open_dispatch: 'en_route' };
    });
    const marks = screen.getAllByTestId('citizen-mas');
    expect(marks).toHaveLength(1);
    expect(marks[0]!.textContent).toContain('Undervejs');
  });
});

describe('the citizen page', () => {
  it('lists the citizen\'s dispatches, open and past, the newest first, each opening to its course', async () => {
    await startApp((f) => {
      f.dispatches.push(
        dispatchOf({ citizen_id: 'c-00000', urgency: 'immediate', reason: 'SpO2 84', assigned_to: 'mas.ole' }, 1, {
          state: 'completed', outcome: 'hospital_admission', requested_at: '2026-11-20T08:00:00.000Z',
          history: [
            { state: 'requested', at: '2026-11-20T08:00:00.000Z', by: 'anne', note: '' },
            { state: 'arrived', at: '2026-11-20T08:40:00.000Z', by: 'mas.ole', note: '' },
            { state: 'completed', at: '2026-11-20T09:30:00.000Z', by: 'mas.ole', note: 'indlagt Hvidovre' },
          ],
        }),
        dispatchOf({ citizen_id: 'c-00000', urgency: 'planned', reason: 'kontrol', assigned_to: null }, 2, {
          requested_at: '2026-11-22T07:00:00.000Z',
        }),
        dispatchOf({ citizen_id: 'c-00001', urgency: 'urgent', reason: 'feber', assigned_to: null }, 3),
      );
    });
    screen.getByRole('grid').focus();
    await press('ArrowDown');
    await press('Enter');
    await waitFor(() => expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00000'));
    await waitFor(() => expect(screen.getAllByTestId('dispatch-log-row')).toHaveLength(2));
    const rows = screen.getAllByTestId('dispatch-log-row');
    expect(rows.map((r) => r.dataset.state)).toEqual(['requested', 'completed']);
    expect(rows[1]?.querySelector('[data-testid=dispatch-log-outcome]')?.textContent).toBe('Indlagt (ECM6)');
    await fireEvent.click(rows[1]!.querySelector('button')!);
    const course = byTestId('dispatch-log-details')?.textContent ?? '';
    expect(course).toContain('SpO2 84');
    expect(course).toContain('Ankommet');
    expect(course).toContain('indlagt Hvidovre');
  });
});

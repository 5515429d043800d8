// A plan changed at two stations: the plan dialog (form and TOML) says so, shows the other
// revision, and a save names every revision the nurse saw as its bases, which settles it.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PlanForm } from '../bindings';
import { resetStore, setLanguage } from '../store';
import { citizen, installFake } from '../test/fakeBackend';
import App from './App.svelte';
import { press } from '../test/keys';

beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

const dialog = () => screen.getByTestId('plan-dialog') as HTMLDialogElement;

/** Revision 2 by anne is in force; bo made another revision 2 from the same base elsewhere. */
const CONFLICT: Partial<PlanForm> = {
  revision: 2, key: 'urn:uuid:anne-2', changed_by: 'anne', changed_at: '2026-11-22T09:02:00Z', reason: 'lavere SpO2-mål',
  conflicts: [{
    key: 'urn:uuid:bo-2', revision: 2, changed_by: 'bo', changed_at: '2026-11-22T09:05:00Z', reason: 'vejes hver dag',
    overrides: '[schedule.weight]\nevery_hours = 24\n',
  }],
};

async function openPlan(plan: Partial<PlanForm>) {
  const fake = installFake([citizen(0), citizen(1)]);
  fake.plan = plan;
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  screen.getByRole('grid').focus();
  await press('ArrowDown');
  await press('p');
  await waitFor(() => expect(dialog().open).toBe(true));
  return fake;
}

async function saveWithReason(reason: string): Promise<void> {
  await fireEvent.input(screen.getByTestId('plan-reason'), { target: { value: reason } });
  await fireEvent.keyDown(screen.getByTestId('plan-reason'), { key: 'Enter', ctrlKey: true });
  await waitFor(() => expect(dialog().open).toBe(false));
}

describe('a plan in conflict', () => {
  it('shows the other revision in the form: who, when, why and its overrides', async () => {
    await openPlan(CONFLICT);
    const banner = screen.getByTestId('plan-conflict');
    expect(within(banner).getByRole('heading').textContent).toContain('Planen er ændret to steder');
    const other = within(banner).getByTestId('plan-conflict-revision');
    expect(other.dataset.key).toBe('urn:uuid:bo-2');
    expect(other.textContent).toContain('Revision 2 af bo 22.11.2026 10.05: vejes hver dag');
    expect(within(other).getByTestId('plan-conflict-overrides').textContent).toContain('every_hours = 24');
    expect(other.querySelector('details')).not.toBeNull();
    expect(banner.textContent).toContain('Når du gemmer nu, bygger den nye revision på dem begge, og konflikten er afgjort.');
    // The one in force is named above it as ever.
    expect(screen.getByTestId('plan-meta').textContent).toContain('Revision 2 af anne');
  });

  it('saves the form on every revision the nurse saw, and settles it', async () => {
    const fake = await openPlan(CONFLICT);
    await saveWithReason('begge ændringer gennemgået');
    expect(fake.callsOf('set_plan').at(-1)).toMatchObject({
      citizenId: 'c-00000', reason: 'begge ændringer gennemgået', bases: ['urn:uuid:anne-2', 'urn:uuid:bo-2'],
    });
    expect(screen.getByTestId('alarm-note').textContent).toBe('Triageplanen for Borger 00000 er gemt (revision 3).');
  });

  it('shows it in the TOML mode too, and saves the TOML on the same bases', async () => {
    const fake = await openPlan(CONFLICT);
    await fireEvent.click(screen.getByTestId('plan-mode-toml'));
    await waitFor(() => expect(screen.getByTestId('plan-overrides')).toBeTruthy());
    expect(screen.getByTestId('plan-conflict').textContent).toContain('Revision 2 af bo');
    await saveWithReason('samlet i TOML');
    expect(fake.callsOf('set_plan_toml').at(-1)).toMatchObject({
      citizenId: 'c-00000', toml: '[limits.spo2]\nred_low = 85\n', bases: ['urn:uuid:anne-2', 'urn:uuid:bo-2'],
    });
  });

  it('says nothing of a conflict when there is none, and names the revision in force as the base', async () => {
    const fake = await openPlan({ revision: 4, key: 'urn:uuid:r4', changed_by: 'anne', changed_at: '2026-11-22T09:02:00Z', reason: 'x' });
    expect(screen.queryByTestId('plan-conflict')).toBeNull();
    await saveWithReason('justeret');
    expect(fake.callsOf('set_plan').at(-1)).toMatchObject({ bases: ['urn:uuid:r4'] });
  });

  it('words a plan that changed meanwhile, and keeps the dialog open', async () => {
    const fake = await openPlan(CONFLICT);
    fake.plan = { ...CONFLICT };
    // The back end no longer knows a base (say, the store was replaced): it refuses.
    const { mockIPC } = await import('@tauri-apps/api/mocks');
    mockIPC((cmd) => {
      if (cmd === 'set_plan') throw { code: 'unknown_plan_revision', message: 'no plan revision urn:uuid:bo-2' };
      return null;
    });
    await fireEvent.input(screen.getByTestId('plan-reason'), { target: { value: 'x' } });
    await fireEvent.keyDown(screen.getByTestId('plan-reason'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('plan-dialog-error').textContent).toBe('Planen er ændret imens. Luk den og åbn den igen.'));
    expect(dialog().open).toBe(true);
  });

  it('is named on the citizen page, with the key that opens the plan', async () => {
    installFake([citizen(0), citizen(1)]).plan = CONFLICT;
    render(App);
    await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
    screen.getByRole('grid').focus();
    await press('ArrowDown');
    await press('Enter');
    const line = await waitFor(() => screen.getByTestId('citizen-page-plan-conflict'));
    expect(line.textContent).toContain('Planen er ændret to steder – åbn planen (P) og afgør det.');
  });
});

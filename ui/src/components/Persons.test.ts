// Persons outside the clinic and unknown callers over the mocked back end: Alt+M sends MAS to
// a person known by CPR, name and address (a bad CPR refused at its field), who then has a row
// marked "MAS only" and a page without readings or plan; an unknown caller's call shows in the
// strip above the worklist and is tied to a citizen found by name, with the keys only.
import { render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../bindings';
import { resetStore, setLanguage } from '../store';
import { citizen, installFake, NOW, type Fake } from '../test/fakeBackend';
import App from './App.svelte';
import { giveWorklistHeight } from '../test/layout';
import { byTestId, active, press, type } from '../test/keys';

giveWorklistHeight();
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

const dialogOpen = (id: string) => (byTestId(id) as HTMLDialogElement).open;

async function startApp(before?: (fake: Fake) => void): Promise<Fake> {
  const fake = installFake([citizen(0), citizen(1, { name: 'Inge Jensen' }), citizen(2)]);
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

function unknownCall(): CallRecord {
  return {
    key: 'urn:uuid:call-unknown', citizen_id: null, caller_name: 'datter', direction: 'inbound', caller: 'relative',
    started_at: NOW, ended_at: NOW, nurse: 'mette', reason: 'mor har åndenød', symptoms: [], notes: '', advice: '',
    medicine: [], e_doctor_consulted: false, assessed_level: null, follow_up_at: null, answers_alarm: null,
  };
}

describe('a person outside the clinic', () => {
  it('is sent MAS with Alt+M and the keys only, a bad CPR refused at its field', async () => {
    const fake = await startApp();
    screen.getByRole('grid').focus();
    await press('m', { altKey: true, code: 'KeyM' });
    await waitFor(() => expect(dialogOpen('dispatch-dialog')).toBe(true));
    expect(active().dataset.testid).toBe('person-cpr');
    await type('010150-1234');
    byTestId('person-name')!.focus();
    await type('Ib Hansen');
    byTestId('person-address')!.focus();
    await type('Søvej 3, 5000 Odense C');
    byTestId('dispatch-reason')!.focus();
    await type('faldet, åndenød');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen('dispatch-dialog')).toBe(false));
    expect(fake.callsOf('dispatch_person')).toEqual([{
      form: {
        person: { cpr: '010150-1234', name: 'Ib Hansen', address: 'Søvej 3, 5000 Odense C' },
        urgency: 'urgent', reason: 'faldet, åndenød', assigned_to: null,
      },
    }]);
    await waitFor(() => expect(byTestId('row-mas-only')).not.toBeNull());
    expect(byTestId('row-mas-only')?.closest('[role=row]')?.textContent).toContain('Ib Hansen');

    await press('m', { altKey: true, code: 'KeyM' });
    await waitFor(() => expect(dialogOpen('dispatch-dialog')).toBe(true));
    await type('12345');
    byTestId('dispatch-reason')!.focus();
    await type('åndenød');
    await press('Enter', { ctrlKey: true });
    // Name and address missing: refused here, nothing sent.
    await waitFor(() => expect(byTestId('person-problem-name')?.textContent).toBe('Skal udfyldes'));
    expect(byTestId('person-name')?.getAttribute('aria-invalid')).toBe('true');
    expect(fake.callsOf('dispatch_person')).toHaveLength(1);
    byTestId('person-name')!.focus();
    await type('Ole Berg');
    byTestId('person-address')!.focus();
    await type('Skovvej 1');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('person-problem-cpr')?.textContent).toBe('Ikke et CPR-nummer (DDMMÅÅ-NNNN)'));
    expect(dialogOpen('dispatch-dialog')).toBe(true);
  });

  it('has a page without readings, plan or trend', async () => {
    await startApp((fake) => fake.citizens.push({ ...citizen(3, { name: 'Ib Hansen' }), mas_only: true, diagnoses: [] }));
    screen.getByRole('grid').focus();
    await press('/');
    await type('Ib');
    await press('ArrowDown');
    await press('Enter');
    await waitFor(() => expect(byTestId('citizen-page-mas-only')).not.toBeNull());
    expect(byTestId('section-calls')).not.toBeNull();
    for (const gone of ['section-trends', 'section-readings', 'section-plan']) expect(byTestId(gone), gone).toBeNull();
    // An enrolled citizen's page has them all.
    await press('Escape');
    await press('/');
    await type('00001');
    await press('ArrowDown');
    await press('Enter');
    await waitFor(() => expect(byTestId('section-trends')).not.toBeNull());
    expect(byTestId('section-readings')).not.toBeNull();
    expect(byTestId('citizen-page-mas-only')).toBeNull();
  });
});

describe('an unknown caller', () => {
  it('is shown above the worklist and tied to a citizen found by name, keys only', async () => {
    const fake = await startApp((f) => f.callLog.push(unknownCall()));
    await waitFor(() => expect(screen.getAllByTestId('unknown-call')).toHaveLength(1));
    expect(byTestId('unknown-calls')?.textContent).toContain('datter');
    byTestId('unknown-call-link')!.click();
    await waitFor(() => expect(dialogOpen('link-dialog')).toBe(true));
    expect(active().dataset.testid).toBe('link-search');
    // Nothing chosen yet: refused, nothing linked.
    await press('Enter');
    await waitFor(() => expect(byTestId('link-dialog-error')?.textContent).toContain('Vælg en borger'));
    await type('inge');
    await waitFor(() => expect(screen.getAllByTestId('link-match')).toHaveLength(1));
    await press('Enter');
    await waitFor(() => expect(dialogOpen('link-dialog')).toBe(false));
    expect(fake.callsOf('link_call')).toEqual([{ callKey: 'urn:uuid:call-unknown', citizenId: 'c-00001' }]);
    await waitFor(() => expect(byTestId('unknown-calls')).toBeNull());
  });
});

// MAS visits over the mocked back end: the citizen page's medicine box and visits (each with
// its exact NEWS2 and outcome, opened to its vitals, samples and treatment; in Danish and in
// English), and the visit form by keys only: V on the page, vitals typed with a decimal comma
// and scored as they are typed, a drug from the box, the outcome by its letter, Ctrl+Enter; a
// refusal at its field; a draft kept and resumed; the board's arrived dispatch completed.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BoxedMedicine, PageVisit } from '../bindings';
import { resetStore, setLanguage, visitForm } from '../store';
import { citizen, dispatchOf, installFake, type Fake } from '../test/fakeBackend';
import App from './App.svelte';
import CitizenVisits from './CitizenVisits.svelte';
import { giveWorklistHeight } from '../test/layout';
import { byTestId, active, press, type } from '../test/keys';

giveWorklistHeight();

const box: BoxedMedicine[] = [{
  source_id: 'sim|MedicationRequest/1', citizen_id: '0103501234', drug: 'Prednisolon 25 mg tablet', atc: 'H02AB06',
  dose: '37,5 mg dagligt i 5 dage', when_to_start: 'ved øget åndenød', prescribed_at: null,
}];

const visit: PageVisit = {
  visit: {
    key: 'urn:uuid:v1', citizen_id: '0103501234', dispatch_key: null, nurse: 'mas.ole',
    arrived_at: '2026-11-22T07:00:00.000Z', left_at: '2026-11-22T07:50:00.000Z',
    vitals: { respiratory_rate: 24, spo2: 87, on_oxygen: true, systolic_bp: 132, diastolic_bp: 80, pulse: 104,
      consciousness: 'alert', temperature: 38.4 },
    spo2_scale: 'scale1',
    samples: { crp: 86, blood_gas: { ph: 7.33, pco2_kpa: 7.9, po2_kpa: 7.1 }, sputum_sent: true },
    treatments: [{ drug: 'Prednisolon 25 mg tablet', dose: '37,5 mg', route: 'oral', from_box: 'sim|MedicationRequest/1' }],
    e_doctor_consulted: true, outcome: 'hospital_admission', plan: 'indlagt, Hvidovre', notes: '',
  },
  news2: { respiratory_rate: 2, spo2: 3, oxygen: 2, systolic_bp: 0, pulse: 1, consciousness: 0, temperature: 1, total: 9, risk: 'high' },
};

beforeEach(() => {
  resetStore();
  setLanguage('da');
});

describe('the citizen page: medicine box and visits', () => {
  it('shows the box and each visit with its NEWS2 and outcome, and opens a visit to its details', async () => {
    render(CitizenVisits, { medicine: box, visits: [visit] });
    const drugs = within(screen.getByTestId('medicine-box')).getAllByTestId('box-drug');
    expect(drugs).toHaveLength(1);
    const drug = drugs[0]?.textContent ?? '';
    expect(drug).toContain('Prednisolon 25 mg tablet');
    expect(drug).toContain('37,5 mg dagligt i 5 dage');
    expect(drug).toContain('start ved øget åndenød');
    const row = screen.getByTestId('visit-row');
    expect(within(row).getByTestId('visit-news2').textContent?.trim()).toBe('9');
    expect(within(row).getByTestId('visit-news2').title).toContain('høj risiko');
    expect(within(row).getByTestId('visit-outcome').textContent).toBe('Indlagt (ECM6)');
    expect(screen.queryByTestId('visit-details')).toBeNull();
    await fireEvent.click(within(row).getByRole('button'));
    const details = screen.getByTestId('visit-details').textContent ?? '';
    expect(details).toContain('SpO2 87 %');
    expect(details).toContain('på ilt');
    expect(details).toContain('pCO2 7,9 kPa');
    expect(details).toContain('Ekspektorat sendt til dyrkning');
    expect(details).toContain('Givet: Prednisolon 25 mg tablet 37,5 mg, oralt');
    expect(details).toContain('fra medicinkassen');
    expect(details).toContain('indlagt, Hvidovre');
  });

  it('says so when there is no box and no visit, in English too', () => {
    setLanguage('en');
    render(CitizenVisits, { medicine: [], visits: [] });
    expect(screen.getByTestId('box-empty').textContent).toBe('No medicine prescribed in advance.');
    expect(screen.getByTestId('visits-empty').textContent).toBe('No MAS visits.');
  });
});

const dialogOpen = () => (byTestId('visit-dialog') as HTMLDialogElement).open;
const field = (name: string) => document.querySelector<HTMLElement>(`[data-field="${name}"]`)!;

const boxOf = (citizenId: string): BoxedMedicine[] => [{ ...box[0]!, citizen_id: citizenId }];

async function startApp(before?: (fake: Fake) => void): Promise<Fake> {
  const fake = installFake([citizen(0), citizen(1)]);
  fake.medicineBox = boxOf('c-00000');
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

async function openPage(): Promise<void> {
  screen.getByRole('grid').focus();
  await press('ArrowDown');
  await press('Enter');
  await waitFor(() => expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00000'));
}

/** Types the vitals field by field, as the nurse tabs through them. */
async function typeVitals(values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    field(name).focus();
    await type(value);
  }
}

const VITALS_TYPED = {
  'vitals.respiratory_rate': '24', 'vitals.spo2': '87', 'vitals.systolic_bp': '132', 'vitals.diastolic_bp': '80',
  'vitals.pulse': '104', 'vitals.temperature': '38,4',
};

describe('the visit form, by keys only', () => {
  it('records a visit from the page: vitals scored as typed, a drug from the box, an admission', async () => {
    const fake = await startApp();
    await openPage();
    await press('v');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    expect(active().dataset.field).toBe('vitals.respiratory_rate');
    expect(byTestId('visit-news2-live')?.textContent).toContain('NEWS2 vises');
    await typeVitals(VITALS_TYPED);
    // Scored by the back end once every vital sign is a number.
    await waitFor(() => expect(byTestId('visit-news2-live')?.textContent).toContain('NEWS2 7'));
    expect(fake.callsOf('visit_news2').at(-1)).toEqual({
      citizenId: 'c-00000',
      vitals: { respiratory_rate: 24, spo2: 87, on_oxygen: false, systolic_bp: 132, diastolic_bp: 80, pulse: 104,
        consciousness: 'alert', temperature: 38.4 },
    });
    // The box's drug is there to give.
    const drugs = screen.getAllByTestId('visit-box-drug');
    expect(drugs[0]?.textContent).toContain('Prednisolon 25 mg tablet');
    await fireEvent.click(screen.getByTestId('visit-box-give'));
    // Saved without outcome and plan: refused at the first, nothing sent.
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('visit-dialog-error')?.textContent).not.toBe(''));
    expect(fake.callsOf('record_visit')).toEqual([]);
    expect(active().closest('[data-testid="visit-outcome"]')).not.toBeNull();
    await press('i');
    expect(byTestId('visit-outcome')?.dataset.value).toBe('hospital_admission');
    expect(byTestId('visit-sets-level')?.textContent).toContain('ECM6');
    field('plan').focus();
    await type('indlagt med ambulance');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    const sent = fake.callsOf('record_visit')[0]?.form as Record<string, unknown>;
    expect(sent.citizen_id).toBe('c-00000');
    expect(sent.outcome).toBe('hospital_admission');
    expect(sent.treatments).toEqual([
      { drug: 'Prednisolon 25 mg tablet', dose: '37,5 mg dagligt i 5 dage', route: 'oral', from_box: 'sim|MedicationRequest/1' },
    ]);
    expect((sent.vitals as Record<string, unknown>).temperature).toBe(38.4);
    expect(document.body.textContent).toContain('Besøg hos Borger 00000 gemt, NEWS2 7');
    // The page shows the visit.
    await waitFor(() => expect(screen.getByTestId('visit-row')).toBeTruthy());
    expect(screen.getByTestId('visit-outcome').textContent).toBe('Indlagt (ECM6)');
  });

  it('shows a refusal at its field, and keeps what was typed as a draft that the next V resumes', async () => {
    const fake = await startApp();
    await openPage();
    await press('v');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    // A saturation typed as a fraction: the back end refuses it at its field.
    await typeVitals({ ...VITALS_TYPED, 'vitals.spo2': '0,87' });
    (byTestId('visit-outcome')!.querySelector('[role=radio]') as HTMLElement).focus();
    await press('h');
    field('plan').focus();
    await type('bliver hjemme, opkald i morgen');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(field('vitals.spo2').getAttribute('aria-invalid')).toBe('true'));
    expect(active().dataset.field).toBe('vitals.spo2');
    expect(screen.getByTestId('visit-problem').textContent).toContain('tjek værdi og enhed');
    // The window goes: what was typed is kept as a draft of kind "visit".
    await waitFor(() => expect(fake.drafts.some((d) => d.kind === 'visit' && d.citizen_id === 'c-00000')).toBe(true), { timeout: 3000 });
    // Esc asks before throwing it away; the nurse keeps typing.
    await press('Escape');
    await waitFor(() => expect(byTestId('visit-discard')).not.toBeNull());
    await fireEvent.click(screen.getByTestId('visit-discard-keep'));
    expect(dialogOpen()).toBe(true);
    // The window closes the form (Vagt closed): the next V resumes the draft as typed.
    (byTestId('visit-dialog') as HTMLDialogElement).close();
    await waitFor(() => expect(visitForm.open).toBeNull());
    byTestId('citizen-page-name')?.closest('article')?.querySelector<HTMLElement>('header')?.focus();
    await press('v');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    expect(document.querySelector('.badge.resumed')?.textContent).toBe('genoptaget kladde');
    expect((field('vitals.spo2') as HTMLInputElement).value).toBe('0,87');
    expect((field('plan') as HTMLTextAreaElement).value).toBe('bliver hjemme, opkald i morgen');
  });

  it('records the visit for the arrived dispatch chosen on the board, which it completes', async () => {
    const fake = await startApp((f) => {
      f.dispatches.push(dispatchOf({ citizen_id: 'c-00001', urgency: 'urgent', reason: 'feber', assigned_to: 'mas.ole' }, 3, {
        state: 'arrived',
      }));
      f.medicineBox = [];
    });
    await waitFor(() => expect(screen.getAllByTestId('dispatch-row')).toHaveLength(1));
    await press('b');
    expect(active().id).toBe('dispatch-list');
    await press('v');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    expect(document.getElementById('visit-heading')?.textContent).toContain('Borger 00001');
    expect(byTestId('visit-dispatch')).not.toBeNull();
    expect(byTestId('visit-box-empty')).not.toBeNull();
    await typeVitals(VITALS_TYPED);
    (byTestId('visit-outcome')!.querySelector('[role=radio]') as HTMLElement).focus();
    await press('h');
    field('plan').focus();
    await type('bliver hjemme');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect((fake.callsOf('record_visit')[0]?.form as Record<string, unknown>).dispatch_key).toBe('urn:uuid:dispatch-3');
  });
});

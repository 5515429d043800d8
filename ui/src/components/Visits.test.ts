// The citizen page's medicine box and MAS visits over the mocked back end: the box's drugs
// with dose and when to start, each visit with its exact NEWS2 and outcome, opened to its
// vitals, samples and treatment; in Danish and in English.
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BoxedMedicine, PageVisit } from '../bindings';
import { resetStore, setLanguage } from '../store';
import CitizenVisits from './CitizenVisits.svelte';

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

// The visit form's pure helpers: numbers as typed (decimal comma), what is missing before
// anything is sent, the back end's field paths mapped to the form's, the form sent, drafts.
import { describe, expect, it } from 'vitest';
import type { BoxedMedicine } from './bindings';
import {
  buildVisitForm, emptyVisit, formField, isDirty, localProblems, readVisitDraft, visitDraftPayload, vitalsOf,
  type VisitFormState,
} from './visitform';
import { parseDecimal } from './format';

const box: BoxedMedicine[] = [
  { source_id: 'sim|MedicationRequest/1', citizen_id: 'c1', drug: 'Prednisolon', atc: null, dose: '37,5 mg', when_to_start: '', prescribed_at: null },
  { source_id: 'sim|MedicationRequest/2', citizen_id: 'c1', drug: 'Amoxicillin', atc: null, dose: '500 mg x 3', when_to_start: '', prescribed_at: null },
];

function filled(): VisitFormState {
  return {
    ...emptyVisit(), rr: '24', spo2: '87', sys: '132', dia: '80', pulse: '104', temp: '38,4', onOxygen: true, acvpu: 'voice',
    crp: '86', ph: '7,33', pco2: '7.9', po2: '7,1', sputum: true, fromBox: { 'sim|MedicationRequest/2': 'oral' },
    other: [{ drug: '', dose: '', route: 'oral' }, { drug: 'Salbutamol', dose: '5 mg', route: 'nebulised' }],
    eDoctor: true, outcome: 'hospital_admission', plan: ' indlagt ', notes: '',
  };
}

describe('the visit form', () => {
  it('reads numbers with a comma or a point and tells what is not a number', () => {
    expect(parseDecimal('38,4')).toBe(38.4);
    expect(parseDecimal(' 7.31 ')).toBe(7.31);
    expect(parseDecimal('')).toBeNull();
    expect(Number.isNaN(parseDecimal('88%'))).toBe(true);
    expect(vitalsOf(filled())).toEqual({
      respiratory_rate: 24, spo2: 87, on_oxygen: true, systolic_bp: 132, diastolic_bp: 80, pulse: 104, consciousness: 'voice',
      temperature: 38.4,
    });
    expect(vitalsOf({ ...filled(), pulse: '' })).toBeNull();
  });

  it('names what is missing or not a number, in the form order and by the back end fields', () => {
    expect(localProblems(filled(), box)).toEqual([]);
    const half: VisitFormState = {
      ...filled(), spo2: '', temp: 'feber', crp: 'høj', pco2: '', po2: '', other: [{ drug: 'Salbutamol', dose: '', route: 'oral' }],
      outcome: null, plan: '  ',
    };
    expect(localProblems(half, box)).toEqual([
      { field: 'vitals.spo2', code: 'missing' },
      { field: 'vitals.temperature', code: 'not_a_number' },
      { field: 'samples.crp', code: 'not_a_number' },
      { field: 'samples.blood_gas.pco2_kpa', code: 'missing' },
      { field: 'samples.blood_gas.po2_kpa', code: 'missing' },
      // After the one drug given from the box.
      { field: 'treatments.1.dose', code: 'missing' },
      { field: 'outcome', code: 'missing' },
      { field: 'plan', code: 'missing' },
    ]);
    // No blood gas at all is fine.
    expect(localProblems({ ...filled(), ph: '', pco2: '', po2: '' }, box)).toEqual([]);
  });

  it('maps a refusal of treatment N to the box drug or the bag row it came from', () => {
    const state = filled();
    expect(formField(state, box, 'treatments.0.drug')).toBe('box.sim|MedicationRequest/2');
    // The bag's first row is blank and not sent: treatment 1 is its second row.
    expect(formField(state, box, 'treatments.1.dose')).toBe('other.1.dose');
    expect(formField(state, box, 'vitals.spo2')).toBe('vitals.spo2');
  });

  it('sends the box drugs first, with their prescription, then the bag, and the times given', () => {
    const sent = buildVisitForm(filled(), { citizenId: 'c1', citizenName: 'A', dispatchKey: 'urn:uuid:d1' }, box, {
      arrivedAt: Date.parse('2026-11-22T08:00:00Z'), leftAt: Date.parse('2026-11-22T08:50:00Z'), draftId: 'draft-1',
    });
    expect(sent.treatments).toEqual([
      { drug: 'Amoxicillin', dose: '500 mg x 3', route: 'oral', from_box: 'sim|MedicationRequest/2' },
      { drug: 'Salbutamol', dose: '5 mg', route: 'nebulised', from_box: null },
    ]);
    expect(sent.samples).toEqual({ crp: 86, blood_gas: { ph: 7.33, pco2_kpa: 7.9, po2_kpa: 7.1 }, sputum_sent: true });
    expect(sent.dispatch_key).toBe('urn:uuid:d1');
    expect(sent.plan).toBe('indlagt');
    expect(sent.arrived_at).toBe('2026-11-22T08:00:00.000Z');
    expect(sent.left_at).toBe('2026-11-22T08:50:00.000Z');
    expect(sent.draft_id).toBe('draft-1');
  });

  it('keeps a draft that resumes as typed, and refuses one of another version', () => {
    expect(isDirty(emptyVisit())).toBe(false);
    const ctx = { citizenId: 'c1', citizenName: 'A', dispatchKey: null };
    const payload = JSON.parse(JSON.stringify(visitDraftPayload(ctx, 1000, filled()))) as unknown;
    expect(readVisitDraft(payload)).toEqual({ v: 1, ctx, arrivedAt: 1000, form: filled() });
    expect(readVisitDraft({ ...(payload as object), v: 99 })).toBeNull();
    expect(readVisitDraft('nonsense')).toBeNull();
  });
});

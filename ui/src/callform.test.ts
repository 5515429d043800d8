// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { FormDraft } from './bindings';
import {
  buildCallForm, draftPayload, emptyForm, formatElapsed, formField, isDirty, localProblems, MAX_CALL_MS, parseHours,
  problemsByField, readDraft, RESUME_LIVE_MS, resumeTiming, withoutField, type CallContext, type CallFormState,
} from './callform';

const T0 = Date.parse('2026-11-22T08:00:00.000Z');
const MIN = 60_000;
const known: CallContext = { citizenId: 'c-1', citizenName: 'Anna Hansen', suggested: 3, confirmed: 2 };
const unknown: CallContext = { citizenId: null, citizenName: null, suggested: null, confirmed: null };

function filled(): CallFormState {
  const f = emptyForm('a-1');
  f.direction = 'outbound';
  f.caller = 'relative';
  f.callerName = '  Bo Hansen ';
  f.reason = ' mere åndenød ';
  f.symptoms.breathlessness = { answer: 'yes', detail: ' ved påklædning ' };
  f.symptoms.fever = { answer: 'no', detail: '' };
  f.symptoms.cough = { answer: 'unasked', detail: '' };
  f.notes = 'sover dårligt';
  f.advice = 'start prednisolon';
  f.medicine = [{ drug: 'Prednisolon', dose: '37,5 mg' }, { drug: ' ', dose: '' }, { drug: 'Amoxicillin', dose: '750 mg x 3' }];
  f.eDoctor = true;
  f.level = 3;
  f.followUpHours = '4';
  return f;
}

describe('building the CallForm', () => {
  it('sends what was typed, trimmed, with the times, the follow-up from the end and the draft', () => {
    const form = buildCallForm(filled(), known, { startedAt: T0, endedAt: T0 + 7 * MIN, draftId: 'd-1' });
    expect(form).toEqual({
      citizen_id: 'c-1', caller_name: 'Bo Hansen', direction: 'outbound', caller: 'relative',
      started_at: '2026-11-22T08:00:00.000Z', ended_at: '2026-11-22T08:07:00.000Z', reason: 'mere åndenød',
      // Unasked symptoms are left out; the grid's order is kept.
      symptoms: [{ symptom: 'breathlessness', present: true, detail: 'ved påklædning' }, { symptom: 'fever', present: false }],
      notes: 'sover dårligt', advice: 'start prednisolon',
      // A blank row is left out.
      medicine: [{ drug: 'Prednisolon', dose: '37,5 mg' }, { drug: 'Amoxicillin', dose: '750 mg x 3' }],
      e_doctor_consulted: true, assessed_level: 3, follow_up_at: '2026-11-22T12:07:00.000Z', answers_alarm: 'a-1', no_answer: false, readings: [], draft_id: 'd-1',
    });
  });

  it('sends no assessment for an unknown caller, and no follow-up when none is typed', () => {
    const f = filled();
    f.followUpHours = '';
    const form = buildCallForm(f, unknown, { startedAt: T0, endedAt: T0 + MIN, draftId: null });
    expect(form.citizen_id).toBeNull();
    expect(form.assessed_level).toBeNull();
    expect(form.follow_up_at).toBeNull();
    expect(form.draft_id).toBeNull();
  });

  it('takes hours with a decimal comma', () => {
    expect(parseHours('0,5')).toBe(0.5);
    expect(parseHours(' 12 ')).toBe(12);
    expect(parseHours('')).toBeNull();
    expect(parseHours('0')).toBeNaN();
    expect(parseHours('-2')).toBeNaN();
    expect(parseHours('to')).toBeNaN();
    const f = emptyForm();
    f.followUpHours = '1,5';
    expect(buildCallForm(f, known, { startedAt: T0, endedAt: T0, draftId: null }).follow_up_at).toBe('2026-11-22T09:30:00.000Z');
  });
});

describe('what the form finds itself', () => {
  it('finds nothing wrong with a filled form', () => {
    expect(localProblems(filled(), known)).toEqual([]);
  });

  it('names the reason, an unknown caller\'s name, words without an answer, half a medicine row and the hours', () => {
    const f = emptyForm();
    f.symptoms.sputum_colour.detail = 'grønt';
    f.medicine = [{ drug: '', dose: '' }, { drug: 'Prednisolon', dose: '' }];
    f.followUpHours = 'i morgen';
    expect(localProblems(f, unknown)).toEqual([
      { field: 'caller_name', code: 'missing' },
      { field: 'reason', code: 'missing' },
      { field: 'symptoms.sputum_colour', code: 'no_answer' },
      // Indices as sent: the blank first row is dropped.
      { field: 'medicine.0.dose', code: 'missing' },
      { field: 'follow_up_at', code: 'not_a_number' },
    ]);
    f.followUpHours = String(15 * 24);
    expect(localProblems(f, known).at(-1)).toEqual({ field: 'follow_up_at', code: 'follow_up_too_far' });
  });

  it('maps a problem of a sent medicine row to the row the nurse sees', () => {
    const f = filled();
    expect(formField(f, 'medicine.1.dose')).toBe('medicine.2.dose');
    expect(formField(f, 'medicine.0.drug')).toBe('medicine.0.drug');
    expect(formField(f, 'reason')).toBe('reason');
    const byField = problemsByField(f, [
      { field: 'ended_at', code: 'from_the_future' }, { field: 'ended_at', code: 'too_long' },
      { field: 'medicine.1.dose', code: 'too_long' }, { field: 'ended_at', code: 'too_long' },
    ]);
    expect([...byField]).toEqual([['ended_at', ['from_the_future', 'too_long']], ['medicine.2.dose', ['too_long']]]);
    expect(withoutField([{ field: 'reason', code: 'missing' }, { field: 'medicine.1.dose', code: 'too_long' }], f, 'medicine.2.dose'))
      .toEqual([{ field: 'reason', code: 'missing' }]);
  });

  it('knows when anything was typed', () => {
    expect(isDirty(emptyForm())).toBe(false);
    expect(isDirty(emptyForm('a-1'), 'a-1')).toBe(false);
    const f = emptyForm();
    f.symptoms.cough.answer = 'no';
    expect(isDirty(f)).toBe(true);
  });
});

describe('the timer', () => {
  it('shows minutes and seconds, and hours past one', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(65_400)).toBe('01:05');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
    expect(formatElapsed(-5)).toBe('00:00');
  });

  it('runs on for a draft typed in moments ago, and stops where an old one was left', () => {
    expect(resumeTiming(T0, T0 + 5 * MIN, T0 + 6 * MIN)).toEqual({ startedAt: T0, endedAt: null });
    expect(resumeTiming(T0, T0 + 5 * MIN, T0 + 5 * MIN + RESUME_LIVE_MS + 1)).toEqual({ startedAt: T0, endedAt: T0 + 5 * MIN });
    // Never longer than the back end takes.
    expect(resumeTiming(T0, T0 + MAX_CALL_MS + 9 * MIN, T0 + 10 * MAX_CALL_MS).endedAt).toBe(T0 + MAX_CALL_MS);
  });
});

describe('drafts', () => {
  const draft = (form: unknown, extra: Partial<FormDraft> = {}): FormDraft => ({
    id: 'd-1', kind: 'call', citizen_id: 'c-1', form, updated_at: '2026-11-22T08:05:00.000Z', ...extra,
  });

  it('come back as they were kept', () => {
    const payload = JSON.parse(JSON.stringify(draftPayload(filled(), known, T0, T0 + 3 * MIN)));
    const back = readDraft(draft(payload));
    expect(back?.ctx).toEqual(known);
    expect(back?.form).toEqual({ state: filled(), startedAt: T0, editedAt: T0 + 3 * MIN });
    expect(back?.callerName).toBe('Bo Hansen');
  });

  it('are made whole when odd, offered for discarding only when unreadable, and other kinds are not calls', () => {
    const odd = readDraft(draft({ v: 1, ctx: { citizenName: 'Anna' }, state: { reason: 'x', level: 9, symptoms: { fever: { answer: 'maybe' } } },
      startedAt: '2026-11-22T08:00:00.000Z', editedAt: 'nonsense' }));
    expect(odd?.ctx?.citizenId).toBe('c-1');
    expect(odd?.form?.state.reason).toBe('x');
    expect(odd?.form?.state.level).toBeNull();
    expect(odd?.form?.state.symptoms.fever.answer).toBe('unasked');
    expect(odd?.form?.editedAt).toBe(Date.parse('2026-11-22T08:05:00.000Z'));
    expect(readDraft(draft({ v: 99 }))?.form).toBeNull();
    expect(readDraft(draft('garbage'))?.form).toBeNull();
    expect(readDraft(draft({}, { kind: 'visit' }))).toBeNull();
  });
});

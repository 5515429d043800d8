// The call log over the mocked back end: the form opened and filled by keys only, refusals at
// their fields, Esc asking first, drafts kept and resumed, the citizen page's call list.
import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallForm } from '../bindings';
import { draftPayload, emptyForm } from '../callform';
import { resetStore, setLanguage } from '../store';
import { alarm, callRecord, citizen, installFake, type Fake } from '../test/fakeBackend';
import App from './App.svelte';
import { giveWorklistHeight } from '../test/layout';
import { byTestId, active, press, type } from '../test/keys';

giveWorklistHeight();
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});
afterEach(() => {
  vi.useRealTimers();
});

/** A key pressed where the focus is, as the nurse's keyboard would. */
/** Typing into the focused field. */
const dialogOpen = () => (byTestId('call-dialog') as HTMLDialogElement).open;
const symptom = (code: string) => document.querySelector<HTMLElement>(`[data-testid="call-symptom"][data-symptom="${code}"]`)!;
const problemAt = (field: string) => document.querySelector<HTMLElement>(`[data-testid="call-problem"][data-field="${field}"]`);

async function startApp(count: number, before?: (fake: Fake) => void, alarms = [] as ReturnType<typeof alarm>[]): Promise<Fake> {
  const fake = installFake(Array.from({ length: count }, (_, i) => citizen(i)), alarms);
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

/** The worklist's first row selected with the keys. */
async function selectFirst(): Promise<void> {
  screen.getByRole('grid').focus();
  await press('ArrowDown');
  await tick();
}

async function openPage(): Promise<void> {
  await selectFirst();
  await press('Enter');
  await waitFor(() => expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00000'));
}

describe('the call form, by keys only', () => {
  it('opens with O on the selected citizen, times the call and saves with Ctrl+Enter', async () => {
    const fake = await startApp(3);
    const t0 = Date.parse('2026-11-22T08:00:00.000Z');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t0);
    await selectFirst();
    await press('o');
    await tick();
    expect(dialogOpen()).toBe(true);
    expect(byTestId('call-dialog')!.querySelector('h2')!.textContent).toContain('Opkald med Borger 00000');
    // The reason first: the nurse types what the call is about.
    expect(active().dataset.testid).toBe('call-reason');
    await type('mere åndenød end vanligt');
    // The grid: an arrow or J says yes, N no; words beside it.
    symptom('breathlessness').querySelector<HTMLElement>('[role="radio"][tabindex="0"]')!.focus();
    await press('ArrowRight');
    expect(active().textContent).toBe('Ja');
    expect(symptom('breathlessness').dataset.answer).toBe('yes');
    (symptom('breathlessness').querySelector('[data-testid="call-symptom-detail"]') as HTMLElement).focus();
    await type('ved påklædning');
    symptom('sputum_colour').querySelector<HTMLElement>('[role="radio"][tabindex="0"]')!.focus();
    await press('j');
    expect(symptom('sputum_colour').dataset.answer).toBe('yes');
    await press('n');
    expect(symptom('sputum_colour').dataset.answer).toBe('no');
    symptom('fever').querySelector<HTMLElement>('[role="radio"][tabindex="0"]')!.focus();
    await press('n');
    byTestId('call-advice')!.focus();
    await type('start prednisolon fra boksen');
    // The assessment: a digit picks the level, with the citizen's levels beside it.
    byTestId('call-level')!.querySelector<HTMLElement>('[tabindex="0"]')!.focus();
    await press('3');
    expect(byTestId('call-level')!.dataset.value).toBe('3');
    expect(active().getAttribute('aria-checked')).toBe('true');
    expect(byTestId('call-level-context')!.textContent).toContain('ECM3 · moderat forværring');
    expect(byTestId('call-level-context')!.textContent).toContain('bekræftet ECM1');
    byTestId('call-follow-up')!.focus();
    await type('4');
    expect(byTestId('call-follow-up-when')!.textContent).toMatch(/^\s*Ring tilbage \d\d\.\d\d\.2026 \d\d\.\d\d\s*$/);
    // Seven minutes on the phone.
    vi.setSystemTime(t0 + 7 * 60_000 + 5_000);
    await waitFor(() => expect(byTestId('call-timer')!.textContent).toContain('07:05'), { timeout: 2_500 });
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    const sent = fake.callsOf('record_call')[0]!.form as CallForm;
    expect(sent).toEqual({
      citizen_id: 'c-00000', caller_name: '', direction: 'inbound', caller: 'citizen',
      started_at: '2026-11-22T08:00:00.000Z', ended_at: '2026-11-22T08:07:05.000Z', reason: 'mere åndenød end vanligt',
      symptoms: [
        { symptom: 'breathlessness', present: true, detail: 'ved påklædning' },
        { symptom: 'sputum_colour', present: false }, { symptom: 'fever', present: false },
      ],
      notes: '', advice: 'start prednisolon fra boksen', medicine: [], e_doctor_consulted: false, assessed_level: 3,
      follow_up_at: '2026-11-22T12:07:05.000Z', answers_alarm: null, no_answer: false, readings: [], draft_id: expect.any(String),
    });
    await waitFor(() => expect(byTestId('alarm-note')!.textContent).toBe('Opkaldet med Borger 00000 er gemt. Bekræftet niveau: ECM3.'));
    // The row is read again: the worklist shows the new confirmed level.
    await waitFor(() => expect(fake.callsOf('worklist_rows').at(-1)).toEqual({ citizenIds: ['c-00000'] }));
    // Back where the nurse was.
    expect(document.activeElement?.id).toBe('citizen-table');
  });

  it('Alt+O is an unknown caller: the name first, and needed', async () => {
    const fake = await startApp(2);
    screen.getByRole('grid').focus();
    await press('o', { altKey: true, code: 'KeyO' });
    await tick();
    expect(dialogOpen()).toBe(true);
    expect(byTestId('call-dialog')!.querySelector('h2')!.textContent).toContain('Opkald fra ukendt opringer');
    expect(active().dataset.testid).toBe('call-caller-name');
    expect(byTestId('call-level')).toBeNull();
    await press('Enter', { ctrlKey: true });
    await tick();
    // Refused here, without asking the back end: both at their fields, the focus on the first.
    expect(fake.callsOf('record_call')).toEqual([]);
    expect(problemAt('caller_name')!.textContent).toContain('skal udfyldes');
    expect(problemAt('reason')!.textContent).toContain('skal udfyldes');
    expect(active().dataset.testid).toBe('call-caller-name');
    expect(byTestId('call-dialog-error')!.textContent).toBe('Opkaldet kan ikke gemmes: ret de markerede felter.');
    await type('Karen Jensen');
    expect(problemAt('caller_name')).toBeNull();
    byTestId('call-reason')!.focus();
    await type('spørger til sin mor');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call')[0]!.form).toMatchObject({ citizen_id: null, caller_name: 'Karen Jensen', assessed_level: null });
  });

  it('starts a drug of the citizen\'s medicine box with its prescription, the dose to adjust', async () => {
    const fake = await startApp(2, (f) => {
      f.medicineBox = [{
        source_id: 'sim|MedicationRequest/4', citizen_id: 'c-00000', drug: 'Furosemid 40 mg tablet', atc: 'C03CA01',
        dose: '40 mg ekstra om morgenen i 3 dage', when_to_start: 'ved vægtøgning', prescribed_at: null,
      }];
    });
    await selectFirst();
    await press('o');
    await waitFor(() => expect(screen.getAllByTestId('call-box-start')).toHaveLength(1));
    expect(screen.getByTestId('call-box-start').textContent).toContain('Fra kassen: Furosemid 40 mg tablet');
    await fireEvent.click(screen.getByTestId('call-box-start'));
    await tick();
    // Chosen once: the button goes, the row holds the drug, the dose has the focus.
    expect(screen.queryByTestId('call-box-start')).toBeNull();
    expect(active().dataset.field).toBe('medicine.0.dose');
    await type('40 mg ekstra i 2 dage');
    byTestId('call-reason')!.focus();
    await type('tog 2 kg på');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect((fake.callsOf('record_call')[0]!.form as CallForm).medicine).toEqual([
      { drug: 'Furosemid 40 mg tablet', dose: '40 mg ekstra i 2 dage', from_box: 'sim|MedicationRequest/4' },
    ]);
  });

  it('logs a call-back nobody answered, outbound only, with a new time to try again', async () => {
    const fake = await startApp(2);
    await selectFirst();
    await press('o');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    // Inbound: there is nothing to tick.
    expect(byTestId('call-no-answer')).toBeNull();
    (byTestId('call-direction')!.querySelector('[role=radio]') as HTMLElement).focus();
    await press('u');
    expect(byTestId('call-direction')?.dataset.value).toBe('outbound');
    await fireEvent.click(byTestId('call-no-answer')!);
    byTestId('call-reason')!.focus();
    await type('ringet tilbage som aftalt');
    byTestId('call-follow-up')!.focus();
    await type('1');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call')[0]!.form).toMatchObject({ direction: 'outbound', no_answer: true });
  });

  it('takes readings over the phone in their unit, and shows a unit the back end refuses at its field', async () => {
    const fake = await startApp(2, (f) => {
      f.callRefusal = { code: 'invalid_call', message: 'refused', call_problems: [{ field: 'readings.0.unit', code: 'wrong_unit' }] };
    });
    await selectFirst();
    await press('o');
    await waitFor(() => expect(dialogOpen()).toBe(true));
    await type('måler selv hjemme');
    await fireEvent.click(screen.getByTestId('call-reading-add'));
    await tick();
    expect(active().dataset.field).toBe('readings.0.value');
    const parameter = screen.getByTestId('call-reading-parameter') as HTMLSelectElement;
    await fireEvent.change(parameter, { target: { value: 'weight' } });
    // The unit follows the parameter; the nurse types what the citizen said.
    expect((screen.getByTestId('call-reading-unit') as HTMLInputElement).value).toBe('kg');
    byTestId('call-reading-value')!.focus();
    await type('183');
    byTestId('call-reading-unit')!.focus();
    await type('pund');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('call-reading-unit')?.getAttribute('aria-invalid')).toBe('true'));
    expect(active().dataset.field).toBe('readings.0.unit');
    expect(document.body.textContent).toContain('Ukendt enhed');
    expect((fake.callsOf('record_call')[0]!.form as CallForm).readings).toEqual([{ parameter: 'weight', value: 183, unit: 'pund' }]);
    // Put right, it is sent as typed, a decimal comma read.
    fake.callRefusal = null;
    await type('[lb_av]');
    byTestId('call-reading-value')!.focus();
    await type('182,5');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect((fake.callsOf('record_call').at(-1)!.form as CallForm).readings).toEqual([{ parameter: 'weight', value: 182.5, unit: '[lb_av]' }]);
  });

  it('shows a refusal at each field in Danish, keeps everything typed and goes to the first', async () => {
    const fake = await startApp(2);
    await selectFirst();
    await press('o');
    await tick();
    await type('hoster meget');
    symptom('cough').querySelector<HTMLElement>('[role="radio"][tabindex="0"]')!.focus();
    await press('j');
    byTestId('call-medicine-add')!.focus();
    await fireEvent.click(byTestId('call-medicine-add')!);
    await tick();
    expect(active().dataset.testid).toBe('call-medicine-drug');
    await type('Prednisolon');
    document.querySelector<HTMLElement>('[data-testid="call-medicine-dose"]')!.focus();
    await type('37,5 mg');
    byTestId('call-follow-up')!.focus();
    await type('2');
    fake.callRefusal = {
      code: 'invalid_call', message: 'the call does not hold together', call_problems: [
        { field: 'follow_up_at', code: 'follow_up_in_the_past' }, { field: 'symptoms.cough', code: 'too_long' },
        { field: 'medicine.0.dose', code: 'too_long' }, { field: 'ended_at', code: 'from_the_future' },
      ],
    };
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('call-dialog-error')!.textContent).toBe('Opkaldet kan ikke gemmes: ret de markerede felter.'));
    expect(dialogOpen()).toBe(true);
    expect(problemAt('symptoms.cough')!.textContent).toContain('er for lang');
    expect(problemAt('medicine.0.dose')!.textContent).toContain('er for lang');
    expect(problemAt('follow_up_at')!.textContent).toContain('opfølgning før opkaldet');
    expect(problemAt('times')!.textContent).toContain('ligger i fremtiden');
    expect(problemAt('follow_up_at')!.textContent).not.toContain('follow_up');
    expect(byTestId('call-follow-up')!.getAttribute('aria-invalid')).toBe('true');
    // The first in the form's order: the call's time, at the top.
    expect(active().dataset.testid).toBe('call-timer');
    // Nothing typed is lost.
    expect((byTestId('call-reason') as HTMLTextAreaElement).value).toBe('hoster meget');
    expect(symptom('cough').dataset.answer).toBe('yes');
    expect((document.querySelector('[data-testid="call-medicine-drug"]') as HTMLInputElement).value).toBe('Prednisolon');
    expect((byTestId('call-follow-up') as HTMLInputElement).value).toBe('2');
    // Fixed, it saves.
    fake.callRefusal = null;
    byTestId('call-follow-up')!.focus();
    await type('3');
    expect(problemAt('follow_up_at')).toBeNull();
    expect(problemAt('symptoms.cough')).not.toBeNull();
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call')[1]!.form).toMatchObject({
      medicine: [{ drug: 'Prednisolon', dose: '37,5 mg' }], symptoms: [{ symptom: 'cough', present: true }],
    });
  });

  it('Esc closes an empty form, asks before throwing away what was typed, and Esc again goes back', async () => {
    const fake = await startApp(2);
    await selectFirst();
    await press('o');
    await tick();
    await press('Escape');
    await tick();
    expect(dialogOpen()).toBe(false);
    await press('o');
    await tick();
    expect(dialogOpen()).toBe(true);
    await type('noget');
    await press('Escape');
    await tick();
    expect(dialogOpen()).toBe(true);
    expect(byTestId('call-discard')!.textContent).toContain('Kassér det indtastede opkald?');
    expect(active().dataset.testid).toBe('call-discard-keep');
    await press('Escape');
    await tick();
    expect(byTestId('call-discard')).toBeNull();
    expect(active().dataset.testid).toBe('call-reason');
    await press('Escape');
    await tick();
    await fireEvent.click(byTestId('call-discard-confirm')!);
    await waitFor(() => expect(dialogOpen()).toBe(false));
    const draftIds = fake.callsOf('discard_draft').map((a) => a.id);
    expect(draftIds).toHaveLength(2);
    expect(fake.callsOf('record_call')).toEqual([]);
  });
});

describe('drafts', () => {
  it('keeps the form as it is typed, and at once when the window loses focus', async () => {
    const fake = await startApp(2);
    await selectFirst();
    await press('o');
    await tick();
    await type('tung i brystet');
    expect(fake.callsOf('save_draft')).toEqual([]);
    await waitFor(() => expect(fake.callsOf('save_draft')).toHaveLength(1), { timeout: 2_000 });
    const first = fake.callsOf('save_draft')[0]!;
    expect(first).toMatchObject({ kind: 'call', citizenId: 'c-00000' });
    expect((first.form as { state: { reason: string } }).state.reason).toBe('tung i brystet');
    await waitFor(() => expect(byTestId('call-draft-status')!.textContent).toMatch(/Kladde gemt/));
    await type('tung i brystet, hoster');
    await fireEvent.blur(window);
    await waitFor(() => expect(fake.callsOf('save_draft')).toHaveLength(2));
    expect(fake.callsOf('save_draft')[1]!.id).toBe(first.id);
    // Saved: the draft goes with it, and no later write brings it back.
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call')[0]!.form).toMatchObject({ draft_id: first.id });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(fake.callsOf('save_draft')).toHaveLength(2);
    expect(fake.drafts).toEqual([]);
  });

  it('offers an unfinished call at start: resumed where it was left and saved under its draft', async () => {
    const started = Date.now() - 3 * 3_600_000;
    const state = { ...emptyForm(), reason: 'svimmel', level: 2 };
    state.symptoms.swelling = { answer: 'yes', detail: 'begge ankler' };
    const ctx = { citizenId: 'c-00001', citizenName: 'Borger 00001', suggested: 1, confirmed: 1 };
    const fake = await startApp(3, (f) => {
      f.drafts = [
        { id: 'd-old', kind: 'call', citizen_id: 'c-00001', form: draftPayload(state, ctx, started, started + 9 * 60_000), updated_at: new Date(started).toISOString() },
        { id: 'd-gone', kind: 'call', citizen_id: null, form: { v: 99 }, updated_at: new Date(started).toISOString() },
        { id: 'd-visit', kind: 'visit', citizen_id: null, form: {}, updated_at: new Date(started).toISOString() },
      ];
    });
    await waitFor(() => expect(document.querySelectorAll('[data-testid="call-draft"]')).toHaveLength(2));
    const [resumable, unreadable] = [...document.querySelectorAll<HTMLElement>('[data-testid="call-draft"]')];
    expect(resumable!.textContent).toContain('Ufærdigt opkald med Borger 00001, begyndt');
    expect(unreadable!.textContent).toContain('kan ikke genoptages');
    expect(within(unreadable!).queryByText('Genoptag')).toBeNull();
    // Discarded: gone here and in the back end.
    await fireEvent.click(within(unreadable!).getByText('Kassér'));
    await waitFor(() => expect(document.querySelectorAll('[data-testid="call-draft"]')).toHaveLength(1));
    expect(fake.callsOf('discard_draft')).toEqual([{ id: 'd-gone' }]);
    await fireEvent.click(within(resumable!).getByText('Genoptag'));
    await tick();
    expect(dialogOpen()).toBe(true);
    expect(byTestId('call-drafts')).toBeNull();
    expect(byTestId('call-dialog')!.querySelector('h2')!.textContent).toContain('Borger 00001');
    expect((byTestId('call-reason') as HTMLTextAreaElement).value).toBe('svimmel');
    expect(symptom('swelling').dataset.answer).toBe('yes');
    expect(byTestId('call-level')!.dataset.value).toBe('2');
    // Left hours ago: the call ended when it was last typed in, the timer stopped there.
    expect(byTestId('call-timer')!.textContent).toContain('09:00');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call')[0]!.form).toMatchObject({
      citizen_id: 'c-00001', draft_id: 'd-old', started_at: new Date(started).toISOString(),
      ended_at: new Date(started + 9 * 60_000).toISOString(), assessed_level: 2,
    });
    expect(fake.drafts.map((d) => d.id)).toEqual(['d-visit']);
  });
});

describe('the citizen page', () => {
  it('lists the citizen\'s calls newest first, opens one, and shows a call saved there', async () => {
    const fake = await startApp(3, (f) => {
      f.callLog = [
        callRecord('k-old', 'c-00000', '2026-11-20T09:00:00.000Z', { reason: 'kontrolopkald' }),
        callRecord('k-new', 'c-00000', '2026-11-21T21:15:00.000Z', {
          reason: 'feber', direction: 'outbound', caller: 'relative', caller_name: 'Bo', assessed_level: 2,
          follow_up_at: '2026-11-22T01:15:00.000Z', advice: 'paracetamol', nurse: 'anne',
          symptoms: [{ symptom: 'fever', present: true, detail: '38,9' }, { symptom: 'breathlessness', present: false }],
          medicine: [{ drug: 'Amoxicillin', dose: '750 mg x 3' }], answers_alarm: 'a-9',
        }),
        callRecord('k-other', 'c-00001', '2026-11-21T10:00:00.000Z'),
      ];
    });
    await openPage();
    await waitFor(() => expect(document.querySelectorAll('[data-testid="call-log-row"]')).toHaveLength(2));
    expect(fake.callsOf('list_calls')).toEqual([{ citizenId: 'c-00000' }]);
    const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="call-log-row"]')];
    expect(rows().map((r) => r.dataset.callKey)).toEqual(['k-new', 'k-old']);
    const newest = rows()[0]!;
    expect(newest.textContent).toContain('21.11.2026 22.15');
    expect(newest.textContent).toContain('(6 min)');
    expect(newest.textContent).toContain('Udgående');
    expect(newest.textContent).toContain('Pårørende: Bo');
    expect(within(newest).getByTestId('call-log-level').textContent).toBe('ECM2');
    expect(newest.textContent).toContain('22.11.2026 02.15');
    expect(newest.textContent).toContain('anne');
    const toggle = within(newest).getByTestId('call-log-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    toggle.focus();
    await fireEvent.click(toggle);
    const details = within(newest).getByTestId('call-log-details');
    expect(details.textContent).toContain('Åndenød: Nej');
    expect(details.textContent).toContain('Feber: Ja (38,9)');
    expect(details.textContent).toContain('paracetamol');
    expect(details.textContent).toContain('Amoxicillin 750 mg x 3');
    expect(details.textContent).toContain('besvaret og kvitteret');
    // O on the page: a call with this citizen; saved, the list and the confirmed level follow.
    byTestId('citizen-page-name')!.closest<HTMLElement>('header')!.focus();
    await press('o');
    await tick();
    expect(dialogOpen()).toBe(true);
    expect(byTestId('call-level-context')!.textContent).toContain('Foreslået ECM3 · bekræftet ECM2');
    await type('opfølgning på feber');
    byTestId('call-level')!.querySelector<HTMLElement>('[tabindex="0"]')!.focus();
    await press('4');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(within(rows()[0]!).getByTestId('call-log-reason').textContent).toBe('opfølgning på feber');
    await waitFor(() => expect(byTestId('citizen-page-confirmed')!.textContent).toBe('ECM4'));
  });

  it('reads the list again when a change names the citizen, and says when there are none', async () => {
    const fake = await startApp(2);
    await openPage();
    await waitFor(() => expect(byTestId('call-log-empty')!.textContent).toBe('Ingen opkald endnu.'));
    fake.callLog.push(callRecord('k-1', 'c-00000', '2026-11-22T07:00:00.000Z', { reason: 'fra en anden station' }));
    await emit('vagt://changed', { citizens: ['c-00001'], alarms: false, status: false });
    await tick();
    expect(fake.callsOf('list_calls')).toHaveLength(1);
    await emit('vagt://changed', { citizens: ['c-00000'], alarms: false, status: false });
    await waitFor(() => expect(byTestId('call-log-reason')?.textContent).toBe('fra en anden station'));
  });
});

describe('a call from an alarm', () => {
  it('answers the alarm chosen in the panel, which then leaves it', async () => {
    const fake = await startApp(4, undefined, [
      alarm('a1', 'c-00001', 'Borger 00001', 'high'), alarm('a2', 'c-00002', 'Borger 00002', 'medium'),
    ]);
    expect(byTestId('alarm-count')!.textContent).toBe('2 borgere kræver opmærksomhed');
    await press('a', { altKey: true, code: 'KeyA' });
    await press('ArrowDown');
    await tick();
    await press('o');
    await tick();
    expect(dialogOpen()).toBe(true);
    expect(byTestId('call-dialog')!.querySelector('h2')!.textContent).toContain('Borger 00002');
    expect((byTestId('call-alarm') as HTMLSelectElement).value).toBe('a2');
    await type('ringede tilbage på alarm');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call')[0]!.form).toMatchObject({ citizen_id: 'c-00002', answers_alarm: 'a2' });
    await waitFor(() => expect(byTestId('alarm-count')!.textContent).toBe('1 borger kræver opmærksomhed'));
    expect(byTestId('alarm-note')!.textContent).toBe('Opkaldet med Borger 00002 er gemt. Alarmen er kvitteret.');
    expect(document.querySelector('[data-testid="alarm-item"][data-citizen-id="c-00002"]')).toBeNull();
  });

  it('takes the nurse to the alarm when it was removed meanwhile', async () => {
    const fake = await startApp(3, undefined, [alarm('a1', 'c-00001', 'Borger 00001', 'high')]);
    await press('a', { altKey: true, code: 'KeyA' });
    await press('o');
    await tick();
    await type('ringer op');
    fake.alarms = [];
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(problemAt('answers_alarm')!.textContent).toContain('alarmen findes ikke længere'));
    expect(active().dataset.testid).toBe('call-alarm');
    (active() as HTMLSelectElement).value = '';
    await fireEvent.change(active());
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen()).toBe(false));
    expect(fake.callsOf('record_call').at(-1)!.form).toMatchObject({ answers_alarm: null });
  });
});

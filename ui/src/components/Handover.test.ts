// The shift handover over the mocked back end, with the keys only: H opens it in the handover's
// order, the arrows choose a citizen and ←/→ change shift, S and Alt+S sign it as received (K
// still acknowledges alarms), N writes the nurse's note, G the PDF, Enter opens the citizen and
// Esc goes back; what the shift before left unsigned is marked. The clock stands at the fake's
// NOW, inside the shift it presents.
import { render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callForm, dialogs, dispatches, handover, resetStore, setLanguage, store, visitForm } from '../store';
import { alarm, citizen, handoverCitizen, handoverOf, installFake, NOW, SHIFT, type Fake } from '../test/fakeBackend';
import { giveWorklistHeight } from '../test/layout';
import { active, byTestId, press, type } from '../test/keys';
import App from './App.svelte';

giveWorklistHeight();
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse(NOW));
});
afterEach(() => {
  vi.useRealTimers();
});

const blocks = () => screen.queryAllByTestId('handover-citizen');
const selectedId = () => document.querySelector<HTMLElement>('[data-testid="handover-citizen"][aria-selected="true"]')?.dataset.citizenId;
const dialogOpen = (id: string) => (byTestId(id) as HTMLDialogElement).open;
const openDialogs = () => [...document.querySelectorAll<HTMLDialogElement>('dialog')].filter((d) => d.open).map((d) => d.dataset.testid);
const within = (id: string, testid: string) =>
  document.querySelector<HTMLElement>(`[data-testid="handover-citizen"][data-citizen-id="${id}"] [data-testid="${testid}"]`);

/** Three citizens in the handover's order: unstable (carried over), watcher, stable. */
function presented(): ReturnType<typeof handoverOf> {
  return handoverOf([
    handoverCitizen(2, {
      name: 'Inge Jensen', severity: 'unstable', rule_severity: 'unstable', carried_over: true, confirmed_level: 4,
      reasons: [{ reason: 'level', level: 4 }, { reason: 'open_alarm', priority: 'high' }],
      actions: [{ kind: 'call_back_due', alarm_id: 'a-1', owner: 'ole', at: '2026-11-22T07:30:00.000Z' }],
      latest: { spo2: { value: 87, unit: '%', effective_at: NOW }, pulse: { value: 112, unit: '/min', effective_at: NOW } },
      calls_in_shift: 2,
    }),
    handoverCitizen(0, { severity: 'watcher', rule_severity: 'watcher', reasons: [{ reason: 'baseline_drift' }] }),
    handoverCitizen(1),
  ], { quiet: 7 });
}

/** An open alarm on a citizen who is not in the handover: the panel's choice, for K. */
const ALARM = alarm('a-9', 'c-00003', 'Borger 00003', 'high');

async function openHandover(before?: (fake: Fake) => void): Promise<Fake> {
  const fake = installFake([citizen(0), citizen(1), citizen(2, { name: 'Inge Jensen' }), citizen(3)]);
  fake.handover = presented();
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  screen.getByRole('grid').focus();
  await press('h');
  await waitFor(() => expect(blocks()).toHaveLength(3));
  return fake;
}

describe('the shift handover', () => {
  it('opens with H: the citizens in order, severity in words, the shift and who signed', async () => {
    const fake = await openHandover();
    expect(fake.callsOf('handover')).toEqual([{ from: null, to: null }]);
    expect(byTestId('worklist-scroll')).toBeNull();
    expect(blocks().map((b) => b.dataset.citizenId)).toEqual(['c-00002', 'c-00000', 'c-00001']);
    expect(screen.getAllByTestId('handover-severity').map((e) => e.textContent?.trim())).toEqual(['Ustabil', 'Observeres', 'Stabil']);
    expect(within('c-00002', 'handover-reasons')?.textContent).toBe('ECM4 · åben alarm (Høj)');
    expect(within('c-00002', 'handover-actions')?.textContent).toContain('Ring tilbage (aftalt af ole)');
    expect(within('c-00002', 'handover-readings')?.textContent).toBe('SpO2 87 % · Puls 112 /min');
    expect(within('c-00002', 'handover-levels')?.textContent)
      .toBe('Bekræftet ECM4 · foreslået ECM2 · ved vagtstart ECM2 · 2 opkald, 0 besøg i vagten');
    expect(byTestId('handover-view')?.textContent).toContain('Vagtoverlevering · Dagvagt');
    expect(byTestId('handover-span')?.textContent).toBe('22.11.2026 07.00 – 15.00');
    expect(byTestId('handover-count')?.textContent).toBe('3 borgere til overlevering, 7 uden bemærkninger');
    expect(byTestId('handover-signers')?.textContent?.trim()).toBe('Endnu ikke modtaget');
    expect(byTestId('handover-view')?.textContent).toContain('S modtag · Alt+S modtag alle');
    // The list has the keys, the first citizen chosen.
    expect(active().id).toBe('handover-list');
    expect(selectedId()).toBe('c-00002');
  });

  it('moves the choice with the arrows, Home and End, and changes shift with ← and →', async () => {
    const fake = await openHandover();
    await press('ArrowDown');
    expect(selectedId()).toBe('c-00000');
    await press('End');
    expect(selectedId()).toBe('c-00001');
    await press('ArrowDown');
    expect(selectedId()).toBe('c-00001');
    await press('Home');
    expect(selectedId()).toBe('c-00002');
    await press('ArrowUp');
    expect(selectedId()).toBe('c-00002');

    await press('ArrowLeft');
    await waitFor(() => expect(byTestId('handover-span')?.textContent).toBe('21.11.2026 23.00 – 22.11.2026 07.00'));
    expect(fake.callsOf('handover').at(-1)).toEqual({ from: '2026-11-21T22:00:00.000Z', to: SHIFT.from });
    expect(byTestId('handover-view')?.textContent).toContain('Nattevagt');
    await waitFor(() => expect(blocks()).toHaveLength(3));
    await press('ArrowRight');
    await waitFor(() => expect(fake.callsOf('handover').at(-1)).toEqual({ from: SHIFT.from, to: SHIFT.to }));
    await waitFor(() => expect(byTestId('handover-span')?.textContent).toBe('22.11.2026 07.00 – 15.00'));
  });

  it('signs the chosen citizen with S and every citizen shown with Alt+S, while K acknowledges the alarm as anywhere', async () => {
    const fake = await openHandover((f) => { f.alarms = [ALARM]; });
    await waitFor(() => expect(screen.getAllByTestId('alarm-item')).toHaveLength(1));
    await press('ArrowDown');
    await press('s');
    await waitFor(() => expect(within('c-00000', 'handover-signed')?.dataset.signed).toBe('yes'));
    expect(fake.callsOf('sign_handover')).toEqual([{ from: SHIFT.from, to: SHIFT.to, citizenIds: ['c-00000'] }]);
    expect(within('c-00000', 'handover-signed')?.textContent).toContain('Modtaget af mette');
    expect(within('c-00002', 'handover-signed')?.textContent?.trim()).toBe('Ikke modtaget');
    expect(byTestId('alarm-note')?.textContent).toBe('Modtaget og læst: Borger 00000');
    expect(selectedId()).toBe('c-00000');

    // K in the handover acknowledges the alarm panel's choice, and signs nothing.
    await press('k');
    await waitFor(() => expect(fake.callsOf('acknowledge_episode')).toEqual([{ citizenId: 'c-00003', alarmIds: ['a-9'], comment: null }]));
    expect(fake.callsOf('sign_handover')).toHaveLength(1);
    expect(active().id).toBe('handover-list');

    // Someone joins the handover after it was read: Alt+S signs for those shown, by name, not them.
    await waitFor(() => expect(byTestId('handover-view')?.dataset.state).toBe('ready'));
    fake.handover = { ...fake.handover, citizens: [...fake.handover.citizens, handoverCitizen(3, { severity: 'unstable', rule_severity: 'unstable' })] };
    await press('s', { altKey: true, code: 'KeyS' });
    await waitFor(() => expect(blocks()).toHaveLength(4));
    expect(fake.callsOf('sign_handover')[1]).toEqual({ from: SHIFT.from, to: SHIFT.to, citizenIds: ['c-00002', 'c-00000', 'c-00001'] });
    expect(['c-00002', 'c-00000', 'c-00001'].map((id) => within(id, 'handover-signed')?.dataset.signed)).toEqual(['yes', 'yes', 'yes']);
    expect(within('c-00003', 'handover-signed')?.dataset.signed).toBe('no');
    expect(byTestId('handover-signers')?.textContent).toContain('Modtaget og læst af mette');
    expect(byTestId('alarm-note')?.textContent).toBe('Overleveringen modtaget og læst for 3 borgere');
  });

  it('writes the nurse\'s note with N, typing and Ctrl+Enter, sending only what changed', async () => {
    const fake = await openHandover();
    await press('ArrowDown');
    await press('n');
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(true));
    expect(active().dataset.testid).toBe('handover-note-text');
    // Nothing changed: refused here, nothing sent.
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(byTestId('handover-note-error')?.textContent).toContain('Notatet siger intet'));
    expect(fake.callsOf('write_handover_note')).toEqual([]);

    await type('Hvis SpO2 < 88 %: send MAS');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(false));
    expect(fake.callsOf('write_handover_note')).toEqual([{
      citizenId: 'c-00000', from: SHIFT.from, to: SHIFT.to, severity: null,
      contingency: { action: 'write', text: 'Hvis SpO2 < 88 %: send MAS' },
    }]);
    await waitFor(() => expect(within('c-00000', 'handover-contingency')?.textContent?.trim())
      .toBe('Hvis/så (mette, 22.11.2026 09.00): Hvis SpO2 < 88 %: send MAS'));

    // Her own severity, chosen by its key; the standing note is left as it is.
    await press('n');
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(true));
    expect((byTestId('handover-note-text') as HTMLTextAreaElement).value).toBe('Hvis SpO2 < 88 %: send MAS');
    document.querySelector<HTMLElement>('[data-testid="handover-note-severity"] [aria-checked="true"]')!.focus();
    await press('u');
    expect(byTestId('handover-note-severity')?.dataset.value).toBe('unstable');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(false));
    expect(fake.callsOf('write_handover_note')[1]).toEqual({
      citizenId: 'c-00000', from: SHIFT.from, to: SHIFT.to, severity: { action: 'set', severity: 'unstable' }, contingency: null,
    });
    await waitFor(() => expect(within('c-00000', 'handover-nurse-severity')?.textContent?.trim())
      .toBe('Vurderet af mette (reglen siger: Observeres)'));
    expect(within('c-00000', 'handover-severity')?.textContent).toBe('Ustabil');

    // Back to the rule's (R): hers is withdrawn, not the rule's value said by her.
    await press('n');
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(true));
    expect(byTestId('handover-note-severity')?.dataset.value).toBe('unstable');
    document.querySelector<HTMLElement>('[data-testid="handover-note-severity"] [aria-checked="true"]')!.focus();
    await press('r');
    expect(byTestId('handover-note-severity')?.dataset.value).toBe('rule');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(false));
    expect(fake.callsOf('write_handover_note')[2]).toEqual({
      citizenId: 'c-00000', from: SHIFT.from, to: SHIFT.to, severity: { action: 'rule' }, contingency: null,
    });
    await waitFor(() => expect(within('c-00000', 'handover-nurse-severity')).toBeNull());
    expect(within('c-00000', 'handover-severity')?.textContent).toBe('Observeres');
  });

  it('opens no note in a shift that has ended, and says where notes are written', async () => {
    const fake = await openHandover();
    await press('ArrowLeft');
    await waitFor(() => expect(byTestId('handover-span')?.textContent).toBe('21.11.2026 23.00 – 22.11.2026 07.00'));
    await waitFor(() => expect(blocks()).toHaveLength(3));
    await press('n');
    await tick();
    expect(dialogOpen('handover-note-dialog')).toBe(false);
    expect(byTestId('alarm-note')?.textContent).toBe('Vagten er slut: notater skrives i overleveringen for vagten nu (H).');
    expect(fake.callsOf('write_handover_note')).toEqual([]);
    // The shift now takes notes.
    await press('ArrowRight');
    await waitFor(() => expect(byTestId('handover-span')?.textContent).toBe('22.11.2026 07.00 – 15.00'));
    await press('n');
    await waitFor(() => expect(dialogOpen('handover-note-dialog')).toBe(true));
  });

  it('marks a citizen carried over, and warns of a shift before signed in part or not at all', async () => {
    await openHandover((fake) => {
      fake.handover = { ...fake.handover, previous: { ...fake.handover.previous, signed: true, unsigned: 2 } };
    });
    expect(within('c-00002', 'handover-carried')?.textContent).toContain('Ikke modtaget ved forrige overlevering');
    expect(within('c-00000', 'handover-carried')).toBeNull();
    expect(byTestId('handover-previous')?.textContent).toContain('2 borgere blev ikke modtaget ved forrige overlevering');
    // One citizen block never says both words: "modtaget" is the handover's, "kvitteret" the alarm's.
    expect(within('c-00002', 'handover-signed')?.closest('li')?.textContent).not.toMatch(/kvitter/i);
  });

  it('warns when the shift before was never signed; an empty handover is signed with nobody, and E, O, P, M, V leave the worklist\'s row alone', async () => {
    const fake = installFake([citizen(0)]);
    fake.handover = handoverOf([], { quiet: 1, previous: { ...handoverOf([]).previous, signed: false, unsigned: 0 } });
    render(App);
    await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
    screen.getByRole('grid').focus();
    // A row chosen on the worklist, out of sight behind the handover.
    await press('ArrowDown');
    await waitFor(() => expect(store.selectedId).toBe('c-00000'));
    await press('h');
    await waitFor(() => expect(byTestId('handover-empty')).not.toBeNull());
    expect(byTestId('handover-previous')?.textContent).toContain('Forrige vagts overlevering blev aldrig modtaget');
    expect(byTestId('handover-empty')?.textContent).toBe('Ingen borgere til overlevering i denne vagt.');
    fake.reset();
    // Nobody to note or act on.
    for (const key of ['n', 'e', 'o', 'p', 'm', 'v']) await press(key);
    await new Promise((r) => setTimeout(r, 50));
    expect(openDialogs()).toEqual([]);
    expect([dialogs.dialog, callForm.open, dispatches.dialog, visitForm.open, handover.noteFor]).toEqual([null, null, null, null, null]);
    expect(fake.callsOf('plan_form')).toEqual([]);
    // Received, for nobody: S and Alt+S send none.
    await press('s');
    await waitFor(() => expect(fake.callsOf('sign_handover')).toEqual([{ from: SHIFT.from, to: SHIFT.to, citizenIds: [] }]));
    await waitFor(() => expect(byTestId('alarm-note')?.textContent).toBe('Overleveringen modtaget (ingen borgere til overlevering)'));
    await waitFor(() => expect(byTestId('handover-signers')?.textContent).toContain('Modtaget og læst af mette'));
    await press('s', { altKey: true, code: 'KeyS' });
    await waitFor(() => expect(fake.callsOf('sign_handover')).toHaveLength(2));
    expect(fake.callsOf('sign_handover')[1]).toEqual({ from: SHIFT.from, to: SHIFT.to, citizenIds: [] });
  });

  it('is listed in the key overview: H, N, S, Alt+S, and what G and the side arrows do in it; K only acknowledges', async () => {
    await openHandover();
    await press('?');
    await waitFor(() => expect(dialogOpen('key-help')).toBe(true));
    const row = (keys: string) => document.querySelector(`[data-testid="key-help-row"][data-keys="${keys}"]`)?.textContent ?? '';
    expect(row('H')).toContain('Vagtoverlevering for vagten nu');
    expect(row('N')).toContain('hvis/så-notat');
    expect(row('S')).toContain('I overleveringen: modtag den valgte borger som læst');
    expect(row('Alt+S')).toContain('I overleveringen: modtag alle viste borgere');
    expect(row('Alt+K')).toBe('');
    expect(row('K')).not.toContain('overlevering');
    expect(row('G')).toContain('i overleveringen: gem den som PDF');
    expect(row('ArrowLeft')).toContain('i overleveringen: forrige vagt');
  });

  it('writes the PDF with G, opens the citizen with Enter, and Esc goes back to the handover, then the worklist', async () => {
    const fake = await openHandover((f) => { f.alarms = [ALARM]; });
    await press('g');
    await waitFor(() => expect(byTestId('handover-exported')?.textContent).toBe(`Overleveringen gemt som PDF: ${fake.handoverPath}`));
    expect(fake.callsOf('export_handover_pdf')).toEqual([{ from: SHIFT.from, to: SHIFT.to, lang: 'da' }]);

    await press('ArrowDown');
    await press('Enter');
    await waitFor(() => expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00000'));
    expect(byTestId('citizen-page-back')?.textContent).toContain('Vagtoverlevering');
    await press('Escape');
    await waitFor(() => expect(blocks()).toHaveLength(3));
    await waitFor(() => expect(active().id).toBe('handover-list'));
    expect(selectedId()).toBe('c-00000');

    await press('Escape');
    await waitFor(() => expect(byTestId('worklist-scroll')).not.toBeNull());
    expect(byTestId('handover-view')).toBeNull();
    await waitFor(() => expect(active().id).toBe('citizen-table'));
    // Back on the worklist, G, K and S mean what they did: no PDF of the handover, K acknowledges
    // the alarm, S signs nothing.
    fake.reset();
    await press('g');
    await press('s');
    await press('s', { altKey: true, code: 'KeyS' });
    await press('k');
    await waitFor(() => expect(fake.callsOf('acknowledge_episode')).toEqual([{ citizenId: 'c-00003', alarmIds: ['a-9'], comment: null }]));
    expect(fake.callsOf('export_handover_pdf')).toEqual([]);
    expect(fake.callsOf('sign_handover')).toEqual([]);
  });
});

// A citizen's timeline over the mocked back end, with the keys only: L on the citizen's page
// opens it, newest first under a heading for each day, each row with the trend plot's marker;
// the digits show a kind (the counts staying), 0 all; the arrows choose a row; Esc goes back to
// the page (and from there to where the page was opened from). Thousands of entries keep the DOM light.
import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../bindings';
import { resetStore, setLanguage } from '../store';
import { citizen, handoverCitizen, handoverOf, installFake, timelineOf, type Fake } from '../test/fakeBackend';
import { byTestId, active, press } from '../test/keys';
import { giveHeights } from '../test/layout';
import App from './App.svelte';

giveHeights({ 'worklist-scroll': 400, 'timeline-scroll': 460 });
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="timeline-entry"]')];
const titles = () => rows().map((r) => r.querySelector('[data-testid="timeline-title"]')?.textContent);
const days = () => [...document.querySelectorAll('[data-testid="timeline-day"]')].map((d) => d.textContent);
const selected = () => document.querySelector<HTMLElement>('[data-testid="timeline-entry"][aria-selected="true"]');
const chip = (kind: string) => document.querySelector<HTMLElement>(`[data-testid="timeline-chip"][data-kind="${kind}"]`)!;
const counts = () => [...document.querySelectorAll('[data-testid="timeline-chip-count"]')].map((c) => Number(c.textContent));

async function openPage(before?: (fake: Fake) => void): Promise<Fake> {
  const fake = installFake([citizen(0), citizen(1)]);
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  screen.getByRole('grid').focus();
  await press('ArrowDown');
  await press('ArrowDown');
  await press('Enter');
  await waitFor(() => expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00001'));
  return fake;
}

async function openTimeline(before?: (fake: Fake) => void): Promise<Fake> {
  const fake = await openPage(before);
  await press('l');
  await waitFor(() => expect(byTestId('timeline-count')).not.toBeNull());
  return fake;
}

describe('the citizen\'s timeline', () => {
  it('opens with L on the citizen\'s page: newest first, under a heading for each day', async () => {
    const fake = await openTimeline();
    expect(fake.callsOf('timeline')).toEqual([{ citizenId: 'c-00001', kinds: [] }]);
    expect(byTestId('citizen-page')).toBeNull();
    expect(byTestId('timeline-view')?.querySelector('h2')?.textContent).toBe('Tidslinje · Borger 00001');
    expect(byTestId('timeline-cpr')?.textContent).toBe('010350-1234');
    expect(byTestId('timeline-count')?.textContent).toBe('15 hændelser');
    expect(days()).toEqual(['søndag 22.11.2026', 'lørdag 21.11.2026', 'torsdag 19.11.2026']);
    // Each day's heading stands right before its entries.
    const lines = [...document.querySelectorAll<HTMLElement>('#timeline-list > li')].map((li) => li.dataset.testid);
    expect(lines.slice(0, 7)).toEqual(['timeline-day', ...Array(5).fill('timeline-entry'), 'timeline-day']);
    const times = rows().map((r) => r.querySelector('time')!.getAttribute('datetime')!);
    expect(times).toHaveLength(15);
    expect([...times].sort().reverse()).toEqual(times);
    expect(rows()[0]!.textContent).toContain('08.54');
    expect(titles().slice(0, 4)).toEqual([
      'Bekræftet ECM3 af anne: vurderet i telefon', 'Kvitteret af anne: ringet op', 'Udgående · Borgeren · anne', 'ECM-niveau steget, Høj',
    ]);
    // The list has the keys, the newest entry chosen.
    expect(active().id).toBe('timeline-list');
    expect(selected()?.dataset.index).toBe('0');
    expect(active().getAttribute('aria-activedescendant')).toBe('timeline-item-0');
  });

  it('draws the trend plot\'s markers: a red reading\'s alarm in its red with the legend\'s words', async () => {
    await openTimeline();
    const marker = (item: string, n = 0) =>
      document.querySelectorAll<HTMLElement>(`[data-item="${item}"] [data-testid="timeline-marker"]`)[n]!;
    const red = marker('alarm_raised');
    expect(red.dataset.marker).toBe('reading_red');
    expect(red.style.backgroundColor).toBe('rgb(198, 40, 40)');
    expect(red.getAttribute('aria-label')).toBe('rød');
    expect(red.getAttribute('title')).toBe('rød');
    expect(red.closest('li')?.querySelector('[data-testid="timeline-detail"]')?.textContent).toBe('ECM2 → ECM3 · SpO2 86 %, rød');
    const yellow = marker('alarm_raised', 2);
    expect([yellow.style.backgroundColor, yellow.getAttribute('aria-label')]).toEqual(['rgb(199, 138, 0)', 'gul']);
    const suggested = marker('level', 1);
    expect([suggested.className.includes('triangle'), suggested.getAttribute('aria-label')]).toEqual([true, 'foreslået ændring']);
    // What the plot does not draw: an alarm outlined in its priority's colour, a call.
    const missed = marker('alarm_raised', 3);
    expect(missed.classList.contains('priority-info')).toBe(true);
    expect(missed.style.backgroundColor).toBe('');
    expect(marker('call').textContent).toBe('☎');
    // In English the legend's English words.
    await press('l', { altKey: true, code: 'KeyL' });
    await waitFor(() => expect(marker('alarm_raised').getAttribute('aria-label')).toBe('red'));
  });

  it('shows a kind with its digit, the counts staying; another digit adds its kind, 0 shows all', async () => {
    const fake = await openTimeline();
    expect(counts()).toEqual([5, 2, 1, 1, 4, 1, 1]);
    await press('4');
    expect(titles()).toEqual(['Udgående · Borgeren · anne']);
    expect(chip('call').getAttribute('aria-pressed')).toBe('true');
    expect(chip('all').getAttribute('aria-pressed')).toBe('false');
    expect(byTestId('timeline-count')?.textContent).toBe('1 af 15 hændelser');
    expect(counts()).toEqual([5, 2, 1, 1, 4, 1, 1]);
    await press('5');
    expect(rows().map((r) => r.dataset.kind)).toEqual(['call', 'dispatch', 'dispatch', 'dispatch', 'dispatch']);
    // Pressed again, a kind leaves.
    await press('4');
    expect(rows().map((r) => r.dataset.kind)).toEqual(['dispatch', 'dispatch', 'dispatch', 'dispatch']);
    expect(days()).toEqual(['lørdag 21.11.2026']);
    await press('0');
    expect(rows()).toHaveLength(15);
    expect(chip('all').getAttribute('aria-pressed')).toBe('true');
    // The chips are buttons too; the list was read once.
    await fireEvent.click(chip('care_event'));
    expect(titles()).toEqual(['MAS-besøg']);
    expect(fake.callsOf('timeline')).toHaveLength(1);
  });

  it('moves the choice with the arrows, Home and End, and keeps it on its entry as the list is filtered', async () => {
    await openTimeline();
    await press('ArrowDown');
    await press('ArrowDown');
    expect(selected()?.dataset.item).toBe('call');
    await press('End');
    expect(selected()?.dataset.item).toBe('alarm_raised');
    expect(selected()?.textContent).toContain('Manglende måling');
    await press('Home');
    await press('ArrowDown');
    await press('ArrowDown');
    await press('4');
    expect(selected()?.dataset.item).toBe('call');
    // Filtered out: the nearest older entry shown is chosen.
    await press('4');
    await press('3');
    expect(selected()?.dataset.item).toBe('plan_revision');
    // A click chooses too.
    await press('0');
    await fireEvent.click(rows()[4]!.querySelector('[data-testid="timeline-title"]')!);
    expect(selected()?.dataset.index).toBe('4');
  });

  it('goes back to the citizen\'s page with Esc, which has the keys again', async () => {
    const fake = await openTimeline();
    fake.reset();
    await press('Escape');
    await waitFor(() => expect(byTestId('citizen-page')).not.toBeNull());
    expect(byTestId('timeline-view')).toBeNull();
    expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00001');
    expect(fake.callsOf('citizen_page')).toEqual([{ citizenId: 'c-00001' }]);
    await waitFor(() => expect(active().tagName).toBe('HEADER'));
    // On the page the digits set the plot's period again; Esc goes to the worklist.
    await press('3');
    await waitFor(() => expect(fake.callsOf('citizen_trend').at(-1)).toMatchObject({ range: '30d' }));
    await press('Escape');
    await waitFor(() => expect(active().id).toBe('citizen-table'));
  });

  it('opens from the page\'s button, and goes back to a page opened from the handover, and on to the handover', async () => {
    await openPage((fake) => { fake.handover = handoverOf([handoverCitizen(1)]); });
    await press('Escape');
    await press('h');
    await waitFor(() => expect(screen.queryAllByTestId('handover-citizen')).toHaveLength(1));
    await press('Enter');
    await waitFor(() => expect(byTestId('citizen-page-back')?.textContent).toContain('Vagtoverlevering'));
    await fireEvent.click(byTestId('citizen-page-timeline')!);
    await waitFor(() => expect(rows()).toHaveLength(15));
    await press('Escape');
    await waitFor(() => expect(byTestId('citizen-page-back')?.textContent).toContain('Vagtoverlevering'));
    await press('Escape');
    await waitFor(() => expect(active().id).toBe('handover-list'));
  });

  it('is read again when a change names the citizen, the choice kept on its entry', async () => {
    const fake = await openTimeline();
    await press('ArrowDown');
    const newer: TimelineEntry = { at: '2026-11-22T07:59:00.000Z', kind: 'care_event', marker: 'event', item: 'care_event', event: 'discharge' };
    fake.timeline = [newer, ...timelineOf('c-00001')];
    await emit('vagt://changed', { citizens: ['c-00001'], alarms: false, status: false });
    await waitFor(() => expect(rows()).toHaveLength(16));
    expect(titles()[0]).toBe('Udskrivelse');
    expect(selected()?.dataset.item).toBe('alarm_acknowledged');
    expect(counts()).toEqual([5, 2, 1, 1, 4, 1, 2]);
  });

  it('is listed in the key overview: L, and what the digits and the arrows do in it', async () => {
    await openTimeline();
    await press('?');
    await waitFor(() => expect((byTestId('key-help') as HTMLDialogElement).open).toBe(true));
    const row = (keys: string) => document.querySelector(`[data-testid="key-help-row"][data-keys="${keys}"]`)?.textContent?.trim() ?? '';
    expect(row('L')).toBe('LBorgerens tidslinje (fra borgerens side)');
    expect(row('1')).toBe('1Grafen: seneste 48 timer · i tidslinjen: vis/skjul alarmer');
    expect(row('7')).toContain('I tidslinjen: vis/skjul forløb');
    expect(row('0')).toContain('I tidslinjen: vis alle slags');
    expect(row('ArrowDown')).toContain(' · i tidslinjen: næste (ældre) hændelse');
    expect(row('Escape')).toContain(' · i tidslinjen: tilbage til borgerens side');
  });

  it('keeps the DOM light with 2,000 entries, and End still shows the oldest', async () => {
    const many = Array.from({ length: 2000 }, (_, i): TimelineEntry => ({
      at: new Date(Date.parse('2026-11-22T08:00:00.000Z') - i * 1_800_000).toISOString(), kind: 'dispatch', marker: 'event',
      item: 'dispatch_step', dispatch_key: `d-${i}`, state: 'en_route', by: 'mas.ole', note: `tur ${i}`,
    }));
    await openTimeline((fake) => { fake.timeline = many; });
    expect(byTestId('timeline-count')?.textContent).toBe('2000 hændelser');
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(40);
    await press('End');
    await waitFor(() => expect(selected()?.dataset.index).toBe('1999'));
    expect(selected()?.textContent).toContain('tur 1999');
    expect(active().getAttribute('aria-activedescendant')).toBe('timeline-item-1999');
    expect(rows().length).toBeLessThan(40);
    await press('PageUp');
    expect(Number(selected()?.dataset.index)).toBeLessThan(1999);
  });
});

// The app over a mocked back end (mockIPC): what it renders, what it reads, what keys do.
import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetStore, setLanguage } from '../store';
import { alarm, citizen, installFake } from '../test/fakeBackend';
import { ROW_HEIGHT } from '../virtual';
import App from './App.svelte';
import { giveWorklistHeight } from '../test/layout';
import { press } from '../test/keys';

const VIEWPORT = 400;
giveWorklistHeight();
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

const rows = () => document.querySelectorAll('[data-testid="citizen-row"]');

async function startApp(count: number, alarms = [] as ReturnType<typeof alarm>[]) {
  const fake = installFake(Array.from({ length: count }, (_, i) => citizen(i)), alarms);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

describe('the worklist', () => {
  it('renders only the visible rows of 10,000, and others when scrolled', async () => {
    await startApp(10_000);
    const first = rows().length;
    expect(first).toBeGreaterThan(VIEWPORT / ROW_HEIGHT);
    expect(first).toBeLessThan(40);
    expect(screen.getByRole('grid').getAttribute('aria-rowcount')).toBe('10001');
    const scroller = screen.getByTestId('worklist-scroll');
    scroller.scrollTop = ROW_HEIGHT * 5000;
    await fireEvent.scroll(scroller);
    const ids = [...rows()].map((r) => (r as HTMLElement).dataset.citizenId);
    expect(ids.length).toBeLessThan(40);
    expect(ids).toContain('c-05000');
    expect(ids).not.toContain('c-00000');
  });

  it('keeps the elements of the rows that stay in view when scrolled, and fills only the rows that came', async () => {
    await startApp(10_000);
    const scroller = screen.getByTestId('worklist-scroll');
    scroller.scrollTop = ROW_HEIGHT * 100;
    await fireEvent.scroll(scroller);
    const before = new Map([...rows()].map((r) => [(r as HTMLElement).dataset.citizenId, r]));
    scroller.scrollTop = ROW_HEIGHT * 105;
    await fireEvent.scroll(scroller);
    const after = [...rows()] as HTMLElement[];
    const kept = after.filter((r) => before.get(r.dataset.citizenId) === r);
    expect(after.length).toBe(before.size);
    expect(kept.length).toBe(after.length - 5);
    // Each row stands at its own height, whatever its place among the elements.
    const rowOf = (r: HTMLElement) => Number(r.getAttribute('aria-rowindex')) - 2;
    for (const r of after) {
      expect(r.style.top).toBe(`${rowOf(r) * ROW_HEIGHT}px`);
      expect(r.dataset.citizenId).toBe(`c-${String(rowOf(r)).padStart(5, '0')}`);
    }
    const shown = after.map(rowOf).sort((x, y) => x - y);
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, k) => shown[0]! + k));
    expect(shown).toContain(105);
  });

  it('gives a row its hints while the pointer is on it, of the citizen the row shows then', async () => {
    // Levels 1 to 5 in turn, so that a row refilled with another citizen has other hints.
    installFake(Array.from({ length: 10_000 }, (_, i) => citizen(i, { confirmed_level: (i % 5) + 1, suggested_level: (i % 5) + 1 })));
    render(App);
    await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
    await tick();
    const first = rows()[0] as HTMLElement;
    const levelOf = (row: HTMLElement) => (Number(row.dataset.citizenId!.slice(2)) % 5) + 1;
    const ecm = () => first.querySelector('[data-testid="citizen-ecm"]')!.getAttribute('title');
    const spo2 = () => first.querySelector('[data-parameter="spo2"]')!.getAttribute('title');
    expect(ecm()).toBeNull();
    await fireEvent.pointerEnter(first);
    const before = first.dataset.citizenId;
    const levelBefore = levelOf(first);
    expect(ecm()).toBe(`Bekræftet ECM${levelBefore}`);
    expect(spo2()).toMatch(/^SpO2: 94 % \(målt /);
    // Scrolled far, every row is refilled: the same element shows another citizen, and its hints follow.
    const scroller = screen.getByTestId('worklist-scroll');
    scroller.scrollTop = ROW_HEIGHT * 5000;
    await fireEvent.scroll(scroller);
    expect(first.isConnected).toBe(true);
    expect(first.dataset.citizenId).not.toBe(before);
    expect(levelOf(first)).not.toBe(levelBefore);
    expect(ecm()).toBe(`Bekræftet ECM${levelOf(first)}`);
    await fireEvent.pointerLeave(first);
    expect(ecm()).toBeNull();
    // A refilled row clicked selects the citizen it shows, whose hints it then keeps (the
    // grid names it to a screen reader), and a double click opens that citizen.
    // (The first row in the page is above the view: selected, it is scrolled into view, and the
    // rows are refilled again.)
    const shown = first.dataset.citizenId!;
    await fireEvent.click(first);
    const chosen = document.querySelector(`[data-citizen-id="${shown}"]`) as HTMLElement;
    expect(chosen.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('grid').getAttribute('aria-activedescendant')).toBe(chosen.id);
    expect(chosen.querySelector('[data-testid="citizen-ecm"]')!.getAttribute('title')).toBe(`Bekræftet ECM${levelOf(chosen)}`);
    await fireEvent.dblClick(chosen);
    await waitFor(() => expect(screen.getByTestId('citizen-page-name').textContent).toBe(`Borger ${shown.slice(2)}`));
  });

  it('shows its column headers in both languages', async () => {
    await startApp(3);
    const headers = () => [...document.querySelectorAll('#citizen-table [role=columnheader]')].map((th) => th.textContent?.trim());
    expect(headers()).toEqual(['Navn', 'Id', 'ECM', 'NEWS2', 'Diagnoser', 'Seneste måling', 'Forløb 7 d', 'SpO2', 'Puls', 'FEV1', 'Temp.', 'Vægt']);
    await press('l', { altKey: true, code: 'KeyL' });
    await tick();
    expect(document.documentElement.lang).toBe('en');
    expect(headers()).toEqual(['Name', 'Id', 'ECM', 'NEWS2', 'Diagnoses', 'Last reading', 'Trend 7 d', 'SpO2', 'Pulse', 'FEV1', 'Temp.', 'Weight']);
  });

  it('re-reads only the row a vagt://changed event names', async () => {
    const fake = await startApp(50);
    fake.reset();
    fake.citizens[7] = { ...fake.citizens[7]!, name: 'Ændret Navn', confirmed_level: 5 };
    await emit('vagt://changed', { citizens: ['c-00007'], alarms: false, status: false });
    await waitFor(() => expect(screen.getByText('Ændret Navn')).toBeTruthy());
    expect(fake.callsOf('worklist_rows')).toEqual([{ citizenIds: ['c-00007'] }]);
    expect(fake.callsOf('worklist_page')).toEqual([]);
    expect(fake.callsOf('alarm_episodes_page')).toEqual([]);
    // A removed citizen leaves the list.
    fake.citizens.splice(3, 1);
    await emit('vagt://changed', { citizens: ['c-00003'], alarms: false, status: false });
    await waitFor(() => expect(fake.callsOf('worklist_rows')).toHaveLength(2));
    await waitFor(() => expect(document.querySelector('[data-citizen-id="c-00003"]')).toBeNull());
  });
});

describe('the status bar', () => {
  it('says when the backend tells the station of new data at once, and only then', async () => {
    const fake = installFake([citizen(0)]);
    fake.subscribed = true;
    render(App);
    const live = await waitFor(() => screen.getByTestId('status-live'));
    expect(live.textContent).toBe('Direkte');
    expect(live.getAttribute('title')).toContain('FHIR-abonnement');
  });

  it('says nothing of it while the station only polls', async () => {
    await startApp(1);
    await waitFor(() => expect(screen.getByTestId('status-sync-state')).toBeTruthy());
    expect(screen.queryByTestId('status-live')).toBeNull();
  });

  it('says while a first sync loads in bulk that alarms wait for its end, and only then', async () => {
    const fake = installFake([citizen(0)]);
    fake.bulkLoad = true;
    render(App);
    const bulk = await waitFor(() => screen.getByTestId('status-bulk-load'));
    expect(bulk.textContent).toContain('målinger og alarmer opdateres, når alt er hentet');
    fake.bulkLoad = false;
    await emit('vagt://changed', { citizens: [], alarms: false, alarm_citizens: null, status: true });
    await waitFor(() => expect(screen.queryByTestId('status-bulk-load')).toBeNull());
  });

  it('a citizen page says its readings are coming while a first sync loads them, not that there are none', async () => {
    const fake = await startApp(3);
    fake.bulkLoad = true;
    screen.getByRole('grid').focus();
    await press('ArrowDown');
    await tick();
    await press('Enter');
    await waitFor(() => expect(screen.getByTestId('citizen-page-name')).toBeTruthy());
    const pending = await waitFor(() => screen.getByTestId('page-readings-pending'));
    expect(pending.textContent).toContain('hentes af den første synkronisering');
    expect(screen.queryByText('Ingen målinger de seneste 7 dage.')).toBeNull();
  });
});

describe('keys', () => {
  it('K acknowledges the selected citizen\'s alarms', async () => {
    const fake = await startApp(5, [alarm('a1', 'c-00001', 'Borger 00001', 'high'), alarm('a2', 'c-00002', 'Borger 00002', 'medium')]);
    expect(screen.getByTestId('alarm-count').textContent).toBe('2 borgere kræver opmærksomhed');
    // Alt+A, then down to the second row.
    await press('a', { altKey: true, code: 'KeyA' });
    expect(document.activeElement?.id).toBe('alarm-list');
    await press('ArrowDown');
    await tick();
    expect(screen.getAllByTestId('alarm-item')[1]!.getAttribute('aria-selected')).toBe('true');
    fake.reset();
    await press('k');
    await waitFor(() => expect(fake.callsOf('acknowledge_episode')).toEqual([{ citizenId: 'c-00002', alarmIds: ['a2'], comment: null }]));
    await waitFor(() => expect(screen.getByTestId('alarm-note').textContent).toBe('Alarmen er kvitteret.'));
  });

  it('Enter opens the citizen page and Esc returns with the same row selected', async () => {
    await startApp(20);
    screen.getByRole('grid').focus();
    await press('ArrowDown');
    await press('ArrowDown');
    await tick();
    const selected = document.querySelector('[data-testid="citizen-row"][aria-selected="true"]') as HTMLElement;
    expect(selected.dataset.citizenId).toBe('c-00001');
    await press('Enter');
    await waitFor(() => expect(screen.getByTestId('citizen-page-name').textContent).toBe('Borger 00001'));
    expect(screen.getByTestId('citizen-page-cpr').textContent).toBe('010350-1234');
    expect(screen.getByTestId('citizen-page-confirmed').textContent).toBe('ECM2');
    const readings = screen.getByTestId('page-readings');
    expect(within(readings).getByText('rød')).toBeTruthy();
    expect(screen.queryByRole('grid')).toBeNull();
    await press('Escape');
    await waitFor(() => expect(screen.getByRole('grid')).toBeTruthy());
    const back = document.querySelector('[data-testid="citizen-row"][aria-selected="true"]') as HTMLElement;
    expect(back.dataset.citizenId).toBe('c-00001');
    expect(document.activeElement?.id).toBe('citizen-table');
  });

  it('? shows the key map', async () => {
    await startApp(1);
    await press('?', { shiftKey: true });
    await tick();
    const help = screen.getByTestId('key-help') as HTMLDialogElement;
    expect(help.open).toBe(true);
    expect(within(help).getAllByTestId('key-help-row').length).toBeGreaterThan(10);
  });
});

describe('the plan form', () => {
  it('shows a problem at its field in Danish, keeps what was typed, and refuses to save', async () => {
    const fake = await startApp(3);
    screen.getByRole('grid').focus();
    await press('ArrowDown');
    await press('p');
    await waitFor(() => expect((screen.getByTestId('plan-dialog') as HTMLDialogElement).open).toBe(true));
    const input = (path: string) =>
      document.querySelector(`[data-testid="plan-field"][data-field="${path}"] input`) as HTMLInputElement;
    expect(input('limits.spo2.yellow_low').placeholder).toBe('90');
    expect(screen.getAllByText('standard: 90').length).toBeGreaterThan(0);
    await fireEvent.input(input('limits.spo2.red_low'), { target: { value: '90' } });
    await fireEvent.input(input('limits.spo2.yellow_low'), { target: { value: '80' } });
    const problem = await waitFor(() => {
      const p = document.querySelector('[data-testid="plan-problem"][data-field="limits.spo2.yellow_low"]');
      expect(p).not.toBeNull();
      return p as HTMLElement;
    });
    expect(problem.textContent).toContain('SpO2 · gul nedre grænse = 80 ligger uden for SpO2 · rød nedre grænse = 90');
    expect(problem.textContent).not.toContain('lies outside');
    expect(input('limits.spo2.yellow_low').getAttribute('aria-invalid')).toBe('true');
    // The check ran on the typed overrides, debounced: not once per keystroke.
    expect(fake.callsOf('check_plan').at(-1)).toEqual({ citizenId: 'c-00000', overrides: { limits: { spo2: { red_low: 90, yellow_low: 80 } } } });
    // Ctrl+Enter without a reason, then with one: refused, everything typed kept.
    await fireEvent.keyDown(input('limits.spo2.yellow_low'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('plan-dialog-error').textContent).toContain('begrundelse'));
    await fireEvent.input(screen.getByTestId('plan-reason'), { target: { value: 'lavere mål aftalt med læge' } });
    await fireEvent.keyDown(screen.getByTestId('plan-reason'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('plan-dialog-error').textContent).toBe('Planen er ikke gyldig: se de markerede felter.'));
    expect((screen.getByTestId('plan-dialog') as HTMLDialogElement).open).toBe(true);
    expect(input('limits.spo2.yellow_low').value).toBe('80');
    expect(input('limits.spo2.red_low').value).toBe('90');
    expect((screen.getByTestId('plan-reason') as HTMLInputElement).value).toBe('lavere mål aftalt med læge');
    // Corrected, it saves and the dialog closes.
    await fireEvent.input(input('limits.spo2.red_low'), { target: { value: '78' } });
    await fireEvent.keyDown(screen.getByTestId('plan-reason'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect((screen.getByTestId('plan-dialog') as HTMLDialogElement).open).toBe(false));
    // On the defaults there is no revision to build on.
    expect(fake.callsOf('set_plan').at(-1)).toEqual({
      citizenId: 'c-00000', overrides: { limits: { spo2: { red_low: 78, yellow_low: 80 } } }, reason: 'lavere mål aftalt med læge',
      bases: [],
    });
  });
});

// The alarm panel as episodes (one row per citizen, the causes under it) and a citizen's alarm
// history, over the mocked back end: what shows, and what K, U, E, P and Enter send.
import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlarmRow } from '../bindings';
import { resetStore, setLanguage } from '../store';
import { alarm, citizen, episodesOf, installFake } from '../test/fakeBackend';
import { episodeHeightRem, episodeRowRem } from '../alarms';
import App from './App.svelte';
import { press } from '../test/keys';

beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

const rows = () => screen.getAllByTestId('alarm-item');
const row = (citizenId: string) => document.querySelector(`[data-testid="alarm-item"][data-citizen-id="${citizenId}"]`) as HTMLElement;
const causesOf = (el: HTMLElement) => within(el).getAllByTestId('alarm-cause');
const step = (n: number) => ({ step: n, due_at: '2026-11-22T08:05:00Z', audience: 'all_stations' as const, loudness: 'loudest' as const });

/** Borger 00001: a high level rise and a low missed weight; Borger 00002: a medium rise. */
function cohort(): AlarmRow[] {
  return [
    alarm('a1', 'c-00001', 'Borger 00001', 'high', { escalation: step(1) }),
    alarm('a3', 'c-00001', 'Borger 00001', 'low', {
      kind: 'missed_measurement',
      cause: { type: 'missed_measurement', parameter: 'weight', last_at: '2026-11-20T08:00:00Z', due_at: '2026-11-21T08:00:00Z', grace_ms: 0 },
    }),
    alarm('a2', 'c-00002', 'Borger 00002', 'medium'),
  ];
}

async function startApp(alarms: AlarmRow[]) {
  const fake = installFake(Array.from({ length: 4 }, (_, i) => citizen(i)), alarms);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

async function focusPanel(): Promise<void> {
  await press('a', { altKey: true, code: 'KeyA' });
  expect(document.activeElement?.id).toBe('alarm-list');
}

describe('the alarm panel', () => {
  it('shows one row per citizen, every cause under the name, most urgent first', async () => {
    const fake = await startApp(cohort());
    expect(fake.callsOf('alarm_episodes_page')).toHaveLength(1);
    expect(fake.callsOf('list_alarms')).toEqual([]);
    expect(rows().map((r) => r.dataset.citizenId)).toEqual(['c-00001', 'c-00002']);
    expect(screen.getByTestId('alarm-count').textContent).toBe('2 borgere kræver opmærksomhed (3 alarmer)');
    const first = row('c-00001');
    expect(first.dataset.priority).toBe('high');
    expect(first.dataset.alarmId).toBe('a1');
    expect(first.dataset.alarmIds).toBe('a1 a3');
    expect(first.querySelector('.alarm-citizen')?.textContent).toBe('Borger 00001');
    expect(within(first).getByTestId('alarm-escalation').textContent?.trim()).toBe('Eskaleret (1)');
    const causes = causesOf(first);
    expect(causes.map((c) => [c.dataset.alarmId, c.dataset.priority, c.dataset.kind])).toEqual([
      ['a1', 'high', 'level_rise'], ['a3', 'low', 'missed_measurement'],
    ]);
    // Each cause worded as a single alarm was: priority, kind, cause, age.
    expect(causes[0]!.textContent).toContain('Høj');
    expect(causes[0]!.textContent).toContain('ECM-niveau steget');
    expect(causes[0]!.textContent).toContain('ECM1 → ECM3 · målingerne er bedre');
    expect(causes[1]!.textContent).toContain('Lav');
    expect(causes[1]!.textContent).toContain('Vægt forventet 21.11.2026 09.00');
    expect(within(row('c-00002')).queryByTestId('alarm-escalation')).toBeNull();
    // In English too, from the catalogue.
    await press('l', { altKey: true, code: 'KeyL' });
    await tick();
    expect(screen.getByTestId('alarm-count').textContent).toBe('2 citizens need attention (3 alarms)');
    expect(causesOf(row('c-00001'))[1]!.textContent).toContain('Missed measurement');
  });

  it('sounds and notifies by cause, with the texts it always had', async () => {
    await startApp(cohort());
    await waitFor(() => expect(document.body.dataset.lastNotification).toBe('Vagt: høj alarm | Borger 00001: ECM-niveau steget (+2 flere)'));
  });

  it('K acknowledges exactly the causes the row shows, not one that came later', async () => {
    const fake = await startApp(cohort());
    await focusPanel();
    // A new cause reaches the back end, but the panel has not read it yet.
    fake.alarms.push(alarm('a4', 'c-00001', 'Borger 00001', 'medium'));
    fake.reset();
    await press('k');
    await waitFor(() => expect(fake.callsOf('acknowledge_episode')).toEqual([{ citizenId: 'c-00001', alarmIds: ['a1', 'a3'], comment: null }]));
    expect(fake.callsOf('acknowledge_alarm')).toEqual([]);
    await waitFor(() => expect(screen.getByTestId('alarm-note').textContent).toBe('2 alarmer for Borger 00001 er kvitteret.'));
    // The panel reads the episodes again: the row stays for the cause that came later.
    await waitFor(() => expect(fake.callsOf('alarm_episodes_page').length).toBeGreaterThan(0));
  });

  it('the Kvittér button acknowledges its own row', async () => {
    const fake = await startApp(cohort());
    fake.reset();
    await fireEvent.click(within(row('c-00002')).getByTestId('alarm-ack'));
    await waitFor(() => expect(fake.callsOf('acknowledge_episode')).toEqual([{ citizenId: 'c-00002', alarmIds: ['a2'], comment: null }]));
  });

  it('U snoozes each cause for this nurse, and says a refusal in Danish', async () => {
    const fake = await startApp(cohort());
    fake.refuseSnooze.add('a1');
    await focusPanel();
    fake.reset();
    await press('u');
    await waitFor(() => expect(fake.callsOf('snooze_alarm')).toEqual([{ alarmId: 'a1', minutes: 10 }, { alarmId: 'a3', minutes: 10 }]));
    await waitFor(() => expect(screen.getByTestId('alarm-note').textContent)
      .toBe('En høj alarm kan ikke udsættes, når den er eskaleret: kvittér den.'));
    // The second row: snoozed, said with the time it sounds again.
    await press('ArrowDown');
    fake.reset();
    await press('u');
    await waitFor(() => expect(fake.callsOf('snooze_alarm')).toEqual([{ alarmId: 'a2', minutes: 10 }]));
    await waitFor(() => expect(screen.getByTestId('alarm-note').textContent).toMatch(/^Udsat for dig til 22\.11\.2026 09\.00\./));
  });

  it('marks a row snoozed when every cause is, and a single cause when only it is', async () => {
    const alarms = cohort();
    alarms[1]!.snoozed_until = '2026-11-22T08:10:00Z';
    alarms[2]!.snoozed_until = '2026-11-22T08:10:00Z';
    await startApp(alarms);
    const snoozed = within(row('c-00002')).getByTestId('alarm-snoozed');
    expect(snoozed.textContent?.trim()).toMatch(/^Udsat til (22\.11\.2026 )?09\.10$/);
    expect(snoozed.title).toBe('Udsat for dig til 22.11.2026 09.10');
    expect(within(row('c-00001')).queryByTestId('alarm-snoozed')).toBeNull();
    expect(within(causesOf(row('c-00001'))[1]!).getByTestId('alarm-cause-snoozed').textContent?.trim()).toBe('udsat for dig');
  });

  it('shows a citizen\'s missed measurements on one line, and K still acknowledges each', async () => {
    const missed = (id: string, parameter: 'weight' | 'spo2' | 'pulse', extra: Partial<AlarmRow> = {}) =>
      alarm(id, 'c-00001', 'Borger 00001', 'medium', {
        kind: 'missed_measurement',
        cause: { type: 'missed_measurement', parameter, last_at: '2026-11-20T08:00:00Z', due_at: '2026-11-21T08:00:00Z', grace_ms: 0 },
        ...extra,
      });
    const fake = await startApp([
      alarm('a1', 'c-00001', 'Borger 00001', 'high'),
      missed('m1', 'weight', { escalation: step(2) }),
      missed('m2', 'spo2', { snoozed_until: '2026-11-22T08:10:00Z' }),
      missed('m3', 'pulse'),
    ]);
    const first = row('c-00001');
    expect(first.dataset.alarmIds).toBe('a1 m1 m2 m3');
    const causes = causesOf(first);
    expect(causes.map((c) => c.dataset.alarmIds)).toEqual(['a1', 'm1 m2 m3']);
    expect(causes[1]!.textContent).toContain('3 manglende målinger');
    expect(causes[1]!.textContent).toContain('Vægt, SpO2, Puls · den første forventet 21.11.2026 09.00');
    // The furthest step of the three; not snoozed, since one of them is not.
    expect(causes[1]!.textContent).toContain('Eskaleret (2)');
    expect(within(causes[1]!).queryByTestId('alarm-cause-snoozed')).toBeNull();
    // The row is as tall as its two lines, not its four causes.
    expect(first.style.height).toBe(`${episodeRowRem(2)}rem`);
    await focusPanel();
    fake.reset();
    await press('k');
    await waitFor(() => expect(fake.callsOf('acknowledge_episode'))
      .toEqual([{ citizenId: 'c-00001', alarmIds: ['a1', 'm1', 'm2', 'm3'], comment: null }]));
  });

  it('arrows move between rows; Enter opens, E and P act on the selected row\'s citizen', async () => {
    const fake = await startApp(cohort());
    await focusPanel();
    await press('ArrowDown');
    await tick();
    expect(row('c-00002').getAttribute('aria-selected')).toBe('true');
    expect(row('c-00001').getAttribute('aria-selected')).toBe('false');
    await press('p');
    await waitFor(() => expect((screen.getByTestId('plan-dialog') as HTMLDialogElement).open).toBe(true));
    expect(screen.getByText('Triageplan for Borger 00002')).toBeTruthy();
    expect(fake.callsOf('plan_form')).toEqual([{ citizenId: 'c-00002' }]);
    (screen.getByTestId('plan-dialog') as HTMLDialogElement).close();
    await tick();
    document.getElementById('alarm-list')?.focus();
    await press('e');
    await waitFor(() => expect((screen.getByTestId('level-dialog') as HTMLDialogElement).open).toBe(true));
    expect(screen.getByTestId('level-dialog').textContent).toContain('Borger 00002');
    (screen.getByTestId('level-dialog') as HTMLDialogElement).close();
    await tick();
    document.getElementById('alarm-list')?.focus();
    await press('Enter');
    await waitFor(() => expect(screen.getByTestId('citizen-page-name').textContent).toBe('Borger 00002'));
  });

  it('reads the episodes again when the back end says alarms changed', async () => {
    const fake = await startApp(cohort());
    fake.alarms.splice(0, 2);
    await emit('vagt://changed', { citizens: [], alarms: true, status: false });
    await waitFor(() => expect(rows().map((r) => r.dataset.citizenId)).toEqual(['c-00002']));
    expect(screen.getByTestId('alarm-count').textContent).toBe('1 borger kræver opmærksomhed');
  });

  it('renders only the rows in view of a region\'s thousands, placed by their causes, and keeps the chosen one in view', async () => {
    // 300 citizens with alarms, every third with two causes: rows of two heights.
    const alarms = Array.from({ length: 300 }, (_, i) => {
      const id = `c-${String(i).padStart(5, '0')}`;
      const name = `Borger ${String(i).padStart(5, '0')}`;
      return i % 3 === 0
        ? [alarm(`a${i}`, id, name, 'medium'), alarm(`b${i}`, id, name, 'low')]
        : [alarm(`a${i}`, id, name, 'medium')];
    }).flat();
    const fake = installFake(Array.from({ length: 300 }, (_, i) => citizen(i)), alarms);
    render(App);
    await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
    await tick();
    const order = episodesOf(alarms);
    const list = document.getElementById('alarm-list') as HTMLElement;
    const remPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;
    const rowPx = (i: number) => episodeHeightRem(order[i]!) * remPx;
    const sumPx = (from: number, to: number) => order.slice(from, to).reduce((sum, _, k) => sum + rowPx(from + k), 0);
    const placed = () => {
      const shown = rows();
      const first = Number(shown[0]!.getAttribute('aria-posinset')) - 1;
      const last = Number(shown[shown.length - 1]!.getAttribute('aria-posinset'));
      const spacers = [...list.querySelectorAll<HTMLElement>(':scope > .spacer')];
      const above = spacers.find((e) => e.nextElementSibling?.getAttribute('data-testid') === 'alarm-item');
      const below = spacers.find((e) => e.previousElementSibling?.getAttribute('data-testid') === 'alarm-item');
      return { shown, first, last, top: parseFloat(above?.style.height ?? '0'), bottom: parseFloat(below?.style.height ?? '0') };
    };

    expect(screen.getByTestId('alarm-count').textContent).toBe('300 borgere kræver opmærksomhed (400 alarmer)');
    let at = placed();
    expect(at.first).toBe(0);
    expect(at.shown.length).toBeLessThan(60);
    expect(at.shown.map((r) => r.dataset.citizenId)).toEqual(order.slice(0, at.last).map((e) => e.citizen_id));
    expect(at.shown.every((r) => r.getAttribute('aria-setsize') === '300')).toBe(true);
    // The spacer below stands for every row not rendered, each as tall as its causes make it.
    expect(at.top).toBe(0);
    expect(at.bottom).toBeCloseTo(sumPx(at.last, 300), 6);

    // 150 rows down with the arrows: the chosen row is rendered, named as the active one, and
    // the rows above it are a spacer of their heights.
    await focusPanel();
    for (let n = 0; n < 150; n += 1) await press('ArrowDown');
    await tick();
    const chosen = order[150]!.citizen_id;
    expect(row(chosen).getAttribute('aria-selected')).toBe('true');
    expect(list.getAttribute('aria-activedescendant')).toBe(`alarm-episode-${chosen}`);
    at = placed();
    expect(at.first).toBeGreaterThan(100);
    expect(row(order[0]!.citizen_id)).toBeNull();
    expect(at.top).toBeCloseTo(sumPx(0, at.first), 6);
    expect(at.bottom).toBeCloseTo(sumPx(at.last, 300), 6);
    expect(at.shown.map((r) => r.style.height)).toEqual(
      order.slice(at.first, at.last).map((e) => `${episodeHeightRem(e)}rem`));

    // Ten more citizens need attention, above hers: her row moves down the order, and the list
    // stays where she is reading (it follows her moves, not the order's).
    const before = placed().first;
    for (let i = 300; i < 310; i += 1) {
      fake.alarms.push(alarm(`h${i}`, `c-${String(i).padStart(5, '0')}`, `Borger ${i}`, 'high'));
    }
    await emit('vagt://changed', { citizens: [], alarms: true, status: false });
    await waitFor(() => expect(screen.getByTestId('alarm-count').textContent).toBe('310 borgere kræver opmærksomhed (410 alarmer)'));
    await tick();
    // The same pixels in view: about the same place in the list (rows of other heights moved
    // through it), not the ten rows further that following her row would have scrolled.
    expect(Math.abs(placed().first - before)).toBeLessThanOrEqual(1);

    // Scrolled back to the top, away from her row: K and U still act on it, so it stays rendered
    // (below the rows in view, between spacers) and named as the active one.
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    await tick();
    const rendered = rows();
    expect(Number(rendered[0]!.getAttribute('aria-posinset'))).toBe(1);
    const hers = row(chosen);
    expect(hers).not.toBeNull();
    expect(hers.getAttribute('aria-selected')).toBe('true');
    expect(list.getAttribute('aria-activedescendant')).toBe(`alarm-episode-${chosen}`);
    // Spacers and rows together are still exactly as tall as every row.
    const now = episodesOf(fake.alarms);
    const total = now.reduce((sum, e) => sum + episodeHeightRem(e) * remPx, 0);
    const parts = [...list.querySelectorAll<HTMLElement>(':scope > li')].reduce((sum, e) =>
      sum + (e.classList.contains('spacer') ? parseFloat(e.style.height) : parseFloat(e.style.height) * remPx), 0);
    expect(parts).toBeCloseTo(total, 6);
  });
});

describe('a citizen\'s alarm history', () => {
  it('shows an alarm that ended by itself as resolved, with why, in both languages', async () => {
    const resolved = (id: string, reason: NonNullable<AlarmRow['resolved_reason']>, extra: Partial<AlarmRow> = {}) =>
      alarm(id, 'c-00001', 'Borger 00001', 'low', { state: 'resolved', resolved_reason: reason, resolved_at: '2026-11-22T09:00:00Z', ...extra });
    await startApp([
      alarm('open', 'c-00001', 'Borger 00001', 'medium'),
      resolved('r1', 'measured', { kind: 'missed_measurement', cause: { type: 'missed_measurement', parameter: 'weight', last_at: '2026-11-20T08:00:00Z', due_at: '2026-11-21T08:00:00Z', grace_ms: 0 } }),
      resolved('r2', 'expired', { raised_at: '2026-11-19T08:00:00Z' }),
      resolved('r3', 'withdrawn'),
      resolved('r4', 'superseded'),
      resolved('r5', 'decided', { kind: 'plan_conflict', cause: { type: 'plan_conflict', revisions: [] } }),
      resolved('r6', 'cleared', { kind: 'suggestion_differs', cause: { type: 'suggestion_differs', suggested: 3, suggested_since: null, confirmed: 2, decision_key: null } }),
    ]);
    await focusPanel();
    await press('Enter');
    const past = await waitFor(() => screen.getByTestId('page-alarms-past'));
    const reasons = () => within(past).getAllByTestId('alarm-resolved').map((e) => [e.dataset.reason, e.textContent?.trim()]);
    expect(Object.fromEntries(reasons())).toEqual({
      measured: 'Løst: målingen kom',
      expired: 'Udløbet (ældre end 3 døgn)',
      withdrawn: 'Trukket tilbage: data viser den ikke længere',
      superseded: 'Afløst af en nyere alarm',
      decided: 'Afgjort af en sygeplejerske',
      cleared: 'Ikke længere en alarm',
    });
    for (const item of within(past).getAllByTestId('alarm-item')) expect(item.dataset.state).toBe('resolved');
    // An old kind still reads.
    expect(past.textContent).toContain('Forslag afviger fra bekræftet niveau');
    // The open one stays above, with K on the page acting on it alone.
    expect(within(screen.getByTestId('page-alarms')).getAllByTestId('alarm-item').map((e) => e.dataset.alarmId)).toEqual(['open']);
    await press('l', { altKey: true, code: 'KeyL' });
    await tick();
    expect(Object.fromEntries(reasons()).measured).toBe('Resolved: the measurement arrived');
    expect(Object.fromEntries(reasons()).expired).toBe('Expired (older than 3 days)');
  });

  it('K on the page acknowledges the chosen alarm alone', async () => {
    const fake = await startApp(cohort());
    await focusPanel();
    await press('Enter');
    await waitFor(() => expect(screen.getByTestId('citizen-page-name').textContent).toBe('Borger 00001'));
    screen.getByTestId('page-alarms').focus();
    await press('ArrowDown');
    fake.reset();
    await press('k');
    await waitFor(() => expect(fake.callsOf('acknowledge_alarm')).toEqual([{ alarmId: 'a3', comment: null }]));
    expect(fake.callsOf('acknowledge_episode')).toEqual([]);
  });
});

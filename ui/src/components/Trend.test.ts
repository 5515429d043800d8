// The trend plot on the citizen page and the worklist's sparklines, over the mocked back end.
import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Sparkline as SparklineData } from '../bindings';
import { resetStore, setLanguage } from '../store';
import { citizen, installFake, NOW, type Fake } from '../test/fakeBackend';
import { ROW_HEIGHT } from '../virtual';
import App from './App.svelte';
import Sparkline from './Sparkline.svelte';
import { giveWorklistHeight } from '../test/layout';
import { byTestId, press } from '../test/keys';

const VIEWPORT = 400;
giveWorklistHeight(VIEWPORT);
beforeEach(() => {
  resetStore();
  localStorage.clear();
  setLanguage('da');
});

// In the list's order: the rows' elements are recycled through slots, not kept in it.
const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="citizen-row"]')]
  .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')));
const tipText = () => [...(byTestId('trend-tip')?.children ?? [])].map((e) => e.textContent);

async function startApp(count: number, before?: (fake: Fake) => void): Promise<Fake> {
  const fake = installFake(Array.from({ length: count }, (_, i) => citizen(i)));
  before?.(fake);
  render(App);
  await waitFor(() => expect(document.body.dataset.state).toBe('ready'));
  await tick();
  return fake;
}

/** Opens the first citizen's page with the keys, and waits for the plot. */
async function openFirst(fake: Fake, drawn = true): Promise<void> {
  screen.getByRole('grid').focus();
  await press('ArrowDown');
  await press('Enter');
  await waitFor(() => expect(byTestId('citizen-page-name')?.textContent).toBe('Borger 00000'));
  await waitFor(() => expect(fake.callsOf('citizen_trend').length).toBeGreaterThan(0));
  if (drawn) await waitFor(() => expect(document.querySelector('#trend-plot g[id^="panel-"]')).not.toBeNull());
}

const lastTrendCall = (fake: Fake) => fake.callsOf('citizen_trend').at(-1);

describe('the trend plot', () => {
  it('draws the last 7 days at the page\'s width, in the nurse\'s language', async () => {
    const fake = await startApp(3);
    await openFirst(fake);
    // jsdom measures no width: the narrowest drawing the back end makes.
    expect(fake.callsOf('citizen_trend')).toEqual([{ citizenId: 'c-00000', range: '7d', lang: 'da', width: 480 }]);
    expect(document.querySelector('#trend-plot g#panel-spo2')).not.toBeNull();
    expect(document.querySelector('#trend-plot g#levels')).not.toBeNull();
    const current = document.querySelector('[data-testid="trend-range"][aria-pressed="true"]') as HTMLElement;
    expect(current.dataset.range).toBe('7d');
    expect(current.textContent).toBe('7 d 2');
    // Alt+L draws it again in English.
    await press('l', { altKey: true, code: 'KeyL' });
    await waitFor(() => expect(lastTrendCall(fake)).toEqual({ citizenId: 'c-00000', range: '7d', lang: 'en', width: 480 }));
  });

  it('draws another period from its button or its key, and marks the one shown', async () => {
    const fake = await startApp(3);
    await openFirst(fake);
    await fireEvent.click(document.querySelector('[data-testid="trend-range"][data-range="30d"]')!);
    await waitFor(() => expect(lastTrendCall(fake)?.range).toBe('30d'));
    const pressed = () => [...document.querySelectorAll<HTMLElement>('[data-testid="trend-range"][aria-pressed="true"]')].map((b) => b.dataset.range);
    expect(pressed()).toEqual(['30d']);
    const keys: [string, string][] = [['4', '90d'], ['5', '1y'], ['6', 'all'], ['1', '48h'], ['2', '7d']];
    for (const [key, range] of keys) {
      await press(key);
      await waitFor(() => expect(lastTrendCall(fake)?.range).toBe(range));
      expect(pressed()).toEqual([range]);
    }
    expect(fake.callsOf('citizen_trend').map((c) => c.range)).toEqual(['7d', '30d', '90d', '1y', 'all', '48h', '7d']);
  });

  it('is drawn again when a change names the citizen, and only then', async () => {
    const fake = await startApp(3);
    await openFirst(fake);
    fake.reset();
    await emit('vagt://changed', { citizens: ['c-00002'], alarms: false, status: false });
    await waitFor(() => expect(fake.callsOf('worklist_rows')).toHaveLength(1));
    expect(fake.callsOf('citizen_trend')).toEqual([]);
    await emit('vagt://changed', { citizens: ['c-00000'], alarms: false, status: false });
    await waitFor(() => expect(fake.callsOf('citizen_trend')).toEqual([{ citizenId: 'c-00000', range: '7d', lang: 'da', width: 480 }]));
  });

  it('words a failure from the catalogue, and draws when asked again', async () => {
    const fake = await startApp(3, (f) => {
      f.trendError = { code: 'plot_failed', message: 'the plot could not be drawn: backend' };
    });
    await openFirst(fake, false);
    await waitFor(() => expect(byTestId('trend-error')?.textContent).toBe('Grafen kunne ikke tegnes.'));
    expect(byTestId('trend-plot')).toBeNull();
    fake.trendError = null;
    await press('3');
    await waitFor(() => expect(byTestId('trend-plot')).not.toBeNull());
    expect(byTestId('trend-error')).toBeNull();
    // Another period that fails: its error, not the last period's drawing passed off as it.
    fake.trendError = { code: 'bad_range', message: 'unknown range' };
    await press('5');
    await waitFor(() => expect(byTestId('trend-error')?.textContent).toBe('Ukendt periode. Brug 48h, 7d, 30d, 90d, 1y, all eller FRA..TIL.'));
    expect(byTestId('trend-plot')).toBeNull();
    // A redraw of the same period that fails (the data changed) keeps the drawing.
    fake.trendError = null;
    await press('6');
    await waitFor(() => expect(byTestId('trend-plot')).not.toBeNull());
    fake.trendError = { code: 'plot_failed', message: 'x' };
    await emit('vagt://changed', { citizens: ['c-00000'], alarms: false, status: false });
    await waitFor(() => expect(byTestId('trend-error')?.textContent).toBe('Grafen kunne ikke tegnes.'));
    expect(byTestId('trend-plot')).not.toBeNull();
    // The citizen's page was read again with it: the period chosen stays.
    expect(lastTrendCall(fake)?.range).toBe('all');
    expect(document.querySelector('[data-testid="trend-range"][aria-pressed="true"]')?.getAttribute('data-range')).toBe('all');
  });

  it('exports the PDF for the GP from its button or G, and says where it went', async () => {
    const fake = await startApp(3);
    await openFirst(fake);
    const path = '/home/mette/Documents/Vagt/Vagt-trend-20261122-0800.pdf';
    await fireEvent.click(byTestId('trend-export')!);
    await waitFor(() => expect(byTestId('trend-exported')?.textContent).toBe(`PDF til egen læge gemt: ${path}`));
    expect(byTestId('alarm-note')?.textContent).toBe(`PDF til egen læge gemt: ${path}`);
    expect(fake.callsOf('export_trend_pdf')).toEqual([{ citizenId: 'c-00000', range: '7d', lang: 'da' }]);
    await press('3');
    await press('g');
    await waitFor(() => expect(fake.callsOf('export_trend_pdf')).toHaveLength(2));
    expect(fake.callsOf('export_trend_pdf')[1]).toEqual({ citizenId: 'c-00000', range: '30d', lang: 'da' });
    // A refusal is said in the nurse's words.
    fake.trendError = { code: 'io', message: 'permission denied' };
    await press('g');
    await waitFor(() => expect(byTestId('trend-export-error')?.textContent)
      .toBe('PDF\'en blev ikke gemt: Vagt kunne ikke læse eller skrive en fil på denne maskine.'));
  });

  it('moves a cursor with the keys and says each reading, its time, limits and source', async () => {
    const fake = await startApp(3);
    await openFirst(fake);
    await press('t');
    expect(document.activeElement?.id).toBe('trend-plot');
    expect(byTestId('trend-tip')).toBeNull();
    // The first move lands on the top panel's newest reading.
    await press('ArrowLeft');
    await waitFor(() => expect(tipText()[0]).toBe('SpO2: 94 % (grøn)'));
    expect(tipText()).toEqual([
      'SpO2: 94 % (grøn)', 'Målt 22.11.2026 09.00', 'Grænser: gul < 92 · rød < 88 (plan rev. 2, mette, 20.11.2026)',
      'Kilde: Observation/spo2-4',
    ]);
    await press('ArrowLeft');
    await tick();
    expect(tipText()[0]).toBe('SpO2: 87 % (rød)');
    expect(byTestId('trend-tip')?.dataset.triage).toBe('red');
    // The cursor ring sits on the point, in the drawing's coordinates.
    const ring = byTestId('trend-cursor')!;
    expect([ring.getAttribute('cx'), ring.getAttribute('cy')]).toEqual(['320', '200']);
    // Down: the temperature panel, the same day; Home and End: its first and last.
    await press('ArrowDown');
    await tick();
    expect(tipText()[0]).toBe('Temp.: 37,6 °C (gul)');
    expect(tipText()[2]).toBe('Grænser: gul > 37,5 · rød > 38,5 · relativ grænse 37,8 (standardplan)');
    await press('Home');
    await tick();
    expect(tipText()[0]).toBe('Temp.: 36,8 °C (grøn)');
    await press('End');
    await tick();
    expect(tipText()[0]).toBe('Temp.: 36,9 °C (grøn)');
    await press('ArrowRight');
    await tick();
    expect(tipText()[0]).toBe('Temp.: 36,9 °C (grøn)');
    await press('ArrowUp');
    await tick();
    expect(tipText()[0]).toBe('SpO2: 94 % (grøn)');
    // In English, with a decimal point.
    await press('ArrowDown');
    await press('l', { altKey: true, code: 'KeyL' });
    await waitFor(() => expect(tipText()[0]).toBe('Temp.: 36.9 °C (green)'));
    expect(tipText()[1]).toBe('Measured 22/11/2026, 09:00');
    // The page is still open: the arrows moved the cursor, nothing else.
    expect(byTestId('citizen-page')).not.toBeNull();
  });

  it('shows the reading nearest the mouse, within 12 px', async () => {
    const fake = await startApp(3);
    await openFirst(fake);
    const plot = byTestId('trend-plot')!;
    // jsdom lays nothing out: the drawing is where the page starts, unscaled. SpO2 91 % is at (240, 140).
    await fireEvent.mouseMove(plot, { clientX: 246, clientY: 135 });
    await tick();
    expect(tipText()[0]).toBe('SpO2: 91 % (gul)');
    await fireEvent.mouseMove(plot, { clientX: 260, clientY: 140 });
    await tick();
    expect(byTestId('trend-tip')).toBeNull();
    await fireEvent.mouseMove(plot, { clientX: 321, clientY: 198 });
    await tick();
    expect(tipText()[0]).toBe('SpO2: 87 % (rød)');
    await fireEvent.mouseLeave(plot);
    await tick();
    expect(byTestId('trend-tip')).toBeNull();
  });
});

describe('the worklist\'s sparklines', () => {
  it('are fetched for the rows in view only, in one call per window', async () => {
    const fake = await startApp(10_000);
    await waitFor(() => expect(fake.callsOf('sparklines')).toHaveLength(1));
    const shown = rows().map((r) => r.dataset.citizenId);
    expect(shown.length).toBeLessThan(40);
    expect(fake.callsOf('sparklines')[0]).toEqual({ citizenIds: shown });
    await waitFor(() => expect(document.querySelectorAll('[data-testid="sparkline"]').length).toBeGreaterThan(0));
    // Every eleventh citizen measured nothing in the week: an empty cell.
    const empty = rows().find((r) => r.dataset.citizenId === 'c-00010')!;
    expect(empty.querySelector('[data-testid="sparkline"]')).toBeNull();
    // Scrolled far down: one more call, for the rows now in view.
    const scroller = screen.getByTestId('worklist-scroll');
    scroller.scrollTop = ROW_HEIGHT * 5000;
    await fireEvent.scroll(scroller);
    await waitFor(() => expect(fake.callsOf('sparklines')).toHaveLength(2));
    const second = fake.callsOf('sparklines')[1]!.citizenIds as string[];
    expect(second).toContain('c-05000');
    expect(second.length).toBeLessThan(40);
    expect(second.some((id) => shown.includes(id))).toBe(false);
    // Back up: those are kept, no call.
    scroller.scrollTop = 0;
    await fireEvent.scroll(scroller);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.callsOf('sparklines')).toHaveLength(2);
    // A change to a citizen in view asks for that citizen only.
    await emit('vagt://changed', { citizens: ['c-00003'], alarms: false, status: false });
    await waitFor(() => expect(fake.callsOf('sparklines')).toHaveLength(3));
    expect(fake.callsOf('sparklines')[2]).toEqual({ citizenIds: ['c-00003'] });
  });
});

describe('a sparkline', () => {
  const spark: SparklineData = {
    citizen_id: 'c-00001', parameter: 'spo2', worst: 'red',
    points: [
      { at: '2026-11-16T08:00:00Z', value: 95, triage: 'green' }, { at: '2026-11-18T08:00:00Z', value: 91, triage: 'yellow' },
      { at: '2026-11-20T08:00:00Z', value: 86, triage: 'red' }, { at: '2026-11-22T07:00:00Z', value: 93, triage: 'green' },
    ],
  };

  it('draws every reading in its colour, the reds larger and on top, and names the parameter and the worst', () => {
    render(Sparkline, { spark, now: Date.parse(NOW) });
    const svg = screen.getByTestId('sparkline');
    expect(svg.getAttribute('aria-label')).toBe('SpO2, seneste 7 dage, værste: rød');
    expect(svg.querySelector('title')?.textContent).toBe('SpO2, seneste 7 dage, værste: rød');
    expect(svg.querySelector('polyline')?.getAttribute('points')?.split(' ')).toHaveLength(4);
    // One path a colour, red last (on top), a circle a reading.
    const marks = [...svg.querySelectorAll('path[data-triage]')];
    expect(marks.map((m) => [m.getAttribute('data-triage'), m.getAttribute('data-count')])).toEqual([['green', '2'], ['yellow', '1'], ['red', '1']]);
    const radius = (m: Element) => Number(/a([\d.]+),/.exec(m.getAttribute('d') ?? '')?.[1]);
    const red = marks[2]!;
    expect(radius(red)).toBeGreaterThan(radius(marks[0]!));
    expect(red.getAttribute('class')).toContain('dot-red');
    // The worst colour as a shape (a diamond for red), not by colour alone.
    expect(screen.getByTestId('sparkline-worst').tagName.toLowerCase()).toBe('polygon');
    expect(screen.getByTestId('sparkline-worst').getAttribute('class')).toContain('worst-red');
  });

  it('marks a calm week green, in English too', () => {
    setLanguage('en');
    render(Sparkline, { spark: { ...spark, parameter: 'weight', worst: 'green', points: spark.points.slice(0, 1) }, now: Date.parse(NOW) });
    const svg = screen.getByTestId('sparkline');
    expect(svg.getAttribute('aria-label')).toBe('Weight, last 7 days, worst: green');
    expect(svg.querySelector('polyline')).toBeNull();
    expect(screen.getByTestId('sparkline-worst').tagName.toLowerCase()).toBe('circle');
  });
});

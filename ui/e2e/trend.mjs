#!/usr/bin/env node
// End-to-end test of the trend plot and the worklist's sparklines, through tauri-driver
// (WebDriver). Plain Node >= 20, no dependencies. The caller starts tauri-driver on port 4444.
//
// The worklist rows in view show 7-day sparklines; a citizen's page draws the trend SVG (the
// back end's groups, the shipped DejaVu Sans loaded, not refused by the CSP); T focuses the
// plot and the arrow keys move a cursor whose tooltip names the reading; the plot fits the
// width at 1366x768 and 1920x1080 (no sideways scrolling), with a screenshot at each.
//
// Env:
//   VAGT_BIN       absolute path of the app binary (required)
//   VAGT_ARGS      JSON array of CLI args for the app (default [])
//   ARTIFACTS_DIR  where screenshots go (default ./e2e-artifacts)
//   WEBDRIVER_URL  default http://127.0.0.1:4444
//   E2E_SIZES      window sizes (default "1366x768,1920x1080"; the X screen must be that large)
//   E2E_EXPORT     "1": also press G and check the PDF it writes (into the user's Documents/Vagt,
//                  removed after), off by default since it writes outside the test's folders

import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  KEY, SmokeError, afterRepaint, appConfig, bannerText, fail, log, press, saveScreenshot, startApp, waitFor, waitReady,
} from './webdriver.mjs';

const ROW = '[data-testid="citizen-row"]';
const DRAWN = '#trend-plot g[id^="panel-"]';
/** WebDriver's codes for the keys the plot's cursor uses. */
const NAV = { HOME: '\uE011', END: '\uE010', LEFT: '\uE012', UP: '\uE013', RIGHT: '\uE014', DOWN: '\uE015' };
const DRAW_TIMEOUT_MS = 30_000;

function config() {
  const sizes = (process.env.E2E_SIZES ?? '1366x768,1920x1080').split(',').map((x) => x.trim()).filter(Boolean);
  return { ...appConfig(), sizes, exportPdf: process.env.E2E_EXPORT === '1' };
}

/** The tooltip's lines while it shows, else null. */
const tipLines = (s) => s.exec(`var t = document.querySelector('[data-testid=trend-tip]');
  return t ? Array.from(t.children).map(function (e) { return e.textContent; }) : null;`);

/** How far the page (or the plot) scrolls sideways, in px. */
const sideways = (s) => s.exec(`var p = document.querySelector('.page-scroll'), a = document.querySelector('#trend-plot');
  var parts = { page: p ? p.scrollWidth - p.clientWidth : 0, document: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    plot: a && p ? Math.round(a.getBoundingClientRect().right - p.getBoundingClientRect().right) : 0 };
  var widest = null;
  if (p) { var limit = p.getBoundingClientRect().right; p.querySelectorAll('*').forEach(function (e) { var r = e.getBoundingClientRect().right;
    if (r > limit + 1 && (!widest || r > widest.right)) widest = { right: Math.round(r), tag: e.tagName, cls: String(e.className && e.className.baseVal !== undefined ? e.className.baseVal : e.className), id: e.id }; }); }
  parts.widest = widest;
  parts.over = Math.max(parts.page, parts.document, parts.plot);
  return parts;`);

/** The sparklines of the rows in view: at least one, and none for rows not rendered. */
async function checkSparklines(s) {
  const seen = await waitFor('sparklines in the worklist', 20_000, async () => {
    const got = await s.exec(`var rows = document.querySelectorAll('${ROW}');
      var sparks = document.querySelectorAll('${ROW} [data-testid=sparkline]');
      var red = Array.from(document.querySelectorAll('${ROW} [data-testid=sparkline] path[data-triage=red]'))
        .reduce(function (sum, e) { return sum + Number(e.getAttribute('data-count')); }, 0);
      var labels = Array.from(sparks).slice(0, 3).map(function (e) { return e.getAttribute('aria-label'); });
      return { rows: rows.length, sparks: sparks.length, red: red, labels: labels };`);
    return got.sparks > 0 ? got : undefined;
  });
  if (seen.sparks > seen.rows) fail(`${seen.sparks} sparklines for ${seen.rows} rendered rows`);
  if (seen.labels.some((l) => !l || !/, seneste 7 dage, værste: /.test(l))) fail(`sparkline labels not in Danish: ${seen.labels}`);
  log(`sparklines: ${seen.sparks} in ${seen.rows} rendered rows, ${seen.red} red readings marked; e.g. ${seen.labels[0]}`);
  // The row to open: the first with a sparkline, so the citizen measured something this week.
  return s.exec(`var r = Array.from(document.querySelectorAll('${ROW}')).find(function (x) { return x.querySelector('[data-testid=sparkline]'); });
    return r ? [r.dataset.citizenId, r.querySelector('[data-testid=citizen-name]').textContent] : null;`);
}

/** Waits for the plot drawn at the width it shows at (a resize draws it again). */
async function waitDrawn(s, what) {
  return waitFor(what, DRAW_TIMEOUT_MS, async () => {
    const st = await s.exec(`var svg = document.querySelector('#trend-plot .drawing svg');
      var err = document.querySelector('[data-testid=trend-error]');
      if (err) return { error: err.textContent };
      if (!svg || !document.querySelector('${DRAWN}')) return null;
      var busy = document.querySelector('[data-testid=section-trends]').getAttribute('aria-busy') === 'true';
      var area = document.querySelector('#trend-plot').parentElement.clientWidth;
      return { busy: busy, drawn: Number(svg.getAttribute('width')), area: area,
        panels: Array.from(document.querySelectorAll('${DRAWN}')).map(function (g) { return g.id; }) };`);
    if (st?.error) {
      const e = new SmokeError(`the plot failed: ${st.error}`);
      e.fatal = true;
      throw e;
    }
    // Drawn at the area's width (within the step a scroll bar may take), or as wide as it goes.
    return st && !st.busy && (Math.abs(st.drawn - st.area) <= 24 || (st.area < 480 && st.drawn === 480) || (st.area > 2400 && st.drawn === 2400))
      ? st : undefined;
  });
}

/** The shipped font is used by the plot's text and was loaded, not refused (CSP font-src). */
async function checkFont(s) {
  const faces = await s.execAsync(`var done = arguments[arguments.length - 1];
    document.fonts.ready.then(function () {
      done(Array.from(document.fonts).filter(function (f) { return /DejaVu Sans/.test(f.family); })
        .map(function (f) { return f.weight + ':' + f.status; }));
    });`);
  if (faces.length === 0) fail('no @font-face for DejaVu Sans');
  if (faces.some((f) => f.endsWith(':error'))) fail(`DejaVu Sans did not load (CSP font-src?): ${faces}`);
  if (!faces.some((f) => f.endsWith(':loaded'))) fail(`DejaVu Sans was never loaded for the plot: ${faces}`);
  log(`fonts: ${faces.join(', ')}`);
}

/** T focuses the plot; the arrows move the cursor, and its tooltip names each reading. */
async function checkCursor(s) {
  await press(s, 't');
  await waitFor('the plot focused by T', 5_000, async () => ((await s.exec('return document.activeElement && document.activeElement.id;')) === 'trend-plot' ? true : undefined));
  await press(s, NAV.END);
  const last = await waitFor('the cursor tooltip', 5_000, async () => (await tipLines(s)) ?? undefined);
  if (last.length !== 4 || last.some((l) => !l)) fail(`the tooltip lacks a line: ${JSON.stringify(last)}`);
  if (!/^Målt /.test(last[1])) fail(`the tooltip's time is not in Danish: ${last[1]}`);
  if (!/^(Grænser|Ingen grænser)/.test(last[2])) fail(`the tooltip names no limits: ${last[2]}`);
  if (!/^Kilde: /.test(last[3])) fail(`the tooltip names no source: ${last[3]}`);
  if (/\d\.\d/.test(last[0])) fail(`a Danish value with a decimal point: ${last[0]}`);
  log(`End: ${last.join(' | ')}`);
  await press(s, NAV.LEFT);
  await afterRepaint(s);
  const prev = await tipLines(s);
  log(`←: ${prev?.join(' | ')}`);
  const panels = await s.exec(`return document.querySelectorAll('${DRAWN}').length;`);
  if (panels > 1) {
    await press(s, NAV.DOWN);
    await afterRepaint(s);
    const below = await tipLines(s);
    log(`↓: ${below?.join(' | ')}`);
    if (!below) fail('the cursor went away on ↓');
  }
  // The arrows moved the cursor, not the page: still on the citizen's page.
  if (!(await s.exec("return !!document.querySelector('[data-testid=citizen-page]');"))) fail('the arrows left the citizen page');
  const ring = await s.exec("var c = document.querySelector('[data-testid=trend-cursor]'); return c ? [c.getAttribute('cx'), c.getAttribute('cy')] : null;");
  if (!ring) fail('no cursor ring on the plot');
}

/** At each window size: drawn to fit, no sideways scroll, the tooltip inside; a screenshot. */
async function checkSizes(s, cfg) {
  for (const size of cfg.sizes) {
    const [width, height] = size.split('x').map(Number);
    await s.setWindowRect({ width, height });
    await waitFor(`the window at ${size}`, 10_000, async () => {
      const got = await s.exec('return [window.innerWidth, window.innerHeight];');
      return got[0] >= width * 0.95 && got[1] >= height * 0.85 ? got : undefined;
    });
    const st = await waitDrawn(s, `the plot drawn again at ${size}`);
    // The cursor follows its reading through the new drawing; bring it into view.
    await s.exec(`var t = document.querySelector('[data-testid=trend-tip]'); if (t) t.scrollIntoView({ block: 'center', inline: 'nearest' }); return true;`);
    await afterRepaint(s);
    const over = await sideways(s);
    if (over.over > 1) fail(`at ${size} the page scrolls sideways by ${over.over} px: ${JSON.stringify(over)}`);
    const tip = await s.exec(`var t = document.querySelector('[data-testid=trend-tip]'); if (!t) return null; var r = t.getBoundingClientRect();
      return { left: r.left, right: r.right, vw: window.innerWidth };`);
    if (!tip) fail(`at ${size} the cursor's tooltip is gone`);
    if (tip.left < 0 || tip.right > tip.vw + 1) fail(`at ${size} the tooltip leaves the window: ${JSON.stringify(tip)}`);
    log(`${size}: drawn ${st.drawn} px for ${st.area} px, panels ${st.panels.join(' ')}`);
    await saveScreenshot(s, join(cfg.artifacts, `trend-${size}.png`));
  }
}

async function checkExport(s) {
  await press(s, 'g');
  const path = await waitFor('the PDF written', 30_000, async () => {
    const st = await s.exec(`var ok = document.querySelector('[data-testid=trend-exported]'), err = document.querySelector('[data-testid=trend-export-error]');
      return ok ? ['ok', ok.textContent] : err ? ['error', err.textContent] : null;`);
    if (st?.[0] === 'error') {
      const e = new SmokeError(`the export failed: ${st[1]}`);
      e.fatal = true;
      throw e;
    }
    return st ? st[1].replace(/^PDF til egen læge gemt: /, '') : undefined;
  });
  if (!existsSync(path)) fail(`the app says it wrote ${path}, which does not exist`);
  if (readFileSync(path).subarray(0, 5).toString('latin1') !== '%PDF-') fail(`${path} is not a PDF`);
  log(`PDF for the GP: ${path}`);
  unlinkSync(path);
}

async function run() {
  const cfg = config();
  log(`app ${cfg.bin} ${JSON.stringify(cfg.args)}`);
  const s = await startApp(cfg.bin, cfg.args);
  try {
    await waitReady(s);
    if ((await s.exec('return document.documentElement.lang;')) === 'en') {
      await s.click(await s.find('[data-testid="lang-switch"]'));
      await waitFor('Danish', 5_000, async () => ((await s.exec('return document.documentElement.lang;')) === 'da' ? true : undefined));
    }
    await s.setWindowRect({ width: 1366, height: 768 });
    const chosen = await checkSparklines(s);
    if (!chosen) fail('no worklist row in view has a sparkline');
    const [id, name] = chosen;
    await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"]'); r.click();
      document.getElementById('citizen-table').focus(); return true;`, [id]);
    await press(s, KEY.ENTER);
    await waitFor(`${name}'s page`, 10_000, async () =>
      ((await s.exec("var n = document.querySelector('[data-testid=citizen-page-name]'); return n ? n.textContent : null;")) === name ? true : undefined));
    const st = await waitDrawn(s, `${name}'s trend plot`);
    const range = await s.exec("var b = document.querySelector('[data-testid=trend-range][aria-pressed=true]'); return b ? b.dataset.range : null;");
    if (range !== '7d') fail(`the plot opens at ${range}, not 7d`);
    log(`${name} (${id}): drawn ${st.drawn} px, panels ${st.panels.join(' ')}`);
    await afterRepaint(s);
    await checkFont(s);
    await checkCursor(s);
    await checkSizes(s, cfg);
    if (cfg.exportPdf) await checkExport(s);
    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    return `TREND OK: ${name}, panels ${st.panels.length}, cursor and tooltip, sizes ${cfg.sizes.join(' ')}, screenshots in ${cfg.artifacts}`;
  } finally {
    try {
      await s.remove();
    } catch (e) {
      log(`could not delete session ${s.id}: ${e.message}`);
    }
  }
}

run().then(
  (summary) => console.log(summary),
  (e) => {
    console.log(`TREND FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

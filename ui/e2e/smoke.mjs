#!/usr/bin/env node
// End-to-end smoke test of the Vagt desktop app through tauri-driver (WebDriver).
// Plain Node >= 20, no dependencies. The caller starts tauri-driver on port 4444 first.
//
// Env:
//   VAGT_BIN           absolute path of the app binary (required)
//   VAGT_ARGS          JSON array of CLI args for the app (default [])
//   EXPECTED_CITIZENS  number of citizens the app should list (required)
//   ARTIFACTS_DIR      where screenshots go (default ./e2e-artifacts)
//   WEBDRIVER_URL      default http://127.0.0.1:4444
//   EXPECTED_NEWS2     number of citizens with a NEWS2 (optional)
//   E2E_SIZES          window sizes to check the layout at (default "1366x768,1920x1080"; the
//                      X screen must be at least that large)

import { join } from 'node:path';
import {
  KEY, SmokeError, afterRepaint, appConfig, bannerText, collectRows, fail, log, press, saveScreenshot, startApp,
  waitFor, waitReady,
} from './webdriver.mjs';

const ROW = '[data-testid="citizen-row"]';

function config() {
  const base = appConfig();
  const expectedRaw = process.env.EXPECTED_CITIZENS;
  const expected = Number(expectedRaw);
  if (expectedRaw === undefined || expectedRaw.trim() === '' || !Number.isInteger(expected) || expected < 0) {
    fail(`EXPECTED_CITIZENS must be a non-negative integer, got ${JSON.stringify(expectedRaw)}`);
  }
  return { ...base, expected };
}

const getLang = (s) => s.exec('return document.documentElement.lang;');
/** Rows in the DOM: only those in view (the worklist renders no more). */
const renderedRows = async (s) => (await s.findAll(ROW)).length;
/** Rows the worklist holds (after the search), as its grid says. */
const listedRows = async (s) => Number(await s.exec("return document.querySelector('[role=grid]').getAttribute('aria-rowcount');")) - 1;
const headers = (s) => s.exec("return Array.from(document.querySelectorAll('#citizen-table [role=columnheader]')).map(function (t) { return t.textContent.trim(); });");

async function checkHeaders(s, lang) {
  const names = await headers(s);
  if (names.length < 6 || names.some((n) => n === '')) fail(`blank column headers in ${lang}: ${JSON.stringify(names)}`);
  const overflow = await s.exec("var sc = document.querySelector('[data-testid=worklist-scroll]'); return sc.scrollWidth - sc.clientWidth;");
  if (overflow > 1) fail(`the worklist scrolls sideways by ${overflow} px in ${lang}`);
  return names;
}

/**
 * At each window size: the alarm panel shows its count and its top three rows (or all when
 * fewer), inside the window, and the worklist shows rows under it.
 */
async function checkLayout(s, artifacts) {
  const sizes = (process.env.E2E_SIZES ?? '1366x768,1920x1080').split(',').map((x) => x.trim()).filter(Boolean);
  for (const size of sizes) {
    const [width, height] = size.split('x').map(Number);
    await s.setWindowRect({ width, height });
    const inner = await waitFor(`the window at ${size}`, 10_000, async () => {
      const got = await s.exec('return [window.innerWidth, window.innerHeight];');
      return got[0] >= width * 0.95 && got[1] >= height * 0.85 ? got : undefined;
    });
    await afterRepaint(s);
    const seen = await s.exec(`var vh = window.innerHeight;
      var count = document.querySelector('[data-testid=alarm-count]').getBoundingClientRect();
      var list = document.querySelector('[data-testid=alarm-list]').getBoundingClientRect();
      var items = Array.from(document.querySelectorAll('[data-testid=alarm-item]'));
      var shown = items.slice(0, 3).filter(function (e) { var r = e.getBoundingClientRect();
        return r.top >= list.top - 1 && r.bottom <= Math.min(list.bottom, vh) + 1; }).length;
      var rows = Array.from(document.querySelectorAll('[data-testid=citizen-row]')).filter(function (e) {
        var r = e.getBoundingClientRect(); return r.top >= list.bottom && r.bottom <= vh; }).length;
      var episodes = Number(document.querySelector('[data-testid=alarm-count]').dataset.episodes);
      return { countVisible: count.bottom <= vh && count.height > 0, items: items.length, episodes: episodes, shown: shown, rows: rows,
        listHeight: list.height };`);
    if (!seen.countVisible) fail(`at ${size} the alarm count is not in view`);
    if (seen.shown < Math.min(3, seen.items)) fail(`at ${size} only ${seen.shown} of the top ${Math.min(3, seen.items)} alarm rows are in view`);
    if (seen.rows < 1) fail(`at ${size} no worklist row shows under the alarm panel`);
    // Only the panel's rows in view (and a few beyond) are in the DOM: a region has thousands.
    if (seen.episodes > 40 && seen.items >= seen.episodes) {
      fail(`at ${size} all ${seen.episodes} alarm rows are in the DOM: the panel's list is not virtual`);
    }
    if (seen.listHeight > inner[1] * 0.5) fail(`at ${size} the alarm list is ${Math.round(seen.listHeight)} px tall, over half the window`);
    log(`layout ${size} (inner ${inner.join('x')}): ${seen.items} of ${seen.episodes} alarm rows in the DOM, top ${seen.shown} in view, ${seen.rows} worklist rows`);
    await saveScreenshot(s, join(artifacts, `layout-${size}.png`));
  }
}

/** Enter on a row opens the citizen's page (name and level shown); Esc returns to the same row. */
async function checkCitizenPage(s, artifacts) {
  const first = await s.exec(`var r = document.querySelector('${ROW}'); if (!r) return null; r.click();
    document.getElementById('citizen-table').focus();
    return [r.dataset.citizenId, r.querySelector('[data-testid=citizen-name]').textContent,
      (r.querySelector('[data-testid=citizen-ecm]').textContent.match(/ECM\\d/) || [''])[0]];`);
  if (!first) fail('no row to open');
  const [id, name, ecm] = first;
  await press(s, KEY.ENTER);
  const page = await waitFor(`${name}'s page`, 10_000, async () =>
    (await s.exec(`var n = document.querySelector('[data-testid=citizen-page-name]');
      var c = document.querySelector('[data-testid=citizen-page-confirmed]');
      var g = document.querySelector('[data-testid=citizen-page-suggested]');
      return n && c && g ? [n.textContent, c.textContent, g.textContent] : null;`)) ?? undefined);
  if (page[0] !== name) fail(`the page shows ${page[0]}, not ${name}`);
  if (ecm && !page.slice(1).includes(ecm)) fail(`the page shows levels ${page.slice(1)}, the worklist ${ecm}`);
  const sections = await s.exec("return Array.from(document.querySelectorAll('[data-testid^=section-]')).map(function (e) { return e.dataset.testid; });");
  for (const want of ['section-level', 'section-alarms', 'section-readings', 'section-plan']) {
    if (!sections.includes(want)) fail(`the citizen page lacks ${want}: ${sections}`);
  }
  const banner = await bannerText(s);
  if (banner) fail(`an error shows on the citizen page: ${banner}`);
  await saveScreenshot(s, join(artifacts, 'citizen-page.png'));
  await press(s, KEY.ESCAPE);
  await waitFor('the worklist with the same row selected', 5_000, async () =>
    (await s.exec(`var r = document.querySelector('${ROW}[aria-selected=true]');
      return r && r.dataset.citizenId === arguments[0] && document.activeElement.id === 'citizen-table' ? true : null;`, [id])) ?? undefined);
  log(`citizen page of ${name}: levels ${page.slice(1).join('/')}; Esc back to the row`);
}

async function clickLangAndWait(s, from, to) {
  await s.click(await s.find('[data-testid="lang-switch"]'));
  await waitFor(`language ${from} -> ${to}`, 5_000, async () => ((await getLang(s)) === to ? true : undefined));
}

async function run() {
  const cfg = config();
  log(`app ${cfg.bin} ${JSON.stringify(cfg.args)}, expecting ${cfg.expected} citizens`);

  const s = await startApp(cfg.bin, cfg.args);
  const sessionId = s.id;

  try {
    // 1. wait for the data to load
    const state = await waitReady(s);
    log(`state ${state}`);

    // 2. the page starts in Danish (a previous run may have saved English)
    let lang = await getLang(s);
    if (lang === 'en') {
      log('app starts in English (saved preference); switching to Danish first');
      await clickLangAndWait(s, 'en', 'da');
      lang = 'da';
    }
    if (lang !== 'da') fail(`expected document language "da", got ${JSON.stringify(lang)}`);

    // 3. rows and status count; the worklist renders only what is in view, so the rows are read
    //    by scrolling it through.
    const rows = await listedRows(s);
    if (rows !== cfg.expected) fail(`expected ${cfg.expected} citizens in the worklist, it lists ${rows}`);
    const all = await collectRows(s);
    if (all.length !== cfg.expected) fail(`scrolling the worklist showed ${all.length} rows, expected ${cfg.expected}`);
    if ((await renderedRows(s)) > Math.min(cfg.expected, 200)) fail('the worklist renders more rows than fit in view');
    await checkHeaders(s, 'da');
    const statusCount = Number(await s.attr(await s.find('[data-testid="status-citizens"]'), 'data-count'));
    if (statusCount !== cfg.expected) fail(`status bar says ${statusCount} citizens, expected ${cfg.expected}`);

    // The citizens with a full set of vitals show their NEWS2 (a floor: "≥N").
    const expectedNews2 = Number(process.env.EXPECTED_NEWS2 ?? '-1');
    const news2 = all.map((r) => r[3]).filter((t) => t !== '');
    if (expectedNews2 >= 0 && news2.length !== expectedNews2) {
      fail(`expected ${expectedNews2} NEWS2 scores in the worklist, found ${JSON.stringify(news2)}`);
    }
    if (news2.some((t) => !/^≥\d+$/.test(t))) fail(`a NEWS2 from home readings must read as a floor: ${news2}`);
    log(`NEWS2 shown for ${news2.length} citizens: ${news2.join(' ')}`);

    await saveScreenshot(s, join(cfg.artifacts, 'smoke.png'));

    // The citizen page, and the layout at the two screens a nurse has.
    if (rows > 0) await checkCitizenPage(s, cfg.artifacts);
    await checkLayout(s, cfg.artifacts);

    // 4. language switch
    await clickLangAndWait(s, 'da', 'en');
    const lang2 = await getLang(s);
    if (lang2 !== 'en') fail(`language did not switch to "en" (is ${JSON.stringify(lang2)})`);
    const english = await checkHeaders(s, 'en');
    log(`English headers: ${english.join(' | ')}`);

    // 5. search for the first row's name
    let searched = '(skipped: no rows)';
    if (rows > 0) {
      // textContent, not the WebDriver text: the virtual list keeps a row or two rendered
      // above the scrolled view, and WebDriver reads no text from what is not in view.
      const name = String(await s.exec(`var e = document.querySelector('${ROW} [data-testid="citizen-name"]');
        return e ? e.textContent : '';`)).trim();
      if (!name) fail('first row has no name text');
      await s.type(await s.find('[data-testid="search"]'), name);
      const filtered = await waitFor(`search "${name}" to filter rows`, 5_000, async () => {
        const n = await listedRows(s);
        return n >= 1 && (rows < 2 || n < rows) ? n : undefined;
      });
      if (rows < 2) log('only one citizen: cannot check that the search narrows the list');
      searched = `"${name}" -> ${filtered}/${rows} rows`;
    }

    await saveScreenshot(s, join(cfg.artifacts, 'smoke-en.png'));

    // leave the saved language as we found it (best effort)
    try {
      await clickLangAndWait(s, 'en', 'da');
    } catch (e) {
      log(`could not switch back to Danish: ${e.message}`);
    }

    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    return `SMOKE OK: ${rows} citizens (status ${statusCount}), citizen page, layout, lang da->en, search ${searched}, screenshots in ${cfg.artifacts}`;
  } finally {
    try {
      await s.remove();
    } catch (e) {
      log(`could not delete session ${sessionId}: ${e.message}`);
    }
  }
}

run().then(
  (summary) => {
    console.log(summary);
  },
  (e) => {
    console.log(`SMOKE FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

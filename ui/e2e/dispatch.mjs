#!/usr/bin/env node
// End-to-end test of MAS dispatches, through tauri-driver (WebDriver). Plain Node >= 20, no
// dependencies. The caller starts tauri-driver on port 4444.
//
// On the demo database, at 1366x768: a worklist row chosen with the keys; M opens the form,
// 1 makes it immediate, the reason and the MAS nurse are typed, Ctrl+Enter sends it. The
// dispatch stands on the board and on the citizen's row. B goes to the board; Enter and a
// digit move it on: en route, arrived, completed, with the outcome chosen by I (hospital
// admission). Then it leaves the board, the citizen's row shows ECM6, the alarm panel holds
// the admission's alarm, and vagtctl reads back the same dispatch, level and alarm. At
// 1920x1080, a second dispatch on the board and its form. Screenshots dispatch-*.png.
//
// Env:
//   VAGT_BIN       absolute path of the app binary (required)
//   VAGT_ARGS      JSON array of CLI args for the app (default [])
//   VAGTCTL        JSON array: vagtctl and its leading arguments (--db ...) (required)
//   ARTIFACTS_DIR  where screenshots go (default ./e2e-artifacts)
//   WEBDRIVER_URL  default http://127.0.0.1:4444

import { join } from 'node:path';
import {
  KEY, ROWS_IN_ORDER, SmokeError, afterRepaint, appConfig, bannerText, dialogOpen, fail, log, press, resize, saveScreenshot,
  startApp, typeKeys, vagtctl, waitFor, waitReady,
} from './webdriver.mjs';

const ROW = '[data-testid="citizen-row"]';
const TAB = '\uE004';
const REASON = `e2e ${Date.now().toString(36)}: SpO2 84, more breathless`;
const NURSE = 'mas.ole';



const focused = (s) => s.exec(`var a = document.activeElement; if (!a) return null;
  var g = a.closest('[role=radiogroup]');
  return { id: a.id || null, testid: a.dataset.testid || null, group: g ? g.dataset.testid : null };`);


/** Selects the worklist row of citizen `index` (0: the first) and gives the table the keys. */
async function selectRow(s, index) {
  const row = await waitFor('a worklist row', 20_000, async () =>
    s.exec(`var r = ${ROWS_IN_ORDER}[arguments[0]]; return r ? [r.dataset.citizenId, r.querySelector('[data-testid=citizen-name]').textContent] : null;`, [index])
      .then((v) => v ?? undefined));
  await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"]'); r.click();
    document.getElementById('citizen-table').focus(); return true;`, [row[0]]);
  return { id: row[0], name: row[1].replace(/MAS.*$/, '').trim() };
}

/** Saves the open dispatch form; fails with what it said when it refuses. */
async function save(s) {
  await press(s, KEY.CONTROL, KEY.ENTER);
  await waitFor('the dispatch saved', 15_000, async () => {
    if (!(await dialogOpen(s, 'dispatch-dialog'))) return true;
    const error = await s.exec("var e = document.querySelector('[data-testid=dispatch-dialog-error]'); return e ? e.textContent : '';");
    if (error) {
      const e = new SmokeError(`the dispatch was refused: ${error}`);
      e.fatal = true;
      throw e;
    }
    return undefined;
  });
}

/** The frame fills the window exactly: the header at the top, the status bar at the bottom. */
async function fitsWindow(s, where) {
  const got = await s.exec(`var app = document.querySelector('.app').getBoundingClientRect();
    return { top: app.top, bottom: app.bottom, vh: window.innerHeight, scrollTop: document.scrollingElement.scrollTop };`);
  if (Math.abs(got.top) > 1 || Math.abs(got.bottom - got.vh) > 1) fail(`${where}: the frame is out of the window: ${JSON.stringify(got)}`);
}

const boardStates = (s) => s.exec(`return Array.from(document.querySelectorAll('[data-testid=dispatch-row]'))
  .map(function (r) { return r.dataset.key + ' ' + r.dataset.state; });`);

/** B, then Enter on the chosen dispatch, a digit for its next state, Ctrl+Enter. */
async function moveOn(s, key, digit, state, outcomeKey = null) {
  await press(s, 'b');
  const at = await focused(s);
  if (at?.id !== 'dispatch-list') fail(`B put the focus on ${JSON.stringify(at)}, not the board`);
  await press(s, KEY.ENTER);
  await waitFor('the dispatch form', 5_000, async () => ((await dialogOpen(s, 'dispatch-dialog')) ? true : undefined));
  await typeKeys(s, digit);
  const chosen = await s.exec("return document.querySelector('[data-testid=dispatch-state]').dataset.value;");
  if (chosen !== state) fail(`${digit} chose ${chosen}, not ${state}`);
  if (outcomeKey) {
    await press(s, TAB);
    const g = await focused(s);
    if (g?.group !== 'dispatch-outcome') fail(`Tab after the state went to ${JSON.stringify(g)}`);
    await typeKeys(s, outcomeKey);
    const sets = await s.exec("var e = document.querySelector('[data-testid=dispatch-sets-level]'); return e ? e.textContent : '';");
    if (!sets.includes('ECM6')) fail(`the admission does not say it sets ECM6: ${JSON.stringify(sets)}`);
  }
  await save(s);
  if (state === 'completed') return;
  await waitFor(`the dispatch ${state} on the board`, 10_000, async () =>
    ((await boardStates(s)).includes(`${key} ${state}`) ? true : undefined));
}

async function run() {
  const cfg = appConfig({ VAGTCTL: 'the test reads the dispatch back through vagtctl' });
  log(`app ${cfg.bin} ${JSON.stringify(cfg.args)}`);
  const s = await startApp(cfg.bin, cfg.args);
  try {
    await waitReady(s);
    if ((await s.exec('return document.documentElement.lang;')) === 'en') {
      await s.click(await s.find('[data-testid="lang-switch"]'));
      await waitFor('Danish', 5_000, async () => ((await s.exec('return document.documentElement.lang;')) === 'da' ? true : undefined));
    }
    await resize(s, 1366, 768);
    const { id, name } = await selectRow(s, 0);
    log(`sending the MAS nurse to ${name} (${id})`);
    await fitsWindow(s, 'the worklist');

    // M: the form opens on the urgency; 1 is immediate; Tab to the reason and the nurse.
    await press(s, 'm');
    await waitFor('the dispatch form', 5_000, async () => ((await dialogOpen(s, 'dispatch-dialog')) ? true : undefined));
    const heading = await s.exec("return document.querySelector('#dispatch-heading').textContent.trim();");
    if (heading !== `Send MAS-sygeplejersken til ${name}`) fail(`the form is headed ${JSON.stringify(heading)}`);
    await typeKeys(s, '1');
    const urgency = await s.exec("return document.querySelector('[data-testid=dispatch-urgency]').dataset.value;");
    if (urgency !== 'immediate') fail(`1 chose ${urgency}`);
    await press(s, TAB);
    if ((await focused(s))?.testid !== 'dispatch-reason') fail(`Tab went to ${JSON.stringify(await focused(s))}, not the reason`);
    await typeKeys(s, REASON);
    await press(s, TAB);
    await typeKeys(s, NURSE);
    await afterRepaint(s);
    await fitsWindow(s, 'the dispatch form');
    await saveScreenshot(s, join(cfg.artifacts, 'dispatch-form-1366x768.png'));
    await save(s);

    const [first] = await waitFor('the dispatch on the board', 10_000, async () => {
      const rows = await boardStates(s);
      return rows.length === 1 ? rows : undefined;
    });
    const key = first.split(' ')[0];
    const mark = await waitFor('the MAS mark on the row', 10_000, async () =>
      (await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"] [data-testid=citizen-mas]'); return r ? r.textContent : null;`, [id])) ?? undefined);
    if (!mark.includes('Bestilt')) fail(`the row says ${JSON.stringify(mark)}`);

    await moveOn(s, key, '1', 'en_route');
    await afterRepaint(s);
    await fitsWindow(s, 'the board');
    await saveScreenshot(s, join(cfg.artifacts, 'dispatch-board-1366x768.png'));
    await moveOn(s, key, '1', 'arrived');
    await moveOn(s, key, '1', 'completed', 'i');

    // Off the board; the row at ECM6; the admission's alarm in the panel.
    await waitFor('the board emptied', 10_000, async () => ((await boardStates(s)).length === 0 ? true : undefined));
    await waitFor(`${name} at ECM6`, 10_000, async () =>
      ((await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"] [data-testid=citizen-ecm]'); return r ? r.textContent : '';`, [id])).includes('ECM6') ? true : undefined));
    // The panel renders only the rows in view: the alarm is found in the store, and the panel's
    // count says it shows as many citizens as the store has episodes.
    await waitFor(`${name}'s alarm`, 10_000, async () => {
      if (vagtctl('episodes', '--citizen', id).length === 0) return undefined;
      const shown = await s.exec("return Number(document.querySelector('[data-testid=alarm-count]').dataset.episodes);");
      return shown === vagtctl('episodes').length ? true : undefined;
    });
    await afterRepaint(s);
    await fitsWindow(s, 'after the admission');
    await saveScreenshot(s, join(cfg.artifacts, 'dispatch-admitted-1366x768.png'));

    // The store holds the same.
    const kept = vagtctl('dispatch', 'list', id, '--all').find((d) => d.key === key);
    if (!kept) fail(`vagtctl dispatch list ${id} --all has no ${key}`);
    const states = kept.history.map((h) => h.state).join(' ');
    if (kept.state !== 'completed' || kept.outcome !== 'hospital_admission' || states !== 'requested en_route arrived completed') {
      fail(`the kept dispatch: ${JSON.stringify(kept)}`);
    }
    if (kept.urgency !== 'immediate' || kept.reason !== REASON || kept.assigned_to !== NURSE) fail(`the kept dispatch: ${JSON.stringify(kept)}`);
    const levels = vagtctl('level', 'show', id);
    if (levels.confirmed !== 6) fail(`vagtctl level show ${id}: confirmed ${levels.confirmed}, not 6`);
    const alarms = vagtctl('alarms', '--open').filter((a) => a.citizen_id === id && a.cause.type === 'confirmed_change' && a.cause.to === 6);
    if (alarms.length !== 1) fail(`open ECM6 alarms of ${id}: ${JSON.stringify(alarms)}`);

    // The citizen's page lists the dispatch, completed, with its course.
    await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"]'); r.click();
      document.getElementById('citizen-table').focus(); return true;`, [id]);
    await press(s, KEY.ENTER);
    await waitFor('the dispatch on the citizen page', 10_000, async () =>
      ((await s.exec(`var r = document.querySelector('[data-testid=dispatch-log-row][data-key="' + arguments[0] + '"]');
        if (!r) return null; r.querySelector('button').click(); r.scrollIntoView(); return r.dataset.state;`, [key])) === 'completed' ? true : undefined));
    const course = await waitFor('its course', 5_000, async () =>
      (await s.exec("var d = document.querySelector('[data-testid=dispatch-log-details]'); return d ? d.textContent : null;")) ?? undefined);
    if (!course.includes(REASON) || !course.includes('Ankommet')) fail(`the page's course of the dispatch: ${JSON.stringify(course)}`);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'dispatch-page-1366x768.png'));
    await press(s, KEY.ESCAPE);
    await waitFor('the worklist again', 5_000, async () => ((await s.exec("return !document.querySelector('[data-testid=citizen-page]');")) ? true : undefined));

    // At 1920x1080: a second dispatch, planned, on the board with its form open.
    await resize(s, 1920, 1080);
    const other = await selectRow(s, 1);
    await press(s, 'm');
    await waitFor('the dispatch form', 5_000, async () => ((await dialogOpen(s, 'dispatch-dialog')) ? true : undefined));
    await typeKeys(s, '3');
    await press(s, TAB);
    await typeKeys(s, 'e2e: planned check after discharge');
    await save(s);
    await waitFor('the second dispatch on the board', 10_000, async () => ((await boardStates(s)).length === 1 ? true : undefined));
    await afterRepaint(s);
    await fitsWindow(s, 'the board at 1920x1080');
    await saveScreenshot(s, join(cfg.artifacts, 'dispatch-board-1920x1080.png'));
    await press(s, 'b');
    await press(s, KEY.ENTER);
    await waitFor('the dispatch form', 5_000, async () => ((await dialogOpen(s, 'dispatch-dialog')) ? true : undefined));
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'dispatch-move-1920x1080.png'));
    await press(s, KEY.ESCAPE);

    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    return `DISPATCH OK: ${name} (${key}) requested, en route, arrived, admitted (ECM6, alarm raised); ${other.name} on the board at 1920x1080; screenshots in ${cfg.artifacts}`;
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
    console.log(`DISPATCH FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

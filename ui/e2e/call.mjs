#!/usr/bin/env node
// End-to-end test of the call log, through tauri-driver (WebDriver). Plain Node >= 20, no
// dependencies. The caller starts tauri-driver on port 4444.
//
// On the demo database, at 1366x768: a citizen's page opened with the keys; O starts a call;
// the reason, a symptom (J, and words), the advice and an ECM assessment are filled in with the
// keyboard only (Tab moves, keys choose); the form fits the window (or scrolls inside itself);
// Ctrl+Enter saves. The call then shows first in the page's call list, the confirmed level is
// the assessment, and vagtctl reads back the same call and level from the store. Screenshots
// call-form-1366x768.png and call-list-1366x768.png.
//
// Env:
//   VAGT_BIN       absolute path of the app binary (required)
//   VAGT_ARGS      JSON array of CLI args for the app (default [])
//   VAGTCTL        JSON array: vagtctl and its leading arguments (--db ...), to read the store back (required)
//   ARTIFACTS_DIR  where screenshots go (default ./e2e-artifacts)
//   WEBDRIVER_URL  default http://127.0.0.1:4444

import { join } from 'node:path';
import {
  KEY, SmokeError, afterRepaint, appConfig, bannerText, dialogOpen, fail, log, press, saveScreenshot, startApp,
  typeKeys, vagtctl, waitFor, waitReady,
} from './webdriver.mjs';

const ROW = '[data-testid="citizen-row"]';
const TAB = '\uE004';
/** What the nurse types: plain ASCII, so every WebDriver key map types it alike. */
const REASON = `e2e ${Date.now().toString(36)}: more breathless than usual`;
const DETAIL = 'on the stairs';
const ADVICE = 'start prednisolone from the box';
const WIDTH = 1366;
const HEIGHT = 768;



/** What has the focus: its test id, its field, and the test id of the group it is in. */
const focused = (s) => s.exec(`var a = document.activeElement; if (!a) return null;
  var g = a.closest('[role=radiogroup]'), row = a.closest('[data-testid=call-symptom]');
  return { testid: a.dataset.testid || null, group: g ? g.dataset.testid : null, field: g ? g.dataset.field : (a.dataset.field || null),
    symptom: row ? row.dataset.symptom : null, text: a.textContent, value: 'value' in a ? a.value : null };`);

/** Presses Tab until `want` says the focus has arrived (at most `max` presses). */
async function tabTo(s, what, want, max = 40) {
  for (let i = 0; i < max; i++) {
    const at = await focused(s);
    if (at && want(at)) return at;
    await press(s, TAB);
  }
  fail(`Tab never reached ${what} (focus at ${JSON.stringify(await focused(s))})`);
}

/** The dialog inside the window, and nothing in it wider than the form. */
async function checkFits(s) {
  const box = await s.exec(`var d = document.querySelector('[data-testid=call-dialog]'); var r = d.getBoundingClientRect();
    var save = d.querySelector('[data-testid=call-dialog-save]');
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, vw: window.innerWidth, vh: window.innerHeight,
      sideways: d.scrollWidth - d.clientWidth, scrolls: d.scrollHeight > d.clientHeight, save: !!save };`);
  if (box.top < 0 || box.bottom > box.vh + 1 || box.left < 0 || box.right > box.vw + 1) fail(`the call form leaves the window: ${JSON.stringify(box)}`);
  if (box.sideways > 1) fail(`the call form scrolls sideways by ${box.sideways} px`);
  if (!box.save) fail('the call form has no save button');
  log(`call form: ${Math.round(box.right - box.left)}x${Math.round(box.bottom - box.top)} px in ${box.vw}x${box.vh}${box.scrolls ? ', scrolls inside' : ''}`);
}

async function openCitizen(s) {
  const first = await waitFor('a worklist row', 20_000, async () =>
    s.exec(`var r = document.querySelector('${ROW}'); return r ? [r.dataset.citizenId, r.querySelector('[data-testid=citizen-name]').textContent] : null;`)
      .then((v) => v ?? undefined));
  const [id, name] = first;
  await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"]'); r.click();
    document.getElementById('citizen-table').focus(); return true;`, [id]);
  await press(s, KEY.ENTER);
  await waitFor(`${name}'s page`, 10_000, async () =>
    ((await s.exec("var n = document.querySelector('[data-testid=citizen-page-name]'); return n ? n.textContent : null;")) === name ? true : undefined));
  // The page's call list has been read (empty or not).
  await waitFor('the call list read', 10_000, async () =>
    ((await s.exec("var c = document.querySelector('[data-testid=section-calls]'); return c ? c.getAttribute('aria-busy') : null;")) === 'false' ? true : undefined));
  return { id, name };
}

async function run() {
  const cfg = appConfig({ VAGTCTL: 'the test reads the saved call back through vagtctl' });
  log(`app ${cfg.bin} ${JSON.stringify(cfg.args)}`);
  const s = await startApp(cfg.bin, cfg.args);
  try {
    await waitReady(s);
    if ((await s.exec('return document.documentElement.lang;')) === 'en') {
      await s.click(await s.find('[data-testid="lang-switch"]'));
      await waitFor('Danish', 5_000, async () => ((await s.exec('return document.documentElement.lang;')) === 'da' ? true : undefined));
    }
    await s.setWindowRect({ width: WIDTH, height: HEIGHT });
    await waitFor(`the window at ${WIDTH}x${HEIGHT}`, 10_000, async () => {
      const got = await s.exec('return [window.innerWidth, window.innerHeight];');
      return got[0] >= WIDTH * 0.95 && got[1] >= HEIGHT * 0.85 ? got : undefined;
    });
    const { id, name } = await openCitizen(s);
    const before = await s.exec("return document.querySelectorAll('[data-testid=call-log-row]').length;");
    const confirmedBefore = (await s.exec("return document.querySelector('[data-testid=citizen-page-confirmed]').textContent;")).trim();
    const level = confirmedBefore === 'ECM3' ? 4 : 3;
    log(`${name} (${id}): ${before} calls, confirmed ${confirmedBefore}; assessing ECM${level}`);

    // O: the form opens on the reason, the call's time running.
    await press(s, 'o');
    await waitFor('the call form', 5_000, async () => ((await dialogOpen(s, 'call-dialog')) ? true : undefined));
    const heading = await s.exec("return document.querySelector('#call-heading').textContent.trim();");
    if (heading !== `Opkald med ${name}`) fail(`the call form is headed ${JSON.stringify(heading)}`);
    const start = await focused(s);
    if (start?.testid !== 'call-reason') fail(`the call form opened with the focus on ${JSON.stringify(start)}, not the reason`);
    await typeKeys(s, REASON);

    // Tab into the symptom grid: J says yes, Tab to its words.
    await tabTo(s, 'the breathlessness answers', (at) => at.group === 'call-symptom-answer' && at.symptom === 'breathlessness');
    await typeKeys(s, 'j');
    const answered = await s.exec("return document.querySelector('[data-testid=call-symptom][data-symptom=breathlessness]').dataset.answer;");
    if (answered !== 'yes') fail(`J on breathlessness gave ${answered}`);
    await press(s, TAB);
    const detail = await focused(s);
    if (detail?.testid !== 'call-symptom-detail' || detail.symptom !== 'breathlessness') fail(`Tab after the answers went to ${JSON.stringify(detail)}`);
    await typeKeys(s, DETAIL);

    await tabTo(s, 'the advice', (at) => at.testid === 'call-advice');
    await typeKeys(s, ADVICE);
    // A digit chooses the level.
    await tabTo(s, 'the ECM assessment', (at) => at.group === 'call-level');
    await typeKeys(s, String(level));
    const chosen = await s.exec("return document.querySelector('[data-testid=call-level]').dataset.value;");
    if (chosen !== String(level)) fail(`${level} in the assessment chose ${JSON.stringify(chosen)}`);

    const typed = await s.exec(`return [document.querySelector('[data-testid=call-reason]').value,
      document.querySelector('[data-testid=call-symptom][data-symptom=breathlessness] [data-testid=call-symptom-detail]').value,
      document.querySelector('[data-testid=call-advice]').value];`);
    if (typed[0] !== REASON || typed[1] !== DETAIL || typed[2] !== ADVICE) fail(`the form holds ${JSON.stringify(typed)}`);
    const timer = await s.exec("return document.querySelector('[data-testid=call-timer]').textContent;");
    if (!/\d\d:\d\d/.test(timer)) fail(`no running time in ${JSON.stringify(timer)}`);
    await checkFits(s);
    await saveScreenshot(s, join(cfg.artifacts, `call-form-${WIDTH}x${HEIGHT}.png`));

    // Ctrl+Enter saves: the form closes, or says why not.
    await press(s, KEY.CONTROL, KEY.ENTER);
    await waitFor('the call saved', 15_000, async () => {
      if (!(await dialogOpen(s, 'call-dialog'))) return true;
      const error = await s.exec("var e = document.querySelector('[data-testid=call-dialog-error]'); return e ? e.textContent : '';");
      if (error) {
        const problems = await s.exec("return Array.from(document.querySelectorAll('[data-testid=call-problem]')).map(function (p) { return p.dataset.field + ': ' + p.textContent.trim(); });");
        const e = new SmokeError(`the call was refused: ${error} ${JSON.stringify(problems)}`);
        e.fatal = true;
        throw e;
      }
      return undefined;
    });
    const note = await s.exec("return document.querySelector('[data-testid=alarm-note]').textContent;");
    if (!note.includes(`Opkaldet med ${name} er gemt.`)) fail(`no confirmation after saving: ${JSON.stringify(note)}`);

    // The call first in the page's list, with the assessment; the confirmed level follows it.
    const row = await waitFor('the call in the list', 10_000, async () => {
      const got = await s.exec(`var rows = document.querySelectorAll('[data-testid=call-log-row]'); if (!rows.length) return null;
        var r = rows[0]; return { count: rows.length, key: r.dataset.callKey, reason: r.querySelector('[data-testid=call-log-reason]').textContent,
          level: r.querySelector('[data-testid=call-log-level]').textContent.trim(), text: r.textContent };`);
      return got && got.reason === REASON ? got : undefined;
    });
    if (row.count !== before + 1) fail(`the list went from ${before} to ${row.count} calls`);
    if (row.level !== `ECM${level}`) fail(`the listed call's assessment is ${row.level}`);
    await waitFor(`the confirmed level ECM${level}`, 10_000, async () =>
      ((await s.exec("return document.querySelector('[data-testid=citizen-page-confirmed]').textContent.trim();")) === `ECM${level}` ? true : undefined));
    log(`saved: ${row.key}, ${row.text.replace(/\s+/g, ' ').trim()}`);

    // The store holds the same: the call, with its symptom, and the nurse's level.
    const calls = vagtctl('call', 'list', id);
    const kept = calls.find((c) => c.reason === REASON);
    if (!kept) fail(`vagtctl call list ${id} has no call "${REASON}"`);
    const symptom = kept.symptoms.find((x) => x.symptom === 'breathlessness');
    if (!symptom || symptom.present !== true || symptom.detail !== DETAIL) fail(`the kept call's symptoms: ${JSON.stringify(kept.symptoms)}`);
    if (kept.advice !== ADVICE || kept.assessed_level !== level) fail(`the kept call: ${JSON.stringify(kept)}`);
    if (Date.parse(kept.ended_at) < Date.parse(kept.started_at)) fail(`the call ends before it starts: ${kept.started_at} .. ${kept.ended_at}`);
    const levels = vagtctl('level', 'show', id);
    if (levels.confirmed !== level) fail(`vagtctl level show ${id}: confirmed ${levels.confirmed}, not ${level}`);

    // The list in view, the new call opened by the keyboard (Enter on its toggle).
    await s.exec(`var sec = document.querySelector('[data-testid=section-calls]'), sc = document.querySelector('.page-scroll');
      sc.scrollTop += sec.getBoundingClientRect().top - sc.getBoundingClientRect().top - 8;
      document.querySelector('[data-testid=call-log-row] [data-testid=call-log-toggle]').focus({ preventScroll: true }); return true;`);
    await press(s, KEY.ENTER);
    const details = await waitFor('the call opened', 5_000, async () =>
      (await s.exec("var d = document.querySelector('[data-testid=call-log-details]'); return d ? d.textContent : null;")) ?? undefined);
    if (!details.includes(DETAIL) || !details.includes(ADVICE)) fail(`the opened call shows ${JSON.stringify(details)}`);
    await afterRepaint(s);
    const sideways = await s.exec("var p = document.querySelector('.page-scroll'); return p.scrollWidth - p.clientWidth;");
    if (sideways > 1) fail(`the citizen page scrolls sideways by ${sideways} px`);
    await saveScreenshot(s, join(cfg.artifacts, `call-list-${WIDTH}x${HEIGHT}.png`));

    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    return `CALL OK: ${name}, call ${kept.key} saved by keys, listed first with ECM${level}, confirmed level ECM${level}, screenshots in ${cfg.artifacts}`;
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
    console.log(`CALL FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

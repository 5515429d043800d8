#!/usr/bin/env node
// End-to-end test of the shift handover, through tauri-driver (WebDriver). Plain Node >= 20, no
// dependencies. The caller starts tauri-driver on port 4444.
//
// Before the app starts, a night nurse writes a note on a citizen through vagtctl: unstable in
// her judgement, and an "if ... then ..." note. In the app H opens the handover of the shift now;
// the noted citizen is in it, unstable "judged by" her, with the note in bold; N on that citizen
// opens the note dialog with the note standing (Esc leaves it), or, in a shift's first hour when
// the handover shown is the shift that just ended, opens nothing and says that notes are written
// in the shift now; ← and → go to the shift before and back; S receives (signs for) the first
// citizen, and vagtctl reads the sign-off back (the first citizen signed for by the app's nurse,
// who is among the handover's signers). Screenshots handover-*.png at 1366x768 and 1920x1080.
//
// Env:
//   VAGT_BIN       absolute path of the app binary (required)
//   VAGT_ARGS      JSON array of CLI args for the app (default [])
//   VAGTCTL        JSON array: vagtctl and its leading arguments (--db ...) (required)
//   ARTIFACTS_DIR  where screenshots go (default ./e2e-artifacts)
//   E2E_EXPORT     "1": also press G and check the PDF it writes (into the user's Documents/Vagt)
//   WEBDRIVER_URL  default http://127.0.0.1:4444

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KEY, SmokeError, afterRepaint, appConfig, bannerText, dialogOpen, fail, log, press, resize, saveScreenshot, startApp,
  vagtctl, waitFor, waitReady,
} from './webdriver.mjs';

const HOME = '\uE011';
const LEFT = '\uE012';
const RIGHT = '\uE014';
const NIGHT_NURSE = 'nurse-night';
const IF_THEN = 'Hvis SpO2 < 88 %: send MAS';

const text = (s, testid) =>
  s.exec(`var e = document.querySelector('[data-testid="${testid}"]'); return e ? e.textContent.trim() : null;`);

/** The handover's citizens as shown: id, chosen or not, severity, signed, the note and the nurse's severity. */
const shown = (s) => s.exec(`return Array.prototype.map.call(document.querySelectorAll('[data-testid=handover-citizen]'), function (b) {
  function t(id) { var e = b.querySelector('[data-testid=' + id + ']'); return e ? e.textContent.trim() : ''; }
  var signed = b.querySelector('[data-testid=handover-signed]');
  return { id: b.dataset.citizenId, selected: b.getAttribute('aria-selected') === 'true', severity: t('handover-severity'),
    signed: signed ? signed.dataset.signed : '', note: t('handover-contingency'), judged: t('handover-nurse-severity') };
});`);

/** Waits until the view has read its handover (again) and shows at least one citizen. */
const viewReady = (s, what) => waitFor(what, 15_000, async () =>
  ((await s.exec(`var v = document.querySelector('[data-testid=handover-view]');
    return !!v && v.dataset.state === 'ready' && !!document.querySelector('[data-testid=handover-citizen]');`)) ? true : undefined));

async function checkExport(s) {
  await press(s, 'g');
  const path = await waitFor('the handover PDF', 60_000, async () => {
    const failed = await text(s, 'handover-failure');
    if (failed) {
      const e = new SmokeError(`the export failed: ${failed}`);
      e.fatal = true;
      throw e;
    }
    const said = await text(s, 'handover-exported');
    return said ? said.slice(said.indexOf(':') + 1).trim() : undefined;
  });
  if (!existsSync(path)) fail(`the PDF the app named is not there: ${path}`);
  if (readFileSync(path).subarray(0, 5).toString('latin1') !== '%PDF-') fail(`${path} is not a PDF`);
  log(`handover PDF ${path}`);
}

async function run() {
  const cfg = { ...appConfig({ VAGTCTL: 'the test writes a note and reads the sign-off back through vagtctl' }), exportPdf: process.env.E2E_EXPORT === '1' };
  const noted = vagtctl('citizens')[0];
  if (!noted) fail('no citizen in the store');
  const note = vagtctl('--as', NIGHT_NURSE, 'handover', 'note', noted.id, '--severity', 'unstable', '--if', IF_THEN);
  log(`note ${note.key} on ${noted.name} (${noted.id}) by ${NIGHT_NURSE}`);
  const s = await startApp(cfg.bin, cfg.args);
  try {
    await waitReady(s);
    if ((await s.exec('return document.documentElement.lang;')) === 'en') {
      await s.click(await s.find('[data-testid="lang-switch"]'));
      await waitFor('Danish', 5_000, async () => ((await s.exec('return document.documentElement.lang;')) === 'da' ? true : undefined));
    }
    await resize(s, 1366, 768);
    const actor = await s.exec("var a = document.querySelector('[data-testid=status-actor]'); return a ? a.dataset.actor : null;");
    if (!actor) fail('the status bar names no nurse');

    // H from the worklist: the handover of the shift now, the first citizen chosen.
    await s.exec("document.getElementById('citizen-table').focus(); return true;");
    await press(s, 'h');
    await viewReady(s, 'the handover view');
    const span = await text(s, 'handover-span');
    let citizens = await shown(s);
    log(`handover ${span}: ${citizens.length} citizen(s); ${await text(s, 'handover-count')}`);
    if (!citizens[0].selected) fail('the first citizen is not chosen');
    const at = citizens.findIndex((c) => c.id === noted.id);
    if (at < 0) fail(`${noted.name} (${noted.id}), noted unstable, is not in the handover: ${citizens.map((c) => c.id).join(', ')}`);
    const mine = citizens[at];
    if (mine.severity !== 'Ustabil') fail(`${noted.name}'s severity reads "${mine.severity}"`);
    if (!mine.judged.includes(NIGHT_NURSE)) fail(`the nurse's own severity reads "${mine.judged}"`);
    if (!mine.note.includes(IF_THEN) || !mine.note.includes(NIGHT_NURSE)) fail(`the if/then note reads "${mine.note}"`);
    const weight = await s.exec(`var e = document.querySelector('[data-testid=handover-citizen][data-citizen-id="${noted.id}"] [data-testid=handover-contingency]');
      return getComputedStyle(e).fontWeight;`);
    if (Number(weight) < 600) fail(`the if/then note is not bold (font-weight ${weight})`);

    // The arrows choose the noted citizen; N shows the note standing; Esc leaves it. A shift that
    // has ended (the handover shown in a shift's first hour) takes no note: N says so instead.
    const chosen = async () => (await shown(s)).find((c) => c.selected)?.id;
    for (let i = 0; i < citizens.length && (await chosen()) !== noted.id; i++) await press(s, KEY.DOWN);
    if ((await chosen()) !== noted.id) fail(`the arrows did not reach ${noted.name}`);
    const ended = (await s.exec("return document.querySelector('[data-testid=handover-view]').dataset.ended;")) === 'true';
    await press(s, 'n');
    if (ended) {
      const said = await waitFor('why no note', 5_000, async () => (await text(s, 'alarm-note')) || undefined);
      if (!said.includes('vagten nu')) fail(`N in the shift that ended says "${said}"`);
      if (await dialogOpen(s, 'handover-note-dialog')) fail('N opened the note dialog in a shift that has ended');
      log(`the shift shown has ended; N says: ${said}`);
    } else {
      await waitFor('the note dialog', 5_000, async () => ((await dialogOpen(s, 'handover-note-dialog')) ? true : undefined));
      const standing = await s.exec("return document.querySelector('[data-testid=handover-note-text]').value;");
      if (standing !== IF_THEN) fail(`the note dialog shows "${standing}"`);
      await afterRepaint(s);
      await saveScreenshot(s, join(cfg.artifacts, 'handover-note-1366x768.png'));
      await press(s, KEY.ESCAPE);
      await waitFor('the note dialog closed', 5_000, async () => ((await dialogOpen(s, 'handover-note-dialog')) ? undefined : true));
    }

    // ← the shift before, → back.
    await press(s, LEFT);
    await waitFor('the shift before', 15_000, async () => {
      const now = await text(s, 'handover-span');
      return now && now !== span && (await s.exec("return document.querySelector('[data-testid=handover-view]').dataset.state;")) === 'ready'
        ? true : undefined;
    });
    log(`the shift before: ${await text(s, 'handover-span')}`);
    await press(s, RIGHT);
    await waitFor('the shift now again', 15_000, async () => ((await text(s, 'handover-span')) === span ? true : undefined));
    await viewReady(s, 'the handover read again');

    // S receives (signs for) the first citizen; K is the alarms' and signs nothing.
    await press(s, HOME);
    citizens = await shown(s);
    const first = citizens[0];
    if (!first.selected) fail('Home did not choose the first citizen');
    await press(s, 's');
    await waitFor('the first citizen signed for', 15_000, async () =>
      ((await shown(s)).find((c) => c.id === first.id)?.signed === 'yes' ? true : undefined));
    await waitFor('the signers named', 10_000, async () => (((await text(s, 'handover-signers')) ?? '').includes(actor) ? true : undefined));
    const stored = vagtctl('handover');
    const storedFirst = stored.citizens.find((c) => c.citizen_id === first.id);
    if (!storedFirst?.signed || storedFirst.signed.by !== actor) fail(`vagtctl handover: ${first.id} signed ${JSON.stringify(storedFirst?.signed)}`);
    if (!stored.signers.includes(actor)) fail(`vagtctl handover: signers ${JSON.stringify(stored.signers)}, not ${actor}`);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'handover-1366x768.png'));

    if (cfg.exportPdf) await checkExport(s);

    await resize(s, 1920, 1080);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'handover-1920x1080.png'));
    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);

    // Enter opens the first citizen's page, L their timeline: newest first, the plot's markers,
    // a digit filters to one kind, 0 shows all; Esc back to the page, the handover, the worklist.
    await press(s, KEY.ENTER);
    await waitFor('the citizen page', 10_000, async () => ((await s.exec("return !!document.querySelector('[data-testid=citizen-page]');")) ? true : undefined));
    await press(s, 'l');
    await waitFor('the timeline', 15_000, async () =>
      ((await s.exec("var v = document.querySelector('[data-testid=timeline-view]'); return v ? v.dataset.state : null;")) === 'ready' ? true : undefined));
    const kinds = async () => s.exec("return [...document.querySelectorAll('[data-testid=timeline-entry]')].map((e) => e.dataset.kind);");
    const all = await kinds();
    if (all.length === 0) fail('the timeline shows no entry');
    // The chips count the whole list (only the rows in view are drawn).
    const alarms = Number(await s.exec("return document.querySelector('[data-testid=timeline-chip][data-kind=alarm] [data-testid=timeline-chip-count]').textContent;"));
    if (!(alarms > 0)) fail('no alarm counted in the timeline');
    await press(s, '1');
    await waitFor('only alarms', 5_000, async () => {
      const now = await kinds();
      return now.length > 0 && now.every((k) => k === 'alarm') ? true : undefined;
    });
    await press(s, '0');
    await waitFor('all kinds again', 5_000, async () => ((await kinds()).length === all.length ? true : undefined));
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'timeline-1920x1080.png'));
    await resize(s, 1366, 768);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'timeline-1366x768.png'));
    await press(s, KEY.ESCAPE);
    await waitFor('the citizen page again', 5_000, async () =>
      ((await s.exec("return !document.querySelector('[data-testid=timeline-view]') && !!document.querySelector('[data-testid=citizen-page]');")) ? true : undefined));
    await press(s, KEY.ESCAPE);
    await waitFor('the handover again', 5_000, async () => ((await s.exec("return !!document.querySelector('[data-testid=handover-view]');")) ? true : undefined));
    await press(s, KEY.ESCAPE);
    await waitFor('the worklist', 5_000, async () =>
      ((await s.exec("return !document.querySelector('[data-testid=handover-view]') && !!document.getElementById('citizen-table');")) ? true : undefined));
    return `HANDOVER OK: ${citizens.length} citizen(s) in ${span}; ${noted.name}'s note by ${NIGHT_NURSE} shown; ${first.id} signed for by ${actor}; `
      + `their timeline (${alarms} alarm entries) filtered by kind; screenshots in ${cfg.artifacts}`;
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
    console.log(`HANDOVER FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

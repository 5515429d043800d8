#!/usr/bin/env node
// End-to-end test of a MAS visit, through tauri-driver (WebDriver). Plain Node >= 20, no
// dependencies. The caller starts tauri-driver on port 4444.
//
// The app syncing with vagt-sim, as the MAS laptop does, at 1366x768: a citizen whose medicine
// box came from the backend is opened from the worklist; V opens the visit form; the vitals
// are typed (a decimal comma in the temperature) and their NEWS2 shows as they are typed;
// new confusion is chosen by C; a drug of the box is given; the outcome A (municipal acute bed)
// says it sets ECM5; the plan; Ctrl+Enter. The page lists the visit with its NEWS2, the row
// shows ECM5, vagtctl reads back the same visit (the box drug with its prescription), and the
// backend holds its Encounter and parts. At 1920x1080, the visit opened on the page.
// Screenshots visit-*.png.
//
// Env:
//   VAGT_BIN       absolute path of the app binary (required)
//   VAGT_ARGS      JSON array of CLI args for the app (default [])
//   VAGTCTL        JSON array: vagtctl and its leading arguments (--db ...) (required)
//   FHIR_BASE      the backend's FHIR base URL (required)
//   ARTIFACTS_DIR  where screenshots go (default ./e2e-artifacts)
//   WEBDRIVER_URL  default http://127.0.0.1:4444

import { join } from 'node:path';
import {
  KEY, SmokeError, afterRepaint, appConfig, bannerText, dialogOpen, fail, log, press, resize, saveScreenshot, startApp,
  typeKeys, vagtctl, waitFor, waitReady,
} from './webdriver.mjs';

const ROW = '[data-testid="citizen-row"]';
const TAB = '\uE004';
const PLAN = `e2e ${Date.now().toString(36)}: akutplads, prednisolon startet`;



const focused = (s) => s.exec(`var a = document.activeElement; if (!a) return null;
  var g = a.closest('[role=radiogroup]');
  return { field: a.dataset.field || null, testid: a.dataset.testid || null, group: g ? g.dataset.testid : null };`);


/** Focus on `field` by Tab from where it is, at most `limit` presses: the form's order works. */
async function tabTo(s, field, limit = 12) {
  for (let i = 0; i < limit; i++) {
    const at = await focused(s);
    if (at?.field === field || at?.group === field || at?.testid === field) return;
    await press(s, TAB);
  }
  fail(`Tab never reached ${field}; the focus is on ${JSON.stringify(await focused(s))}`);
}

async function run() {
  const cfg = { ...appConfig({ VAGTCTL: 'the test reads the visit back through vagtctl', FHIR_BASE: 'the test finds the visit on the backend' }), fhir: process.env.FHIR_BASE };
  log(`app ${cfg.bin} ${JSON.stringify(cfg.args)}`);
  // A citizen whose box the backend prescribed (COPD or heart failure).
  const chosen = vagtctl('citizens').map((c) => ({ ...c, box: vagtctl('box', c.id) })).find((c) => c.box.length > 0);
  if (!chosen) fail('no citizen of the cohort has a medicine box');
  const drug = chosen.box[0];
  log(`visiting ${chosen.name} (${chosen.id}); the box holds ${chosen.box.map((m) => m.drug).join(', ')}`);
  const s = await startApp(cfg.bin, cfg.args);
  try {
    await waitReady(s);
    if ((await s.exec('return document.documentElement.lang;')) === 'en') {
      await s.click(await s.find('[data-testid="lang-switch"]'));
      await waitFor('Danish', 5_000, async () => ((await s.exec('return document.documentElement.lang;')) === 'da' ? true : undefined));
    }
    await resize(s, 1366, 768);
    await waitFor('the citizen on the worklist', 20_000, async () =>
      ((await s.exec(`var r = document.querySelector('${ROW}[data-citizen-id="' + arguments[0] + '"]'); if (!r) return false;
        r.click(); document.getElementById('citizen-table').focus(); return true;`, [chosen.id])) ? true : undefined));
    await press(s, KEY.ENTER);
    await waitFor('the citizen page', 10_000, async () =>
      ((await s.exec("var h = document.querySelector('[data-testid=citizen-page-name]'); return h ? h.textContent : '';")) === chosen.name ? true : undefined));
    const boxShown = await waitFor('the medicine box on the page', 10_000, async () =>
      (await s.exec("return Array.from(document.querySelectorAll('[data-testid=box-drug]')).map(function (e) { return e.textContent; });"))
        .filter((t) => t.includes(drug.drug)).length > 0 ? true : undefined);
    if (!boxShown) fail('the box is not on the page');

    // V: the form opens on the respiratory rate; Tab through the vitals.
    await press(s, 'v');
    await waitFor('the visit form', 10_000, async () => ((await dialogOpen(s, 'visit-dialog')) ? true : undefined));
    const first = await focused(s);
    if (first?.field !== 'vitals.respiratory_rate') fail(`the form opened on ${JSON.stringify(first)}`);
    for (const [field, value] of [
      ['vitals.respiratory_rate', '26'], ['vitals.spo2', '88'], ['vitals.systolic_bp', '104'], ['vitals.diastolic_bp', '66'],
      ['vitals.pulse', '112'], ['vitals.temperature', '38,6'],
    ]) {
      await tabTo(s, field);
      await typeKeys(s, value);
    }
    await tabTo(s, 'visit-acvpu');
    await typeKeys(s, 'c');
    // RR 26 → 3, air 0, SBP 104 → 1, pulse 112 → 2, confusion 3, 38.6 → 1; SpO2 88 → 3 on
    // Scale 1, 0 on Scale 2 (the 88-92 % target), as the citizen's plan says.
    const scale2 = /spo2_scale\s*=\s*"scale2"/.test(vagtctl('plan', 'show', chosen.id).resolved ?? '');
    const expected = scale2 ? 10 : 13;
    const live = await waitFor('the live NEWS2', 10_000, async () => {
      const text = await s.exec("return document.querySelector('[data-testid=visit-news2-live]').textContent;");
      return new RegExp(`NEWS2\\s+${expected}\\b`).test(text) ? text : undefined;
    });
    log(`live: ${live.trim().replace(/\s+/g, ' ')}`);
    // The box's first drug given (Space on its checkbox).
    await s.exec("document.querySelector('[data-testid=visit-box-give]').focus(); return true;");
    await typeKeys(s, ' ');
    await tabTo(s, 'visit-outcome', 20);
    await typeKeys(s, 'a');
    const sets = await s.exec("var e = document.querySelector('[data-testid=visit-sets-level]'); return e ? e.textContent : '';");
    if (!sets.includes('ECM5')) fail(`the acute bed does not say it sets ECM5: ${JSON.stringify(sets)}`);
    await tabTo(s, 'plan');
    await typeKeys(s, PLAN);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'visit-form-1366x768.png'));
    await press(s, KEY.CONTROL, KEY.ENTER);
    await waitFor('the visit saved', 15_000, async () => {
      if (!(await dialogOpen(s, 'visit-dialog'))) return true;
      const error = await s.exec("var e = document.querySelector('[data-testid=visit-dialog-error]'); return e ? e.textContent : '';");
      if (error) {
        const e = new SmokeError(`the visit was refused: ${error}`);
        e.fatal = true;
        throw e;
      }
      return undefined;
    });

    // On the page, with its NEWS2; the citizen at ECM5.
    const news2 = await waitFor('the visit on the page', 10_000, async () =>
      (await s.exec("var r = document.querySelector('[data-testid=visit-row] [data-testid=visit-news2]'); return r ? r.textContent.trim() : null;")) ?? undefined);
    if (news2 !== String(expected)) fail(`the page shows NEWS2 ${news2}, not ${expected}`);
    await s.exec("document.querySelector('[data-testid=section-visits]').scrollIntoView(); return true;");
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'visit-page-1366x768.png'));

    // The store holds the same visit, the box drug with its prescription.
    const [kept] = vagtctl('visit', 'list', chosen.id);
    if (!kept || kept.plan !== PLAN || kept.outcome !== 'municipal_acute_bed') fail(`vagtctl visit list: ${JSON.stringify(kept)}`);
    if (kept.vitals.temperature !== 38.6 || kept.vitals.consciousness !== 'new_confusion') fail(`the kept vitals: ${JSON.stringify(kept.vitals)}`);
    if (kept.treatments[0]?.from_box !== drug.source_id) fail(`the kept treatment: ${JSON.stringify(kept.treatments)}`);
    const levels = vagtctl('level', 'show', chosen.id);
    if (levels.confirmed !== 5) fail(`vagtctl level show: confirmed ${levels.confirmed}, not 5`);

    // The app's sync takes it to the backend: the Encounter under the visit's key.
    const encounter = await waitFor('the visit on the backend', 30_000, async () => {
      const r = await fetch(`${cfg.fhir}/Encounter?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|${kept.key}`)}`);
      const bundle = await r.json();
      return bundle.entry?.length === 1 ? bundle.entry[0].resource : undefined;
    });
    if (encounter.class?.code !== 'HH') fail(`the backend's Encounter: ${JSON.stringify(encounter).slice(0, 300)}`);
    const given = await (await fetch(`${cfg.fhir}/MedicationAdministration?identifier=${encodeURIComponent(`urn:dk:naerklinikken:vagt:visit-part|${kept.key}/treatment.0`)}`)).json();
    const request = given.entry?.[0]?.resource?.request?.reference ?? '';
    if (!request.startsWith('MedicationRequest/')) fail(`the administration's request: ${JSON.stringify(given).slice(0, 300)}`);

    // At 1920x1080: the visit opened on the page.
    await resize(s, 1920, 1080);
    await s.exec("var b = document.querySelector('[data-testid=visit-row] button'); b.click(); b.scrollIntoView(); return true;");
    await waitFor('the visit details', 5_000, async () => ((await s.exec("return !!document.querySelector('[data-testid=visit-details]');")) ? true : undefined));
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'visit-page-1920x1080.png'));

    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    return `VISIT OK: ${chosen.name} (${chosen.id}) visited, NEWS2 ${news2} live and on the page, ${drug.drug} from the box, ECM5; on the backend as ${encounter.id} with ${request}; screenshots in ${cfg.artifacts}`;
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
    console.log(`VISIT FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

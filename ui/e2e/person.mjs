#!/usr/bin/env node
// End-to-end test of a person outside the clinic and an unknown caller, through tauri-driver
// (WebDriver). Plain Node >= 20, no dependencies. The caller starts tauri-driver on port 4444.
//
// The app syncing with vagt-sim at 1366x768. An unknown caller's call (logged through
// vagtctl before the app starts) shows in the strip above the worklist; the link dialog finds a
// cohort citizen by name and Enter ties the call to them (vagtctl reads the link back). Alt+M
// sends MAS to a person known only by CPR, name and address, typed with the keys; the person's
// row says "Kun MAS", their page has no readings, plan or trend, and the app's sync makes them
// one Patient on the backend, tagged as served by MAS only. Screenshots person-*.png and
// link-*.png, the page also at 1920x1080.
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

const TAB = '\uE004';
const CPR = '311299-4321';
const NAME = `Ib Hansen ${Date.now().toString(36)}`;

const text = (s, testid) =>
  s.exec(`var e = document.querySelector('[data-testid="${testid}"]'); return e ? e.textContent : null;`);

async function run() {
  const cfg = { ...appConfig({ VAGTCTL: 'the test logs the call and reads the link back through vagtctl', FHIR_BASE: 'the test finds the person on the backend' }), fhir: process.env.FHIR_BASE };
  const citizen = vagtctl('citizens')[0];
  if (!citizen) fail('no citizen in the store');
  const call = vagtctl('--as', 'sygeplejerske-mette', 'call', 'add', '--caller', 'relative', '--caller-name', 'datter, kender ikke CPR',
    '--reason', 'mor har svært ved at få luft');
  const callKey = call.call.key;
  log(`unknown caller's call ${callKey}; linking it to ${citizen.name}`);
  const s = await startApp(cfg.bin, cfg.args);
  try {
    await waitReady(s);
    if ((await s.exec('return document.documentElement.lang;')) === 'en') {
      await s.click(await s.find('[data-testid="lang-switch"]'));
      await waitFor('Danish', 5_000, async () => ((await s.exec('return document.documentElement.lang;')) === 'da' ? true : undefined));
    }
    await resize(s, 1366, 768);

    // The unknown caller, above the worklist; the link dialog by its button, the rest by keys.
    await waitFor('the unknown caller shown', 15_000, async () =>
      ((await text(s, 'unknown-calls')) ?? '').includes('datter') ? true : undefined);
    await s.exec("document.querySelector('[data-testid=unknown-call-link]').click(); return true;");
    await waitFor('the link dialog', 5_000, async () => ((await dialogOpen(s, 'link-dialog')) ? true : undefined));
    await typeKeys(s, citizen.name);
    await waitFor('the citizen offered', 5_000, async () =>
      ((await text(s, 'link-matches')) ?? '').includes(citizen.name) ? true : undefined);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'link-dialog-1366x768.png'));
    await press(s, KEY.ENTER);
    await waitFor('the call linked', 10_000, async () => ((await dialogOpen(s, 'link-dialog')) ? undefined : true));
    await waitFor('the strip gone', 10_000, async () => ((await text(s, 'unknown-calls')) === null ? true : undefined));
    const linked = vagtctl('call', 'show', callKey);
    if (linked.citizen_id !== citizen.id || !linked.linked) fail(`vagtctl call show: ${JSON.stringify(linked).slice(0, 300)}`);

    // Alt+M: the person, typed with Tab between the fields.
    await s.exec("document.getElementById('citizen-table').focus(); return true;");
    await press(s, KEY.ALT, 'm');
    await waitFor('the person form', 10_000, async () => ((await dialogOpen(s, 'dispatch-dialog')) ? true : undefined));
    for (const [value, last] of [[CPR], [NAME], ['Søvej 3, 5000 Odense C'], ['20 30 40 50', true]]) {
      await typeKeys(s, value);
      if (!last) await press(s, TAB);
    }
    await s.exec("document.querySelector('[data-testid=dispatch-reason]').focus(); return true;");
    await typeKeys(s, 'faldet i hjemmet, åndenød; ikke i telemedicin');
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'person-dispatch-1366x768.png'));
    await press(s, KEY.CONTROL, KEY.ENTER);
    await waitFor('the person sent MAS', 15_000, async () => {
      if (!(await dialogOpen(s, 'dispatch-dialog'))) return true;
      const error = await text(s, 'dispatch-dialog-error');
      if (error) {
        const e = new SmokeError(`the dispatch was refused: ${error}`);
        e.fatal = true;
        throw e;
      }
      return undefined;
    });
    const id = CPR.replace('-', '');
    await waitFor('the person on the worklist', 10_000, async () =>
      ((await s.exec(`var r = document.querySelector('[data-testid=citizen-row][data-citizen-id="${id}"]');
        if (!r || !r.querySelector('[data-testid=row-mas-only]')) return false;
        r.click(); document.getElementById('citizen-table').focus(); return true;`)) ? true : undefined));
    await press(s, KEY.ENTER);
    await waitFor('the person page', 10_000, async () => ((await text(s, 'citizen-page-mas-only')) ? true : undefined));
    const sections = await s.exec("return ['section-readings', 'section-plan', 'section-trends', 'section-dispatches'].filter(function (t) { return !!document.querySelector('[data-testid=' + t + ']'); });");
    if (sections.join() !== 'section-dispatches') fail(`the person's page shows ${sections.join(', ')}`);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'person-page-1366x768.png'));

    // The app's sync takes the person to the backend: one Patient, tagged MAS only.
    const patient = await waitFor('the person on the backend', 30_000, async () => {
      const r = await fetch(`${cfg.fhir}/Patient?identifier=${encodeURIComponent(`urn:oid:1.2.208.176.1.2|${id}`)}`);
      const bundle = await r.json();
      return bundle.entry?.length === 1 ? bundle.entry[0].resource : undefined;
    });
    if (patient.meta?.tag?.[0]?.code !== 'mas-only') fail(`the backend's Patient: ${JSON.stringify(patient).slice(0, 300)}`);
    const [dispatch] = vagtctl('dispatch', 'list', id);
    if (!dispatch || dispatch.state !== 'requested') fail(`vagtctl dispatch list: ${JSON.stringify(dispatch)}`);

    await resize(s, 1920, 1080);
    await afterRepaint(s);
    await saveScreenshot(s, join(cfg.artifacts, 'person-page-1920x1080.png'));
    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    return `PERSON OK: the unknown caller linked to ${citizen.name}; ${NAME} (${CPR}) sent MAS, on the backend as Patient/${patient.id}; screenshots in ${cfg.artifacts}`;
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
    console.log(`PERSON FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

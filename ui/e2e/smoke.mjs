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

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SmokeError, fail, log, saveScreenshot, startApp, waitFor, waitReady } from './webdriver.mjs';

const ROW = '[data-testid="citizen-row"]';

function config() {
  const bin = process.env.VAGT_BIN;
  if (!bin) fail('VAGT_BIN is not set');
  let args = [];
  if (process.env.VAGT_ARGS) {
    try {
      args = JSON.parse(process.env.VAGT_ARGS);
    } catch (e) {
      fail(`VAGT_ARGS is not valid JSON: ${e.message}`);
    }
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      fail('VAGT_ARGS must be a JSON array of strings');
    }
  }
  const expectedRaw = process.env.EXPECTED_CITIZENS;
  const expected = Number(expectedRaw);
  if (expectedRaw === undefined || expectedRaw.trim() === '' || !Number.isInteger(expected) || expected < 0) {
    fail(`EXPECTED_CITIZENS must be a non-negative integer, got ${JSON.stringify(expectedRaw)}`);
  }
  const artifacts = resolve(process.env.ARTIFACTS_DIR || 'e2e-artifacts');
  mkdirSync(artifacts, { recursive: true });
  return { bin, args, expected, artifacts };
}

const getLang = (s) => s.exec('return document.documentElement.lang;');
const countRows = async (s) => (await s.findAll(ROW)).length;

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

    // 3. rows and status count
    const rows = await countRows(s);
    if (rows !== cfg.expected) fail(`expected ${cfg.expected} citizen rows, found ${rows}`);
    const statusCount = Number(await s.attr(await s.find('[data-testid="status-citizens"]'), 'data-count'));
    if (statusCount !== cfg.expected) fail(`status bar says ${statusCount} citizens, expected ${cfg.expected}`);

    // The citizens with a full set of vitals show their NEWS2 (a floor: "≥N").
    const expectedNews2 = Number(process.env.EXPECTED_NEWS2 ?? '-1');
    const news2 = await s.exec(`return Array.from(document.querySelectorAll('[data-testid=citizen-news2]'))
      .map(function (e) { return e.textContent; }).filter(function (t) { return t !== ''; });`);
    if (expectedNews2 >= 0 && news2.length !== expectedNews2) {
      fail(`expected ${expectedNews2} NEWS2 scores in the worklist, found ${JSON.stringify(news2)}`);
    }
    if (news2.some((t) => !/^≥\d+$/.test(t))) fail(`a NEWS2 from home readings must read as a floor: ${news2}`);
    log(`NEWS2 shown for ${news2.length} citizens: ${news2.join(' ')}`);

    await saveScreenshot(s, join(cfg.artifacts, 'smoke.png'));

    // 4. language switch
    await clickLangAndWait(s, 'da', 'en');
    const lang2 = await getLang(s);
    if (lang2 !== 'en') fail(`language did not switch to "en" (is ${JSON.stringify(lang2)})`);

    // 5. search for the first row's name
    let searched = '(skipped: no rows)';
    if (rows > 0) {
      const name = (await s.text(await s.find(`${ROW} [data-testid="citizen-name"]`))).trim();
      if (!name) fail('first row has no name text');
      await s.type(await s.find('[data-testid="search"]'), name);
      const filtered = await waitFor(`search "${name}" to filter rows`, 5_000, async () => {
        const n = await countRows(s);
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

    return `SMOKE OK: ${rows} citizens (status ${statusCount}), lang da->en, search ${searched}, screenshots in ${cfg.artifacts}`;
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

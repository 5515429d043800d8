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

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const WD = (process.env.WEBDRIVER_URL || 'http://127.0.0.1:4444').replace(/\/+$/, '');
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
const READY_TIMEOUT_MS = 60_000;
const SESSION_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 20_000;
const ROW = '[data-testid="citizen-row"]';

class SmokeError extends Error {}
const fail = (msg) => {
  throw new SmokeError(msg);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => console.error(`[smoke] ${msg}`);

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

/** One WebDriver call; returns `value`, throws with the driver's error text. */
async function wd(method, path, body, timeoutMs = REQUEST_TIMEOUT_MS) {
  let res;
  try {
    res = await fetch(`${WD}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const why = e?.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : e?.cause?.message || e?.message;
    fail(`${method} ${path}: ${why}`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    fail(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  const value = json?.value;
  if (!res.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    const err = value?.error ?? `HTTP ${res.status}`;
    fail(`${method} ${path}: ${err}: ${value?.message ?? text.slice(0, 300)}`);
  }
  return value;
}

const elementId = (ref) => {
  const id = ref?.[ELEMENT_KEY] ?? ref?.ELEMENT;
  if (!id) fail(`not an element reference: ${JSON.stringify(ref)}`);
  return id;
};

function session(id) {
  const s = `/session/${encodeURIComponent(id)}`;
  return {
    exec: (script, args = []) => wd('POST', `${s}/execute/sync`, { script, args }),
    find: async (css) => elementId(await wd('POST', `${s}/element`, { using: 'css selector', value: css })),
    findAll: async (css) => (await wd('POST', `${s}/elements`, { using: 'css selector', value: css })).map(elementId),
    attr: (el, name) => wd('GET', `${s}/element/${el}/attribute/${encodeURIComponent(name)}`),
    text: (el) => wd('GET', `${s}/element/${el}/text`),
    click: (el) => wd('POST', `${s}/element/${el}/click`, {}),
    type: (el, text) => wd('POST', `${s}/element/${el}/value`, { text }),
    screenshot: () => wd('GET', `${s}/screenshot`, undefined, 60_000),
    remove: () => wd('DELETE', s, undefined, 30_000),
  };
}

/** Polls `check` (returns a value or undefined) until it yields, or fails after `ms`. */
async function waitFor(what, ms, check, intervalMs = 250) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      if (!(e instanceof SmokeError) || e.fatal) throw e;
      last = e.message;
    }
    if (Date.now() > deadline) fail(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}

async function saveScreenshot(s, file) {
  const b64 = await s.screenshot();
  if (typeof b64 !== 'string' || b64.length === 0) fail('screenshot returned no data');
  const buf = Buffer.from(b64, 'base64');
  if (buf.subarray(1, 4).toString('latin1') !== 'PNG') fail('screenshot is not a PNG');
  writeFileSync(file, buf);
  log(`screenshot ${file} (${buf.length} bytes)`);
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

  const created = await wd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'wry',
        'tauri:options': { application: cfg.bin, args: cfg.args },
      },
    },
  }, SESSION_TIMEOUT_MS);
  const sessionId = created?.sessionId;
  if (!sessionId) fail(`no sessionId in new-session answer: ${JSON.stringify(created).slice(0, 300)}`);
  const s = session(sessionId);

  try {
    // 1. wait for the data to load
    const state = await waitFor('data-state ready', READY_TIMEOUT_MS, async () => {
      const st = await s.exec('return document.body ? (document.body.dataset.state || null) : null;');
      if (st === 'error') {
        const msg = await s.exec(
          "var b = document.querySelector('[role=alert]'); return b ? b.textContent : '';",
        );
        const e = new SmokeError(`app reported an error: ${msg || '(no message)'}`);
        e.fatal = true;
        throw e;
      }
      return st === 'ready' ? st : undefined;
    });
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

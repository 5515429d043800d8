// WebDriver helpers shared by the end-to-end tests (plain Node >= 20, no dependencies): one
// HTTP call per WebDriver command against tauri-driver.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const WD = (process.env.WEBDRIVER_URL || 'http://127.0.0.1:4444').replace(/\/+$/, '');
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
export const READY_TIMEOUT_MS = 60_000;
export const SESSION_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 20_000;

export class SmokeError extends Error {}
export const fail = (msg) => {
  throw new SmokeError(msg);
};
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (msg) => console.error(`[e2e] ${msg}`);

/** One WebDriver call; returns `value`, throws with the driver's error text. */
export async function wd(method, path, body, timeoutMs = REQUEST_TIMEOUT_MS) {
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

export function session(id) {
  const s = `/session/${encodeURIComponent(id)}`;
  return {
    exec: (script, args = []) => wd('POST', `${s}/execute/sync`, { script, args }),
    /** Runs a script that calls its last argument when done. */
    execAsync: (script, args = []) => wd('POST', `${s}/execute/async`, { script, args }, 30_000),
    find: async (css) => elementId(await wd('POST', `${s}/element`, { using: 'css selector', value: css })),
    findAll: async (css) => (await wd('POST', `${s}/elements`, { using: 'css selector', value: css })).map(elementId),
    attr: (el, name) => wd('GET', `${s}/element/${el}/attribute/${encodeURIComponent(name)}`),
    text: (el) => wd('GET', `${s}/element/${el}/text`),
    click: (el) => wd('POST', `${s}/element/${el}/click`, {}),
    type: (el, text) => wd('POST', `${s}/element/${el}/value`, { text }),
    screenshot: () => wd('GET', `${s}/screenshot`, undefined, 60_000),
    setWindowRect: (rect) => wd('POST', `${s}/window/rect`, rect, 30_000),
    remove: () => wd('DELETE', s, undefined, 30_000),
  };
}

/** Polls `check` (returns a value or undefined) until it yields, or fails after `ms`. */
export async function waitFor(what, ms, check, intervalMs = 250) {
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

/** Resolves after the page has painted twice: what a screenshot then shows is what a nurse sees. */
export async function afterRepaint(s) {
  await s.execAsync(`var done = arguments[arguments.length - 1];
    requestAnimationFrame(function () { requestAnimationFrame(function () { done(true); }); });`);
}

export async function saveScreenshot(s, file) {
  await afterRepaint(s);
  const b64 = await s.screenshot();
  if (typeof b64 !== 'string' || b64.length === 0) fail('screenshot returned no data');
  const buf = Buffer.from(b64, 'base64');
  if (buf.subarray(1, 4).toString('latin1') !== 'PNG') fail('screenshot is not a PNG');
  writeFileSync(file, buf);
  log(`screenshot ${file} (${buf.length} bytes)`);
}

/** Starts the app in a new WebDriver session. */
export async function startApp(bin, args) {
  const created = await wd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'wry',
        'tauri:options': { application: bin, args },
      },
    },
  }, SESSION_TIMEOUT_MS);
  const sessionId = created?.sessionId;
  if (!sessionId) fail(`no sessionId in new-session answer: ${JSON.stringify(created).slice(0, 300)}`);
  return { id: sessionId, ...session(sessionId) };
}

/** Waits until the page says it is ready; an error state fails at once with its message. */
export async function waitReady(s) {
  return waitFor('data-state ready', READY_TIMEOUT_MS, async () => {
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
}

const CONTROL = '\uE009';
export const KEY = { CONTROL, ENTER: '\uE007', ESCAPE: '\uE00C', ALT: '\uE00A', DOWN: '\uE015' };

/** Presses keys together (modifiers first) and lets them go in reverse order. */
export async function press(s, ...keys) {
  const down = keys.map((value) => ({ type: 'keyDown', value }));
  const up = [...keys].reverse().map((value) => ({ type: 'keyUp', value }));
  await wd('POST', `/session/${s.id}/actions`, { actions: [{ type: 'key', id: 'kbd', actions: [...down, ...up] }] });
  await wd('DELETE', `/session/${s.id}/actions`);
}

/** Types `text` key by key into whatever has the focus. */
export async function typeKeys(s, text) {
  const actions = [...text].flatMap((value) => [{ type: 'keyDown', value }, { type: 'keyUp', value }]);
  await wd('POST', `/session/${s.id}/actions`, { actions: [{ type: 'key', id: 'kbd', actions }] });
  await wd('DELETE', `/session/${s.id}/actions`);
}

/** Resizes the window and waits until the page has (nearly) that size: from a larger window
 * too, so not merely at least that size. The page is never larger than the window. */
export async function resize(s, width, height) {
  await s.setWindowRect({ width, height });
  await waitFor(`the window at ${width}x${height}`, 10_000, async () => {
    const got = await s.exec('return [window.innerWidth, window.innerHeight];');
    const near = got[0] >= width * 0.95 && got[0] <= width && got[1] >= height * 0.85 && got[1] <= height;
    return near ? got : undefined;
  });
}

/**
 * What every test is started with: VAGT_BIN (the app), VAGT_ARGS (a JSON array of strings) and
 * ARTIFACTS_DIR (made if missing); `required` names further variables that must be set, each
 * with what it is for.
 */
export function appConfig(required = {}) {
  const bin = process.env.VAGT_BIN;
  if (!bin) fail('VAGT_BIN is not set');
  let args = [];
  if (process.env.VAGT_ARGS) {
    try {
      args = JSON.parse(process.env.VAGT_ARGS);
    } catch (e) {
      fail(`VAGT_ARGS is not valid JSON: ${e.message}`);
    }
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) fail('VAGT_ARGS must be a JSON array of strings');
  }
  for (const [name, why] of Object.entries(required)) {
    if (!process.env[name]) fail(`${name} is not set: ${why}`);
  }
  const artifacts = resolve(process.env.ARTIFACTS_DIR || 'e2e-artifacts');
  mkdirSync(artifacts, { recursive: true });
  return { bin, args, artifacts };
}

/** Sets a field's value as typing would (an input event follows). `selector` is CSS. */
export async function fill(s, selector, value) {
  const ok = await s.exec(`var e = document.querySelector(arguments[0]); if (!e) return false; e.focus(); e.value = arguments[1];
    e.dispatchEvent(new Event('input', { bubbles: true })); return true;`, [selector, value]);
  if (!ok) fail(`no field ${selector}`);
}

export async function dialogOpen(s, testid) {
  return s.exec(`var d = document.querySelector('[data-testid="${testid}"]'); return d ? d.open : null;`);
}

/** The error banner's text when it shows, else null. */
export async function bannerText(s) {
  return s.exec("var b = document.querySelector('[data-testid=error-banner]'); return b && !b.hidden ? (b.dataset.code + ': ' + b.textContent) : null;");
}

/**
 * A script expression: the worklist's rows in the page, in the list's order. Their elements are
 * recycled through slots, not kept in that order (Worklist.svelte); each row says its place.
 */
export const ROWS_IN_ORDER = `Array.from(document.querySelectorAll('[data-testid=citizen-row]')).sort(function (a, b) {
  return Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')); })`;

/**
 * Every worklist row as [id, name, ecm, news2], read by scrolling the virtual list from top to
 * bottom (only the rows in view are in the DOM), then back to the top.
 */
export async function collectRows(s) {
  const seen = new Map();
  const scroller = '[data-testid=worklist-scroll]';
  await s.exec(`document.querySelector('${scroller}').scrollTop = 0; return true;`);
  for (let guard = 0; guard < 10_000; guard++) {
    await afterRepaint(s);
    const page = await s.exec(`var sc = document.querySelector('${scroller}');
      var rows = ${ROWS_IN_ORDER}.map(function (r) {
        return [r.dataset.citizenId, r.querySelector('[data-testid=citizen-name]').textContent,
          r.querySelector('[data-testid=citizen-ecm]').textContent.trim(), r.querySelector('[data-testid=citizen-news2]').textContent.trim()];
      });
      var atEnd = sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 1;
      if (!atEnd) sc.scrollTop = sc.scrollTop + Math.max(32, sc.clientHeight - 64);
      return [rows, atEnd];`);
    for (const row of page[0]) seen.set(row[0], row);
    if (page[1]) break;
  }
  await s.exec(`document.querySelector('${scroller}').scrollTop = 0; return true;`);
  await afterRepaint(s);
  return [...seen.values()];
}

/**
 * Reads the store back through vagtctl: VAGTCTL is a JSON array, the command and its leading
 * arguments (e.g. ["/repo/target/debug/vagtctl", "--db", "/tmp/x.db"]), or a plain path.
 * scripts/e2e.sh always sets it: a check that reads the store back must not be skipped.
 */
export function vagtctl(...args) {
  const raw = process.env.VAGTCTL;
  if (!raw) fail('VAGTCTL is not set: the test reads back what the store keeps through vagtctl');
  let prefix;
  try {
    prefix = raw.trim().startsWith('[') ? JSON.parse(raw) : [raw];
  } catch (e) {
    fail(`VAGTCTL is not a JSON array: ${e.message}`);
  }
  const [bin, ...lead] = prefix;
  const out = execFileSync(bin, [...lead, '--json', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    return JSON.parse(out);
  } catch {
    fail(`vagtctl ${args.join(' ')} did not print JSON: ${out.slice(0, 300)}`);
  }
}

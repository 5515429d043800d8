#!/usr/bin/env node
// The app with a region loaded, measured through tauri-driver (issue 15): cold start to a
// painted worklist, resident memory of the app and its WebKit processes, the app's work in each
// move of the worklist scrolled through and jumped about, and the frames of a frame meter on the
// worklist and on a bare scroller as tall (smoothness); screenshots at both screen sizes.
// A measurement, not a test: it fails only when the app does not show the list. Prints one
// JSON document on stdout. Run by scripts/measure-scale.sh, which starts tauri-driver.
//
// Env: VAGT_BIN, VAGT_ARGS (as the other e2e scripts), EXPECTED_CITIZENS (rows the list must
// hold), ARTIFACTS_DIR.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterRepaint, appConfig, fail, log, resize, saveScreenshot, startApp, waitFor, waitReady, wd } from './webdriver.mjs';

const SCROLLER = '[data-testid=worklist-scroll]';

/** The app's process and every process below it (WebKit's web and network processes). */
function family(bin) {
  const parents = new Map();
  const roots = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readlinkSync(`/proc/${entry}/exe`) === bin) roots.push(Number(entry));
    } catch {
      // A process that ended, or one not ours to read.
    }
  }
  const pids = new Set(roots);
  for (let grown = true; grown; ) {
    grown = false;
    for (const [pid, parent] of parents) {
      if (!pids.has(pid) && pids.has(parent)) {
        pids.add(pid);
        grown = true;
      }
    }
  }
  return [...pids];
}

/**
 * Memory of each process of the family, MiB: resident (RSS), and proportional (PSS), which
 * splits a page shared by several processes among them. WebKit's libraries (some 150 MiB of
 * code) are mapped by the app and by each WebKit process, so the sum of RSS counts them up to
 * three times; the sum of PSS counts them once. PSS is split into anonymous memory (heaps,
 * caches) and file-backed pages (the code of libraries and of the app).
 */
function memory(bin) {
  const page = 4096;
  const mib = (kib) => Math.round((kib / 1024) * 10) / 10;
  const rows = [];
  for (const pid of family(bin)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rss = Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * page;
      const row = { process: name, pid, resident_mib: Math.round((rss / 2 ** 20) * 10) / 10 };
      try {
        const rollup = Object.fromEntries(
          readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1')
            .split('\n')
            .map((line) => line.match(/^(\w+):\s+(\d+) kB/))
            .filter(Boolean)
            .map((m) => [m[1], Number(m[2])]),
        );
        // Pss_Anon and the others since Linux 5.8; before it, only the whole.
        Object.assign(row, {
          proportional_mib: mib(rollup.Pss ?? 0),
          // null, not 0, where the kernel does not tell it (before Linux 5.8).
          proportional_anonymous_mib: rollup.Pss_Anon === undefined ? null : mib(rollup.Pss_Anon),
          proportional_file_mib: mib(rollup.Pss_File ?? 0),
          // Shared memory: the window's images shared with the X server.
          proportional_shared_mib: mib(rollup.Pss_Shmem ?? 0),
        });
      } catch {
        row.proportional_mib = 0;
      }
      rows.push(row);
    } catch {
      // Gone meanwhile.
    }
  }
  return rows;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function frameStats(deltas) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  return {
    frames: deltas.length,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? 0),
    // Per frame of the meter (smoothFrames), longer than a 60 Hz period and a half: a frame a
    // 60 Hz screen showed twice, which a nurse sees as a stutter.
    over_25_ms: deltas.filter((d) => d > 25).length,
    // Per move of scrollFrame, whose floor is two periods (33.3 ms): a third one late.
    over_50_ms: deltas.filter((d) => d > 50).length,
  };
}

/** The app's own work per frame (see scrollFrame): median and p95, ms. */
function workStats(work) {
  const sorted = [...work].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  return { p50_ms: round(percentile(sorted, 50)), p95_ms: round(percentile(sorted, 95)) };
}

/**
 * One frame of scrolling: moves the worklist by `how` (a JS expression of `sc`, the scroller,
 * giving the new scrollTop) and returns, measured in the page:
 * - `ms`, from the move to the frame after the one that shows the rows it brings into view (the
 *   list renders them on the scroll event);
 * - `work`, the app's own share: the scroll event handled, the rows rendered (Svelte flushes in
 *   microtasks) and the page laid out, before WebKit paints. Under Xvfb the paint is software
 *   and varies with the machine's load; this part is what the app's code decides.
 * One WebDriver call a frame, so a slow frame cannot outlast the call.
 */
async function scrollFrame(s, how) {
  return s.execAsync(`var done = arguments[arguments.length - 1];
    var sc = document.querySelector('${SCROLLER}');
    requestAnimationFrame(function () {
      var moved = performance.now();
      sc.scrollTop = ${how};
      sc.dispatchEvent(new Event('scroll'));
      Promise.resolve().then(function () {}).then(function () {}).then(function () {
        var script = performance.now() - moved;
        void sc.scrollHeight; var row = sc.querySelector('[data-testid=citizen-row]:last-child'); if (row) void row.offsetTop;
        var work = performance.now() - moved;
        requestAnimationFrame(function () {
          requestAnimationFrame(function () {
            done({ ms: performance.now() - moved, work: work, script: script,
                   at: sc.scrollTop / Math.max(1, sc.scrollHeight - sc.clientHeight) });
          });
        });
      });
    });`);
}

/** Frames with nothing moved: what the page costs at rest (timers, events, animations). */
async function idleFrames(s, frames) {
  const deltas = [];
  for (let i = 0; i < frames; i += 1) deltas.push((await scrollFrame(s, 'sc.scrollTop')).ms);
  return deltas;
}

/**
 * Counts, from now on, each command the page asks of the app: how often, how long it took and
 * how many bytes it returned. Tauri's invoke cannot be replaced (a read-only property), so the
 * count is of its IPC requests, which go through fetch to the ipc:// scheme. A diagnosis of
 * what keeps the page busy while it scrolls.
 */
async function countCommands(s) {
  return s.exec(`if (window.__vagtCommands) return true;
    var seen = {}; window.__vagtCommands = seen; var plain = window.fetch.bind(window);
    window.fetch = function (input, init) {
      var url = String(input && input.url ? input.url : input);
      if (url.indexOf('ipc') !== 0 && url.indexOf('//ipc.') < 0) return plain(input, init);
      var cmd = decodeURIComponent(url.split('/').pop() || url);
      var row = seen[cmd] || (seen[cmd] = { calls: 0, ms: 0, bytes: 0 }); row.calls += 1;
      var began = performance.now();
      return plain(input, init).then(function (res) {
        return res.clone().arrayBuffer().then(function (b) {
          row.ms += performance.now() - began; row.bytes += b.byteLength; return res;
        }, function () { return res; });
      });
    };
    return true;`);
}

/**
 * Notes, from now on, when the page asks for each command (no answer is read, so nothing is
 * held): when a first sync's end makes the window read its lists again, and how often.
 */
async function traceCommands(s) {
  return s.exec(`if (window.__vagtTrace) return true;
    var trace = []; window.__vagtTrace = trace; var plain = window.fetch.bind(window);
    window.fetch = function (input, init) {
      var url = String(input && input.url ? input.url : input);
      if (url.indexOf('ipc') === 0 || url.indexOf('//ipc.') >= 0) {
        if (trace.length < 20000) trace.push([decodeURIComponent(url.split('/').pop() || url), performance.now()]);
      }
      return plain(input, init);
    };
    return true;`);
}

/** The traced commands as bursts: calls of one command less than 2 s apart are one burst. */
async function tracedBursts(s, sinceMs) {
  const trace = await s.exec('return window.__vagtTrace || [];');
  const bursts = [];
  const open = new Map();
  for (const [command, at] of trace) {
    const last = open.get(command);
    if (last && at - last.last_ms < 2_000) {
      last.calls += 1;
      last.last_ms = at;
    } else {
      const burst = { command, at_ms: at, last_ms: at, calls: 1 };
      bursts.push(burst);
      open.set(command, burst);
    }
  }
  return bursts
    .filter((b) => b.command !== 'store_status' && b.command !== 'sparklines')
    .map((b) => ({ command: b.command, at_s: Math.round((b.at_ms - sinceMs) / 100) / 10, calls: b.calls }));
}

/**
 * A bare scroller over the worklist, as big, holding one block as tall as the worklist's rows
 * and nothing else: what WebKit itself costs to scroll that height here. `addBare` puts it in
 * the page, `removeBare` takes it out.
 */
async function addBare(s) {
  await s.exec(`var sc = document.querySelector('${SCROLLER}'); var r = sc.getBoundingClientRect();
    var bare = document.createElement('div'); bare.id = 'bare-scroller';
    bare.style.cssText = 'position:fixed;overflow:auto;background:#fff;z-index:99;left:' + r.left + 'px;top:' + r.top
      + 'px;width:' + r.width + 'px;height:' + r.height + 'px';
    var tall = document.createElement('div'); tall.style.height = sc.scrollHeight + 'px';
    tall.style.background = 'repeating-linear-gradient(#fff 0 31px, #ddd 31px 32px)';
    bare.appendChild(tall); document.body.appendChild(bare);`);
}

async function removeBare(s) {
  await s.exec("var b = document.getElementById('bare-scroller'); if (b) b.remove();");
}

/**
 * Frames as a frame meter sees them while a scroller scrolls `step` px a frame (a fast flick of
 * the wheel): a requestAnimationFrame loop takes each frame's time, and between frames a task
 * moves the scroller, as a wheel's step arrives between frames; the page handles its scroll
 * event, renders and paints in the next frame. Returns the `frames` intervals (ms). The same
 * loop measures the worklist and the bare scroller; scrollFrame's moves, made inside a frame's
 * callback, are painted a frame later even in the bare scroller, so they measure the app's
 * work, not its frame rate. Under Xvfb WebKit paints as soon as a frame is done, often faster
 * than 60 Hz; a frame over 25 ms is one a 60 Hz screen would have shown twice.
 */
async function smoothFrames(s, selector, step, frames) {
  return s.execAsync(`var done = arguments[arguments.length - 1]; var sc = document.querySelector('${selector}');
    var times = []; var channel = new MessageChannel(); var down = true;
    channel.port1.onmessage = function () {
      var end = sc.scrollHeight - sc.clientHeight;
      if (down ? sc.scrollTop + ${step} > end : sc.scrollTop - ${step} < 0) down = !down;
      sc.scrollTop = sc.scrollTop + (down ? ${step} : -${step});
    };
    function frame(at) {
      times.push(at);
      if (times.length > ${frames}) {
        var out = []; for (var i = 1; i < times.length; i += 1) out.push(times[i] - times[i - 1]);
        done(out);
        return;
      }
      channel.port2.postMessage(0);
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);`);
}

/**
 * The worklist and the bare scroller, `frames` frames of the meter each, from the middle of each,
 * in turns of `block` frames: the sync's runs and the machine's other work then fall on both
 * alike, not on whichever was measured when they came. The pointer rests over the list, as a
 * wheel's does (the row under it makes its hints). The bare scroller lies over the list; the
 * list is hidden in the bare scroller's turns (WebKit would paint it under the cover), and
 * after each of its own turns the list settles (its sparklines fetched and drawn) before the
 * bare scroller's begins, so that neither is charged with the other's work.
 */
async function smoothness(s, step, frames, block = 50) {
  await s.exec(`var sc = document.querySelector('${SCROLLER}'); sc.scrollTop = (sc.scrollHeight - sc.clientHeight) / 2;`);
  const pointerOverList = await pointAt(s, SCROLLER);
  await addBare(s);
  await s.exec(`var b = document.getElementById('bare-scroller'); b.scrollTop = (b.scrollHeight - b.clientHeight) / 2;
    b.style.visibility = 'hidden';`);
  const turn = (list) => s.exec(`document.getElementById('bare-scroller').style.visibility = '${list ? 'hidden' : 'visible'}';
    document.querySelector('${SCROLLER}').style.visibility = '${list ? '' : 'hidden'}';`);
  const list = [];
  const bare = [];
  for (let done = 0; done < frames; done += block) {
    const n = Math.min(block, frames - done);
    await turn(true);
    await afterRepaint(s);
    list.push(...(await smoothFrames(s, SCROLLER, step, n)));
    await new Promise((settled) => setTimeout(settled, 400));
    await turn(false);
    await afterRepaint(s);
    bare.push(...(await smoothFrames(s, '#bare-scroller', step, n)));
  }
  await turn(true);
  await removeBare(s);
  return { step_px: step, pointer_over_list: pointerOverList, list: frameStats(list), bare: frameStats(bare) };
}

/** Moves the pointer to the middle of the element; false where the driver cannot. */
async function pointAt(s, selector) {
  try {
    const element = await s.find(selector);
    const origin = { 'element-6066-11e4-a52e-4f735466cecf': element };
    await wd('POST', `/session/${s.id}/actions`, {
      actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
        actions: [{ type: 'pointerMove', duration: 0, origin, x: 0, y: 0 }] }],
    });
    return true;
  } catch (e) {
    log(`the pointer could not be moved over the list (${e.message}): measured without it`);
    return false;
  }
}

/** What countCommands counted since it began, or since the last call; the count starts again. */
async function commandsCounted(s) {
  const seen = await s.exec(`var c = window.__vagtCommands || {}; var out = JSON.parse(JSON.stringify(c));
    Object.keys(c).forEach(function (k) { delete c[k]; }); return out;`);
  for (const row of Object.values(seen)) row.ms = Math.round(row.ms);
  return seen;
}

/** Scrolls down `frames` frames of `step` pixels (a fast wheel) from the top. */
async function scrollThrough(s, step, frames) {
  await s.exec(`document.querySelector('${SCROLLER}').scrollTop = 0;`);
  const deltas = [];
  const work = [];
  const script = [];
  let reached = 0;
  for (let i = 0; i < frames && reached < 1; i += 1) {
    const frame = await scrollFrame(s, `sc.scrollTop + ${step}`);
    deltas.push(frame.ms);
    work.push(frame.work);
    script.push(frame.script);
    reached = frame.at;
  }
  return { deltas, work, script, reached };
}

/** Jumps to `jumps` places spread over the list (as the End key or a dragged bar does). */
async function jumpAbout(s, jumps) {
  const deltas = [];
  const work = [];
  const script = [];
  for (let n = 0; n < jumps; n += 1) {
    // A fixed walk over the list (golden-ratio steps), the same in every run.
    const share = (n * 0.6180339887) % 1;
    const frame = await scrollFrame(s, `${share} * (sc.scrollHeight - sc.clientHeight)`);
    deltas.push(frame.ms);
    work.push(frame.work);
    script.push(frame.script);
  }
  return { deltas, work, script };
}

async function main() {
  const { bin, args, artifacts } = appConfig({ EXPECTED_CITIZENS: 'the rows the list must hold' });
  const expected = Number(process.env.EXPECTED_CITIZENS);
  const started = performance.now();
  const s = await startApp(bin, args);
  const sessionMs = performance.now() - started;
  try {
    await waitReady(s);
    const tracing = process.env.WAIT_FOR_SYNC === '1';
    const traceFrom = tracing ? (await traceCommands(s), await s.exec('return performance.now();')) : 0;
    await waitFor(`${expected} rows in the worklist`, 120_000, async () => {
      const held = Number(await s.exec("var g = document.querySelector('[role=grid]'); return g ? g.getAttribute('aria-rowcount') : 0;")) - 1;
      const shown = await s.exec("return document.querySelectorAll('[data-testid=citizen-row]').length;");
      return held === expected && shown > 0 ? held : undefined;
    }, 50);
    await afterRepaint(s);
    const paintedMs = performance.now() - started;
    log(`worklist of ${expected} painted ${Math.round(paintedMs)} ms after the app was asked to start`);
    let firstSyncMs = null;
    if (process.env.WAIT_FOR_SYNC === '1') {
      // The rows come with the citizens, before their readings: memory counts once the first
      // sync has brought everything and its bulk load has ended.
      await waitFor('the first sync done', 900_000, async () => {
        const done = await s.exec(`var st = document.querySelector('[data-testid=status-sync-state]');
          return !!st && st.classList.contains('sync-online') && !document.querySelector('[data-testid=status-bulk-load]');`);
        return done || undefined;
      }, 500);
      firstSyncMs = Math.round(performance.now() - started);
      log(`the first sync done ${firstSyncMs} ms after the app was asked to start`);
    }
    // Let the first evaluation, the sparklines and the alarm panel settle before memory counts.
    await new Promise((r) => setTimeout(r, 5_000));
    const memoryAtStart = memory(bin);
    const readsDuringSync = tracing ? await tracedBursts(s, traceFrom) : null;
    if (readsDuringSync) log(`lists read from the start to 5 s after the first sync (s after tracing began): ${JSON.stringify(readsDuringSync)}`);
    const total = (rows, key = 'resident_mib') => Math.round(rows.reduce((sum, r) => sum + r[key], 0) * 10) / 10;
    if (process.env.SCALE_WITHOUT_ALARM_LIST === '1') {
      // A diagnosis: what scrolling costs when the alarm panel's list is out of the page.
      await s.exec("var l = document.querySelector('[data-testid=alarm-list]'); if (l) l.remove();");
    }
    await countCommands(s);
    const idle = frameStats(await idleFrames(s, 30));
    const idleCommands = await commandsCounted(s);
    log(`at rest: ${idle.frames} frames (median ${idle.p50_ms} ms, p95 ${idle.p95_ms} ms); commands meanwhile: ${JSON.stringify(idleCommands)}`);
    const sizes = [];
    // The proportional memory after each step, to tell which one a growth came with. The
    // app's alone: the frame meter's reference scroller (a page as tall as the list) comes
    // after, and its memory is the harness's, not the app's.
    // Each process's anonymous memory beside the sum: which process a growth is in.
    const anonymousByProcess = (rows) => rows.map((r) => ({
      process: r.process, pid: r.pid, mib: r.proportional_anonymous_mib ?? null,
    }));
    const step = (name, rows) => ({
      step: name, proportional_mib: total(rows, 'proportional_mib'), anonymous_mib: anonymousByProcess(rows),
    });
    const steps = [step('start', memoryAtStart)];
    const stepDone = (name) => steps.push(step(name, memory(bin)));
    for (const [width, height] of [[1366, 768], [1920, 1080]]) {
      await resize(s, width, height);
      await afterRepaint(s);
      stepDone(`${width}x${height}: resized`);
      const rendered = await s.exec("return document.querySelectorAll('[data-testid=citizen-row]').length;");
      const scrolled = await scrollThrough(s, 480, 150);
      const through = {
        ...frameStats(scrolled.deltas), work: workStats(scrolled.work), script: workStats(scrolled.script),
        share_of_list_passed: Math.round(scrolled.reached * 1000) / 1000,
      };
      stepDone(`${width}x${height}: scrolled through`);
      const jumped = await jumpAbout(s, 60);
      stepDone(`${width}x${height}: jumped about`);
      const jumps = { ...frameStats(jumped.deltas), work: workStats(jumped.work), script: workStats(jumped.script) };
      await s.exec(`var sc = document.querySelector('${SCROLLER}'); sc.scrollTop = (sc.scrollHeight - sc.clientHeight) / 2;`);
      // The rows' sparklines are asked for once the list has stood still a moment: the
      // screenshot shows the list as a nurse sees it then, not mid-fetch.
      await new Promise((done) => setTimeout(done, 1_500));
      await afterRepaint(s);
      await saveScreenshot(s, join(artifacts, `scale-${expected}-${width}x${height}.png`));
      log(`${width}x${height}: ${rendered} rows in the DOM; scrolled through in ${through.frames} frames (median ${through.p50_ms} ms, p95 ${through.p95_ms} ms; the app's work median ${through.work.p50_ms} ms, p95 ${through.work.p95_ms} ms, of it script ${through.script.p50_ms} ms), 60 jumps (median ${jumps.p50_ms} ms, p95 ${jumps.p95_ms} ms; work median ${jumps.work.p50_ms} ms, p95 ${jumps.work.p95_ms} ms)`);
      const commands = await commandsCounted(s);
      log(`${width}x${height}: commands while scrolling: ${JSON.stringify(commands)}`);
      sizes.push({ size: `${width}x${height}`, width, height, rows_in_dom: rendered, scroll_through: through, jumps, commands });
    }
    const memoryAfter = memory(bin);
    // And once the page is left alone a while (its garbage collected, its caches trimmed).
    await new Promise((r) => setTimeout(r, 20_000));
    const memorySettled = memory(bin);
    // The frame meter at each size: the list and a bare scroller as tall, in turns.
    for (const size of sizes) {
      await resize(s, size.width, size.height);
      // As before the screenshot: the rows' sparklines fetched and drawn once the list stood
      // still, not in the meter's first turn.
      await new Promise((done) => setTimeout(done, 1_500));
      await afterRepaint(s);
      const smooth = await smoothness(s, 480, 300);
      log(`${size.size}: frame meter, ${smooth.step_px} px a frame: the list median ${smooth.list.p50_ms} ms, p95 ${smooth.list.p95_ms} ms, ${smooth.list.over_25_ms} of ${smooth.list.frames} over 25 ms; the bare scroller median ${smooth.bare.p50_ms} ms, p95 ${smooth.bare.p95_ms} ms, ${smooth.bare.over_25_ms} over 25 ms`);
      size.smoothness = smooth;
      delete size.width;
      delete size.height;
    }
    const withMeter = total(memory(bin), 'proportional_mib');
    log(`memory, MiB resident / proportional: at start ${total(memoryAtStart)} / ${total(memoryAtStart, 'proportional_mib')}, after scrolling ${total(memoryAfter)} / ${total(memoryAfter, 'proportional_mib')}, 20 s later ${total(memorySettled)} / ${total(memorySettled, 'proportional_mib')}`);
    console.log(JSON.stringify({
      citizens: expected,
      session_started_ms: Math.round(sessionMs),
      worklist_painted_ms: Math.round(paintedMs),
      first_sync_done_ms: firstSyncMs,
      reads_during_first_sync: readsDuringSync,
      resident_mib_at_start: total(memoryAtStart),
      resident_mib_after_scrolling: total(memoryAfter),
      resident_mib_settled: total(memorySettled),
      proportional_mib_at_start: total(memoryAtStart, 'proportional_mib'),
      proportional_mib_after_scrolling: total(memoryAfter, 'proportional_mib'),
      proportional_mib_settled: total(memorySettled, 'proportional_mib'),
      at_rest: { ...idle, commands: idleCommands },
      processes_at_start: memoryAtStart,
      processes: memoryAfter,
      processes_settled: memorySettled,
      proportional_mib_by_step: steps,
      // The harness's reference scroller included: not the app's memory.
      proportional_mib_with_frame_meter: withMeter,
      sizes,
    }, null, 2));
  } finally {
    await s.remove().catch(() => {});
  }
}

main().catch((e) => {
  console.error(`SCALE FAILED: ${e.message}`);
  process.exit(1);
});

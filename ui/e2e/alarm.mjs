#!/usr/bin/env node
// End-to-end: a red reading reaches the backend while the app runs; the app's background sync
// brings it, the rules raise a high alarm, and it shows in the alarm panel and as a desktop
// notification without any click. The app polls only every two minutes here (scripts/e2e.sh):
// the reading comes through the backend's Subscription (the status bar says "Direkte"), and
// what the nurse records goes to the backend at once, not at the next poll. The panel has one row per citizen (an episode), each open
// cause under the name. Unacknowledged, it escalates (the script sets high alarms to escalate
// after one minute): the citizen's row is marked and the notification comes again, louder. Then
// one key (K) acknowledges the causes the row shows, U snoozes another citizen's row for this
// nurse, E sets the citizen's confirmed level and P edits the triage plan as a form: a yellow
// limit outside its red one is refused with its field named in Danish, a valid one is saved.
//
// Env: VAGT_BIN, VAGT_ARGS (JSON array), FHIR_BASE (the vagt-sim the app syncs with),
//      PATIENT_ID (a Patient on it whose level is ECM1), CITIZEN_NAME, ARTIFACTS_DIR,
//      NOTIFY_LOG (dbus-monitor's log of Notify calls; set by scripts/e2e.sh),
//      VAGTCTL (JSON array: vagtctl and its --db; when set, each action is read back from the store).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  KEY, SmokeError, bannerText, dialogOpen, fail, fill, log, press, saveScreenshot, sleep, startApp, vagtctl, waitFor,
  waitReady,
} from './webdriver.mjs';

const ITEM = '[data-testid="alarm-item"]';
/** In a page script: the panel row (a citizen's episode) that shows alarm `id` among its causes. */
const ROW_OF = `function rowOf(id) {
  return Array.from(document.querySelectorAll('${ITEM}')).find(function (r) {
    return r.dataset.alarmId === id || (r.dataset.alarmIds || '').split(' ').indexOf(id) >= 0;
  }) || null;
}`;
const field = (path) => `[data-testid="plan-field"][data-field="${path}"] input`;
const problemAt = (path) => `[data-testid="plan-problem"][data-field="${path}"]`;

async function postRedReading(base, patientId) {
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value: 80, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
  const res = await fetch(`${base}/Observation`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(observation),
  });
  if (res.status !== 201) fail(`the backend did not take the reading: HTTP ${res.status}`);
}

/**
 * Every open alarm the panel shows, one entry per cause: [id, priority, kind, citizen name]. A
 * line of several missed measurements names each (its priority is the line's most urgent).
 */
async function alarmIds(s) {
  return s.exec(`var out = [];
    Array.from(document.querySelectorAll('${ITEM}')).forEach(function (row) {
      var name = row.querySelector('.alarm-citizen').textContent;
      Array.from(row.querySelectorAll('[data-testid=alarm-cause]')).forEach(function (c) {
        c.dataset.alarmIds.split(' ').forEach(function (id) {
          out.push([id, c.dataset.priority, c.dataset.kind, name]);
        });
      });
    });
    return out;`);
}

/** Chooses the row that shows alarm `id` (as a click does) and puts the focus in the panel. */
async function chooseRowOf(s, id) {
  const citizen = await s.exec(`${ROW_OF}
    var r = rowOf(arguments[0]); if (!r) return null;
    r.click(); document.getElementById('alarm-list').focus(); return r.dataset.citizenId;`, [id]);
  if (!citizen) fail(`no panel row shows alarm ${id.slice(0, 12)} to choose`);
  await waitFor(`the row of alarm ${id.slice(0, 12)} to be chosen`, 5_000, async () =>
    (await s.exec(`var r = document.querySelector('${ITEM}[data-citizen-id="' + arguments[0] + '"]');
      return r && r.getAttribute('aria-selected') === 'true' ? true : null;`, [citizen])) ?? undefined);
  return citizen;
}

/** Waits until dbus-monitor has recorded a Notify call whose strings contain all of `words`. */
async function notifiedOnBus(what, words) {
  const file = process.env.NOTIFY_LOG;
  if (!file) fail('NOTIFY_LOG is not set: the notifications on the session bus cannot be checked');
  return waitFor(`${what} on the session bus`, 15_000, async () => {
    if (!existsSync(file)) return undefined;
    // One Notify call is a "method call" line followed by its arguments.
    const calls = readFileSync(file, 'utf8').split(/^method call/m);
    return calls.find((c) => words.every((w) => c.includes(w)));
  });
}

async function run() {
  const bin = process.env.VAGT_BIN || fail('VAGT_BIN is not set');
  const args = JSON.parse(process.env.VAGT_ARGS || '[]');
  const base = process.env.FHIR_BASE || fail('FHIR_BASE is not set');
  const patientId = process.env.PATIENT_ID || fail('PATIENT_ID is not set');
  const name = process.env.CITIZEN_NAME || fail('CITIZEN_NAME is not set');
  const artifacts = resolve(process.env.ARTIFACTS_DIR || 'e2e-artifacts');
  mkdirSync(artifacts, { recursive: true });

  const s = await startApp(bin, args);
  try {
    await waitReady(s);
    await waitFor('the alarm panel', 10_000, async () =>
      (await s.exec("return document.querySelector('[data-testid=alarm-panel]') ? true : null;")) ?? undefined);
    const actor = await waitFor('the signed-in nurse in the status bar', 10_000, async () =>
      (await s.exec("var e = document.querySelector('[data-testid=status-actor]'); return e ? e.dataset.actor : null;")) ?? undefined);
    const before = await alarmIds(s);
    if (before.some(([, priority, , citizen]) => priority === 'high' && citizen === name)) {
      fail(`${name} already has a high alarm before the reading`);
    }
    log(`${before.length} open alarms before the red reading; signed in as ${actor}`);
    await waitFor('the status bar to say the backend\'s Subscriptions are bound', 20_000, async () =>
      (await s.exec("return document.querySelector('[data-testid=status-live]') ? true : null;")) ?? undefined);

    await postRedReading(base, patientId);
    const posted = Date.now();
    log(`posted SpO2 80 % for ${name} (Patient/${patientId}); waiting, no clicks`);

    // Well within the two minutes to the next poll: only the Subscription's ping brings it.
    const raised = await waitFor('a high alarm for the citizen in the panel', 45_000, async () => {
      const now = await alarmIds(s);
      return now.find(([id, priority, kind, citizen]) =>
        priority === 'high' && kind === 'level_rise' && citizen === name && !before.some(([b]) => b === id));
    }, 50);
    log(`alarm ${raised[0].slice(0, 12)} shown ${Date.now() - posted} ms after the reading was posted`);
    // Set by the UI after notify_alarm answered; the bus log says what the desktop got. The
    // start's notification of the alarms already open may still be the last one set when the
    // new alarm is on screen: its own is awaited, and the last one named if it never comes.
    let lastNotification = null;
    const notification = await waitFor('a desktop notification naming the citizen', 10_000, async () => {
      lastNotification = await s.exec('return document.body.dataset.lastNotification || null;');
      return lastNotification?.includes(name) ? lastNotification : undefined;
    }).catch(() => fail(`the notification does not name the citizen: ${lastNotification}`));
    await notifiedOnBus('the alarm notification', [`${name}: `]);
    // The citizen's row is at the top: only rows as high (an escalated one, say) may precede it.
    const place = await s.exec(`${ROW_OF}
      var rows = Array.from(document.querySelectorAll('${ITEM}')); var i = rows.indexOf(rowOf(arguments[0]));
      return [i, rows.slice(0, Math.max(i, 0)).every(function (r) { return r.dataset.priority === 'high'; }),
        i >= 0 ? rows[i].dataset.priority : null, i >= 0 ? rows[i].dataset.alarmIds : null];`, [raised[0]]);
    if (place[0] < 0 || !place[1] || place[2] !== 'high') fail(`the new high alarm's row is not at the top of the panel: ${JSON.stringify(place)}`);
    log(`the citizen's row is row ${place[0] + 1}, with causes ${place[3].split(' ').map((id) => id.slice(0, 8)).join(', ')}`);
    await saveScreenshot(s, join(artifacts, 'alarm.png'));
    // The whole X screen too: the window and, drawn by the notification daemon, the bubble.
    try {
      execFileSync('import', ['-window', 'root', join(artifacts, 'alarm-desktop.png')]);
      log(`screenshot ${join(artifacts, 'alarm-desktop.png')} (whole screen)`);
    } catch (e) {
      log(`no whole-screen screenshot: ${e.message}`);
    }

    // Nobody acknowledges: after a minute it escalates, marked and notified again, louder.
    const escalated = await waitFor('the alarm to escalate', 90_000, async () =>
      (await s.exec(`${ROW_OF}
        var r = rowOf(arguments[0]); var e = r && r.querySelector('[data-testid=alarm-escalation]');
        var n = document.body.dataset.lastNotification || '';
        return e && n.indexOf('ESKALERET') >= 0 ? n : null;`, [raised[0]])) ?? undefined);
    if (!escalated.includes(name)) fail(`the escalation does not name the citizen: ${escalated}`);
    await notifiedOnBus('the escalated notification', ['ESKALERET', `${name}: `]);
    log(`escalated: "${escalated}"`);
    await saveScreenshot(s, join(artifacts, 'alarm-escalated.png'));

    // U on the escalated high alarm's row is refused, said in the panel: a snooze must not hide
    // an escalating emergency. The row is chosen first: another escalated row may be on top.
    const raisedCitizen = await chooseRowOf(s, raised[0]);
    await press(s, 'u');
    const refusal = await waitFor('the refusal to snooze the escalated high alarm', 10_000, async () => {
      const note = await s.exec("return document.querySelector('[data-testid=alarm-note]').textContent || '';");
      return note.includes('eskaleret') ? note : undefined;
    });

    // One key acknowledges the causes the selected row shows, the new alarm among them: it
    // leaves the panel (the row too, unless a cause came after the key was pressed).
    const shown = await s.exec(`${ROW_OF} var r = rowOf(arguments[0]);
      return r && r.getAttribute('aria-selected') === 'true' ? r.dataset.alarmIds : null;`, [raised[0]]);
    if (!shown) fail('the row of the new alarm is no longer the chosen one');
    await press(s, 'k');
    await waitFor('the alarm to leave the panel', 10_000, async () => {
      const now = await alarmIds(s);
      return now.some(([id]) => id === raised[0]) ? undefined : true;
    });
    const left = await s.exec(`return document.querySelector('${ITEM}[data-citizen-id="' + arguments[0] + '"]') ? 'stays' : 'left';`, [raisedCitizen]);
    log(`K acknowledged ${shown.split(' ').length} shown cause(s); the citizen's row ${left === 'left' ? 'left the panel' : 'stays for a cause that came later'}`);
    await saveScreenshot(s, join(artifacts, 'alarm-acknowledged.png'));
    const keptAlarm = vagtctl("alarms").find((a) => a.id === raised[0]);
    if (!keptAlarm || keptAlarm.acknowledged_by !== actor) fail(`the store does not say ${actor} acknowledged it: ${JSON.stringify(keptAlarm)}`);
    log(`vagtctl: acknowledged by ${keptAlarm.acknowledged_by}`);
    // Through the outbox to the backend, for every other station: a Task focused on the alarm.
    await waitFor('the acknowledgement on the backend', 30_000, async () => {
      const bundle = await (await fetch(`${base}/Task?_count=500`)).json();
      return (bundle.entry ?? []).some((e) => e.resource?.focus?.identifier?.value === raised[0]) ? true : undefined;
    });
    log('the acknowledgement reached the backend as a Task through the outbox');

    // U on a lower row snoozes each of its causes for this nurse only: it stays in the panel,
    // marked.
    const lower = await s.exec(`var e = document.querySelector('${ITEM}:not([data-priority=high])');
      if (!e) return null; e.click(); document.getElementById('alarm-list').focus(); return e.dataset.citizenId;`);
    if (!lower) fail('the cohort has no medium or low alarm to snooze');
    await press(s, 'u');
    await waitFor('the chosen row to show as snoozed', 10_000, async () =>
      (await s.exec(`return document.querySelector('${ITEM}[data-citizen-id="' + arguments[0] + '"] [data-testid=alarm-snoozed]') ? true : null;`, [lower])) ?? undefined);
    log(`${lower}'s row snoozed with U, still shown; "${refusal}" for the escalated one`);

    // E: the citizen's confirmed level, with a reason; the worklist shows it confirmed.
    await fill(s, '[data-testid=search]', name);
    const row = `[data-testid=citizen-row][data-citizen-id="' + arguments[0] + '"]`;
    const citizenId = await waitFor(`${name} in the worklist`, 5_000, async () =>
      (await s.exec(`var name = arguments[0];
        var r = Array.from(document.querySelectorAll('[data-testid=citizen-row]')).find(function (r) {
          return r.querySelector('[data-testid=citizen-name]').textContent === name; });
        if (!r) return null; r.click(); document.getElementById('citizen-table').focus(); return r.dataset.citizenId;`, [name])) ?? undefined);
    await press(s, 'e');
    await waitFor('the level dialog', 5_000, async () => (await dialogOpen(s, 'level-dialog')) || undefined);
    await s.exec(`var e = document.querySelector('[data-testid=level-select]'); e.value = '4';
      e.dispatchEvent(new Event('change', { bubbles: true })); return true;`);
    await press(s, KEY.CONTROL, KEY.ENTER);
    await waitFor('a reason to be asked for', 5_000, async () =>
      (await s.exec("return document.querySelector('[data-testid=level-dialog-error]').textContent || null;")) ?? undefined);
    await fill(s, '[data-testid=level-reason]', 'MAS-besøg aftalt i telefon');
    await press(s, KEY.CONTROL, KEY.ENTER);
    await waitFor(`${name} confirmed at ECM4 in the worklist`, 10_000, async () =>
      (await s.exec(`var e = document.querySelector('${row} [data-testid=citizen-ecm]');
        return e && e.textContent.trim().indexOf('ECM4') === 0 && !e.classList.contains('unconfirmed') ? true : null;`, [citizenId])) ?? undefined);
    const levels = vagtctl('level', 'show', citizenId);
    if (levels.confirmed !== 4) fail(`the store keeps confirmed level ${JSON.stringify(levels.confirmed)}, not 4`);
    log(`${name} confirmed at ECM4 with E (vagtctl agrees)`);

    // P: the triage plan as a form. A yellow limit outside its red one is named at its field in
    // Danish as it is typed, and refused on save with everything typed kept.
    await press(s, 'p');
    await waitFor('the plan dialog', 5_000, async () => (await dialogOpen(s, 'plan-dialog')) || undefined);
    await fill(s, field('limits.spo2.red_low'), '90');
    await fill(s, field('limits.spo2.yellow_low'), '80');
    const problem = await waitFor('the problem at SpO2 yellow low', 5_000, async () =>
      (await s.exec(`var p = document.querySelector('${problemAt('limits.spo2.yellow_low')}'); return p ? p.textContent : null;`)) ?? undefined);
    if (!problem.includes('SpO2 · gul nedre grænse') || /lies outside|yellow_low/.test(problem)) fail(`unclear problem: ${problem}`);
    await fill(s, '[data-testid=plan-reason]', 'lavere mål aftalt med læge');
    await press(s, KEY.CONTROL, KEY.ENTER);
    const refused = await waitFor('the wrong plan to be refused', 5_000, async () =>
      (await s.exec("return document.querySelector('[data-testid=plan-dialog-error]').textContent || null;")) ?? undefined);
    if (!refused.includes('Planen er ikke gyldig')) fail(`unclear refusal: ${refused}`);
    if (!(await dialogOpen(s, 'plan-dialog'))) fail('the dialog closed on a refused plan');
    const kept = await s.exec(`return [document.querySelector('${field('limits.spo2.yellow_low')}').value,
      document.querySelector('${field('limits.spo2.red_low')}').value, document.querySelector('[data-testid=plan-reason]').value];`);
    if (kept.join('|') !== '80|90|lavere mål aftalt med læge') fail(`the refusal lost what was typed: ${kept}`);
    // The screenshot shows the field with its problem, not wherever the reason left the scroll.
    await s.exec(`document.querySelector('${problemAt('limits.spo2.yellow_low')}').scrollIntoView({ block: 'center' }); return true;`);
    await saveScreenshot(s, join(artifacts, 'plan-refused.png'));
    const behind = await bannerText(s);
    if (behind) fail(`an error is shown behind the plan dialog: ${behind}`);

    await fill(s, field('limits.spo2.red_low'), '78');
    await fill(s, field('limits.spo2.yellow_low'), '85');
    await waitFor('the problem to go', 5_000, async () =>
      ((await s.exec(`return document.querySelector('[data-testid=plan-problem]') ? null : true;`)) ?? undefined));
    await press(s, KEY.CONTROL, KEY.ENTER);
    await waitFor('the plan dialog to close', 5_000, async () => ((await dialogOpen(s, 'plan-dialog')) ? undefined : true));
    await sleep(200);
    await press(s, 'p');
    const meta = await waitFor('the saved revision', 5_000, async () =>
      (await s.exec("var d = document.querySelector('[data-testid=plan-dialog]'); var m = document.querySelector('[data-testid=plan-meta]'); return d.open && m ? m.textContent : null;")) ?? undefined);
    if (!meta.includes('Revision 1')) fail(`the plan was not saved: ${meta}`);
    const shownRed = await s.exec(`return document.querySelector('${field('limits.spo2.red_low')}').value;`);
    if (shownRed !== '78') fail(`the saved plan shows red_low ${shownRed}`);
    await saveScreenshot(s, join(artifacts, 'plan.png'));
    const banner = await bannerText(s);
    if (banner) fail(`an error is shown: ${banner}`);
    await press(s, KEY.ESCAPE);
    // vagtctl prints the overrides as TOML.
    const plan = vagtctl('plan', 'show', citizenId);
    const red = /red_low\s*=\s*78\b/.test(plan.overrides);
    const yellow = /yellow_low\s*=\s*85\b/.test(plan.overrides);
    if (!red || !yellow || plan.revision !== 1) fail(`the store keeps another plan: ${JSON.stringify(plan).slice(0, 400)}`);
    log('vagtctl: the plan is kept as revision 1 with red_low 78, yellow_low 85');
    log(`plan saved: ${meta}`);
    return `ALARM OK: ${name}'s red reading raised high alarm ${raised[0].slice(0, 12)}, notified "${notification}", escalated "${escalated}", acknowledged with K; U snoozed, E set ECM4, P refused a wrong plan at its field and saved a valid one`;
  } catch (e) {
    try {
      await saveScreenshot(s, join(artifacts, 'alarm-failure.png'));
    } catch {
      // the window may be gone; the error says why
    }
    throw e;
  } finally {
    try {
      await s.remove();
    } catch (e) {
      log(`could not delete session: ${e.message}`);
    }
  }
}

run().then(
  (summary) => console.log(summary),
  (e) => {
    console.log(`ALARM FAIL: ${e instanceof SmokeError ? e.message : e?.stack || e}`);
    process.exitCode = 1;
  },
);

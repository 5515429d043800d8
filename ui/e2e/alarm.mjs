#!/usr/bin/env node
// End-to-end: a red reading reaches the backend while the app runs; the app's background sync
// brings it, the rules raise a high alarm, and it shows in the alarm panel and as a desktop
// notification without any click. Unacknowledged, it escalates (the script sets high alarms to
// escalate after one minute): the panel marks it and the notification comes again, louder. Then
// one key (K) acknowledges it, U snoozes the next one for this nurse, E sets the citizen's
// confirmed level and P edits the triage plan, a wrong plan refused with its field named.
//
// Env: VAGT_BIN, VAGT_ARGS (JSON array), FHIR_BASE (the vagt-sim the app syncs with),
//      PATIENT_ID (a Patient on it whose level is ECM1), CITIZEN_NAME, ARTIFACTS_DIR.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SmokeError, fail, log, saveScreenshot, sleep, startApp, waitFor, waitReady, wd } from './webdriver.mjs';

const ITEM = '[data-testid="alarm-item"]';

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

async function alarmIds(s) {
  return s.exec(`return Array.from(document.querySelectorAll('${ITEM}')).map(function (e) {
    return [e.dataset.alarmId, e.dataset.priority, e.dataset.kind, e.querySelector('.alarm-citizen').textContent];
  });`);
}

const CONTROL = '\uE009';
const ENTER = '\uE007';

/** Presses keys together (modifiers first) and lets them go in reverse order. */
async function press(s, ...keys) {
  const down = keys.map((value) => ({ type: 'keyDown', value }));
  const up = [...keys].reverse().map((value) => ({ type: 'keyUp', value }));
  await wd('POST', `/session/${s.id}/actions`, { actions: [{ type: 'key', id: 'kbd', actions: [...down, ...up] }] });
  await wd('DELETE', `/session/${s.id}/actions`);
}

/** Sets a form field's value as typing would (an input event follows). */
async function fill(s, testid, value) {
  await s.exec(`var e = document.querySelector('[data-testid="${testid}"]'); e.value = arguments[0];
    e.dispatchEvent(new Event('input', { bubbles: true })); return true;`, [value]);
}

async function dialogOpen(s, testid) {
  return s.exec(`var d = document.querySelector('[data-testid="${testid}"]'); return d ? d.open : null;`);
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
    const before = await alarmIds(s);
    if (before.some(([, priority, , citizen]) => priority === 'high' && citizen === name)) {
      fail(`${name} already has a high alarm before the reading`);
    }
    log(`${before.length} open alarms before the red reading`);

    await postRedReading(base, patientId);
    log(`posted SpO2 80 % for ${name} (Patient/${patientId}); waiting, no clicks`);

    const raised = await waitFor('a high alarm for the citizen in the panel', 45_000, async () => {
      const now = await alarmIds(s);
      return now.find(([id, priority, kind, citizen]) =>
        priority === 'high' && kind === 'level_rise' && citizen === name && !before.some(([b]) => b === id));
    });
    log(`alarm ${raised[0].slice(0, 12)} shown`);
    const notification = await waitFor('a desktop notification', 10_000, async () =>
      (await s.exec('return document.body.dataset.lastNotification || null;')) ?? undefined);
    if (!notification.includes(name)) fail(`the notification does not name the citizen: ${notification}`);
    const first = await s.exec(`return document.querySelector('${ITEM}').dataset.alarmId;`);
    if (first !== raised[0]) fail('the new high alarm is not first in the panel');
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
      (await s.exec(`var e = document.querySelector('${ITEM}[data-alarm-id="${raised[0]}"] [data-testid=alarm-escalation]');
        var n = document.body.dataset.lastNotification || '';
        return e && n.indexOf('ESKALERET') >= 0 ? n : null;`)) ?? undefined);
    if (!escalated.includes(name)) fail(`the escalation does not name the citizen: ${escalated}`);
    log(`escalated: "${escalated}"`);
    await saveScreenshot(s, join(artifacts, 'alarm-escalated.png'));

    // One key acknowledges the selected (top) alarm.
    await press(s, 'k');
    await waitFor('the alarm to leave the panel', 10_000, async () => {
      const now = await alarmIds(s);
      return now.some(([id]) => id === raised[0]) ? undefined : true;
    });
    await saveScreenshot(s, join(artifacts, 'alarm-acknowledged.png'));

    // U on an escalated high alarm is refused, said in the panel; on a lower one it snoozes it
    // for this nurse only: it stays in the panel, marked.
    let refusal = '(the top alarm was not high)';
    const top = await s.exec(`var e = document.querySelector('${ITEM}');
      return e ? [e.dataset.priority, !!e.querySelector('[data-testid=alarm-escalation]')] : null;`);
    if (top && top[0] === 'high' && top[1]) {
      await press(s, 'u');
      refusal = await waitFor('the refusal to snooze an escalated high alarm', 10_000, async () => {
        const note = await s.exec("return document.querySelector('[data-testid=alarm-note]').textContent || '';");
        return note.includes('eskaleret') ? note : undefined;
      });
    }
    const lower = await s.exec(`var e = document.querySelector('${ITEM}:not([data-priority=high])');
      if (!e) return null; e.click(); return e.dataset.alarmId;`);
    if (!lower) fail('the cohort has no medium or low alarm to snooze');
    await press(s, 'u');
    await waitFor('the chosen alarm to show as snoozed', 10_000, async () =>
      (await s.exec(`return document.querySelector('${ITEM}[data-alarm-id="${lower}"] [data-testid=alarm-snoozed]') ? true : null;`)) ?? undefined);
    log(`alarm ${lower.slice(0, 12)} snoozed with U, still shown; "${refusal}" for the escalated one`);

    // E: the citizen's confirmed level, with a reason; the worklist shows it confirmed.
    const row = `[data-testid=citizen-row][data-citizen-id="' + arguments[0] + '"]`;
    const citizenId = await s.exec(`var name = arguments[0];
      var r = Array.from(document.querySelectorAll('[data-testid=citizen-row]')).find(function (r) {
        return r.querySelector('[data-testid=citizen-name]').textContent === name; });
      if (!r) return null; r.click(); return r.dataset.citizenId;`, [name]);
    if (!citizenId) fail(`${name} is not in the worklist`);
    await press(s, 'e');
    await waitFor('the level dialog', 5_000, async () => (await dialogOpen(s, 'level-dialog')) || undefined);
    await s.exec("document.querySelector('[data-testid=level-select]').value = '4'; return true;");
    await press(s, CONTROL, ENTER);
    await waitFor('a reason to be asked for', 5_000, async () =>
      (await s.exec("return document.querySelector('[data-testid=level-dialog-error]').textContent || null;")) ?? undefined);
    await fill(s, 'level-reason', 'MAS-besøg aftalt i telefon');
    await s.exec("document.querySelector('[data-testid=level-reason]').focus(); return true;");
    await press(s, CONTROL, ENTER);
    await waitFor(`${name} confirmed at ECM4 in the worklist`, 10_000, async () =>
      (await s.exec(`var e = document.querySelector('${row} [data-testid=citizen-ecm]');
        return e && e.textContent.indexOf('ECM4') === 0 && !e.classList.contains('unconfirmed') ? true : null;`, [citizenId])) ?? undefined);
    log(`${name} confirmed at ECM4 with E`);

    // P: the triage plan. A yellow limit outside its red one is refused with the field named,
    // and the nurse's text stays; a valid one is saved as revision 1.
    await press(s, 'p');
    await waitFor('the plan dialog', 5_000, async () => (await dialogOpen(s, 'plan-dialog')) || undefined);
    await fill(s, 'plan-overrides', '[limits.spo2]\nyellow_low = 80\nred_low = 90\n');
    await fill(s, 'plan-reason', 'lavere mål aftalt med læge');
    await s.exec("document.querySelector('[data-testid=plan-reason]').focus(); return true;");
    await press(s, CONTROL, ENTER);
    const refused = await waitFor('the wrong plan to be refused', 5_000, async () =>
      (await s.exec("return document.querySelector('[data-testid=plan-dialog-error]').textContent || null;")) ?? undefined);
    if (!refused.includes('Planen er ikke gyldig') || !refused.includes('yellow_low')) fail(`unclear refusal: ${refused}`);
    if (!(await dialogOpen(s, 'plan-dialog'))) fail('the dialog closed on a refused plan');
    await sleep(500); // let WebKit paint the message before the screenshot
    await saveScreenshot(s, join(artifacts, 'plan-refused.png'));
    const shown = await s.exec("var b = document.querySelector('[data-testid=error-banner]'); return b.hidden ? null : b.dataset.code + ': ' + b.textContent;");
    if (shown) fail(`an error is shown behind the plan dialog: ${shown}`);
    await fill(s, 'plan-overrides', '[limits.spo2]\nred_low = 78\nyellow_low = 85\n');
    await press(s, CONTROL, ENTER);
    await waitFor('the plan dialog to close', 5_000, async () => ((await dialogOpen(s, 'plan-dialog')) ? undefined : true));
    await press(s, 'p');
    const meta = await waitFor('the saved revision', 5_000, async () =>
      (await s.exec("var d = document.querySelector('[data-testid=plan-dialog]'); return d.open ? document.querySelector('[data-testid=plan-meta]').textContent : null;")) ?? undefined);
    if (!meta.includes('Revision 1')) fail(`the plan was not saved: ${meta}`);
    const resolved = await s.exec("return document.querySelector('[data-testid=plan-resolved]').textContent;");
    if (!/red_low = 78/.test(resolved)) fail(`the plan in force does not show the change: ${resolved}`);
    await saveScreenshot(s, join(artifacts, 'plan.png'));
    const banner = await s.exec("var b = document.querySelector('[data-testid=error-banner]'); return b.hidden ? null : b.textContent;");
    if (banner) fail(`an error is shown: ${banner}`);
    await press(s, '\uE00C');
    log(`plan saved: ${meta}`);
    return `ALARM OK: ${name}'s red reading raised high alarm ${raised[0].slice(0, 12)}, notified "${notification}", escalated "${escalated}", acknowledged with K; U snoozed, E set ECM4, P saved a plan`;
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

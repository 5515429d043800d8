#!/usr/bin/env node
// End-to-end: a red reading reaches the backend while the app runs; the app's background sync
// brings it, the rules raise a high alarm, and it shows in the alarm panel and as a desktop
// notification without any click. Then one key (K) acknowledges it.
//
// Env: VAGT_BIN, VAGT_ARGS (JSON array), FHIR_BASE (the vagt-sim the app syncs with),
//      PATIENT_ID (a Patient on it whose level is ECM1), CITIZEN_NAME, ARTIFACTS_DIR.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SmokeError, fail, log, saveScreenshot, startApp, waitFor, waitReady, wd } from './webdriver.mjs';

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

    // One key acknowledges the selected (top) alarm.
    await wd('POST', `/session/${s.id}/actions`, {
      actions: [{ type: 'key', id: 'kbd', actions: [{ type: 'keyDown', value: 'k' }, { type: 'keyUp', value: 'k' }] }],
    });
    await waitFor('the alarm to leave the panel', 10_000, async () => {
      const now = await alarmIds(s);
      return now.some(([id]) => id === raised[0]) ? undefined : true;
    });
    await saveScreenshot(s, join(artifacts, 'alarm-acknowledged.png'));
    return `ALARM OK: ${name}'s red reading raised high alarm ${raised[0].slice(0, 12)}, notified "${notification}", acknowledged with K`;
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

// The UI in a plain browser over the tests' fake back end, for looking at layouts without the
// Rust app: `npm run mock`, then open http://localhost:5173/preview/?citizens=1000&alarms=12.
// Not part of the production build (index.html is its only entry).
import type { AlarmRow } from '../src/bindings';
import { draftPayload, emptyForm } from '../src/callform';
import { alarm, callRecord, citizen, handoverCitizen, handoverOf, installFake, timelineOf } from '../src/test/fakeBackend';

const params = new URLSearchParams(location.search);
const count = Number(params.get('citizens') ?? 1000);
const alarmCount = Number(params.get('alarms') ?? 12);
const priorities = ['high', 'high', 'medium', 'medium', 'low', 'info'] as const;
const citizens = Array.from({ length: count }, (_, i) => citizen(i, {
  suggested_level: 1 + (i % 4), confirmed_level: i % 3 === 0 ? null : 1 + (i % 4),
  diagnoses: i % 5 === 0 ? ['copd', 'heart_failure'] : ['copd'],
  last_reading_at: i % 7 === 0 ? '2026-11-18T08:00:00Z' : new Date(Date.now() - i * 60_000).toISOString(),
  latest: {
    spo2: { value: 88 + (i % 9), unit: '%', effective_at: new Date().toISOString() },
    pulse: { value: 60 + (i % 40), unit: '/min', effective_at: new Date().toISOString() },
    fev1: { value: 1.2 + (i % 10) / 10, unit: 'L', effective_at: new Date().toISOString() },
    temperature: { value: 36.4 + (i % 5) / 5, unit: 'Cel', effective_at: new Date().toISOString() },
    weight: { value: 70 + (i % 30) / 3, unit: 'kg', effective_at: new Date().toISOString() },
  },
}));
// Some citizens have several causes (an episode of three, one of two), of every kind.
const owner = [0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8];
const causes: Partial<AlarmRow>[] = [
  {},
  { kind: 'missed_measurement', cause: { type: 'missed_measurement', parameter: 'weight', last_at: '2026-11-20T08:00:00Z', due_at: '2026-11-21T08:00:00Z', grace_ms: 0 } },
  { kind: 'rejected_reading', cause: { type: 'rejected_reading', fingerprint: 'f', reason: 'implausible', parameter: 'pulse' } },
  { kind: 'plan_conflict', cause: { type: 'plan_conflict', revisions: [
    { key: 'k1', changed_by: 'anne', changed_at: new Date(Date.now() - 20 * 60_000).toISOString() },
    { key: 'k2', changed_by: 'bo', changed_at: new Date(Date.now() - 15 * 60_000).toISOString() },
  ] } },
];
const alarms = Array.from({ length: Math.min(alarmCount, count) }, (_, i) => {
  const c = citizens[owner[i] ?? i - 3]!;
  return alarm(`a${i}`, c.id, c.name, priorities[i % priorities.length]!, causes[i % causes.length]);
});
if (alarms[0]) alarms[0].escalation = { step: 1, due_at: new Date().toISOString(), audience: 'all_stations', loudness: 'loudest' };
for (const a of alarms) {
  const c = citizens.find((x) => x.id === a.citizen_id)!;
  c.open_alarms += 1;
  c.top_alarm_priority ??= a.priority;
}
// Citizen 0's history: alarms that ended by themselves, each with its reason.
const reasons = ['measured', 'expired', 'withdrawn', 'superseded', 'decided', 'cleared'] as const;
for (const [i, reason] of reasons.entries()) {
  alarms.push(alarm(`r${i}`, citizens[0]!.id, citizens[0]!.name, 'low', {
    ...causes[i % causes.length], state: 'resolved', resolved_reason: reason,
    raised_at: '2026-11-19T08:00:00Z', resolved_at: '2026-11-22T08:00:00Z',
  }));
}
const fake = installFake(citizens, alarms);
// &conflict=1: the plan was changed at two stations.
if (params.get('conflict')) {
  fake.plan = {
    revision: 2, key: 'urn:uuid:anne-2', changed_by: 'anne', changed_at: new Date(Date.now() - 20 * 60_000).toISOString(),
    reason: 'lavere SpO2-mål aftalt med lægen', conflicts: [{
      key: 'urn:uuid:bo-2', revision: 2, changed_by: 'bo', changed_at: new Date(Date.now() - 15 * 60_000).toISOString(),
      reason: 'vejes hver dag', overrides: '[schedule.weight]\nevery_hours = 24\ngrace_hours = 6\n',
    }],
  };
}
// Citizen 0's call log: a few calls of every kind.
const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
fake.callLog = [
  callRecord('urn:uuid:call-1', citizens[0]!.id, ago(2), {
    reason: 'mere åndenød end vanligt, hoster grønt slim', assessed_level: 3, follow_up_at: ago(-2), advice: 'start prednisolon og amoxicillin fra boksen',
    symptoms: [{ symptom: 'breathlessness', present: true, detail: 'ved påklædning' }, { symptom: 'sputum_colour', present: true, detail: 'grønt' },
      { symptom: 'fever', present: false }],
    medicine: [{ drug: 'Prednisolon', dose: '37,5 mg x 1 i 5 dage' }, { drug: 'Amoxicillin', dose: '750 mg x 3' }], e_doctor_consulted: true,
    answers_alarm: 'a0',
  }, 9),
  callRecord('urn:uuid:call-2', citizens[0]!.id, ago(26), { direction: 'outbound', caller: 'relative', caller_name: 'Bo (søn)', reason: 'kontrol efter udskrivelse', assessed_level: 2, nurse: 'anne' }),
  callRecord('urn:uuid:call-3', citizens[0]!.id, ago(75), { caller: 'home_care', reason: 'vægt steget 2 kg på 3 dage', symptoms: [{ symptom: 'weight_gain', present: true, detail: '2 kg' }, { symptom: 'swelling', present: true }] }),
];
// The shift's handover (H; &handover=1 opens it): the first 14 citizens, the most severe first,
// with reasons, open items, notes, sign-offs and one carried over from the shift before.
const severities = ['unstable', 'unstable', 'watcher', 'watcher', 'watcher', 'stable'] as const;
fake.handover = handoverOf(citizens.slice(0, 14).map((c, i) => {
  const severity = severities[Math.min(i >> 1, severities.length - 1)]!;
  return handoverCitizen(i, {
    name: c.name, diagnoses: c.diagnoses, latest: c.latest, severity, rule_severity: i === 2 ? 'unstable' : severity,
    confirmed_level: c.confirmed_level, suggested_level: c.suggested_level, level_at_start: i % 3 === 0 ? 2 : c.suggested_level,
    reasons: severity === 'stable' ? [] : [{ reason: 'level_rose', from: 2, to: 4 }, { reason: 'open_alarm', priority: 'high' }, { reason: 'baseline_drift' }],
    nurse_severity: i === 2 ? { value: 'watcher', by: 'anne', at: ago(3) } : null,
    contingency: i % 4 === 0 ? { value: 'Hvis SpO2 < 88 % eller mere åndenød: send MAS, ring til egen læge om prednisolon', by: 'anne', at: ago(4) } : null,
    signed: i === 5 ? { by: 'bo', at: ago(0.5) } : null, carried_over: i === 3, calls_in_shift: i % 3, visits_in_shift: i === 1 ? 1 : 0,
    actions: i < 4 ? [
      { kind: 'unacknowledged_alarm', alarm_id: `a${i}`, alarm: 'level_rise', priority: 'high', count: 2, owner: null, at: ago(5) },
      { kind: 'open_dispatch', key: `d${i}`, owner: 'mas-ole', at: ago(2), state: 'en_route' },
      { kind: 'call_back_due', alarm_id: `f${i}`, owner: 'anne', at: ago(1) },
    ] : [],
  });
}), { quiet: count - 14, calls: fake.callLog, signers: ['bo'], previous: { from: ago(16), to: ago(8), signed: true, unsigned: 1 } });
// &draft=1: a call left unfinished, offered at start.
if (params.get('draft')) {
  const state = { ...emptyForm(), reason: 'svimmel om morgenen' };
  fake.drafts = [{ id: 'draft-1', kind: 'call', citizen_id: citizens[1]!.id, updated_at: ago(1),
    form: draftPayload(state, { citizenId: citizens[1]!.id, citizenName: citizens[1]!.name, suggested: 2, confirmed: 2 }, Date.parse(ago(1.2)), Date.parse(ago(1))) }];
}
if (params.get('lang')) localStorage.setItem('vagt.lang', params.get('lang')!);
await import('../src/main');
// ?open=c-00001 opens a citizen's page (&range=30d its trend period, &cursor=3 the plot focused
// and its cursor on the fourth point), &plan=1 its plan dialog (&toml=1 in TOML), &level=1 the level dialog,
// &call=1 the call form (&call=unknown for an unknown caller, &fill=1 with something typed).
const store = await import('../src/store');
await new Promise((r) => setTimeout(r, 300));
if (params.get('open')) await store.openCitizen(params.get('open')!);
if (params.get('handover')) await store.openHandover();
// &timeline=1 opens the citizen's timeline (from their page: ?open=c-00001&timeline=1; else citizen 0's);
// &timeline=2000 makes it that long, a few days' calls, alarms, dispatch steps and levels repeated.
if (params.get('timeline')) {
  const id = params.get('open') ?? citizens[0]!.id;
  if (!params.get('open')) await store.openCitizen(id);
  const length = Number(params.get('timeline'));
  if (length > 1) {
    const days = timelineOf(id);
    const span = Date.parse(days[0]!.at) - Date.parse(days[days.length - 1]!.at) + 6 * 3_600_000;
    fake.timeline = Array.from({ length }, (_, i) => {
      const e = days[i % days.length]!;
      return { ...e, at: new Date(Date.parse(e.at) - Math.floor(i / days.length) * span).toISOString() };
    });
  }
  await store.openTimeline(id);
}
if (params.get('range')) store.setTrendRange(params.get('range') as typeof store.TREND_RANGES[number]);
if (params.get('cursor')) {
  for (let i = 0; i < 50 && !store.trend.rendered; i++) await new Promise((r) => setTimeout(r, 100));
  // As the keys would: the plot focused (and so in view), the cursor on the point.
  document.getElementById('trend-plot')?.focus();
  store.setTrendCursor(Number(params.get('cursor')));
}
if (params.get('plan')) await store.openPlanDialog();
if (params.get('toml')) await store.setPlanMode('toml');
if (params.get('level')) store.openLevelDialog();
// &scroll=calls brings the page's call log into view (&expand=1 with its newest call opened).
if (params.get('scroll')) {
  for (let i = 0; i < 50 && !document.querySelector('[data-testid="call-log-row"]'); i++) await new Promise((r) => setTimeout(r, 100));
  if (params.get('expand')) document.querySelector<HTMLElement>('[data-testid="call-log-toggle"]')?.click();
  const section = document.querySelector(`[data-testid="section-${params.get('scroll')}"]`);
  const scroller = document.querySelector('.page-scroll');
  if (section && scroller) scroller.scrollTop += section.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
}
if (params.get('call')) {
  if (!params.get('open')) store.selectCitizen(citizens[0]!.id);
  store.openCall({ unknown: params.get('call') === 'unknown' });
  if (params.get('fill')) {
    store.setCallText('reason', 'mere åndenød, hoster grønt slim');
    store.setSymptomAnswer('breathlessness', 'yes');
    store.setSymptomDetail('breathlessness', 'ved påklædning');
    store.setSymptomAnswer('sputum_colour', 'yes');
    store.setSymptomDetail('sputum_colour', 'grønt');
    store.setSymptomAnswer('fever', 'no');
    store.setCallText('advice', 'start prednisolon fra boksen');
    store.setMedicine(store.addMedicine(), 'drug', 'Prednisolon');
    store.setMedicine(0, 'dose', '37,5 mg');
    store.setCallLevel(3);
    store.setCallText('followUpHours', '4');
  }
}
// &set=limits.spo2.yellow_low:80,limits.spo2.red_low:90 types into the plan form.
for (const pair of (params.get('set') ?? '').split(',').filter(Boolean)) {
  const [path, value] = pair.split(':');
  store.setPlanField(path!, value ?? '');
}

// The UI in a plain browser over the tests' fake back end, for looking at layouts without the
// Rust app: `npm run mock`, then open http://localhost:5173/preview/?citizens=1000&alarms=12.
// Not part of the production build (index.html is its only entry).
import { alarm, citizen, installFake } from '../src/test/fakeBackend';

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
const alarms = Array.from({ length: Math.min(alarmCount, count) }, (_, i) =>
  alarm(`a${i}`, citizens[i]!.id, citizens[i]!.name, priorities[i % priorities.length]!));
for (const a of alarms) {
  const c = citizens.find((x) => x.id === a.citizen_id)!;
  c.open_alarms += 1;
  c.top_alarm_priority ??= a.priority;
}
installFake(citizens, alarms);
if (params.get('lang')) localStorage.setItem('vagt.lang', params.get('lang')!);
await import('../src/main');
// ?open=c-00001 opens a citizen's page, &plan=1 its plan dialog, &level=1 the level dialog.
const store = await import('../src/store');
await new Promise((r) => setTimeout(r, 300));
if (params.get('open')) await store.openCitizen(params.get('open')!);
if (params.get('plan')) await store.openPlanDialog();
if (params.get('level')) store.openLevelDialog();
// &set=limits.spo2.yellow_low:80,limits.spo2.red_low:90 types into the plan form.
for (const pair of (params.get('set') ?? '').split(',').filter(Boolean)) {
  const [path, value] = pair.split(':');
  store.setPlanField(path!, value ?? '');
}

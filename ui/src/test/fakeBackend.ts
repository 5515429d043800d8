// A stand-in for the Rust back end behind mockIPC: a cohort of citizens, open alarms, a plan,
// and a log of every command called, so tests can say what the UI read and when.
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AlarmRow, CitizenPage, CitizenSummary, PlanCheck, PlanForm, PlanProblem, StationStatus,
} from '../bindings';

export const NOW = '2026-11-22T08:00:00.000Z';

export function citizen(i: number, extra: Partial<CitizenSummary> = {}): CitizenSummary {
  const id = `c-${String(i).padStart(5, '0')}`;
  return {
    id, name: `Borger ${String(i).padStart(5, '0')}`, birth_date: '1950-03-01', diagnoses: ['copd'], phone: null,
    address: null, last_reading_at: new Date().toISOString(),
    latest: { spo2: { value: 94, unit: '%', effective_at: new Date().toISOString() } },
    suggested_level: 1, confirmed_level: 1, open_alarms: 0, top_alarm_priority: null, news2: null, ...extra,
  };
}

export function alarm(id: string, citizenId: string, name: string, priority: AlarmRow['priority']): AlarmRow {
  return {
    id, citizen_id: citizenId, citizen_name: name, kind: 'level_rise', priority, raised_at: NOW,
    cause: { type: 'suggested_change', source: 'suggested', from: 1, to: 3, at: NOW, trigger: { trigger: 'readings_improved' } },
    state: 'open', acknowledged_by: null, acknowledged_at: null, ack_comment: null, escalation: null,
    next_escalation_at: null, snoozed_until: null,
  };
}

export function status(extra: Partial<StationStatus> = {}): StationStatus {
  return {
    citizens: 0, readings: 0, rejected: 0, outbox: 0, last_sync: NOW, sync_error: null, sync_error_code: null,
    sync_state: 'online', sync_progress: null, readings_behind: null, open_alarms: 0, open_high_alarms: 0,
    alarms_total: 0, schema_version: 1, db_path: '/tmp/vagt.db', actor: 'mette', ...extra,
  };
}

export function planForm(citizenId: string): PlanForm {
  return {
    citizen_id: citizenId, revision: null, changed_by: null, changed_at: null, reason: null,
    defaults: { limits: { spo2: { yellow_low: 90, red_low: 86 } }, schedule: { spo2: { every_hours: 24, grace_hours: 6 } } },
    overrides: {}, resolved: { limits: { spo2: { yellow_low: 90, red_low: 86 } } },
  };
}

/** The problem the real back end reports for a yellow limit outside its red one. */
export function yellowOutsideRed(yellow: number, red: number): PlanProblem {
  return {
    code: 'yellow_outside_red', field: 'limits.spo2.yellow_low', value: yellow, other_field: 'limits.spo2.red_low',
    other_value: red, low: null, high: null, text: null,
    message: `limits.spo2.yellow_low = ${yellow} lies outside limits.spo2.red_low = ${red}`,
  };
}

function checkSpo2(overrides: PlanForm['overrides']): PlanCheck {
  const l = overrides.limits?.spo2;
  const yellow = l?.yellow_low ?? 90;
  const red = l?.red_low ?? 86;
  return { problems: yellow < red ? [yellowOutsideRed(yellow, red)] : [], resolved: null };
}

export interface Fake {
  citizens: CitizenSummary[];
  alarms: AlarmRow[];
  calls: { cmd: string; args: Record<string, unknown> }[];
  callsOf: (cmd: string) => Record<string, unknown>[];
  reset: () => void;
}

/** Installs the fake back end; every command answers from `fake`'s lists. */
export function installFake(citizens: CitizenSummary[], alarms: AlarmRow[] = []): Fake {
  const fake: Fake = {
    citizens, alarms, calls: [],
    callsOf: (cmd) => fake.calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    reset: () => {
      fake.calls.length = 0;
    },
  };
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    fake.calls.push({ cmd, args });
    const id = args.citizenId as string;
    switch (cmd) {
      case 'worklist': return fake.citizens;
      case 'worklist_rows': return fake.citizens.filter((c) => (args.citizenIds as string[]).includes(c.id));
      case 'store_status': return status({ citizens: fake.citizens.length, open_alarms: fake.alarms.length });
      case 'list_alarms': return fake.alarms;
      case 'acknowledge_alarm': return { outcome: 'acknowledged', alarm_id: args.alarmId };
      case 'snooze_alarm': return { alarm_id: args.alarmId, nurse: 'mette', requested_until: NOW, silenced_until: NOW };
      case 'notify_alarm': return true;
      case 'plan_form': return planForm(id);
      case 'check_plan': return checkSpo2(args.overrides as PlanForm['overrides']);
      case 'set_plan': {
        const check = checkSpo2(args.overrides as PlanForm['overrides']);
        if (check.problems.length) throw { code: 'invalid_plan', message: 'the plan is not valid', problems: check.problems };
        return { ...planForm(id), revision: 1, overrides: args.overrides };
      }
      case 'citizen_page': {
        const c = fake.citizens.find((x) => x.id === id);
        if (!c) throw { code: 'unknown_citizen', message: `no citizen ${id}` };
        const page: CitizenPage = {
          citizen: { id: c.id, name: c.name, cpr: '0103501234', birth_date: c.birth_date, diagnoses: c.diagnoses, phone: '12 34 56 78', address: 'Havnevej 1, 4500 Nykøbing Sj.' },
          suggested_level: 3, confirmed_level: 2,
          level_history: [
            { kind: 'confirmed', level: 2, set_at: NOW, set_by: 'mette', reason: 'aftalt i telefon', rule: null },
            { kind: 'suggested', level: 3, set_at: NOW, set_by: null, reason: null, rule: 'any_red' },
          ],
          plan: planForm(c.id),
          readings: [{ parameter: 'spo2', value: 85, unit: '%', effective_at: NOW, triage: 'red' }],
          alarms: fake.alarms.filter((a) => a.citizen_id === c.id),
          news2: null,
        };
        return page;
      }
      default: throw { code: 'unknown_command', message: `no command ${cmd}` };
    }
  }, { shouldMockEvents: true });
  return fake;
}

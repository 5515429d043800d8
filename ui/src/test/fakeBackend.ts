// A stand-in for the Rust back end behind mockIPC: a cohort of citizens, open alarms (also as
// episodes, one per citizen), a plan, a small trend plot and sparklines, the call log, the
// nurse's form drafts, MAS dispatches (to persons outside the clinic too), unknown callers' calls
// and their links, medicine boxes and visits, the shift handover with its notes and sign-offs, a citizen's timeline,
// and a log of every command called, so tests can say what the UI read and when.
import { mockIPC } from '@tauri-apps/api/mocks';
import { sortAlarms, sortEpisodes } from '../alarms';
import type {
  AlarmEpisode, AlarmRow, BoxedMedicine, CallForm, CallLink, CallProblem, CallRecord, CallRecorded, CitizenPage, CitizenSummary, Contingency, Dispatch,
  DispatchChanged, DispatchEdit, DispatchForm, FormDraft, Handover, HandoverCitizen, HandoverNote, HandoverSignoff, HoverPoint, Judgement,
  LimitsInForce, News2Score, PageVisit, PanelBox, Parameter, PersonDispatched, PersonDispatchForm, PlanCheck, PlanForm, PlanProblem, PlanView, Rendered, Sparkline, SparkPoint, StationStatus,
  TimelineEntry, TimelineKind, Triage, VisitForm, VisitRecord, VisitRecorded,
} from '../bindings';

export const NOW = '2026-11-22T08:00:00.000Z';

export function citizen(i: number, extra: Partial<CitizenSummary> = {}): CitizenSummary {
  const id = `c-${String(i).padStart(5, '0')}`;
  return {
    id, name: `Borger ${String(i).padStart(5, '0')}`, birth_date: '1950-03-01', diagnoses: ['copd'], phone: null,
    address: null, last_reading_at: new Date().toISOString(),
    latest: { spo2: { value: 94, unit: '%', effective_at: new Date().toISOString() } },
    suggested_level: 1, confirmed_level: 1, open_alarms: 0, top_alarm_priority: null, news2: null, open_dispatch: null, mas_only: false, ...extra,
  };
}

/** The fake's shift now: 07-15 on Copenhagen's clock, the day of NOW. */
export const SHIFT = { from: '2026-11-22T06:00:00.000Z', to: '2026-11-22T14:00:00.000Z' };

/** A citizen as the handover presents them: stable, ECM2 all shift, nothing open, unless told. */
export function handoverCitizen(i: number, extra: Partial<HandoverCitizen> = {}): HandoverCitizen {
  const c = citizen(i);
  return {
    citizen_id: c.id, name: c.name, diagnoses: c.diagnoses, mas_only: false, severity: 'stable', rule_severity: 'stable', reasons: [],
    nurse_severity: null, contingency: null, signed: null, carried_over: false, confirmed_level: 2, suggested_level: 2, level_at_start: 2,
    news2: null, latest: c.latest, actions: [], calls_in_shift: 0, visits_in_shift: 0, ...extra,
  };
}

/** The handover of SHIFT presenting `citizens` (in that order), the shift before signed in full. */
export function handoverOf(citizens: HandoverCitizen[], extra: Partial<Handover> = {}): Handover {
  return {
    from: SHIFT.from, to: SHIFT.to, made_at: NOW, citizens, quiet: 0, calls: [], visits: [], signers: [],
    previous: { from: '2026-11-21T22:00:00.000Z', to: SHIFT.from, signed: true, unsigned: 0 }, ...extra,
  };
}

export function alarm(
  id: string, citizenId: string, name: string, priority: AlarmRow['priority'], extra: Partial<AlarmRow> = {},
): AlarmRow {
  return {
    id, citizen_id: citizenId, citizen_name: name, kind: 'level_rise', priority, raised_at: NOW,
    cause: { type: 'suggested_change', source: 'suggested', from: 1, to: 3, at: NOW, trigger: { trigger: 'readings_improved' } },
    state: 'open', acknowledged_by: null, acknowledged_at: null, ack_comment: null, resolved_at: null,
    resolved_reason: null, escalation: null, next_escalation_at: null, snoozed_until: null, ...extra,
  };
}

/** The open alarms as the back end groups them: one episode per citizen, most urgent first. */
export function episodesOf(alarms: readonly AlarmRow[]): AlarmEpisode[] {
  const out = new Map<string, AlarmEpisode>();
  for (const a of sortAlarms(alarms.filter((x) => x.state === 'open'))) {
    const e = out.get(a.citizen_id);
    if (e) {
      e.causes.push(a);
      if (Date.parse(a.raised_at) > Date.parse(e.raised_at)) e.raised_at = a.raised_at;
      if ((a.escalation?.step ?? 0) > (e.escalation?.step ?? 0)) e.escalation = a.escalation;
      continue;
    }
    out.set(a.citizen_id, {
      citizen_id: a.citizen_id, citizen_name: a.citizen_name, priority: a.priority, raised_at: a.raised_at,
      escalation: a.escalation, next_escalation_at: a.next_escalation_at, snoozed_until: a.snoozed_until, causes: [a],
    });
  }
  for (const e of out.values()) {
    const snoozed = e.causes.map((a) => a.snoozed_until);
    e.snoozed_until = snoozed.every((x) => x !== null) ? snoozed.sort()[0] ?? null : null;
    const next = e.causes.map((a) => a.next_escalation_at).filter((x): x is string => x !== null).sort();
    e.next_escalation_at = next[0] ?? null;
  }
  return sortEpisodes([...out.values()]);
}

export function status(extra: Partial<StationStatus> = {}): StationStatus {
  return {
    citizens: 0, readings: 0, rejected: 0, outbox: 0, last_sync: NOW, sync_error: null, sync_error_code: null,
    sync_state: 'online', sync_progress: null, readings_behind: null, bulk_load: false, open_alarms: 0, open_high_alarms: 0,
    alarms_total: 0, schema_version: 1, db_path: '/tmp/vagt.db', actor: 'mette', subscribed: null, ...extra,
  };
}

export function planForm(citizenId: string): PlanForm {
  return {
    citizen_id: citizenId, revision: null, key: null, changed_by: null, changed_at: null, reason: null, conflicts: [],
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

/** SpO2 limits of the fake's plan, as the trend's points carry them. */
export const SPO2_LIMITS: LimitsInForce = {
  yellow_low: 92, yellow_high: null, red_low: 88, red_high: null, relative_bound: null, source: 'plan rev. 2, mette, 20.11.2026',
};
/** Temperature limits, with a relative bound. */
export const TEMP_LIMITS: LimitsInForce = {
  yellow_low: null, yellow_high: 37.5, red_low: null, red_high: 38.5, relative_bound: 37.8, source: 'standardplan',
};

function judge(limits: LimitsInForce, v: number): Triage {
  if ((limits.red_low !== null && v < limits.red_low) || (limits.red_high !== null && v > limits.red_high)) return 'red';
  if ((limits.yellow_low !== null && v < limits.yellow_low) || (limits.yellow_high !== null && v > limits.yellow_high)) return 'yellow';
  return 'green';
}

const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * A small trend plot in the real one's shape: a header, a SpO2 and a temperature panel of five
 * daily readings each (three in 48 h), the level strip and the legend, as SVG groups with the
 * real ids, and the points in the SVG's pixels.
 */
export function trendOf(name: string, range: string, width = 1200): Rendered {
  const HEADER = 60;
  const PANEL = 160;
  const n = range === '48h' ? 3 : 5;
  const series: { parameter: Parameter; unit: string; limits: LimitsInForce; values: number[] }[] = [
    { parameter: 'spo2', unit: '%', limits: SPO2_LIMITS, values: [95, 93, 91, 87, 94] },
    { parameter: 'temperature', unit: '°C', limits: TEMP_LIMITS, values: [36.8, 37.2, 38.6, 37.6, 36.9] },
  ];
  const panels: PanelBox[] = [];
  const points: HoverPoint[] = [];
  let svg = '';
  let top = HEADER;
  for (const s of series) {
    const values = s.values.slice(-n);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const xs = values.map((_, i) => Math.round(80 + (i * (width - 160)) / Math.max(1, n - 1)));
    const ys = values.map((v) => Math.round(20 + ((hi - v) / Math.max(1e-9, hi - lo)) * (PANEL - 40)));
    panels.push({ panel: { kind: 'parameter', parameter: s.parameter }, top, height: PANEL, readings: n, drawn: n });
    const dots = values.map((v, i) => {
      const triage = judge(s.limits, v);
      points.push({
        panel: { kind: 'parameter', parameter: s.parameter }, parameter: s.parameter, x: xs[i]!, y: top + ys[i]!,
        at: new Date(Date.parse(NOW) - (n - 1 - i) * 86_400_000).toISOString(), value: v, unit: s.unit, triage,
        source: `Observation/${s.parameter}-${i}`, limits: s.limits,
      });
      const fill = { green: '#1d6b2c', yellow: '#a67c00', red: '#b3161b' }[triage];
      return `<circle cx="${xs[i]}" cy="${ys[i]}" r="4" fill="${fill}"/>`;
    });
    svg += `<g id="panel-${s.parameter}" transform="translate(0,${top})"><rect x="60" y="0" width="${width - 120}" height="${PANEL}" fill="#fff" stroke="#d5dae0"/>`
      + `<text x="64" y="14" font-size="12">${s.parameter}</text>`
      + `<polyline fill="none" stroke="#545d68" points="${xs.map((x, i) => `${x},${ys[i]}`).join(' ')}"/>${dots.join('')}</g>
`;
    top += PANEL;
  }
  const height = top + 80;
  const doc = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans">
`
    + `<g id="header" transform="translate(0,0)"><text x="60" y="24" font-size="16" font-weight="bold">${escapeXml(name)} · ${escapeXml(range)}</text></g>
`
    + svg
    + `<g id="levels" transform="translate(0,${top})"><rect x="60" y="0" width="${width - 120}" height="40" fill="#eceff2"/></g>
`
    + `<g id="legend" transform="translate(0,${top + 40})"><text x="60" y="24" font-size="12">grøn · gul · rød</text></g>
</svg>
`;
  return { svg: doc, width, height, panels, points };
}

/**
 * A citizen's 7-day SpO2 sparkline, up to now (the clock the worklist draws it by); every
 * eleventh citizen (10, 21, …) measured nothing.
 */
export function sparklineOf(c: CitizenSummary, index: number, now = Date.now()): Sparkline | null {
  if (index % 11 === 10) return null;
  const points: SparkPoint[] = Array.from({ length: 14 }, (_, k) => {
    const value = 86 + ((index + k * 3) % 11);
    return { at: new Date(now - (13 - k) * 12 * 3_600_000).toISOString(), value, triage: judge(SPO2_LIMITS, value) };
  });
  const rank = { green: 0, yellow: 1, red: 2 } as const;
  const worst = points.reduce<Triage>((w, p) => (rank[p.triage] > rank[w] ? p.triage : w), 'green');
  return { citizen_id: c.id, parameter: 'spo2', points, worst };
}

/** A logged call in the back end's shape, at `startedAt`, lasting `minutes`. */
export function callRecord(key: string, citizenId: string | null, startedAt: string, extra: Partial<CallRecord> = {}, minutes = 6): CallRecord {
  return {
    key, citizen_id: citizenId, direction: 'inbound', caller: 'citizen', started_at: startedAt,
    ended_at: new Date(Date.parse(startedAt) + minutes * 60_000).toISOString(), nurse: 'mette', reason: 'åndenød',
    symptoms: [], medicine: [], e_doctor_consulted: false, assessed_level: null, follow_up_at: null, answers_alarm: null,
    ...extra,
  };
}

/** `hours` before NOW, as the back end writes instants. */
const before = (hours: number) => new Date(Date.parse(NOW) - hours * 3_600_000).toISOString();

/**
 * A citizen's timeline over three days, newest first, as the back end answers it: a red SpO2
 * reading that raised an alarm and a suggested level, the call that answered it, the alarm
 * acknowledged and the level confirmed; the day before, a yellow temperature, a rejected
 * pulse, a MAS dispatch (its steps), the visit and its care event; a plan revision and a missed
 * weighing two days before that.
 */
export function timelineOf(citizenId: string): TimelineEntry[] {
  const red = {
    parameter: 'spo2', reading_key: 'r-1', reading_at: before(0.8), value: 86, triage: 'red',
    rule: { type: 'limit', limit: 'red_low' }, limit: 88, baseline: null,
  } as const;
  const yellow = { ...red, parameter: 'temperature', reading_key: 'r-2', reading_at: before(22), value: 38.4, triage: 'yellow', limit: 38 } as const;
  const visit: VisitRecord = {
    key: 'urn:uuid:visit-t', citizen_id: citizenId, dispatch_key: 'urn:uuid:dispatch-t', nurse: 'mas.ole',
    arrived_at: before(18.5), left_at: before(17.8),
    vitals: { respiratory_rate: 22, spo2: 90, on_oxygen: false, systolic_bp: 130, diastolic_bp: 80, pulse: 96, consciousness: 'alert', temperature: 38.2 },
    spo2_scale: 'scale1', samples: { crp: 40, blood_gas: null, sputum_sent: false }, treatments: [], e_doctor_consulted: false,
    outcome: 'stays_home', plan: 'prednisolon fra boksen, ny måling i morgen tidlig',
  };
  const step = (hours: number, state: 'requested' | 'en_route' | 'arrived' | 'completed', by: string, note = ''): TimelineEntry =>
    ({ at: before(hours), kind: 'dispatch', marker: 'event', item: 'dispatch_step', dispatch_key: 'urn:uuid:dispatch-t', state, by, note });
  return [
    { at: before(0.1), kind: 'level', marker: 'confirmed_level', item: 'level',
      level: { kind: 'confirmed', level: 3, set_at: before(0.1), set_by: 'anne', reason: 'vurderet i telefon', rule: null } },
    { at: before(0.2), kind: 'alarm', marker: 'acknowledged', item: 'alarm_acknowledged', alarm_id: 'a-red', alarm: 'level_rise', by: 'anne', comment: 'ringet op' },
    { at: before(0.3), kind: 'call', marker: 'call', item: 'call',
      call: callRecord('urn:uuid:call-t', citizenId, before(0.3), { direction: 'outbound', nurse: 'anne', reason: 'SpO2 86 % i morges', assessed_level: 3, answers_alarm: 'a-red' }) },
    { at: before(0.8), kind: 'alarm', marker: 'reading_red', item: 'alarm_raised', alarm_id: 'a-red', alarm: 'level_rise', priority: 'high',
      cause: { type: 'suggested_change', source: 'suggested', from: 2, to: 3, at: before(0.8), trigger: { trigger: 'reading', finding: red } } },
    { at: before(0.8), kind: 'level', marker: 'suggested_level', item: 'level',
      level: { kind: 'suggested', level: 3, set_at: before(0.8), set_by: null, reason: null, rule: 'any_red' } },
    step(17.8, 'completed', 'mas.ole', 'bliver hjemme'),
    { at: before(18.5), kind: 'visit', marker: 'event', item: 'visit', visit },
    { at: before(18.5), kind: 'care_event', marker: 'event', item: 'care_event', event: 'mas_visit' },
    step(18.6, 'arrived', 'mas.ole'),
    step(19, 'en_route', 'mas.ole', 'kører fra Nykøbing'),
    step(19.5, 'requested', 'mette', 'hurtigst muligt'),
    { at: before(20), kind: 'alarm', marker: 'rejected', item: 'alarm_raised', alarm_id: 'a-rej', alarm: 'rejected_reading', priority: 'low',
      cause: { type: 'rejected_reading', fingerprint: 'f', reason: 'implausible', parameter: 'pulse' } },
    { at: before(22), kind: 'alarm', marker: 'reading_yellow', item: 'alarm_raised', alarm_id: 'a-yellow', alarm: 'level_rise', priority: 'medium',
      cause: { type: 'suggested_change', source: 'suggested', from: 1, to: 2, at: before(22), trigger: { trigger: 'reading', finding: yellow } } },
    { at: before(70), kind: 'plan', marker: 'plan', item: 'plan_revision',
      revision: { key: 'urn:uuid:plan-3', revision: 3, changed_at: before(70), changed_by: 'anne', reason: 'lavere SpO2-mål aftalt med lægen' } },
    { at: before(72), kind: 'alarm', marker: 'alarm', item: 'alarm_raised', alarm_id: 'a-missed', alarm: 'missed_measurement', priority: 'info',
      cause: { type: 'missed_measurement', parameter: 'weight', last_at: before(100), due_at: before(72), grace_ms: 0 } },
  ];
}

/** What the real back end refuses of a call (the checks a test can reach). */
function callProblems(form: CallForm): CallProblem[] {
  const out: CallProblem[] = [];
  if (!form.reason.trim()) out.push({ field: 'reason', code: 'missing' });
  if (form.citizen_id === null && !form.caller_name.trim()) out.push({ field: 'caller_name', code: 'missing' });
  if (Date.parse(form.ended_at) < Date.parse(form.started_at)) out.push({ field: 'ended_at', code: 'ends_before_start' });
  return out;
}

export interface Fake {
  citizens: CitizenSummary[];
  alarms: AlarmRow[];
  /** Whether the back end's Subscriptions are bound (`null`: no background sync). */
  subscribed?: boolean | null;
  /** Whether a first sync's bulk load is under way (the rules wait for its end). */
  bulkLoad?: boolean;
  /** A sync runs now (the status says `syncing`), with this progress. */
  syncing?: boolean;
  progress?: StationStatus['sync_progress'];
  /** Commands that fail (as a locked or broken store makes them). */
  failing?: Set<string>;
  /** Laid over every plan the fake answers (a revision, a conflict). */
  plan: Partial<PlanForm>;
  /** Alarms whose snooze is refused, as the back end refuses an escalated high alarm. */
  refuseSnooze: Set<string>;
  /** When set, citizen_trend fails with it. */
  trendError: { code: string; message: string } | null;
  /** What export_trend_pdf answers; with trendError set it fails too. */
  exportPath: string;
  /** The call log, as record_call keeps it and list_calls reads it. */
  callLog: CallRecord[];
  /** The nurse's form drafts. */
  drafts: FormDraft[];
  /** When set, record_call fails with it (an `invalid_call` with its `call_problems`). */
  callRefusal: { code: string; message: string; call_problems?: CallProblem[] } | null;
  /** Confirmed levels set by calls, shown on the citizen page (else ECM2). */
  confirmed: Record<string, number>;
  /** MAS dispatches, as request_dispatch and change_dispatch keep them. */
  dispatches: Dispatch[];
  /** Medicine boxes and MAS visits, shown on the citizen page of their citizen. */
  medicineBox: BoxedMedicine[];
  visits: PageVisit[];
  /** What visit_news2 answers for any vitals (the fake scores nothing itself). */
  news2: News2Score;
  /**
   * The handover the fake answers for any span (its `from`/`to` and the shift before's are the
   * span asked for); notes and sign-offs replace it, as the back end's next answer would differ.
   */
  handover: Handover;
  /** What export_handover_pdf answers. */
  handoverPath: string;
  /** The timeline the fake answers for any citizen (null: timelineOf the citizen asked for). */
  timeline: TimelineEntry[] | null;
  /** Called with each command before it is answered (to look at the window meanwhile). */
  beforeAnswer?: (cmd: string, args: Record<string, unknown>) => void;
  calls: { cmd: string; args: Record<string, unknown> }[];
  callsOf: (cmd: string) => Record<string, unknown>[];
  reset: () => void;
}

/** A dispatch just requested, as the back end answers it. */
export function dispatchOf(form: DispatchForm, n: number, extra: Partial<Dispatch> = {}): Dispatch {
  return {
    key: `urn:uuid:dispatch-${n}`, citizen_id: form.citizen_id, state: 'requested', urgency: form.urgency,
    reason: form.reason, assigned_to: form.assigned_to, outcome: null, requested_at: NOW, requested_by: 'mette',
    updated_at: NOW, history: [{ state: 'requested', at: NOW, by: 'mette', note: '' }], conflicts: [],
    heads: [`step-${n}`], ...extra,
  };
}

function changed(d: Dispatch, decision: string | null): DispatchChanged {
  return { saved: { dispatch: d, step: `step-${d.history.length}`, level_decision: decision }, alarms_raised: decision ? ['a-level'] : [] };
}

/** A worklist row of a person outside the clinic, as the back end answers it once added. */
function citizenRow(id: string, name: string, address: string): CitizenSummary {
  return {
    id, name, birth_date: null, diagnoses: [], phone: null, address, last_reading_at: null, latest: {},
    suggested_level: null, confirmed_level: null, open_alarms: 0, top_alarm_priority: null, news2: null,
    open_dispatch: 'requested', mas_only: true,
  };
}

/** Installs the fake back end; every command answers from `fake`'s lists. */
export function installFake(citizens: CitizenSummary[], alarms: AlarmRow[] = []): Fake {
  const fake: Fake = {
    citizens, alarms, plan: {}, refuseSnooze: new Set(), trendError: null,
    exportPath: '/home/mette/Documents/Vagt/Vagt-trend-20261122-0800.pdf', callLog: [], drafts: [], callRefusal: null,
    confirmed: {}, dispatches: [], medicineBox: [], visits: [], calls: [],
    handover: handoverOf([]), handoverPath: '/home/mette/Documents/Vagt/Vagt-overlevering-20261122-0700.pdf', timeline: null,
    news2: { respiratory_rate: 2, spo2: 3, oxygen: 0, systolic_bp: 0, pulse: 1, consciousness: 0, temperature: 1, total: 7, risk: 'high' },
    callsOf: (cmd) => fake.calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    reset: () => {
      fake.calls.length = 0;
    },
  };
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    fake.calls.push({ cmd, args });
    fake.beforeAnswer?.(cmd, args);
    if (fake.failing?.has(cmd)) throw { code: 'store_busy', message: 'the store is busy' };
    const id = args.citizenId as string;
    const plan = (): PlanForm => ({ ...planForm(id), ...fake.plan });
    switch (cmd) {
      case 'worklist_page': {
        // The back end's keyset: the rows after (name, id) in the list's order, and where the
        // next page begins when there are more.
        const after = args.after as { name: string; id: string } | null;
        const limit = args.limit as number;
        const key = (c: { name: string; id: string }) => [c.name, c.id] as const;
        const past = (c: CitizenSummary) => after === null
          || key(c)[0] > after.name || (key(c)[0] === after.name && key(c)[1] > after.id);
        const ordered = fake.citizens.filter(past).sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
        const rows = ordered.slice(0, limit);
        const last = rows.at(-1);
        return { rows, next: ordered.length > limit && last ? { name: last.name, id: last.id } : null };
      }
      case 'worklist_rows': return fake.citizens.filter((c) => (args.citizenIds as string[]).includes(c.id));
      case 'store_status': return status({
        citizens: fake.citizens.length, open_alarms: fake.alarms.length, subscribed: fake.subscribed ?? null,
        bulk_load: fake.bulkLoad ?? false, sync_state: fake.syncing ? 'syncing' : 'online',
        sync_progress: fake.syncing ? fake.progress ?? null : null,
      });
      case 'list_alarms': return fake.alarms;
      case 'alarm_episodes_page': {
        // The back end's pages: the episodes of the next citizens by id after the one named.
        const ids = [...new Set(fake.alarms.filter((a) => a.state === 'open').map((a) => a.citizen_id))].sort();
        const after = args.after as string | null;
        const later = ids.filter((id) => after === null || id > after);
        const page = later.slice(0, args.citizens as number);
        const last = page.at(-1);
        return {
          episodes: episodesOf(fake.alarms.filter((a) => page.includes(a.citizen_id))),
          next: later.length > page.length && last ? last : null,
        };
      }
      case 'alarm_episodes_of': return episodesOf(fake.alarms.filter((a) => (args.citizenIds as string[]).includes(a.citizen_id)));
      case 'acknowledge_alarm': return { outcome: 'acknowledged', alarm_id: args.alarmId };
      case 'acknowledge_episode': return (args.alarmIds as string[]).map((alarm_id) => ({ outcome: 'acknowledged', alarm_id }));
      case 'snooze_alarm':
        if (fake.refuseSnooze.has(args.alarmId as string)) {
          throw { code: 'snooze_after_escalation', message: 'a high alarm cannot be snoozed after it escalated' };
        }
        return { alarm_id: args.alarmId, nurse: 'mette', requested_until: NOW, silenced_until: NOW };
      case 'notify_alarm': return true;
      case 'plan_form': return plan();
      case 'plan_toml': {
        const p = plan();
        const view: PlanView = {
          citizen_id: id, revision: p.revision, key: p.key, changed_by: p.changed_by, reason: p.reason,
          conflicts: p.conflicts, overrides: '[limits.spo2]\nred_low = 85\n', resolved: '[limits.spo2]\nred_low = 85\nyellow_low = 90\n',
        };
        return view;
      }
      case 'set_plan_toml': {
        const view: PlanView = {
          citizen_id: id, revision: (fake.plan.revision ?? 0) + 1, key: 'urn:uuid:saved', changed_by: 'mette',
          reason: args.reason as string, conflicts: [], overrides: args.toml as string, resolved: args.toml as string,
        };
        return view;
      }
      case 'check_plan': return checkSpo2(args.overrides as PlanForm['overrides']);
      case 'set_plan': {
        const check = checkSpo2(args.overrides as PlanForm['overrides']);
        if (check.problems.length) throw { code: 'invalid_plan', message: 'the plan is not valid', problems: check.problems };
        return { ...plan(), revision: (fake.plan.revision ?? 0) + 1, conflicts: [], overrides: args.overrides };
      }
      case 'citizen_page': {
        const c = fake.citizens.find((x) => x.id === id);
        if (!c) throw { code: 'unknown_citizen', message: `no citizen ${id}` };
        const page: CitizenPage = {
          citizen: { id: c.id, name: c.name, cpr: '0103501234', birth_date: c.birth_date, diagnoses: c.diagnoses, phone: '12 34 56 78', address: 'Havnevej 1, 4500 Nykøbing Sj.', mas_only: c.mas_only },
          suggested_level: 3, confirmed_level: fake.confirmed[c.id] ?? 2,
          level_history: [
            { kind: 'confirmed', level: 2, set_at: NOW, set_by: 'mette', reason: 'aftalt i telefon', rule: null },
            { kind: 'suggested', level: 3, set_at: NOW, set_by: null, reason: null, rule: 'any_red' },
          ],
          plan: { ...planForm(c.id), ...fake.plan },
          readings: fake.bulkLoad ? [] : [{ parameter: 'spo2', value: 85, unit: '%', effective_at: NOW, triage: 'red' }],
          readings_pending: fake.bulkLoad ?? false,
          alarms: fake.alarms.filter((a) => a.citizen_id === c.id),
          news2: null,
          medicine_box: fake.medicineBox.filter((m) => m.citizen_id === c.id),
          visits: fake.visits.filter((v) => v.visit.citizen_id === c.id),
        };
        return page;
      }
      case 'citizen_trend': {
        const c = fake.citizens.find((x) => x.id === id);
        if (!c) throw { code: 'unknown_citizen', message: `no citizen ${id}` };
        if (fake.trendError) throw fake.trendError;
        const range = args.range as string;
        if (!/^(48h|7d|30d|90d|1y|all)$/.test(range) && !range.includes('..')) throw { code: 'bad_range', message: `unknown range ${range}` };
        const width = Math.min(2400, Math.max(480, (args.width as number | undefined) ?? 1200));
        return trendOf(c.name, range, width);
      }
      case 'export_trend_pdf':
        if (!fake.citizens.some((x) => x.id === id)) throw { code: 'unknown_citizen', message: `no citizen ${id}` };
        if (fake.trendError) throw fake.trendError;
        return fake.exportPath;
      case 'sparklines': {
        const wanted = new Set(args.citizenIds as string[]);
        return fake.citizens.flatMap((c, i) => {
          const spark = wanted.has(c.id) ? sparklineOf(c, i) : null;
          return spark ? [spark] : [];
        });
      }
      case 'record_call': {
        const form = args.form as CallForm;
        if (fake.callRefusal) throw fake.callRefusal;
        const problems = callProblems(form);
        if (problems.length) throw { code: 'invalid_call', message: 'the call does not hold together', call_problems: problems };
        if (form.answers_alarm && !fake.alarms.some((a) => a.id === form.answers_alarm)) {
          throw { code: 'unknown_alarm', message: `no alarm ${form.answers_alarm}` };
        }
        const { draft_id: draftId, ...rest } = form;
        const call: CallRecord = { ...rest, key: `urn:uuid:call-${fake.callLog.length + 1}`, nurse: 'mette' };
        fake.callLog.unshift(call);
        if (draftId) fake.drafts = fake.drafts.filter((d) => d.id !== draftId);
        const citizenId = form.citizen_id;
        if (citizenId !== null && form.assessed_level !== null) {
          fake.confirmed[citizenId] = form.assessed_level;
          const i = fake.citizens.findIndex((c) => c.id === citizenId);
          if (i >= 0) fake.citizens[i] = { ...fake.citizens[i]!, confirmed_level: form.assessed_level };
        }
        if (form.answers_alarm) fake.alarms = fake.alarms.filter((a) => a.id !== form.answers_alarm);
        const recorded: CallRecorded = {
          call, alarms_raised: [],
          saved: {
            key: call.key, level_decision: citizenId !== null && form.assessed_level !== null ? 'urn:uuid:decision' : null,
            answered_alarm: form.answers_alarm,
          },
        };
        return recorded;
      }
      case 'request_dispatch': {
        const form = args.form as DispatchForm;
        if (form.reason.trim() === '') {
          throw { code: 'invalid_dispatch', message: 'no reason', dispatch_problems: [{ field: 'steps.0.reason', code: 'missing' }] };
        }
        const d = dispatchOf(form, fake.dispatches.length + 1);
        fake.dispatches.push(d);
        return changed(d, null);
      }
      case 'dispatch_person': {
        const form = args.form as PersonDispatchForm;
        const digits = form.person.cpr.replace('-', '');
        if (!/^\d{10}$/.test(digits)) {
          throw { code: 'invalid_person', message: 'not a CPR', person_problems: [{ field: 'cpr', code: 'not_a_cpr' }] };
        }
        const existing = fake.citizens.some((c) => c.id === digits);
        if (!existing) {
          fake.citizens.push(citizenRow(digits, form.person.name, form.person.address));
        }
        const d = dispatchOf({ ...form, citizen_id: digits }, fake.dispatches.length + 1);
        fake.dispatches.push(d);
        const sent: PersonDispatched = { person: { citizen_id: digits, existing }, dispatch: changed(d, null) };
        return sent;
      }
      case 'unlinked_calls':
        return fake.callLog.filter((c) => c.citizen_id === null);
      case 'link_call': {
        const i = fake.callLog.findIndex((c) => c.key === args.callKey);
        if (i < 0) throw { code: 'unknown_call', message: `no call ${String(args.callKey)}` };
        const link: CallLink = {
          key: 'urn:uuid:link-1', call_key: args.callKey as string, citizen_id: id, linked_by: 'mette', linked_at: NOW,
        };
        fake.callLog[i] = { ...fake.callLog[i]!, citizen_id: id, linked: link };
        return link;
      }
      case 'change_dispatch': {
        const i = fake.dispatches.findIndex((d) => d.key === args.key);
        const edit = args.edit as DispatchEdit;
        if (i < 0) throw { code: 'unknown_dispatch', message: `no dispatch ${String(args.key)}` };
        const d = { ...fake.dispatches[i]! };
        if (edit.change === 'state') {
          d.state = edit.to;
          d.outcome = edit.outcome;
          d.conflicts = [];
          d.history = [...d.history, { state: edit.to, at: NOW, by: 'mette', note: edit.note }];
        } else if (edit.change === 'assigned') d.assigned_to = edit.nurse;
        else d.urgency = edit.urgency;
        fake.dispatches[i] = d;
        const admitted = edit.change === 'state' && edit.outcome === 'hospital_admission';
        if (admitted) fake.confirmed[d.citizen_id] = 6;
        return changed(d, admitted ? 'urn:uuid:decision' : null);
      }
      case 'list_dispatches':
        return fake.dispatches.filter((d) => (!args.openOnly || !['completed', 'cancelled'].includes(d.state))
          && (args.citizenId === undefined || d.citizen_id === args.citizenId));
      case 'list_calls':
        return fake.callLog
          .filter((c) => args.citizenId === undefined || c.citizen_id === args.citizenId)
          .sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
      case 'medicine_box': return fake.medicineBox.filter((m) => m.citizen_id === id);
      case 'visit_news2': return fake.news2;
      case 'record_visit': {
        const form = args.form as VisitForm;
        // As the back end refuses a saturation typed as a fraction, at its field.
        if (form.vitals.spo2 < 50) {
          throw { code: 'invalid_visit', message: 'the visit cannot be recorded', visit_problems: [{ field: 'vitals.spo2', code: 'implausible' }] };
        }
        const { draft_id: draftId, ...rest } = form;
        const visit: VisitRecord = { ...rest, key: `urn:uuid:visit-${fake.visits.length + 1}`, nurse: 'mette', spo2_scale: 'scale1' };
        fake.visits = [{ visit, news2: fake.news2 }, ...fake.visits];
        if (draftId) fake.drafts = fake.drafts.filter((d) => d.id !== draftId);
        const sets = form.outcome === 'stays_home' ? null : 'urn:uuid:decision';
        const recorded: VisitRecorded = {
          visit, alarms_raised: sets ? ['a-level'] : [],
          saved: { key: visit.key, news2: fake.news2, level_decision: sets, completed_dispatch: form.dispatch_key, new: true },
        };
        return recorded;
      }
      case 'save_draft': {
        const draft: FormDraft = {
          id: args.id as string, kind: args.kind as string, citizen_id: (args.citizenId as string | undefined) ?? null,
          form: args.form, updated_at: new Date().toISOString(),
        };
        fake.drafts = [draft, ...fake.drafts.filter((d) => d.id !== draft.id)];
        return null;
      }
      case 'handover': {
        const from = (args.from as string | null) ?? SHIFT.from;
        const to = (args.to as string | null) ?? SHIFT.to;
        const before = new Date(2 * Date.parse(from) - Date.parse(to)).toISOString();
        return { ...fake.handover, from, to, previous: { ...fake.handover.previous, from: before, to: from } } satisfies Handover;
      }
      case 'write_handover_note': {
        const severity = args.severity as Judgement | null;
        const contingency = args.contingency as Contingency | null;
        if (severity === null && contingency === null) throw { code: 'empty_note', message: 'the note says nothing' };
        if (contingency?.action === 'write' && contingency.text.trim() === '') throw { code: 'empty_contingency', message: 'empty' };
        if (!fake.handover.citizens.some((c) => c.citizen_id === id)) throw { code: 'unknown_citizen', message: `no citizen ${id}` };
        const word = <T,>(value: T) => ({ value, by: 'mette', at: NOW });
        fake.handover = {
          ...fake.handover,
          citizens: fake.handover.citizens.map((c) => c.citizen_id !== id ? c : {
            ...c,
            // Her judgement stands over the rule's; `rule` withdraws it and the rule's applies again.
            ...(severity?.action === 'set' ? { severity: severity.severity, nurse_severity: word(severity.severity) } : {}),
            ...(severity?.action === 'rule' ? { severity: c.rule_severity, nurse_severity: null } : {}),
            ...(contingency ? { contingency: contingency.action === 'write' ? word(contingency.text) : null } : {}),
          }),
        };
        const note: HandoverNote = {
          key: 'urn:uuid:note-1', citizen_id: id, shift: { from: args.from as string, to: args.to as string },
          // As sent (the note's own type follows the back end's).
          severity: args.severity as HandoverNote['severity'], contingency, written_by: 'mette', written_at: NOW,
        };
        return note;
      }
      case 'sign_handover': {
        const presented = fake.handover.citizens.map((c) => c.citizen_id);
        const signed = (args.citizenIds as string[] | null) ?? presented;
        if (signed.some((s) => !presented.includes(s))) throw { code: 'not_presented', message: 'not presented' };
        // None only for a handover that presents nobody.
        if (signed.length === 0 && presented.length > 0) throw { code: 'nothing_signed', message: 'the sign-off signs for no citizen' };
        fake.handover = {
          ...fake.handover,
          signers: [...new Set([...fake.handover.signers, 'mette'])],
          citizens: fake.handover.citizens.map((c) => (signed.includes(c.citizen_id) && !c.signed ? { ...c, signed: { by: 'mette', at: NOW } } : c)),
        };
        const signoff: HandoverSignoff = {
          key: 'urn:uuid:signoff-1', shift: { from: args.from as string, to: args.to as string }, presented, signed,
          signed_by: 'mette', signed_at: NOW,
        };
        return signoff;
      }
      case 'export_handover_pdf': return fake.handoverPath;
      case 'timeline': {
        if (!fake.citizens.some((c) => c.id === id)) throw { code: 'unknown_citizen', message: `no citizen ${id}` };
        const kinds = args.kinds as TimelineKind[];
        const all = fake.timeline ?? timelineOf(id);
        return kinds.length === 0 ? all : all.filter((e) => kinds.includes(e.kind));
      }
      case 'list_drafts': return [...fake.drafts].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
      case 'discard_draft': {
        const before = fake.drafts.length;
        fake.drafts = fake.drafts.filter((d) => d.id !== args.id);
        return fake.drafts.length < before;
      }
      default: throw { code: 'unknown_command', message: `no command ${cmd}` };
    }
  }, { shouldMockEvents: true });
  return fake;
}

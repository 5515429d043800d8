// The MAS visit form as typed, and what is sent: pure helpers, no DOM, no I/O, no clock of
// their own. Numbers are kept as typed (a decimal comma allowed) so a half-typed value is never
// lost; `vitalsOf` reads them once all parse, `localProblems` says what is missing or not a
// number before anything is sent, and `buildVisitForm` makes the back end's `VisitForm`. The
// field paths are the back end's (`vitals.spo2`, `treatments.1.dose`), so its refusals land at
// the same fields.
import type {
  BoxedMedicine, CitizenId, Consciousness, Route, TreatmentGiven, VisitForm, VisitOutcome, VisitProblemCode, VisitVitals,
} from './bindings';
import { parseDecimal } from './format';

export const ACVPU: readonly Consciousness[] = ['alert', 'new_confusion', 'voice', 'pain', 'unresponsive'];
export const ROUTES: readonly Route[] = ['oral', 'inhaled', 'nebulised', 'intravenous', 'intramuscular', 'subcutaneous'];
export const OUTCOMES: readonly VisitOutcome[] = ['stays_home', 'municipal_acute_bed', 'hospital_admission'];
/** The version of the draft payload; an unknown one is not resumed. */
export const VISIT_DRAFT_VERSION = 1;

/** The vital signs in the form's order, each with its back-end field and the state's key. */
export const VITALS = [
  { key: 'rr', field: 'vitals.respiratory_rate' },
  { key: 'spo2', field: 'vitals.spo2' },
  { key: 'sys', field: 'vitals.systolic_bp' },
  { key: 'dia', field: 'vitals.diastolic_bp' },
  { key: 'pulse', field: 'vitals.pulse' },
  { key: 'temp', field: 'vitals.temperature' },
] as const;
export type VitalKey = (typeof VITALS)[number]['key'];

export const GAS = [
  { key: 'ph', field: 'samples.blood_gas.ph' },
  { key: 'pco2', field: 'samples.blood_gas.pco2_kpa' },
  { key: 'po2', field: 'samples.blood_gas.po2_kpa' },
] as const;
export type GasKey = (typeof GAS)[number]['key'];
/** Every number the form keeps as typed. */
export type NumberKey = VitalKey | GasKey | 'crp';

export interface TreatmentRow { drug: string; dose: string; route: Route }

export interface VisitFormState {
  rr: string; spo2: string; sys: string; dia: string; pulse: string; temp: string;
  onOxygen: boolean;
  acvpu: Consciousness;
  crp: string; ph: string; pco2: string; po2: string;
  sputum: boolean;
  /** Drugs of the box given, by the prescription's source id, with how. */
  fromBox: Record<string, Route>;
  /** Drugs from the nurse's bag. */
  other: TreatmentRow[];
  eDoctor: boolean;
  outcome: VisitOutcome | null;
  plan: string;
  notes: string;
}

/** Whom the visit is to, as the form was opened. */
export interface VisitContext {
  citizenId: CitizenId;
  citizenName: string;
  /** The dispatch that sent the nurse; recording the visit completes it when she has arrived. */
  dispatchKey: string | null;
}

export type VisitFormProblemCode = VisitProblemCode | 'not_a_number';
export interface VisitFormProblem { field: string; code: VisitFormProblemCode }

export function emptyVisit(): VisitFormState {
  return {
    rr: '', spo2: '', sys: '', dia: '', pulse: '', temp: '', onOxygen: false, acvpu: 'alert',
    crp: '', ph: '', pco2: '', po2: '', sputum: false, fromBox: {}, other: [], eDoctor: false, outcome: null, plan: '', notes: '',
  };
}

export function isDirty(state: VisitFormState): boolean {
  return JSON.stringify(state) !== JSON.stringify(emptyVisit());
}

const parsed = (text: string): number | null => {
  const n = parseDecimal(text);
  return n === null || Number.isNaN(n) ? null : n;
};

/** The vitals once every one of them is a number (for the live NEWS2); else null. */
export function vitalsOf(state: VisitFormState): VisitVitals | null {
  const n = Object.fromEntries(VITALS.map((v) => [v.key, parsed(state[v.key])])) as Record<VitalKey, number | null>;
  if (VITALS.some((v) => n[v.key] === null)) return null;
  return {
    respiratory_rate: n.rr ?? 0, spo2: n.spo2 ?? 0, on_oxygen: state.onOxygen, systolic_bp: n.sys ?? 0,
    diastolic_bp: n.dia ?? 0, pulse: n.pulse ?? 0, consciousness: state.acvpu, temperature: n.temp ?? 0,
  };
}

/** The bag's rows with anything typed in them; a blank row is left out. */
function typedOther(state: VisitFormState): { row: TreatmentRow; index: number }[] {
  return state.other.map((row, index) => ({ row, index })).filter(({ row }) => row.drug.trim() !== '' || row.dose.trim() !== '');
}

/** The box's drugs given, in the box's order. */
function givenFromBox(state: VisitFormState, box: readonly BoxedMedicine[]): TreatmentGiven[] {
  return box.flatMap((m) => {
    const route = state.fromBox[m.source_id];
    return route ? [{ drug: m.drug, dose: m.dose, route, from_box: m.source_id }] : [];
  });
}

/**
 * What the form can tell is wrong before sending, by the back end's field paths, in the form's
 * order: a vital sign missing or not a number, a sample value not a number, a blood gas with
 * only some of its values, a bag row half filled, no outcome, no plan.
 */
export function localProblems(state: VisitFormState, box: readonly BoxedMedicine[]): VisitFormProblem[] {
  const out: VisitFormProblem[] = [];
  for (const v of VITALS) {
    const n = parseDecimal(state[v.key]);
    if (n === null) out.push({ field: v.field, code: 'missing' });
    else if (Number.isNaN(n)) out.push({ field: v.field, code: 'not_a_number' });
  }
  if (Number.isNaN(parseDecimal(state.crp))) out.push({ field: 'samples.crp', code: 'not_a_number' });
  const gasTyped = GAS.some((g) => state[g.key].trim() !== '');
  for (const g of GAS) {
    const n = parseDecimal(state[g.key]);
    if (n === null && gasTyped) out.push({ field: g.field, code: 'missing' });
    else if (n !== null && Number.isNaN(n)) out.push({ field: g.field, code: 'not_a_number' });
  }
  const boxCount = givenFromBox(state, box).length;
  typedOther(state).forEach(({ row }, i) => {
    if (row.drug.trim() === '') out.push({ field: `treatments.${boxCount + i}.drug`, code: 'missing' });
    if (row.dose.trim() === '') out.push({ field: `treatments.${boxCount + i}.dose`, code: 'missing' });
  });
  if (state.outcome === null) out.push({ field: 'outcome', code: 'missing' });
  if (state.plan.trim() === '') out.push({ field: 'plan', code: 'missing' });
  return out;
}

/**
 * The form's own field of a back-end path: `treatments.N.*` counts the box's drugs first, then
 * the bag's typed rows, so it is turned into `box.<source id>` or `other.<row>.*`.
 */
export function formField(state: VisitFormState, box: readonly BoxedMedicine[], field: string): string {
  const m = /^treatments\.(\d+)\.(\w+)$/.exec(field);
  if (!m) return field;
  const given = givenFromBox(state, box);
  const i = Number(m[1]);
  if (i < given.length) return `box.${given[i]?.from_box ?? ''}`;
  const row = typedOther(state)[i - given.length];
  return row ? `other.${row.index}.${m[2]}` : field;
}

/** Problems by the form's fields, in the order given. */
export function problemsByField(
  state: VisitFormState, box: readonly BoxedMedicine[], problems: readonly VisitFormProblem[],
): Map<string, VisitFormProblemCode[]> {
  const out = new Map<string, VisitFormProblemCode[]>();
  for (const p of problems) {
    const field = formField(state, box, p.field);
    const list = out.get(field) ?? [];
    if (!list.includes(p.code)) list.push(p.code);
    out.set(field, list);
  }
  return out;
}

export interface VisitTimes { arrivedAt: number; leftAt: number; draftId: string | null }

/** The `VisitForm` the back end records, from the form as typed (after `localProblems` is empty). */
export function buildVisitForm(
  state: VisitFormState, ctx: VisitContext, box: readonly BoxedMedicine[], times: VisitTimes,
): VisitForm {
  const vitals = vitalsOf(state) ?? {
    respiratory_rate: Number.NaN, spo2: Number.NaN, on_oxygen: state.onOxygen, systolic_bp: Number.NaN,
    diastolic_bp: Number.NaN, pulse: Number.NaN, consciousness: state.acvpu, temperature: Number.NaN,
  };
  const ph = parsed(state.ph);
  const pco2 = parsed(state.pco2);
  const po2 = parsed(state.po2);
  return {
    citizen_id: ctx.citizenId,
    dispatch_key: ctx.dispatchKey,
    arrived_at: new Date(times.arrivedAt).toISOString(),
    left_at: new Date(Math.max(times.leftAt, times.arrivedAt)).toISOString(),
    vitals,
    samples: {
      crp: parsed(state.crp),
      blood_gas: ph !== null && pco2 !== null && po2 !== null ? { ph, pco2_kpa: pco2, po2_kpa: po2 } : null,
      sputum_sent: state.sputum,
    },
    treatments: [
      ...givenFromBox(state, box),
      ...typedOther(state).map(({ row }) => ({ drug: row.drug.trim(), dose: row.dose.trim(), route: row.route, from_box: null })),
    ],
    e_doctor_consulted: state.eDoctor,
    // localProblems refuses a form without one before it is built.
    outcome: state.outcome ?? 'stays_home',
    plan: state.plan.trim(),
    notes: state.notes.trim(),
    draft_id: times.draftId,
  };
}

// ---------- drafts ----------

export interface VisitDraftPayload {
  v: number;
  ctx: VisitContext;
  arrivedAt: number;
  form: VisitFormState;
}

export function visitDraftPayload(ctx: VisitContext, arrivedAt: number, form: VisitFormState): VisitDraftPayload {
  return { v: VISIT_DRAFT_VERSION, ctx, arrivedAt, form };
}

/** A kept draft's payload, or null when it is not one this version can resume. */
export function readVisitDraft(payload: unknown): VisitDraftPayload | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as Partial<VisitDraftPayload>;
  if (p.v !== VISIT_DRAFT_VERSION || typeof p.arrivedAt !== 'number' || !p.ctx || !p.form) return null;
  return { v: p.v, ctx: p.ctx, arrivedAt: p.arrivedAt, form: { ...emptyVisit(), ...p.form } };
}

// The triage plan form's draft: what the nurse typed, as text per field path, turned into the
// overrides document the back end checks. Pure, so the store and the tests share it.
import type { Parameter, PlanDocument, PlanForm, PlanProblem, RelativeEntry } from './bindings';
import { formatPlain } from './format';
import type { Lang } from './i18n';

export const PARAMETERS: readonly Parameter[] = [
  'spo2', 'pulse', 'fev1', 'fvc', 'temperature', 'weight', 'systolic_bp', 'diastolic_bp',
  'respiratory_rate', 'blood_glucose', 'crp', 'cat_score', 'symptom_score',
];
export const LIMIT_FIELDS = ['red_low', 'yellow_low', 'yellow_high', 'red_high'] as const;
export const SCHEDULE_FIELDS = ['every_hours', 'grace_hours'] as const;
export const RULE_NUMBER_FIELDS = ['percent', 'amount', 'window_hours', 'min_readings'] as const;
export const RELATIVE_KINDS = ['below_median', 'above_median', 'rise', 'fall'] as const;
export const RULE_COLOURS = ['yellow', 'red'] as const;
export const SPO2_SCALES = ['scale1', 'scale2'] as const;
/** A rule id as the back end accepts it; checked here too so a new rule is named well. */
export const RULE_ID = /^[a-z0-9_]{1,64}$/;

/** Field path to the text in its input; a checkbox is "true" or "". Empty means inherited. */
export type Draft = Record<string, string>;

type Json = Record<string, unknown>;

/** The value a document gives at a path (`limits.spo2.red_low`, `relative.<id>.amount`). */
export function valueAt(doc: PlanDocument, path: string): unknown {
  const [section, name, leaf] = path.split('.');
  if (section === 'relative') {
    const rule = doc.relative?.find((r) => r.id === name);
    return rule && leaf ? (rule as Json)[leaf] : undefined;
  }
  const part = (doc as Json)[section ?? ''] as Json | undefined;
  if (!part || !name) return undefined;
  if (leaf === undefined) return part[name];
  return (part[name] as Json | undefined)?.[leaf];
}

/**
 * The plan revisions a change is made on: the one in force and every one in conflict with it,
 * as the nurse saw them (`[]` while the defaults apply). Saving on all of them settles a conflict.
 */
export function planBases(plan: Pick<PlanForm, 'key' | 'conflicts'>): string[] {
  return [plan.key, ...plan.conflicts.map((c) => c.key)].filter((k): k is string => typeof k === 'string');
}

/** The ids of every relative rule the defaults or the overrides know, defaults first. */
export function ruleIdsOf(form: PlanForm): string[] {
  const ids = [...(form.defaults.relative ?? []), ...(form.overrides.relative ?? [])].map((r) => r.id);
  return [...new Set(ids)];
}

/** Every input path of the form, for the given rules. */
export function formPaths(ruleIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of PARAMETERS) {
    for (const f of LIMIT_FIELDS) out.push(`limits.${p}.${f}`);
    out.push(`limits.${p}.off`);
    for (const f of SCHEDULE_FIELDS) out.push(`schedule.${p}.${f}`);
    out.push(`schedule.${p}.off`);
  }
  for (const id of ruleIds) {
    for (const f of ['parameter', 'kind', ...RULE_NUMBER_FIELDS, 'colour', 'off']) out.push(`relative.${id}.${f}`);
  }
  out.push('news2.spo2_scale');
  return out;
}

function toText(value: unknown, lang: Lang): string {
  if (value === null || value === undefined || value === false) return '';
  if (value === true) return 'true';
  if (typeof value === 'number') return formatPlain(value, lang, 6);
  return String(value);
}

/** The draft that shows the citizen's overrides as they are. */
export function draftOf(form: PlanForm, lang: Lang): { fields: Draft; ruleIds: string[] } {
  const ruleIds = ruleIdsOf(form);
  const fields: Draft = {};
  for (const path of formPaths(ruleIds)) fields[path] = toText(valueAt(form.overrides, path), lang);
  return { fields, ruleIds };
}

/** A typed number: undefined when empty (inherited), NaN when not a number. Accepts "36,5". */
export function parseNumber(text: string | undefined): number | undefined {
  const s = (text ?? '').trim();
  if (s === '') return undefined;
  if (!/^[-+]?(\d+([.,]\d*)?|[.,]\d+)$/.test(s)) return Number.NaN;
  return Number(s.replace(',', '.'));
}

/**
 * The overrides document the draft stands for, and the paths whose text is not a number.
 * Sections the form does not edit (engine, levels) are kept from `base` unchanged.
 */
export function documentOf(fields: Draft, ruleIds: readonly string[], base: PlanDocument): { doc: PlanDocument; invalid: string[] } {
  const invalid: string[] = [];
  const num = (path: string): number | undefined => {
    const n = parseNumber(fields[path]);
    if (n !== undefined && Number.isNaN(n)) {
      invalid.push(path);
      return undefined;
    }
    return n;
  };
  const doc: PlanDocument = {};
  if (base.engine) doc.engine = base.engine;
  if (base.levels) doc.levels = base.levels;
  const limits: Json = {};
  const schedule: Json = {};
  for (const p of PARAMETERS) {
    const l: Json = {};
    for (const f of LIMIT_FIELDS) {
      const n = num(`limits.${p}.${f}`);
      if (n !== undefined) l[f] = n;
    }
    if (fields[`limits.${p}.off`]) l.off = true;
    if (Object.keys(l).length) limits[p] = l;
    const s: Json = {};
    for (const f of SCHEDULE_FIELDS) {
      const n = num(`schedule.${p}.${f}`);
      if (n !== undefined) s[f] = n;
    }
    if (fields[`schedule.${p}.off`]) s.off = true;
    if (Object.keys(s).length) schedule[p] = s;
  }
  if (Object.keys(limits).length) doc.limits = limits as PlanDocument['limits'];
  if (Object.keys(schedule).length) doc.schedule = schedule as PlanDocument['schedule'];
  const relative: RelativeEntry[] = [];
  for (const id of ruleIds) {
    const r: Json = { id };
    for (const f of ['parameter', 'kind', 'colour']) {
      const v = (fields[`relative.${id}.${f}`] ?? '').trim();
      if (v) r[f] = v;
    }
    for (const f of RULE_NUMBER_FIELDS) {
      const n = num(`relative.${id}.${f}`);
      if (n !== undefined) r[f] = n;
    }
    if (fields[`relative.${id}.off`]) r.off = true;
    // A rule the nurse left as inherited is not an override.
    if (Object.keys(r).length > 1) relative.push(r as RelativeEntry);
  }
  if (relative.length) doc.relative = relative;
  const scale = (fields['news2.spo2_scale'] ?? '').trim();
  if (scale) doc.news2 = { spo2_scale: scale as 'scale1' | 'scale2' };
  return { doc, invalid };
}

/** Problems grouped by the path they name; those naming no input of the form are `general`. */
export function groupProblems(problems: readonly PlanProblem[], paths: ReadonlySet<string>): {
  byField: Map<string, PlanProblem[]>; general: PlanProblem[];
} {
  const byField = new Map<string, PlanProblem[]>();
  const general: PlanProblem[] = [];
  for (const p of problems) {
    // A problem about a whole entry (`limits.spo2`) shows at its "off" box, where it is set.
    const at = p.field && (paths.has(p.field) ? p.field : paths.has(`${p.field}.off`) ? `${p.field}.off` : null);
    if (at) byField.set(at, [...(byField.get(at) ?? []), p]);
    else general.push(p);
  }
  return { byField, general };
}

// Texts built from the catalogue for errors, plan problems and callers. Pure: the caller passes the
// translate function and language, so the words follow the nurse's language switch.
import type { ApiError } from './api';
import type { CallRecord, PlanProblem } from './bindings';
import { formatPlain } from './format';
import { hasKey, type Lang, type Translate } from './i18n';

/**
 * A failed command in the nurse's language. The back end's `message` is English and is never
 * shown: a code without a catalogue text reads as a generic error naming the code.
 */
export function errorText(error: ApiError, t: Translate): string {
  const key = `error.${error.code}`;
  return hasKey(key) ? t(key) : t('error.generic', { code: error.code });
}

const LIMIT_LEAVES = new Set(['yellow_low', 'yellow_high', 'red_low', 'red_high', 'every_hours', 'grace_hours']);

/**
 * A plan field path as a nurse reads it: `limits.spo2.yellow_low` is "SpO2 · gul nedre grænse",
 * `relative.weight_gain_3d.amount` is "regel weight_gain_3d · mængde". An unknown path is shown
 * as written, since it is what an administrator finds in the TOML.
 */
export function fieldLabel(path: string | null, t: Translate): string {
  if (!path) return '';
  const [section, name, leaf] = path.split('.');
  if ((section === 'limits' || section === 'schedule') && name) {
    const parameter = hasKey(`parameter.${name}`) ? t(`parameter.${name}`) : name;
    if (!leaf) return `${parameter} · ${t(`plan.section.${section}`)}`;
    if (LIMIT_LEAVES.has(leaf)) return `${parameter} · ${t(`plan.field.${leaf}`)}`;
    if (leaf === 'off') return `${parameter} · ${t(`plan.field.${section}.off`)}`;
  }
  if (section === 'relative' && name) {
    const rule = t('plan.rule', { id: name });
    return leaf && hasKey(`plan.field.relative.${leaf}`) ? `${rule} · ${t(`plan.field.relative.${leaf}`)}` : rule;
  }
  if ((section === 'engine' || section === 'levels' || section === 'news2') && name && hasKey(`plan.field.${section}.${name}`)) {
    return t(`plan.field.${section}.${name}`);
  }
  return path;
}

/** One plan problem, worded from `plan.problem.<code>` with its fields named. */
export function problemText(p: PlanProblem, t: Translate, lang: Lang): string {
  const key = `plan.problem.${p.code}`;
  const params = {
    field: fieldLabel(p.field, t),
    value: formatPlain(p.value, lang, 3),
    other_field: fieldLabel(p.other_field, t),
    other_value: formatPlain(p.other_value, lang, 3),
    low: formatPlain(p.low, lang, 3),
    high: formatPlain(p.high, lang, 3),
    text: p.text ?? '',
  };
  return hasKey(key) ? t(key, params) : t('plan.problem.generic', { code: p.code, field: params.field });
}

/** Who called (or was called): the role, a name given, and who tied an unknown caller's call to the citizen. */
export function callerText(c: Pick<CallRecord, 'caller' | 'caller_name' | 'linked'>, t: Translate): string {
  const role = t(`call.caller.${c.caller}`);
  const who = c.caller_name ? `${role}: ${c.caller_name}` : role;
  return c.linked ? `${who} (${t('call.log.linked', { nurse: c.linked.linked_by })})` : who;
}

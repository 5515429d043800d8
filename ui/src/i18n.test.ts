// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue, interpolate, isLang, placeholders, translate, type Catalogue } from './i18n';
import { CALLER_ROLES, DIRECTIONS, SYMPTOMS } from './callform';
import { KEYMAP } from './keymap';
import { LIMIT_FIELDS, PARAMETERS, RELATIVE_KINDS, RULE_NUMBER_FIELDS, SCHEDULE_FIELDS } from './plandraft';
import { MARKERS, TIMELINE_KINDS } from './timeline';

const SRC = new URL('.', import.meta.url).pathname;

/** The UI's source files, tests aside. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test' ? [] : sources(path);
    return /\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Keys written out: t('key' ...) anywhere, and the key map's texts. */
function literalKeys(): Set<string> {
  const keys = new Set(KEYMAP.flatMap((b) => [b.text, b.inPlot ?? b.text, b.inHandover ?? b.text, b.inTimeline ?? b.text]));
  // The timeline's markers name their words in a table: the plot legend's, and its own.
  for (const m of Object.values(MARKERS)) keys.add(m.label);
  for (const file of sources()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z0-9_.]+)'/g)) keys.add(m[1] as string);
  }
  return keys;
}

/** Keys built from a prefix and a value: t(`prefix.${value}`). */
function templatePrefixes(): Set<string> {
  const out = new Set<string>();
  for (const file of sources()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*`([a-z0-9_.]+\.)\$\{/g)) out.add(m[1] as string);
  }
  return out;
}

const PROBLEM_CODES = ['syntax', 'unsupported_version', 'unknown_parameter', 'not_finite', 'not_positive', 'negative',
  'out_of_range', 'yellow_outside_red', 'low_not_below_high', 'off_with_values', 'missing_field', 'unknown_value',
  'field_not_allowed', 'green_rule', 'bad_rule_id', 'duplicate_rule', 'conflicting_rule', 'mapping_not_monotone'];

/** Every family of keys the code builds, with every value it can be built with. */
const FAMILIES: Record<string, readonly (string | number)[]> = {
  'alarms.kind.': ['level_rise', 'level_fall', 'suggestion_differs', 'missed_measurement', 'rejected_reading', 'plan_conflict', 'dispatch_conflict', 'follow_up_due'],
  'alarms.priority.': ['high', 'medium', 'low', 'info'],
  'alarms.resolved.': ['measured', 'superseded', 'expired', 'withdrawn', 'decided', 'cleared'],
  'call.answer.': ['unasked', 'yes', 'no'],
  'call.caller.': CALLER_ROLES,
  'call.direction.': DIRECTIONS,
  // The back end's codes, and those the form finds itself.
  'call.problem.': ['missing', 'too_long', 'ends_before_start', 'from_the_future', 'follow_up_in_the_past', 'follow_up_too_far',
    'duplicate_symptom', 'not_a_number', 'no_answer', 'unknown_alarm', 'no_answer_inbound', 'wrong_unit', 'implausible',
    'duplicate_reading', 'no_citizen'],
  'call.symptom.': SYMPTOMS,
  'care_event.': ['mas_visit', 'acute_bed', 'acute_bed_admission', 'hospital_admission', 'discharge'],
  'diagnosis.': ['copd', 'heart_failure', 'diabetes'],
  'dispatch.field.': ['state', 'assigned_to', 'urgency'],
  'dispatch.outcome.': ['stays_home', 'municipal_acute_bed', 'hospital_admission'],
  'dispatch.state.': ['requested', 'en_route', 'arrived', 'completed', 'cancelled'],
  'dispatch.urgency.': ['immediate', 'urgent', 'planned'],
  'ecm.': [1, 2, 3, 4, 5, 6],
  'handover.severity.': ['stable', 'watcher', 'unstable'],
  'handover.shift.': ['day', 'evening', 'night'],
  'person.field.': ['cpr', 'name', 'address', 'phone'],
  // The back end's codes (vagt_core::person::PersonProblemCode).
  'person.problem.': ['missing', 'too_long', 'not_a_cpr'],
  'visit.vital.': ['rr', 'spo2', 'sys', 'dia', 'pulse', 'temp'],
  'visit.gas.': ['ph', 'pco2', 'po2'],
  'visit.outcome.key.': ['stays_home', 'municipal_acute_bed', 'hospital_admission'],
  'visit.problem.': ['missing', 'too_long', 'ends_before_start', 'from_the_future', 'implausible', 'not_a_number'],
  'visit.outcome.': ['stays_home', 'municipal_acute_bed', 'hospital_admission'],
  'visit.acvpu.': ['alert', 'new_confusion', 'voice', 'pain', 'unresponsive'],
  'visit.route.': ['oral', 'inhaled', 'nebulised', 'intravenous', 'intramuscular', 'subcutaneous'],
  'level.rule.': ['all_green', 'one_yellow', 'two_yellows', 'any_red'],
  'news2.risk.': ['low', 'low_medium', 'medium', 'high'],
  'news2.scale.': ['scale1', 'scale2'],
  'page.level.kind.': ['suggested', 'confirmed'],
  'parameter.': PARAMETERS,
  'plan.col.': [...LIMIT_FIELDS, ...SCHEDULE_FIELDS],
  'plan.field.': [...LIMIT_FIELDS, ...SCHEDULE_FIELDS, 'limits.off', 'schedule.off', 'news2.spo2_scale',
    'engine.hold_hours', 'engine.lookback_hours', 'engine.mas_visit_hold_hours', 'levels.all_green', 'levels.one_yellow',
    'levels.two_yellows', 'levels.any_red', 'levels.mas_visit', 'levels.acute_bed', 'levels.hospital'],
  'plan.field.relative.': ['parameter', 'kind', ...RULE_NUMBER_FIELDS, 'colour', 'off'],
  'plan.kind.': RELATIVE_KINDS,
  'plan.section.': ['limits', 'schedule'],
  'plot.range.': ['48h', '7d', '30d', '90d', '1y', 'all'],
  'status.sync.': ['never', 'syncing', 'online', 'offline', 'failing'],
  'timeline.entry.': TIMELINE_KINDS,
  'timeline.kind.': TIMELINE_KINDS,
  'triage.': ['green', 'yellow', 'red'],
};

describe('interpolate', () => {
  it('replaces every occurrence of known placeholders', () => {
    expect(interpolate('{n} af {n} ({who})', { n: 3, who: 'Anna' })).toBe('3 af 3 (Anna)');
  });
  it('leaves unknown placeholders and text without params alone', () => {
    expect(interpolate('{count} borgere {missing}', { count: 0 })).toBe('0 borgere {missing}');
    expect(interpolate('{count} borgere')).toBe('{count} borgere');
  });
  it('inserts values literally, without re-interpolating them', () => {
    expect(interpolate('Fejl: {message}', { message: '{message} <b>x</b> $&' })).toBe(
      'Fejl: {message} <b>x</b> $&',
    );
  });
});

describe('translate', () => {
  it('looks up Danish and English texts from the shared catalogue', () => {
    expect(translate(catalogue, 'da', 'age.hours', { n: 3 })).toBe('3 t siden');
    expect(translate(catalogue, 'en', 'age.hours', { n: 3 })).toBe('3 h ago');
    expect(translate(catalogue, 'da', 'citizens.never')).toBe('aldrig');
    expect(translate(catalogue, 'en', 'citizens.never')).toBe('never');
    expect(translate(catalogue, 'da', 'diagnosis.copd')).toBe('KOL');
    expect(translate(catalogue, 'en', 'diagnosis.copd')).toBe('COPD');
  });

  it('uses the singular ".one" entry when count is 1', () => {
    expect(translate(catalogue, 'da', 'status.citizens', { count: 1 })).toBe('1 borger');
    expect(translate(catalogue, 'da', 'status.citizens', { count: 2 })).toBe('2 borgere');
    expect(translate(catalogue, 'en', 'status.readings', { count: 1 })).toBe('1 reading');
    expect(translate(catalogue, 'en', 'status.readings', { count: 0 })).toBe('0 readings');
    // no ".one" entry: plural text stays
    expect(translate(catalogue, 'en', 'status.outbox', { count: 1 })).toBe('1 to send');
  });

  it('returns the key for a missing entry and falls back to Danish for a missing language', () => {
    expect(translate(catalogue, 'en', 'no.such.key')).toBe('no.such.key');
    const partial = { 'x.y': { da: 'kun dansk' } } as unknown as Catalogue;
    expect(translate(partial, 'en', 'x.y')).toBe('kun dansk');
  });
});

describe('catalogue', () => {
  const keys = Object.keys(catalogue);

  it('has a non-empty Danish and English text for every key', () => {
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const entry = catalogue[key]!;
      expect(Object.keys(entry).sort(), key).toEqual(['da', 'en']);
      expect(entry.da.trim(), `${key}.da`).not.toBe('');
      expect(entry.en.trim(), `${key}.en`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of keys) {
      const entry = catalogue[key]!;
      expect(placeholders(entry.en), key).toEqual(placeholders(entry.da));
    }
  });

  it('has every key the code names, literally or by family', () => {
    const missing = [...literalKeys()].filter((key) => !(key in catalogue));
    expect(missing).toEqual([]);
    for (const prefix of templatePrefixes()) {
      const members = FAMILIES[prefix];
      expect(members, `a new key family \`${prefix}\${...}\`: list its members in FAMILIES`).toBeDefined();
      for (const m of members ?? []) expect(catalogue[`${prefix}${m}`], `${prefix}${m}`).toBeDefined();
    }
  });

  it('words every error code the README lists, and every plan problem code', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /- Error codes:([\s\S]*?)\n\n/.exec(readme)?.[1] ?? '';
    // What is in parentheses describes a code (`invalid_call` with `call_problems`): not a code.
    const codes = [...block.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(15);
    for (const code of codes) expect(catalogue[`error.${code}`], `error.${code}`).toBeDefined();
    // A sync's codes are also shown in the status bar, as `sync_error.<code>`.
    const syncCodes = [...(/and from a sync([\s\S]*)/.exec(block)?.[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    expect(syncCodes).toContain('unpageable');
    for (const code of syncCodes) expect(catalogue[`sync_error.${code}`], `sync_error.${code}`).toBeDefined();
    for (const code of PROBLEM_CODES) expect(catalogue[`plan.problem.${code}`], `plan.problem.${code}`).toBeDefined();
  });
});

describe('isLang', () => {
  it('accepts only da and en', () => {
    expect(isLang('da')).toBe(true);
    expect(isLang('en')).toBe(true);
    expect(isLang('de')).toBe(false);
    expect(isLang(null)).toBe(false);
  });
});

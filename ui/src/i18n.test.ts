import { describe, expect, it } from 'vitest';
import { catalogue, interpolate, isLang, placeholders, translate, type Catalogue } from './i18n';

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

  it('has every key the UI uses', () => {
    const used = [
      'app.title', 'app.loading', 'app.error', 'lang.switch', 'lang.switch.hint',
      'citizens.count', 'citizens.count_filtered', 'citizens.empty', 'citizens.no_match',
      'citizens.filter', 'citizens.filter.hint', 'citizens.table.label', 'citizens.stale',
      'citizens.measured', 'citizens.col.name', 'citizens.col.id', 'citizens.col.diagnoses',
      'citizens.col.last', 'citizens.never', 'age.just_now', 'age.minutes', 'age.hours', 'age.days',
      'diagnosis.copd', 'diagnosis.heart_failure', 'diagnosis.diabetes',
      'parameter.spo2', 'parameter.pulse', 'parameter.fev1', 'parameter.temperature', 'parameter.weight',
      'status.label', 'status.citizens', 'status.readings', 'status.rejected', 'status.outbox',
      'status.never_synced', 'status.last_sync', 'status.database', 'keys.help',
    ];
    for (const key of used) expect(catalogue[key], key).toBeDefined();
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

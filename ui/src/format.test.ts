import { describe, expect, it } from 'vitest';
import { catalogue, translate, type Lang, type Translate } from './i18n';
import {
  DAY_MS, HOUR_MS, MINUTE_MS, dayOf, decimalsFor, formatAge, formatCpr, formatDate, formatDateTime, formatDay, formatNews2, formatNumber,
  formatPlain, formatSpan, formatTime, formatValue, formatWhen, isStale, unitLabel,
} from './format';

const tr = (lang: Lang): Translate => (key, params) => translate(catalogue, lang, key, params);
const da = tr('da');
const en = tr('en');

const NOW = Date.parse('2025-03-10T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('formatAge', () => {
  it('says never for a missing or unparseable timestamp', () => {
    expect(formatAge(null, NOW, da)).toBe('aldrig');
    expect(formatAge(null, NOW, en)).toBe('never');
    expect(formatAge(undefined, NOW, en)).toBe('never');
    expect(formatAge('not a date', NOW, da)).toBe('aldrig');
  });

  it('says just now under a minute and for future timestamps', () => {
    expect(formatAge(ago(59_999), NOW, da)).toBe('lige nu');
    expect(formatAge(ago(-5 * MINUTE_MS), NOW, en)).toBe('just now');
  });

  it('counts whole minutes under an hour', () => {
    expect(formatAge(ago(MINUTE_MS), NOW, da)).toBe('1 min siden');
    expect(formatAge(ago(59 * MINUTE_MS + 59_000), NOW, en)).toBe('59 min ago');
  });

  it('counts whole hours up to 48 h', () => {
    expect(formatAge(ago(HOUR_MS), NOW, da)).toBe('1 t siden');
    expect(formatAge(ago(3 * HOUR_MS + 20 * MINUTE_MS), NOW, da)).toBe('3 t siden');
    expect(formatAge(ago(3 * HOUR_MS), NOW, en)).toBe('3 h ago');
    expect(formatAge(ago(48 * HOUR_MS), NOW, da)).toBe('48 t siden');
  });

  it('switches to days beyond 48 h', () => {
    expect(formatAge(ago(48 * HOUR_MS + 1), NOW, da)).toBe('2 d siden');
    expect(formatAge(ago(10 * 24 * HOUR_MS + 5 * HOUR_MS), NOW, en)).toBe('10 d ago');
  });

  it('accepts RFC 3339 with offsets and fractions', () => {
    expect(formatAge('2025-03-10T13:00:00+02:00', NOW, en)).toBe('1 h ago');
    expect(formatAge('2025-03-10T09:00:00.123456Z', NOW, da)).toBe('2 t siden');
  });
});

describe('isStale', () => {
  it('is true with no reading', () => {
    expect(isStale(null, NOW)).toBe(true);
    expect(isStale('garbage', NOW)).toBe(true);
  });
  it('is false at exactly 48 h and true just past it', () => {
    expect(isStale(ago(48 * HOUR_MS), NOW)).toBe(false);
    expect(isStale(ago(48 * HOUR_MS + 1000), NOW)).toBe(true);
    expect(isStale(ago(47 * HOUR_MS), NOW)).toBe(false);
  });
  it('is false for a reading in the future', () => {
    expect(isStale(ago(-HOUR_MS), NOW)).toBe(false);
  });
});

describe('unitLabel', () => {
  it('maps UCUM codes to readable units', () => {
    expect(unitLabel('Cel')).toBe('°C');
    expect(unitLabel('mm[Hg]')).toBe('mmHg');
    expect(unitLabel('/min')).toBe('/min');
    expect(unitLabel('%')).toBe('%');
    expect(unitLabel('L')).toBe('L');
    expect(unitLabel('kg')).toBe('kg');
    expect(unitLabel('mmol/L')).toBe('mmol/L');
    expect(unitLabel('mg/L')).toBe('mg/L');
  });
  it('drops annotations and passes unknown units through', () => {
    expect(unitLabel('{score}')).toBe('');
    expect(unitLabel('{breaths}')).toBe('');
    expect(unitLabel('')).toBe('');
    expect(unitLabel('g/dL')).toBe('g/dL');
  });
});

describe('formatNumber / formatValue', () => {
  it('uses two decimals for spirometry, one for temperature/weight/glucose, none otherwise', () => {
    expect(decimalsFor('fev1')).toBe(2);
    expect(decimalsFor('fvc')).toBe(2);
    expect(decimalsFor('temperature')).toBe(1);
    expect(decimalsFor('weight')).toBe(1);
    expect(decimalsFor('blood_glucose')).toBe(1);
    expect(decimalsFor('spo2')).toBe(0);
    expect(decimalsFor('crp')).toBe(0);
    expect(decimalsFor('unknown_param')).toBe(0);
  });

  it('uses a decimal comma in Danish and a point in English', () => {
    expect(formatNumber('temperature', 37.25, 'da')).toBe('37,3');
    expect(formatNumber('temperature', 37.25, 'en')).toBe('37.3');
    expect(formatNumber('fev1', 1.8, 'da')).toBe('1,80');
    expect(formatNumber('weight', 1234.56, 'en')).toBe('1234.6');
    expect(formatNumber('spo2', 93.6, 'da')).toBe('94');
  });

  it('formats values with units', () => {
    expect(formatValue('temperature', { value: 38.04, unit: 'Cel' }, 'da')).toBe('38,0 °C');
    expect(formatValue('spo2', { value: 92, unit: '%' }, 'en')).toBe('92 %');
    expect(formatValue('pulse', { value: 88.4, unit: '/min' }, 'da')).toBe('88 /min');
    expect(formatValue('fev1', { value: 1.234, unit: 'L' }, 'en')).toBe('1.23 L');
    expect(formatValue('weight', { value: 82, unit: 'kg' }, 'da')).toBe('82,0 kg');
    expect(formatValue('systolic_bp', { value: 141, unit: 'mm[Hg]' }, 'en')).toBe('141 mmHg');
    expect(formatValue('blood_glucose', { value: 7.25, unit: 'mmol/L' }, 'da')).toBe('7,3 mmol/L');
  });

  it('shows scores without a unit', () => {
    expect(formatValue('cat_score', { value: 17, unit: '{score}' }, 'da')).toBe('17');
  });

  it('makes a formatter once per language and decimals, not once per value', () => {
    // A worklist formats five values a row; WebKit makes an ICU formatter for each one made.
    const real = Intl.NumberFormat;
    let made = 0;
    class Counted extends real {
      constructor(...args: ConstructorParameters<typeof Intl.NumberFormat>) {
        super(...args);
        made += 1;
      }
    }
    const intl = Intl as { NumberFormat: typeof Intl.NumberFormat };
    intl.NumberFormat = Counted as typeof Intl.NumberFormat;
    try {
      for (let i = 0; i < 500; i += 1) {
        formatValue('temperature', { value: 36 + i / 100, unit: 'Cel' }, 'da');
        formatValue('spo2', { value: 90 + (i % 9), unit: '%' }, 'da');
        formatPlain(i / 3, 'en');
      }
      // At most one each: one decimal (da), none (da), up to two (en).
      expect(made).toBeLessThanOrEqual(3);
      expect(formatValue('temperature', { value: 37.25, unit: 'Cel' }, 'da')).toBe('37,3 °C');
    } finally {
      intl.NumberFormat = real;
    }
  });

  it('is blank for a missing parameter or a non-finite value', () => {
    expect(formatValue('spo2', undefined, 'da')).toBe('');
    expect(formatValue('spo2', null, 'en')).toBe('');
    expect(formatValue('spo2', { value: Number.NaN, unit: '%' }, 'en')).toBe('');
  });
});

describe('formatDateTime', () => {
  it('formats in the given time zone per language', () => {
    const iso = '2025-03-05T13:07:00Z';
    expect(formatDateTime(iso, 'da', 'Europe/Copenhagen')).toMatch(/05\.03\.2025.*14[.:]07/);
    expect(formatDateTime(iso, 'en', 'UTC')).toMatch(/05\/03\/2025.*13:07/);
  });
  it('shows Copenhagen time by default, on a 24-hour clock, summer and winter', () => {
    expect(formatDateTime('2026-12-01T21:30:00Z', 'da')).toBe('01.12.2026 22.30');
    expect(formatDateTime('2026-07-01T21:30:00Z', 'da')).toBe('01.07.2026 23.30');
    expect(formatDateTime('2026-12-01T21:30:00Z', 'en')).toBe('01/12/2026, 22:30');
  });
  it('is blank without a timestamp', () => {
    expect(formatDateTime(null, 'da')).toBe('');
  });
});

describe('formatDate / formatCpr / formatPlain', () => {
  it('writes Danish dates as 01.12.2026 and keeps a plain date on its day', () => {
    expect(formatDate('2026-12-01', 'da')).toBe('01.12.2026');
    expect(formatDate('2026-12-01', 'en')).toBe('01/12/2026');
    expect(formatDate('2026-11-30T23:30:00Z', 'da')).toBe('01.12.2026');
    expect(formatDate(null, 'da')).toBe('');
  });
  it('shows a CPR number as DDMMYY-SSSS', () => {
    expect(formatCpr('0112261234')).toBe('011226-1234');
    expect(formatCpr('011226-1234')).toBe('011226-1234');
    expect(formatCpr('c-001')).toBe('c-001');
  });
  it('uses a decimal comma in Danish', () => {
    expect(formatPlain(94.5, 'da')).toBe('94,5');
    expect(formatPlain(94.5, 'en')).toBe('94.5');
    expect(formatPlain(null, 'da')).toBe('');
  });
});

describe('NEWS2', () => {
  it('marks a total from home readings as a floor', () => {
    expect(formatNews2({ total: 7 }, true)).toBe('≥7');
    expect(formatNews2({ total: 0 }, false)).toBe('0');
  });
});

describe('formatWhen', () => {
  it('gives only the clock for today in Copenhagen, else date and time', () => {
    // NOW is 13.00 on 10 March in Copenhagen.
    expect(formatWhen('2025-03-10T09:02:00Z', 'da', NOW)).toBe('10.02');
    expect(formatWhen('2025-03-10T09:02:00Z', 'en', NOW)).toBe('10:02');
    // 23.30 UTC on the 9th is 00.30 on the 10th in Copenhagen: today.
    expect(formatWhen('2025-03-09T23:30:00Z', 'da', NOW)).toBe('00.30');
    expect(formatWhen('2025-03-09T22:30:00Z', 'da', NOW)).toBe('09.03.2025 23.30');
    expect(formatWhen(null, 'da', NOW)).toBe('');
  });
});

describe('the day and the time of day', () => {
  it('gives the Copenhagen calendar day as YYYY-MM-DD, whatever the machine\'s zone', () => {
    expect(dayOf(Date.parse('2026-11-21T23:30:00Z'))).toBe('2026-11-22');
    expect(dayOf(Date.parse('2026-11-21T22:30:00Z'))).toBe('2026-11-21');
    // Summer time: two hours ahead of UTC.
    expect(dayOf(Date.parse('2026-07-01T22:30:00Z'))).toBe('2026-07-02');
  });
  it('words a day with its weekday, and a time of day on the 24-hour clock', () => {
    expect(formatDay('2026-11-22', 'da')).toBe('søndag 22.11.2026');
    expect(formatDay('2026-11-22', 'en')).toBe('Sunday 22/11/2026');
    expect(formatTime('2026-11-22T13:05:00Z', 'da')).toBe('14.05');
    expect(formatTime('2026-11-22T13:05:00Z', 'en')).toBe('14:05');
    expect(formatTime(null, 'da')).toBe('');
  });
});

describe('formatSpan', () => {
  it('gives whole days from a day on, else whole hours, singular for one', () => {
    expect(formatSpan(3 * DAY_MS + 5 * HOUR_MS, da)).toBe('3 døgn');
    expect(formatSpan(DAY_MS, en)).toBe('1 day');
    expect(formatSpan(2 * DAY_MS, en)).toBe('2 days');
    expect(formatSpan(5 * HOUR_MS + 59 * MINUTE_MS, da)).toBe('5 timer');
    expect(formatSpan(HOUR_MS, da)).toBe('1 time');
  });
});

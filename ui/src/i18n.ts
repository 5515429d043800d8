// Translation catalogue shared with the Rust side (assets/i18n/catalogue.json). Pure: the
// language in force lives in the store.
import catalogueJson from '../../assets/i18n/catalogue.json';

export type Lang = 'da' | 'en';
export const LANGS: readonly Lang[] = ['da', 'en'];
export const DEFAULT_LANG: Lang = 'da';
export const LANG_STORAGE_KEY = 'vagt.lang';
/** Every time a nurse reads is in the clinic's zone, whatever the machine's. */
export const TIME_ZONE = 'Europe/Copenhagen';

export type Entry = Record<Lang, string>;
export type Catalogue = Record<string, Entry>;
export type Params = Record<string, string | number>;
export type Translate = (key: string, params?: Params) => string;

export const catalogue: Catalogue = catalogueJson as Catalogue;

/** Replaces `{name}` placeholders; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** Placeholder names used in a template, sorted and without duplicates. */
export function placeholders(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(/\{([A-Za-z0-9_]+)\}/g)) names.add(m[1] as string);
  return [...names].sort();
}

/**
 * Pure lookup. When `params.count === 1` and a `<key>.one` entry exists it is used
 * (singular). A missing key returns the key itself so the gap is visible, not fatal.
 */
export function translate(cat: Catalogue, lang: Lang, key: string, params?: Params): string {
  let entry = cat[key];
  if (params && Number(params.count) === 1 && cat[`${key}.one`]) entry = cat[`${key}.one`];
  if (!entry) return key;
  const text = entry[lang] ?? entry[DEFAULT_LANG] ?? key;
  return interpolate(text, params);
}

export function hasKey(key: string): boolean {
  return Object.prototype.hasOwnProperty.call(catalogue, key);
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** BCP 47 locale used for numbers and dates. */
export function localeOf(lang: Lang): string {
  return lang === 'da' ? 'da-DK' : 'en-GB';
}

// Languages for every page: English and German (the seed's articles come in both).
//
// Each page keeps its texts in www/messages/<page>.js as `export default { en: {...}, de: {...} }`
// and calls `setupI18n(messages)`. Elements carry `data-i18n="key"` (text) or
// `data-i18n-attr="attribute:key;attribute:key"` (attributes such as placeholder or aria-label);
// code asks `t('key', {name: value})` for texts it builds. No user-visible text lives elsewhere.

const STORAGE_KEY = 'secure-login-language';
export const LANGUAGES = ['en', 'de'];

let table = {};
let fallback = {};
let current = 'en';
const listeners = [];

/** The language: the one chosen before, else the browser's first supported one, else English. */
export function preferredLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = table[key] ?? fallback[key];
  if (text === undefined) {
    console.error(`missing message: ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? `{${name}}`));
}

export function language() {
  return current;
}

/** Whether the page's messages have `key` (English has every key). */
export function hasMessage(key) {
  return Object.hasOwn(fallback, key);
}

/** Calls `listener` after every language change (pages re-render dynamic text there). */
export function onLanguageChange(listener) {
  listeners.push(listener);
}

/** Switches to `lang`, remembers the choice, and re-translates the page. */
export function setLanguage(messages, lang) {
  current = LANGUAGES.includes(lang) ? lang : 'en';
  table = messages[current] ?? {};
  fallback = messages.en ?? {};
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // localStorage full (QuotaExceededError) or disabled: switch anyway, just not remembered.
  }
  document.documentElement.lang = current;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':');
      if (attribute && key) element.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
  for (const listener of listeners) listener(current);
}

/**
 * Translates the page into the preferred language and wires every `<select data-language>`
 * (the switcher) to change it.
 */
export function setupI18n(messages) {
  setLanguage(messages, preferredLanguage());
  for (const select of document.querySelectorAll('select[data-language]')) {
    select.value = current;
    select.addEventListener('change', () => setLanguage(messages, select.value));
  }
}

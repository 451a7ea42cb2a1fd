// Texts a page builds itself, for every page: each element remembers how to build its text, so
// a change of language (and `refresh()`, the one-second tick of countdowns) builds it again.
// Static texts carry `data-i18n` instead (lib/i18n.js); `setKey` changes which.

import { hasMessage, onLanguageChange, t } from './i18n.js';

const rendered = new Map();

/** Shows `build()` in `element` now and after every change of language; `null` empties it. */
export function show(element, build) {
  if (build === null) {
    rendered.delete(element);
    element.textContent = '';
    return;
  }
  rendered.set(element, build);
  element.textContent = build();
}

/** Builds every shown text again (call it from a timer for countdowns). */
export function refresh() {
  for (const [element, build] of rendered) {
    if (!element.isConnected) {
      rendered.delete(element);
    } else {
      const text = build();
      if (element.textContent !== text) element.textContent = text;
    }
  }
}

onLanguageChange(refresh);

/** Message `key` with `values`, a value `{ key, values }` itself a message (translated too). */
export function render(key, values = {}) {
  const resolved = {};
  for (const [name, value] of Object.entries(values)) {
    resolved[name] = value && typeof value === 'object' && 'key' in value ? render(value.key, value.values) : value;
  }
  return t(key, resolved);
}

/** Shows message `key` in `element` (kept in the current language) and unhides it. */
export function say(element, key, values = {}) {
  show(element, () => render(key, values));
  element.hidden = false;
}

/** A live region stays in the page, so that later texts are announced; anything else is hidden. */
function isLive(element) {
  return element.hasAttribute('aria-live') || ['status', 'alert'].includes(element.getAttribute('role'));
}

/** Empties `element`, forgets its text and its error code, and hides it unless it is live. */
export function silence(element) {
  show(element, null);
  if (!isLive(element)) element.hidden = true;
  element.removeAttribute('data-code');
}

/**
 * Shows `build()` in a page's message region (`role="alert"`), its `kind` (error, info or
 * success) in `data-kind` for the style; `kind` null empties it.
 */
export function showMessage(element, kind, build) {
  if (kind === null) {
    show(element, null);
    delete element.dataset.kind;
    return;
  }
  element.dataset.kind = kind;
  show(element, build);
}

/** Says `build()` to screen readers through `region`, a visually hidden polite live region. */
export function announce(region, build) {
  show(region, build);
}

/** Gives a static element the message `key` (kept in the page's language by lib/i18n.js). */
export function setKey(element, key) {
  rendered.delete(element);
  element.dataset.i18n = key;
  element.textContent = t(key);
}

/** The text for an error's `code`: `error.<code>` of the page's messages, else a generic one. */
export function errorText(error, values = {}) {
  const code = error?.code ?? 'unexpected';
  const key = `error.${code}`;
  return hasMessage(key) ? t(key, values) : t('error.unexpected', { code });
}

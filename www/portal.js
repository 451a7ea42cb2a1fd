// What the portal's own pages (login, account, demo phone) share: calls to the HTTP API of
// docs/api.md, texts that follow the language, and times shown to people.

import { language, onLanguageChange, t } from './i18n.js';

/** A refusal by the API (`code` as in docs/api.md), or `Network` when the server was not reached. */
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * Calls the API: a JSON body and the CSRF header on every POST (docs/api.md, Conventions).
 * Resolves with the parsed answer; rejects with an ApiError.
 */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-Secure-Login'] = '1';
    init.body = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, 'Network', error?.message ?? String(error));
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? `HTTP${response.status}`, error.message ?? '', error);
  }
  return data;
}

/** Unix seconds by this browser's clock. */
export const nowSeconds = () => Date.now() / 1000;

/** A number of seconds as `m:ss` (or `h:mm:ss`), never negative. */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Unix seconds as a local time in the page's language; the date too unless it is today. */
export function formatTime(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const today = new Date().toDateString() === date.toDateString();
  const options = today
    ? { hour: '2-digit', minute: '2-digit' }
    : { dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(language(), options).format(date);
}

/** Unix seconds as a local date and time in the page's language. */
export function formatDateTime(unixSeconds) {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'medium' })
    .format(new Date(unixSeconds * 1000));
}

// Texts a page builds itself: each element remembers how to build its text, so a change of
// language (and the one-second tick of countdowns) builds it again.
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

/** The text for an API error: `error.<code>` of the page's messages, else a generic one. */
export function errorText(error, values = {}) {
  const code = error?.code ?? 'unexpected';
  const key = `error.${code}`;
  return hasMessage(key) ? t(key, values) : t('error.unexpected', { code });
}

let knownKeys = new Set();

/** Tells `errorText` which keys the page's messages have (call once with the messages). */
export function useMessages(messages) {
  knownKeys = new Set(Object.keys(messages.en ?? {}));
}

function hasMessage(key) {
  return knownKeys.has(key);
}

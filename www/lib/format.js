// Times shown to people, in the page's language.

import { language } from './i18n.js';

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

/** Unix seconds as a local date and time in the page's language (`Intl` styles in `options`). */
export function formatDateTime(unixSeconds, options = { dateStyle: 'medium', timeStyle: 'medium' }) {
  return new Intl.DateTimeFormat(language(), options).format(new Date(unixSeconds * 1000));
}

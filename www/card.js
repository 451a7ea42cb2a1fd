// The Digital Security Card+ page: the card drawn as a device, its LCD and buttons driven by the
// secure-login `SecurityCard` emulator. A demo card is provisioned once from the portal's demo list;
// afterwards only its record (the key wrapped under the PIN) is kept in this browser.
// Plain ES module, no bundler. Every text the page shows is in messages/card.js.

import init, { SecurityCard } from '/pkg/secure_login.js';
import { api } from './lib/api.js';
import { PageError } from './lib/errors.js';
import { hasMessage, onLanguageChange, setupI18n, t } from './lib/i18n.js';
import { say, silence } from './lib/text.js';
import messages from './messages/card.js';

const $ = (id) => document.getElementById(id);
const STORAGE_KEY = 'secure-login-card';

function showError(element, error) {
  // localStorage full: a DOMException of that name (its numeric `code` is not ours).
  const code = error?.name === 'QuotaExceededError' ? 'QuotaExceeded' : (error?.code ?? 'Unknown');
  let key = `error.${code}`;
  let values = { message: String(error?.message ?? error) };
  if (code === 'WeakPin') {
    // The library refuses an obvious PIN even when the portal issued it.
    key = 'error.WeakPin';
  } else if (!hasMessage(key)) {
    console.error(error);
    key = 'error.other';
  }
  say(element, key, values);
  element.dataset.code = String(code);
}

// ---- state ------------------------------------------------------------------------------------------

/** @type {SecurityCard | null} */
let card = null;
/** Who the card belongs to and its serial (shown; not secret). */
let cardInfo = null;
/** Refreshes the LCD while the card is on, so a response goes away by itself after its time. */
let ticker = null;

function stored() {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return value && typeof value.record === 'string' ? value : null;
  } catch {
    return null;
  }
}

// ---- the LCD ------------------------------------------------------------------------------------------

/** What a screen reader says for the LCD text `screen`. */
function describeScreen(screen) {
  if (screen === '') return { key: 'lcd.off', values: {} };
  if (screen.startsWith('PIN>')) return { key: 'lcd.pin', values: { count: screen.length - 4 } };
  if (screen.startsWith('CHALLNG>')) {
    const digits = screen.slice(8);
    return digits
      ? { key: 'lcd.challenge', values: { digits: digits.split('').join(' ') } }
      : { key: 'lcd.challengeEmpty', values: {} };
  }
  return { key: 'lcd.response', values: { digits: screen.split('').join(' ') } };
}

let lastScreen = null;

function showScreen(screen) {
  const lcd = $('lcd');
  if (screen === lastScreen) return;
  lastScreen = screen;
  lcd.textContent = screen;
  lcd.dataset.state = screen === '' ? 'off' : /^\d+$/.test(screen) ? 'response' : 'entry';
  const { key, values } = describeScreen(screen);
  say($('lcd-spoken'), key, values);
  if (screen === '') stopTicker();
  else startTicker();
}

function startTicker() {
  if (ticker === null) ticker = setInterval(() => card && showScreen(card.screen()), 1000);
}

function stopTicker() {
  if (ticker !== null) clearInterval(ticker);
  ticker = null;
}

/** Presses one button of the card: 'press', 'ok', 'clear', 'back' or a digit. */
function button(name) {
  if (!card) return;
  silence($('device-error'));
  try {
    let screen;
    if (name === 'press') screen = card.press();
    else if (name === 'ok') screen = card.ok();
    else if (name === 'clear') screen = card.clear();
    else if (name === 'back') screen = card.back();
    else screen = card.key(name);
    showScreen(screen);
  } catch (e) {
    showError($('device-error'), e);
  }
}

// ---- the card: load, keep, remove ---------------------------------------------------------------

function useCard(newCard, info, pinHint) {
  card?.free();
  card = newCard;
  cardInfo = info;
  lastScreen = null;
  showScreen(card.screen());
  $('setup-none').hidden = true;
  $('setup-card').hidden = false;
  say($('card-owner'), 'setup.owner', { serial: info.serial, user: info.username });
  if (pinHint) say($('card-pin-hint'), 'setup.pinHint', { pin: pinHint });
  else silence($('card-pin-hint'));
  $('device-serial').textContent = info.serial;
  $('device').setAttribute('aria-label', t('device.label', { serial: info.serial }));
  $('device-section').hidden = false;
}

async function showChooser() {
  card?.free();
  card = null;
  cardInfo = null;
  stopTicker();
  $('device-section').hidden = true;
  $('setup-card').hidden = true;
  $('setup-none').hidden = false;
  silence($('setup-error'));
  let cards;
  try {
    cards = await api('GET', '/api/demo/cards');
  } catch (e) {
    // Unreachable, or a portal without the demo cards.
    showError($('setup-error'), e?.code === 'Network' ? e : new PageError('NoDemo', e?.message));
    $('load-form').hidden = true;
    return;
  }
  demoCards = Array.isArray(cards) ? cards : [];
  if (demoCards.length === 0) {
    say($('setup-error'), 'error.NoDemo');
    $('load-form').hidden = true;
    return;
  }
  $('load-form').hidden = false;
  $('demo-card').replaceChildren(
    ...demoCards.map((demo, index) => {
      const option = document.createElement('option');
      option.value = String(index);
      option.textContent = `${demo.username} · ${demo.serial}`;
      return option;
    }),
  );
}

/** The portal's demo cards, as `GET /api/demo/cards` gives them. */
let demoCards = [];

function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) {
    throw new PageError('InvalidSecret', 'the demo card secret is not hex');
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

async function loadCard(event) {
  event.preventDefault();
  silence($('setup-error'));
  const demo = demoCards[Number($('demo-card').value)];
  if (!demo) return;
  const submit = $('load-form').querySelector('button');
  submit.disabled = true;
  say($('setup-busy'), 'setup.loading');
  // Let the busy text paint: provisioning derives the PIN key (about 0.3 s) on this thread.
  await new Promise((resolve) => setTimeout(resolve, 30));
  let secret;
  try {
    secret = hexToBytes(demo.secret);
    const newCard = SecurityCard.provision({ secret, pin: demo.pin, suite: demo.suite, serial: demo.serial });
    const info = { username: demo.username, serial: newCard.serial };
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...info, record: newCard.toRecord() }));
    useCard(newCard, info, demo.pin);
    $('key-press').focus();
  } catch (e) {
    showError($('setup-error'), e);
  } finally {
    secret?.fill(0);
    submit.disabled = false;
    silence($('setup-busy'));
  }
}

function removeCard() {
  localStorage.removeItem(STORAGE_KEY);
  showChooser().then(() => $('demo-card').focus());
}

// ---- start ------------------------------------------------------------------------------------------

const KEYBOARD = { Enter: 'ok', Backspace: 'back', Escape: 'clear', Delete: 'clear' };

function wire() {
  for (const key of document.querySelectorAll('#device [data-digit]')) {
    key.addEventListener('click', () => button(key.dataset.digit));
  }
  for (const key of document.querySelectorAll('#device [data-button]')) {
    key.addEventListener('click', () => button(key.dataset.button));
  }
  $('device').addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // Enter is OK wherever focus is (the help says so): after a click on "press" the focus stays
    // there, and Enter pressing it would switch the card off. Space still presses the focused
    // button, as usual.
    const name = /^[0-9]$/.test(event.key) ? event.key : KEYBOARD[event.key];
    if (!name) return;
    event.preventDefault();
    button(name);
  });
  $('load-form').addEventListener('submit', loadCard);
  $('remove-card').addEventListener('click', removeCard);
  // Texts shown with say() follow by themselves (lib/text.js).
  onLanguageChange(() => {
    if (cardInfo) $('device').setAttribute('aria-label', t('device.label', { serial: cardInfo.serial }));
  });
}

async function main() {
  setupI18n(messages);
  wire();
  const status = $('status');
  say(status, 'status.loading');
  // The card keeps working offline once loaded (the same service worker as the token page).
  navigator.serviceWorker?.register('/sw.js', { scope: '/card.html' }).catch(() => {});
  try {
    await init();
  } catch (e) {
    status.dataset.state = 'error';
    showError(status, e);
    return;
  }
  const saved = stored();
  if (saved) {
    try {
      useCard(SecurityCard.fromRecord(saved.record), { username: saved.username, serial: saved.serial });
    } catch (e) {
      localStorage.removeItem(STORAGE_KEY);
      await showChooser();
      showError($('setup-error'), e);
    }
  } else {
    await showChooser();
  }
  status.dataset.state = 'ready';
  say(status, 'status.ready');
}

main();

// The code calculator: HOTP, TOTP and OCRA computed in the browser by the secure-login wasm package.
// Plain ES module, no bundler. Every user-visible string is in messages/calculator.js.

import init, {
  base32Decode,
  base32Encode,
  hotp,
  ocra,
  parseKeyUri,
  parseOcraSuite,
  randomSecret,
  totp,
} from '/pkg/secure_login.js';
import { PageError } from './lib/errors.js';
import { hasMessage, onLanguageChange, setupI18n, t } from './lib/i18n.js';
import { setKey } from './lib/text.js';
import messages from './messages/calculator.js';

/** Whether the page has an explanation for the library's error `code`. */
const explains = (code) => hasMessage(`error.${code}`);

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new PageError('PageBroken', `missing element #${id}`);
  return el;
};

const ui = {
  status: $('status'),
  message: $('message'),
  form: $('calculator'),
  key: $('key'),
  keyFormat: $('key-format'),
  randomKey: $('random-key'),
  randomOutput: $('random-output'),
  randomHex: $('random-hex'),
  randomBase32: $('random-base32'),
  keyUri: $('key-uri'),
  readUri: $('read-uri'),
  uriInfo: $('uri-info'),
  codeOptions: $('code-options'),
  digits: $('digits'),
  hash: $('hash'),
  hotpFields: $('hotp-fields'),
  hotpCounter: $('hotp-counter'),
  totpFields: $('totp-fields'),
  totpTime: $('totp-time'),
  totpStep: $('totp-step'),
  totpNow: $('totp-now'),
  totpClock: $('totp-clock'),
  totpProgress: $('totp-progress'),
  ocraFields: $('ocra-fields'),
  ocraSuite: $('ocra-suite'),
  suiteInfo: $('suite-info'),
  ocraChallenge: $('ocra-challenge'),
  ocraCounterField: $('ocra-counter-field'),
  ocraCounter: $('ocra-counter'),
  ocraPinField: $('ocra-pin-field'),
  ocraPin: $('ocra-pin'),
  ocraSessionField: $('ocra-session-field'),
  ocraSession: $('ocra-session'),
  ocraTimeField: $('ocra-time-field'),
  ocraTime: $('ocra-time'),
  ocraTimeNow: $('ocra-time-now'),
  generate: $('generate'),
  result: $('result'),
  resultInfo: $('result-info'),
};

// ---- messages and results -------------------------------------------------------------------

function showError(error) {
  const code = typeof error?.code === 'string' ? error.code : 'Unexpected';
  const detail = error instanceof Error ? error.message : String(error);
  const fromLibrary = error?.name === 'SecureLoginError';
  const hint = fromLibrary && explains(code) ? t(`error.${code}`) : null;

  const codeEl = document.createElement('strong');
  codeEl.className = 'error-code';
  codeEl.textContent = code;
  const text = document.createElement('span');
  text.textContent = hint ?? (code === 'Unexpected' ? t('unexpected', { message: detail }) : detail);
  const parts = [`${t('errorPrefix')} `, codeEl, ': ', text];
  if (hint && detail && detail !== hint) {
    const small = document.createElement('small');
    small.textContent = detail;
    parts.push(small);
  }
  ui.message.replaceChildren(...parts);
  ui.message.dataset.code = code;
  ui.message.scrollIntoView({ block: 'nearest' });
}

function clearError() {
  ui.message.replaceChildren();
  delete ui.message.dataset.code;
}

/** Whether the wasm package is initialised (nothing calls into it before). */
let ready = false;

/** The last result shown, so a live TOTP code can follow the clock. */
let shown = null;

function showResult(code, info, mode) {
  ui.result.textContent = code;
  ui.resultInfo.textContent = info;
  shown = { mode };
}

function clearResult() {
  ui.result.textContent = '';
  ui.resultInfo.textContent = '';
  shown = null;
}

/** Runs `action`, showing any error instead of throwing: the page never throws unhandled. */
function guarded(action) {
  return (...args) => {
    try {
      action(...args);
    } catch (error) {
      showError(error);
    }
  };
}

// ---- reading the form -----------------------------------------------------------------------

const MAX_U64 = 2n ** 64n - 1n;

/** A whole number from a text field, as a Number when exact, else a BigInt. */
function readUnsigned(input, code, field) {
  const text = input.value.trim();
  if (!/^\d+$/.test(text) || BigInt(text) > MAX_U64) {
    throw new PageError(code, t('notNumber', { field: t(field) }));
  }
  const value = BigInt(text);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Hex digits (spaces allowed) to bytes. */
function hexToBytes(text) {
  const hex = text.replace(/\s+/g, '');
  if (hex.length % 2 !== 0) {
    throw new PageError('InvalidHex', t('notHex', { detail: t('oddDigits') }));
  }
  const bad = hex.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new PageError('InvalidHex', t('notHex', { detail: t('badDigit', { position: bad + 1 }) }));
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) {
    bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The key from the form, as bytes (the caller wipes them). */
function readKey() {
  const text = ui.key.value.trim();
  if (text === '') throw new PageError('MissingKey', t('error.MissingKey'));
  return ui.keyFormat.value === 'base32' ? base32Decode(text) : hexToBytes(text);
}

function currentMode() {
  return ui.form.elements.mode.value;
}

// ---- computing ------------------------------------------------------------------------------

function compute(mode) {
  const secret = readKey();
  try {
    if (mode === 'hotp') {
      const counter = readUnsigned(ui.hotpCounter, 'InvalidCounter', 'fieldCounter');
      const code = hotp(secret, counter, { digits: Number(ui.digits.value), hash: ui.hash.value });
      return { code, info: t('resultHotp', { counter }) };
    }
    if (mode === 'totp') {
      const time = readUnsigned(ui.totpTime, 'InvalidTime', 'fieldTime');
      const step = readUnsigned(ui.totpStep, 'InvalidStep', 'fieldStep');
      const code = totp(secret, time, { digits: Number(ui.digits.value), hash: ui.hash.value, step: Number(step) });
      return { code, info: t('resultTotp', { time, step: BigInt(time) / BigInt(step) }) };
    }
    const suite = ui.ocraSuite.value.trim();
    const info = parseOcraSuite(suite);
    const input = { challenge: ui.ocraChallenge.value.trim() };
    if (info.counter) input.counter = readUnsigned(ui.ocraCounter, 'InvalidCounter', 'fieldCounter');
    if (info.pin !== undefined) input.pin = ui.ocraPin.value;
    if (info.sessionLength !== undefined) input.session = ui.ocraSession.value.replace(/\s+/g, '');
    if (info.timeStep !== undefined) input.time = readUnsigned(ui.ocraTime, 'InvalidTime', 'fieldTime');
    const code = ocra(suite, secret, input);
    return { code, info: t('resultOcra', { suite: info.suite, challenge: input.challenge }) };
  } finally {
    secret.fill(0);
  }
}

function generate(event) {
  event?.preventDefault();
  if (!ready) return;
  const mode = currentMode();
  try {
    const { code, info } = compute(mode);
    clearError();
    showResult(code, info, mode);
  } catch (error) {
    clearResult();
    showError(error);
  }
}

// ---- the parts of the form ------------------------------------------------------------------

function showMode() {
  const mode = currentMode();
  ui.codeOptions.hidden = mode === 'ocra';
  ui.hotpFields.hidden = mode !== 'hotp';
  ui.totpFields.hidden = mode !== 'totp';
  ui.ocraFields.hidden = mode !== 'ocra';
  if (mode === 'totp') tick();
  if (mode === 'ocra' && ready) showSuite();
}

function setMode(mode) {
  const radio = ui.form.querySelector(`input[name="mode"][value="${mode}"]`);
  if (radio) radio.checked = true;
  showMode();
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Describes the OCRA suite and shows exactly the fields it needs. */
function showSuite() {
  let info;
  try {
    info = parseOcraSuite(ui.ocraSuite.value.trim());
  } catch (error) {
    ui.suiteInfo.textContent = t('suiteInvalid', { message: error?.message ?? String(error) });
    ui.suiteInfo.classList.add('invalid');
    return;
  }
  ui.suiteInfo.classList.remove('invalid');
  const format = {
    numeric: t('formatNumeric'),
    alphanumeric: t('formatAlphanumeric'),
    hex: t('formatHexChallenge'),
  }[info.challenge.format] ?? info.challenge.format;
  const needs = [t('suiteChallenge', { format, max: info.challenge.maxLength })];
  if (info.counter) needs.push(t('suiteCounter'));
  if (info.pin !== undefined) needs.push(t('suitePin', { hash: info.pin }));
  if (info.sessionLength !== undefined) needs.push(t('suiteSession', { bytes: info.sessionLength }));
  if (info.timeStep !== undefined) needs.push(t('suiteTime', { seconds: info.timeStep }));
  const response = info.digits === 0 ? t('suiteWholeHmac') : t('suiteDigits', { digits: info.digits });
  ui.suiteInfo.textContent = `${t('suiteGives', { hash: info.hash, response })} `
    + t('suiteNeeds', { parts: needs.join(t('listSeparator')) });

  ui.ocraCounterField.hidden = !info.counter;
  ui.ocraPinField.hidden = info.pin === undefined;
  ui.ocraSessionField.hidden = info.sessionLength === undefined;
  ui.ocraTimeField.hidden = info.timeStep === undefined;
  if (!ui.ocraTimeField.hidden && ui.ocraTime.value.trim() === '') ui.ocraTime.value = String(nowSeconds());

  const numeric = info.challenge.format === 'numeric';
  ui.ocraChallenge.maxLength = info.challenge.maxLength;
  ui.ocraChallenge.inputMode = numeric ? 'numeric' : 'text';
  ui.ocraChallenge.placeholder = t(numeric ? 'challengePlaceholderNumeric' : 'challengePlaceholderText', {
    max: info.challenge.maxLength,
  });
}

/** The TOTP clock: follows the time while "Now" is ticked, counts down to the next step. */
let lastStep = null;

function tick() {
  const now = nowSeconds();
  if (ui.totpNow.checked) {
    const text = String(now);
    if (ui.totpTime.value !== text) ui.totpTime.value = text;
  }
  if (ui.totpFields.hidden) return;
  const timeText = ui.totpTime.value.trim();
  const stepText = ui.totpStep.value.trim();
  const valid = /^\d{1,15}$/.test(timeText) && /^\d{1,15}$/.test(stepText) && Number(stepText) > 0;
  if (!valid) {
    ui.totpClock.textContent = t('clockInvalid');
    ui.totpProgress.hidden = true;
    return;
  }
  const time = Number(timeText);
  const stepSeconds = Number(stepText);
  const step = Math.floor(time / stepSeconds);
  if (ui.totpNow.checked) {
    const elapsed = time % stepSeconds;
    ui.totpClock.textContent = t('clockLive', { seconds: stepSeconds - elapsed, step });
    ui.totpProgress.hidden = false;
    ui.totpProgress.max = stepSeconds;
    ui.totpProgress.value = elapsed;
    // A live TOTP code on screen follows the clock into the next step.
    if (shown?.mode === 'totp' && lastStep !== null && step !== lastStep) generate();
  } else {
    ui.totpClock.textContent = t('clockFixed', { step, date: new Date(time * 1000).toISOString() });
    ui.totpProgress.hidden = true;
  }
  lastStep = step;
}

function followClock() {
  ui.totpTime.readOnly = ui.totpNow.checked;
  if (!ui.totpNow.checked) ui.totpTime.focus();
  tick();
}

function newRandomKey() {
  const bytes = randomSecret();
  try {
    const hex = bytesToHex(bytes);
    ui.randomHex.value = hex;
    ui.randomBase32.value = base32Encode(bytes);
    ui.randomOutput.hidden = false;
    ui.key.value = hex;
    ui.keyFormat.value = 'hex';
    clearResult();
    clearError();
    ui.uriInfo.textContent = t('randomDone', { bits: bytes.length * 8 });
  } finally {
    bytes.fill(0);
  }
}

function readUri() {
  const text = ui.keyUri.value.trim();
  if (text === '') {
    ui.uriInfo.textContent = t('uriEmpty');
    return;
  }
  const info = parseKeyUri(text);
  try {
    setMode(info.type);
    ui.key.value = base32Encode(info.secret);
    ui.keyFormat.value = 'base32';
    if (info.algorithm) ui.hash.value = info.algorithm;
    if (info.digits !== undefined) ui.digits.value = String(info.digits);
    if (info.period !== undefined) ui.totpStep.value = String(info.period);
    if (info.counter !== undefined) ui.hotpCounter.value = String(info.counter);
    if (info.ocraSuite !== undefined) {
      ui.ocraSuite.value = info.ocraSuite;
      showSuite();
    }
    const who = info.issuer ? `${info.issuer} (${info.account})` : info.account;
    ui.uriInfo.textContent = t('uriLoaded', { type: info.type.toUpperCase(), who });
    clearResult();
    clearError();
  } finally {
    info.secret.fill(0);
  }
}

// ---- start ----------------------------------------------------------------------------------

function wire() {
  ui.form.addEventListener('submit', generate);
  // Whatever the person changes makes the code on screen stale.
  ui.form.addEventListener('input', (event) => {
    if (event.target !== ui.keyUri) clearResult();
  });
  for (const radio of ui.form.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener('change', guarded(showMode));
  }
  ui.ocraSuite.addEventListener('input', guarded(showSuite));
  ui.totpNow.addEventListener('change', guarded(followClock));
  ui.totpStep.addEventListener('input', guarded(tick));
  ui.totpTime.addEventListener('input', guarded(tick));
  ui.ocraTimeNow.addEventListener('click', guarded(() => {
    ui.ocraTime.value = String(nowSeconds());
    clearResult();
  }));
  ui.randomKey.addEventListener('click', guarded(newRandomKey));
  ui.readUri.addEventListener('click', guarded(readUri));
  ui.keyUri.addEventListener('change', guarded(readUri));
  // Read a pasted URI at once (the pasted text is in the field after this event).
  ui.keyUri.addEventListener('paste', () => setTimeout(guarded(readUri), 0));
  setInterval(guarded(tick), 500);
}

/** Sets the status line, by message key so that a change of language re-translates it. */
function setStatus(state, key) {
  ui.status.dataset.state = state;
  setKey(ui.status, key);
}

/** Texts the page built itself follow a change of language. */
function retranslate() {
  if (ui.ocraFields.hidden === false && ready) showSuite();
  tick();
  if (shown) generate();
}

async function start() {
  setupI18n(messages);
  onLanguageChange(guarded(retranslate));
  wire();
  showMode();
  try {
    await init();
  } catch (error) {
    setStatus('failed', 'loadFailed');
    showError(new PageError('WasmLoadFailed', `${t('loadFailed')} (${error?.message ?? error})`));
    return;
  }
  ready = true;
  setStatus('ready', 'ready');
  ui.generate.disabled = false;
  showMode();
}

start().catch(showError);

// The login page: username and password, then the second factor (docs/api.md, "Login").
// Plain ES module, no bundler; every text is in messages/login.js.
//
// Steps (one <section class="step"> shown at a time): password -> factor (when the account has
// several, M2FS) -> push (soft token) or response (challenge, app code, SMS/voice code,
// temporary passcode) -> done (then account.html).

import init, { readCode } from '/pkg/login/secure_login.js';
import { api } from './lib/api.js';
import { passkeyLogin, passkeySecondFactor, passkeysSupported } from './lib/webauthn.js';
import { formatDateTime, formatDuration, formatTime, nowSeconds } from './lib/format.js';
import { hasMessage, setupI18n, t } from './lib/i18n.js';
import {
  announce as announceIn, errorText, refresh, setKey, show, showMessage,
} from './lib/text.js';
import messages from './messages/login.js';

const $ = (id) => document.getElementById(id);

const ui = {
  main: $('login'),
  message: $('message'),
  announcer: $('announcer'),
  steps: {
    password: $('step-password'),
    factor: $('step-factor'),
    push: $('step-push'),
    response: $('step-response'),
    done: $('step-done'),
  },
  passwordForm: $('password-form'),
  username: $('username'),
  password: $('password'),
  factorList: $('factor-list'),
  pushSend: $('push-send'),
  pushWaiting: $('push-waiting'),
  pushNumber: $('push-number'),
  pushStatus: $('push-status'),
  pushFallback: $('push-fallback'),
  responseHeading: $('response-heading'),
  challengeBox: $('challenge-box'),
  challengeIntro: $('challenge-intro'),
  challenge: $('challenge'),
  promptText: $('prompt-text'),
  expiry: $('expiry'),
  responseForm: $('response-form'),
  responseLabel: $('response-label'),
  response: $('response'),
  responseHint: $('response-hint'),
  responseError: $('response-error'),
  responseSubmit: $('response-submit'),
  resend: $('resend'),
  resendToggle: $('resend-toggle'),
  resendOptions: $('resend-options'),
  resendCountdown: $('resend-countdown'),
};

/** What the page knows about the login in progress. */
const login = {
  id: null,
  factors: [],
  factor: null,
  /** The last prompt from the server (`prompt` is challenge, code, code_sent or passcode). */
  prompt: null,
  /** The push in progress: { requestId, number, expiresAt }. */
  push: null,
  pushTimer: null,
  /** Unix seconds from which a new SMS/voice code may be asked for. */
  resendAt: null,
  busy: false,
};

let wasmReady = false;

// ---- messages -----------------------------------------------------------------------------

/** Shows a message in the alert region (`kind`: error, info or success). */
const say = (kind, build) => showMessage(ui.message, kind, build);
const clearMessage = () => showMessage(ui.message, null);

function announce(build) {
  announceIn(ui.announcer, build);
}

function sayError(error, values) {
  say('error', () => errorText(error, values));
}

// ---- steps --------------------------------------------------------------------------------

/** Shows one step, hides the others, and moves the focus (to `focus`, else its heading). */
function showStep(name, focus) {
  for (const [step, section] of Object.entries(ui.steps)) section.hidden = step !== name;
  ui.main.dataset.step = name;
  const target = focus ?? ui.steps[name].querySelector('h2');
  target?.focus();
}

function stopPush() {
  clearTimeout(login.pushTimer);
  login.pushTimer = null;
  login.push = null;
}

function startOver() {
  stopPush();
  Object.assign(login, { id: null, factors: [], factor: null, prompt: null, resendAt: null });
  clearMessage();
  ui.password.value = '';
  setBusy(false);
  showStep('password', ui.username.value ? ui.password : ui.username);
}

function setBusy(busy) {
  login.busy = busy;
  for (const button of document.querySelectorAll('main button')) {
    if (busy) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }
}

/** Runs `action` unless another request is under way; a refusal is shown, never thrown. */
function guarded(action) {
  return async (event) => {
    event?.preventDefault();
    if (login.busy) return;
    setBusy(true);
    try {
      await action(event);
    } catch (error) {
      handleError(error);
    } finally {
      setBusy(false);
    }
  };
}

/** The common answers to a refusal; anything else is said as it is. */
function handleError(error) {
  switch (error?.code) {
    case 'Expired':
    case 'NotFound':
      loginOver(error.code === 'Expired' ? () => t('expired') : () => errorText(error));
      break;
    case 'Throttled':
    case 'PasswordThrottled': {
      const until = nowSeconds() + Number(error.details?.retryAfter ?? 0);
      say('error', () => t(`error.${error.code}`, { time: formatDuration(until - nowSeconds()) }));
      break;
    }
    default:
      sayError(error);
  }
}

/** The login cannot go on: say why and offer only "Start over". */
function loginOver(build) {
  stopPush();
  login.prompt = null;
  ui.responseForm.hidden = true;
  ui.resend.hidden = true;
  ui.pushSend.hidden = true;
  ui.pushWaiting.hidden = true;
  ui.pushFallback.hidden = true;
  show(ui.expiry, null);
  $('renew')?.remove();
  say('error', build);
  const startOverButton = ui.main.querySelector('section:not([hidden]) .start-over');
  startOverButton?.focus();
}

// ---- 1. username and password -------------------------------------------------------------

const signIn = guarded(async () => {
  clearMessage();
  const username = ui.username.value.trim();
  const password = ui.password.value;
  if (!username || !password) {
    say('error', () => t('missingCredentials'));
    (username ? ui.password : ui.username).focus();
    return;
  }
  let started;
  try {
    started = await api('POST', '/api/login', { username, password });
  } catch (error) {
    if (error.code === 'BadCredentials') {
      ui.password.value = '';
      sayError(error);
      ui.password.focus();
      return;
    }
    throw error;
  }
  login.id = started.loginId;
  login.factors = started.factors ?? [];
  ui.password.value = '';
  if (login.factors.length === 0) {
    say('error', () => t('noFactors'));
    return;
  }
  if (login.factors.length === 1) {
    await chooseFactor(login.factors[0]);
  } else {
    showFactors();
  }
});

// ---- 2. the second factor (M2FS) ------------------------------------------------------------

function factorButton(factor) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'factor';
  button.dataset.factorId = String(factor.id);
  button.dataset.kind = factor.kind;
  const name = document.createElement('strong');
  show(name, () => (hasMessage(`kind.${factor.kind}`) ? t(`kind.${factor.kind}`) : factor.kind));
  const detail = document.createElement('span');
  detail.className = 'factor-detail';
  // The label, unless it only repeats the kind's name; the masked number.
  show(detail, () => [
    factor.label?.toLowerCase() === name.textContent.toLowerCase() ? '' : factor.label,
    factor.phone ? t('factorTo', { phone: factor.phone }) : '',
    factor.retiresAt ? t('factorRetires', { time: formatDateTime(factor.retiresAt) }) : '',
  ].filter(Boolean).join(' · '));
  button.append(name, ' ', detail);
  button.addEventListener('click', guarded(() => chooseFactor(factor)));
  const item = document.createElement('li');
  item.append(button);
  return item;
}

function showFactors() {
  stopPush();
  clearMessage();
  ui.factorList.replaceChildren(...login.factors.map(factorButton));
  showStep('factor');
}

function otherFactor() {
  if (login.factors.length > 1) showFactors();
  else startOver();
}

async function chooseFactor(factor) {
  clearMessage();
  stopPush();
  login.factor = factor;
  for (const button of document.querySelectorAll('.other-factor')) button.hidden = login.factors.length < 2;
  if (factor.kind === 'soft_token') {
    showPushOffer();
    return;
  }
  if (factor.kind === 'passkey') {
    await usePasskey(() => passkeySecondFactor(login.id));
    return;
  }
  await askPrompt(factor);
}

/** Asks the server for the prompt of `factor` (a challenge, or a code sent, ...). */
async function askPrompt(factor) {
  const prompt = await api('POST', `/api/login/${encodeURIComponent(login.id)}/factor`, { factorId: factor.id });
  showPrompt(prompt);
}

// ---- 3a. push (soft token) ------------------------------------------------------------------

function showPushOffer() {
  ui.pushWaiting.hidden = true;
  ui.pushFallback.hidden = false;
  ui.pushSend.hidden = false;
  setKey(ui.pushSend, 'pushSend');
  show(ui.pushStatus, null);
  showStep('push');
}

const sendPush = guarded(async () => {
  clearMessage();
  let push;
  try {
    push = await api('POST', `/api/login/${encodeURIComponent(login.id)}/push`, {});
  } catch (error) {
    if (error.code === 'Throttled') {
      const until = nowSeconds() + Number(error.details?.retryAfter ?? 0);
      say('error', () => t('pushThrottled', { time: formatDuration(until - nowSeconds()) }));
      return;
    }
    throw error;
  }
  login.push = push;
  ui.pushNumber.textContent = String(push.number);
  ui.pushSend.hidden = true;
  ui.pushWaiting.hidden = false;
  show(ui.pushStatus, () => t('pushWaiting', { time: formatDuration(push.expiresAt - nowSeconds()) }));
  announce(() => t('pushSent', { number: push.number }));
  pollPush(push);
});

/** Asks for the login's status every 1.5 s while the push waits for its answer. */
function pollPush(push) {
  login.pushTimer = setTimeout(async () => {
    if (login.push !== push) return;
    let status;
    try {
      ({ status } = await api('GET', `/api/login/${encodeURIComponent(login.id)}/status`));
    } catch (error) {
      if (login.push !== push) return;
      if (error.code === 'Network') {
        pollPush(push); // keep waiting: the connection may come back
        return;
      }
      handleError(error);
      return;
    }
    if (login.push !== push) return;
    if (status === 'succeeded') {
      stopPush();
      await finishPush();
    } else if (status === 'denied') {
      loginOver(() => t('pushDenied'));
    } else if (status === 'expired') {
      loginOver(() => t('expired'));
    } else if (nowSeconds() >= push.expiresAt) {
      pushExpired();
    } else {
      pollPush(push);
    }
  }, 1500);
}

function pushExpired() {
  stopPush();
  ui.pushWaiting.hidden = true;
  ui.pushSend.hidden = false;
  setKey(ui.pushSend, 'pushSendAgain');
  show(ui.pushStatus, null);
  say('error', () => t('pushExpired'));
}

async function finishPush() {
  try {
    const { username } = await api('POST', `/api/login/${encodeURIComponent(login.id)}/session`, {});
    loggedIn(username);
  } catch (error) {
    handleError(error);
  }
}

/** "No notification?": the same soft token by challenge and response. */
const pushFallback = guarded(async () => {
  stopPush();
  clearMessage();
  await askPrompt(login.factor);
});

// ---- 3b. challenge, code or passcode ------------------------------------------------------

/** How many digits the answer to `prompt` has (null for a passcode). */
function expectedDigits(prompt) {
  if (prompt.prompt === 'challenge') return prompt.responseDigits;
  if (prompt.prompt === 'code' || prompt.prompt === 'code_sent') return prompt.digits;
  return null;
}

/** The answer kind for texts: challenge, code, passcode or recovery (a recovery code). */
function answerKind(prompt) {
  if (prompt.prompt === 'challenge') return 'challenge';
  if (prompt.prompt === 'passcode') return 'passcode';
  if (prompt.prompt === 'recovery_code') return 'recovery';
  return 'code';
}

/** Whether the answer is letters and digits typed as received (not digits only). */
const isLettered = (kind) => kind === 'passcode' || kind === 'recovery';

/** The challenge in groups for reading: 1234 5678, 123 456. */
function groups(text) {
  const size = text.length % 4 === 0 ? 4 : text.length % 3 === 0 ? 3 : 4;
  const parts = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

function showPrompt(prompt) {
  login.prompt = prompt;
  const kind = answerKind(prompt);
  const digits = expectedDigits(prompt);
  const device = login.factor?.kind === 'security_card' ? 'security_card' : 'soft_token';

  setKey(ui.responseHeading, `heading.${prompt.prompt}`);

  ui.challengeBox.hidden = prompt.prompt !== 'challenge';
  if (prompt.prompt === 'challenge') {
    show(ui.challengeIntro, () => t(`intro.${device}`));
    ui.challenge.replaceChildren(...groups(String(prompt.challenge)).map((part) => {
      const span = document.createElement('span');
      span.className = 'group';
      span.textContent = part;
      return span;
    }));
  }

  show(ui.promptText, () => {
    if (prompt.prompt === 'code') return t('prompt.code', { digits });
    if (prompt.prompt === 'code_sent') {
      return t(`prompt.${prompt.channel === 'voice' ? 'voice' : 'sms'}`, { digits, to: prompt.to });
    }
    if (prompt.prompt === 'passcode') return t('prompt.passcode');
    if (prompt.prompt === 'recovery_code') return t('prompt.recovery_code');
    return '';
  });
  ui.promptText.hidden = prompt.prompt === 'challenge';

  setKey(ui.responseLabel, `label.${kind}`);
  show(ui.responseHint, () => t(`hint.${kind}`, { digits }));
  ui.response.value = '';
  ui.response.removeAttribute('aria-invalid');
  ui.response.inputMode = isLettered(kind) ? 'text' : 'numeric';
  ui.response.autocapitalize = isLettered(kind) ? 'characters' : 'off';
  ui.response.setAttribute('aria-describedby', prompt.prompt === 'challenge'
    ? 'challenge-intro challenge response-hint response-error'
    : 'prompt-text response-hint response-error');
  show(ui.responseError, null);
  ui.responseForm.hidden = false;
  $('renew')?.remove();

  login.resendAt = prompt.prompt === 'code_sent' ? prompt.resendAfter : null;
  ui.resend.hidden = prompt.prompt !== 'code_sent';
  setResendOpen(false);
  show(ui.resendCountdown, prompt.prompt === 'code_sent' ? resendText : null);

  showExpiry(prompt);
  showStep('response', ui.response);
  // The code is committed before it is sent: say so when the gateway has not taken it yet.
  if (prompt.prompt === 'code_sent' && prompt.delivery && prompt.delivery !== 'sent') {
    say(prompt.delivery === 'queued' ? 'info' : 'error', () => t(`delivery.${prompt.delivery}`));
  }
}

function resendText() {
  const left = (login.resendAt ?? 0) - nowSeconds();
  return left > 0 ? t('resendIn', { time: formatDuration(left) }) : t('resendNow');
}

/** The time left for the challenge or code; when it is over, what to do. */
function showExpiry(prompt) {
  const expiresAt = prompt.expiresAt;
  if (!expiresAt) {
    show(ui.expiry, null);
    return;
  }
  const kind = prompt.prompt === 'challenge' ? 'challenge' : 'code';
  show(ui.expiry, () => {
    const left = expiresAt - nowSeconds();
    return left > 0 ? t(`expiry.${kind}`, { time: formatDuration(left) }) : t(`expired.${kind}`);
  });
}

/** Once a second: countdowns, and the expired challenge's "Get a new challenge". */
function tick() {
  refresh();
  const prompt = login.prompt;
  if (prompt?.prompt === 'challenge' && prompt.expiresAt <= nowSeconds() && !$('renew')) {
    const renew = document.createElement('button');
    renew.type = 'button';
    renew.id = 'renew';
    renew.className = 'secondary';
    setKey(renew, 'renewChallenge');
    renew.addEventListener('click', guarded(async () => {
      clearMessage();
      await askPrompt(login.factor);
    }));
    ui.expiry.after(renew);
    ui.responseForm.hidden = true;
    announce(() => t('expired.challenge'));
  }
}

// The response is checked here before it is sent: a typing slip costs no attempt.

/**
 * The library's reading of `typed` as a code of `digits` digits (readCode: spaces and dashes
 * dropped, full-width and other scripts' digits read as 0-9): `{ answer }`, `{ problem }`, or
 * null when it cannot judge (not loaded, or a digit count it does not cover: the server decides).
 */
function libraryReading(typed, digits) {
  if (!wasmReady) return null;
  try {
    return { answer: readCode(typed, digits) };
  } catch (error) {
    switch (error?.code) {
      case 'Empty':
        return { problem: () => t('check.empty') };
      case 'NotDigits':
        return { problem: () => t('check.notDigits', { char: error.found }) };
      case 'TooShort':
      case 'TooLong':
        return { problem: () => t('check.length', { digits: error.expected, typed: error.found }) };
      default:
        return null;
    }
  }
}

/** The typed answer, cleaned, or a function building the reason it cannot be right. */
function checkAnswer(prompt, typed) {
  const kind = answerKind(prompt);
  if (!isLettered(kind)) {
    const digits = expectedDigits(prompt);
    const reading = libraryReading(typed, digits);
    if (reading) return reading;
  }
  // A passcode, or the page's own check while the library is not there. Full-width characters
  // (some phone keyboards) become ASCII; spaces and dashes typed for reading go.
  const cleaned = typed.normalize('NFKC').replace(/[\s-]+/g, '');
  if (!cleaned) return { problem: () => t('check.empty') };
  if (kind === 'passcode') {
    return /^[A-Za-z0-9]+$/.test(cleaned)
      ? { answer: cleaned.toUpperCase() }
      : { problem: () => t('check.passcode') };
  }
  if (kind === 'recovery') {
    return /^[A-Za-z0-9]{16}$/.test(cleaned)
      ? { answer: cleaned.toUpperCase() }
      : { problem: () => t('check.recovery') };
  }
  const digits = expectedDigits(prompt);
  if (cleaned.length === digits && /^[0-9]+$/.test(cleaned)) return { answer: cleaned };
  const bad = cleaned.match(/[^0-9]/u);
  if (bad) return { problem: () => t('check.notDigits', { char: bad[0] }) };
  return { problem: () => t('check.length', { digits, typed: cleaned.length }) };
}

function showProblem(build) {
  show(ui.responseError, build);
  ui.response.setAttribute('aria-invalid', 'true');
  ui.response.focus();
}

function clearProblem() {
  show(ui.responseError, null);
  ui.response.removeAttribute('aria-invalid');
}

const submitResponse = guarded(async () => {
  const prompt = login.prompt;
  if (!prompt) return;
  clearMessage();
  const checked = checkAnswer(prompt, ui.response.value);
  if (checked.problem) {
    showProblem(checked.problem);
    return;
  }
  clearProblem();
  let result;
  try {
    result = await api('POST', `/api/login/${encodeURIComponent(login.id)}/response`, { response: checked.answer });
  } catch (error) {
    if (error.code === 'InvalidInput') {
      showProblem(() => errorText(error));
      return;
    }
    throw error;
  }
  switch (result.outcome) {
    case 'success':
      loggedIn(result.username);
      break;
    case 'wrong_code': {
      const n = result.attemptsLeft;
      ui.response.value = '';
      say('error', () => (n === 1 ? t('wrongCodeOne') : t('wrongCodeMany', { n })));
      ui.response.focus();
      break;
    }
    case 'locked': {
      const until = result.until;
      ui.responseForm.hidden = true;
      ui.resend.hidden = true;
      ui.promptText.hidden = true;
      ui.challengeBox.hidden = true;
      login.prompt = null;
      show(ui.expiry, null);
      say('error', () => t('locked', { until: formatTime(until) }));
      (ui.main.querySelector('#step-response .other-factor:not([hidden])')
        ?? ui.main.querySelector('#step-response .start-over')).focus();
      break;
    }
    case 'expired':
      loginOver(() => t('expired'));
      break;
    default:
      sayError({ code: String(result.outcome) });
  }
});

// ---- "Didn't receive a security code?" ----------------------------------------------------

function setResendOpen(open) {
  ui.resendOptions.hidden = !open;
  ui.resendToggle.setAttribute('aria-expanded', String(open));
}

async function resend(channel) {
  clearMessage();
  let sent;
  try {
    sent = await api('POST', `/api/login/${encodeURIComponent(login.id)}/resend`, { channel });
  } catch (error) {
    if (error.code === 'Throttled') {
      // The server's word is the one that counts: follow its countdown.
      login.resendAt = nowSeconds() + Number(error.details?.retryAfter ?? 0);
      say('error', () => t('resendThrottled', { time: formatDuration(login.resendAt - nowSeconds()) }));
      return;
    }
    throw error;
  }
  showPrompt(sent);
  if (sent.delivery && sent.delivery !== 'sent') return; // showPrompt said how it stands
  const build = () => t(`resent.${sent.channel === 'voice' ? 'voice' : 'sms'}`, { to: sent.to });
  say('info', build);
}

// ---- 3c. passkey (second factor, or alone) -------------------------------------------------

/** Runs a passkey ceremony; on success the session is open. A refusal leaves the step as it is. */
async function usePasskey(ceremony) {
  say('info', () => t('passkeyAsk'));
  let signedIn;
  try {
    signedIn = await ceremony();
  } catch (error) {
    if (error?.code?.startsWith('Passkey')) {
      // Back to the choice of factor (a passwordless try stays on the first step), then why.
      if (login.id && login.factors.length > 1) showFactors();
      sayError(error);
      return;
    }
    throw error;
  }
  loggedIn(signedIn.username);
}

// ---- done ---------------------------------------------------------------------------------

function loggedIn(username) {
  stopPush();
  login.prompt = null;
  clearMessage();
  say('success', () => t('signedIn', { username }));
  showStep('done');
  setTimeout(() => window.location.assign('account.html'), 600);
}

// ---- start --------------------------------------------------------------------------------

function wire() {
  ui.passwordForm.addEventListener('submit', signIn);
  ui.responseForm.addEventListener('submit', submitResponse);
  ui.response.addEventListener('input', () => {
    if (ui.response.getAttribute('aria-invalid') === 'true') {
      const checked = login.prompt && checkAnswer(login.prompt, ui.response.value);
      if (checked?.answer) clearProblem();
    }
  });
  ui.pushSend.addEventListener('click', sendPush);
  ui.pushFallback.addEventListener('click', pushFallback);
  ui.resendToggle.addEventListener('click', () => {
    setResendOpen(ui.resendOptions.hidden);
  });
  for (const button of ui.resendOptions.querySelectorAll('button[data-channel]')) {
    button.addEventListener('click', guarded(() => resend(button.dataset.channel)));
  }
  for (const button of document.querySelectorAll('.start-over')) button.addEventListener('click', startOver);
  for (const button of document.querySelectorAll('.other-factor')) button.addEventListener('click', otherFactor);
  if (passkeysSupported()) {
    $('passkey-login').hidden = false;
    $('passkey-signin').addEventListener('click', guarded(async () => {
      clearMessage();
      await usePasskey(passkeyLogin);
    }));
  }
  setInterval(tick, 1000);
}

setupI18n(messages);
wire();
init().then(() => {
  wasmReady = true;
  ui.main.dataset.wasm = 'ready';
}, () => {
  // Without the library the page still checks the shape itself; the server decides anyway.
  wasmReady = false;
});

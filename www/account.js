// The account page: who is logged in, their second factors, recent security events, adding an
// authenticator app, changing the phone number, logging out (docs/api.md, "Account").

import init, { base32Encode, parseKeyUri, readCode } from '/pkg/secure_login.js';
import { api } from './lib/api.js';
import { passkeysSupported, registerPasskey } from './lib/webauthn.js';
import { formatDateTime, formatTime } from './lib/format.js';
import { hasMessage, setupI18n, t } from './lib/i18n.js';
import { errorText, setKey, show, showMessage } from './lib/text.js';
import messages from './messages/account.js';

const $ = (id) => document.getElementById(id);

const ui = {
  page: $('account-page'),
  loading: $('loading'),
  message: $('message'),
  signedOut: $('signed-out'),
  account: $('account'),
  username: $('username'),
  logout: $('logout'),
  logoutEverywhere: $('logout-everywhere'),
  recoveryMake: $('recovery-make'),
  recoveryShown: $('recovery-shown'),
  recoveryCodes: $('recovery-codes'),
  recoveryError: $('recovery-error'),
  changes: $('changes'),
  changesList: $('changes-list'),
  deviceMake: $('device-make'),
  deviceShown: $('device-shown'),
  deviceCode: $('device-code'),
  deviceUntil: $('device-until'),
  deviceError: $('device-error'),
  phoneConfirmForm: $('phone-confirm-form'),
  phoneConfirmSent: $('phone-confirm-sent'),
  phoneCode: $('phone-code'),
  phoneCodeError: $('phone-code-error'),
  passwordForm: $('password-form'),
  currentPassword: $('current-password'),
  newPassword: $('new-password'),
  passwordError: $('password-error'),
  factors: $('factors'),
  totpStart: $('totp-start'),
  totpEnroll: $('totp-enroll'),
  totpQr: $('totp-qr'),
  totpSecret: $('totp-secret'),
  totpKind: $('totp-kind'),
  totpUri: $('totp-uri'),
  totpForm: $('totp-form'),
  totpCode: $('totp-code'),
  totpCodeHint: $('totp-code-hint'),
  totpError: $('totp-error'),
  phoneForm: $('phone-form'),
  newPhone: $('new-phone'),
  phoneError: $('phone-error'),
  noEvents: $('no-events'),
  events: $('events'),
  eventsBody: $('events-body'),
};

let wasmReady = false;
/** Resolves once the wasm library is loaded (true) or could not be (false: the page goes on). */
const wasmLoaded = init().then(() => { wasmReady = true; return true; }, () => false);
/** The factors shown, by id (to name the factor of an event). */
let factorsById = new Map();
/** The key being enrolled: { digits } from its Key URI. */
let enrolling = null;

/** Shows a message in the alert region (`kind`: error, info or success). */
const say = (kind, build) => showMessage(ui.message, kind, build);
const clearMessage = () => showMessage(ui.message, null);

function signedOut(build) {
  ui.page.dataset.state = 'signed-out';
  ui.loading.hidden = true;
  ui.account.hidden = true;
  ui.signedOut.hidden = false;
  if (build) say('info', build);
}

/** Runs `action`; a session that ended shows "not logged in", anything else is said. */
function guarded(action) {
  return async (event) => {
    event?.preventDefault();
    try {
      await action(event);
    } catch (error) {
      if (error?.code === 'NotSignedIn') signedOut(() => errorText(error));
      else say('error', () => errorText(error));
    }
  };
}

// ---- what the account has -------------------------------------------------------------------

function kindName(kind) {
  return hasMessage(`kind.${kind}`) ? t(`kind.${kind}`) : kind;
}

/** A small button of a factor's line. */
function factorButton(key, onClick) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary small';
  show(button, () => t(key));
  button.addEventListener('click', onClick);
  return button;
}

/** The inline form that renames `factor`; replaces the line's buttons while open. */
function renameForm(factor, item, buttons) {
  const form = document.createElement('form');
  form.className = 'inline-form';
  form.noValidate = true;
  const id = `label-${factor.id}`;
  const label = document.createElement('label');
  label.htmlFor = id;
  show(label, () => t('factorNewLabel'));
  const input = document.createElement('input');
  input.id = id;
  input.maxLength = 64;
  input.value = factor.label ?? '';
  const error = document.createElement('p');
  error.className = 'field-error';
  error.setAttribute('aria-live', 'assertive');
  const save = document.createElement('button');
  save.type = 'submit';
  save.className = 'secondary small';
  show(save, () => t('factorSave'));
  form.append(label, input, save, error);
  form.addEventListener('submit', guarded(async () => {
    const value = input.value.trim();
    if (!value) {
      show(error, () => t('factorLabelEmpty'));
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    try {
      await api('POST', `/api/account/factors/${factor.id}/rename`, { label: value });
    } catch (failure) {
      if (failure.code === 'NotAllowed') {
        show(error, () => t('factorTooLate'));
        return;
      }
      if (failure.code === 'InvalidInput') {
        show(error, () => t('factorLabelInvalid'));
        return;
      }
      throw failure;
    }
    say('success', () => t('factorRenamed', { label: value }));
    await load();
  }));
  buttons.hidden = true;
  item.append(form);
  input.focus();
}

/** Removes `factor` after a second click on "Yes, remove". */
function confirmRemoval(factor, item, buttons) {
  const confirm = document.createElement('p');
  confirm.className = 'confirm';
  const question = document.createElement('span');
  show(question, () => t('factorRemoveQuestion', { name: factor.label || kindName(factor.kind) }));
  const yes = factorButton('factorRemoveYes', guarded(async () => {
    try {
      await api('POST', `/api/account/factors/${factor.id}/remove`, {});
    } catch (failure) {
      if (failure.code === 'NotAllowed') {
        show(question, () => t('factorTooLate'));
        yes.hidden = true;
        return;
      }
      throw failure;
    }
    say('success', () => t('factorRemoved', { name: factor.label || kindName(factor.kind) }));
    await load();
  }));
  const no = factorButton('factorRemoveNo', () => {
    confirm.remove();
    buttons.hidden = false;
  });
  // The last factor stays (the server refuses it too): say so at once.
  if (factorsById.size <= 1) {
    show(question, () => t('factorLast'));
    yes.hidden = true;
  }
  confirm.append(question, ' ', yes, ' ', no);
  buttons.hidden = true;
  item.append(confirm);
}

function factorItem(factor) {
  const item = document.createElement('li');
  item.dataset.kind = factor.kind;
  item.dataset.factorId = String(factor.id);
  const name = document.createElement('strong');
  show(name, () => kindName(factor.kind));
  const detail = document.createElement('span');
  detail.className = 'muted factor-detail';
  show(detail, () => [
    factor.label?.toLowerCase() === name.textContent.toLowerCase() ? '' : factor.label,
    factor.phone ? t('factorTo', { phone: factor.phone }) : '',
    factor.codesLeft != null ? t('factorCodesLeft', { count: factor.codesLeft }) : '',
  ].filter(Boolean).join(' · '));
  const dates = document.createElement('span');
  dates.className = 'muted factor-dates';
  show(dates, () => [
    factor.createdAt ? t('factorAdded', { time: formatDateTime(factor.createdAt) }) : '',
    factor.lastUsed ? t('factorLastUsed', { time: formatDateTime(factor.lastUsed) }) : t('factorNeverUsed'),
    factor.retiresAt ? t('factorRetires', { time: formatDateTime(factor.retiresAt) }) : '',
  ].filter(Boolean).join(' · '));
  const buttons = document.createElement('span');
  buttons.className = 'factor-actions';
  buttons.append(
    factorButton('factorRename', () => renameForm(factor, item, buttons)),
    ' ',
    factorButton('factorRemove', () => confirmRemoval(factor, item, buttons)),
  );
  item.append(name, document.createElement('br'), detail, document.createElement('br'), dates, ' ', buttons);
  return item;
}

/** A binding within its cooling-off, with its "This wasn't me" button. */
function changeItem(change) {
  const item = document.createElement('li');
  item.dataset.changeId = change.id;
  const factor = factorsById.get(change.factorId);
  const what = document.createElement('span');
  show(what, () => t(`change.${change.kind}`, {
    name: factor ? kindName(factor.kind) : '',
    time: formatDateTime(change.at),
    until: formatDateTime(change.until),
  }));
  const error = document.createElement('p');
  error.className = 'field-error';
  error.setAttribute('aria-live', 'assertive');
  const undo = factorButton('changeUndo', guarded(async () => {
    try {
      await api('POST', `/api/account/changes/${encodeURIComponent(change.id)}/undo`, {});
    } catch (failure) {
      const known = { NotAllowed: 'changeUndoRefused', StrongerFactorNeeded: 'changeUndoRefused' };
      if (known[failure.code]) {
        show(error, () => t(known[failure.code]));
        return;
      }
      throw failure;
    }
    say('success', () => t('changeUndone'));
    await load();
  }));
  item.append(what, ' ', undo, error);
  return item;
}

/** An event's details: its factor's label and its note (a lock's end as a local time). */
function eventDetails(event) {
  const parts = [];
  const factor = event.factor == null ? null : factorsById.get(event.factor);
  if (factor) parts.push(factor.label);
  const until = /^until (\d+)$/.exec(event.detail ?? '');
  if (until) parts.push(t('eventUntil', { time: formatTime(Number(until[1])) }));
  else if (event.detail) parts.push(event.detail);
  return parts.join(' · ');
}

function eventRow(event) {
  const row = document.createElement('tr');
  row.dataset.kind = event.kind;
  const when = document.createElement('td');
  const time = document.createElement('time');
  time.dateTime = new Date(event.at * 1000).toISOString();
  show(time, () => formatDateTime(event.at));
  when.append(time);
  const what = document.createElement('td');
  show(what, () => (hasMessage(`event.${event.kind}`) ? t(`event.${event.kind}`) : event.kind));
  const details = document.createElement('td');
  show(details, () => eventDetails(event));
  row.append(when, what, details);
  return row;
}

async function load() {
  let account;
  try {
    account = await api('GET', '/api/account');
  } catch (error) {
    if (error.code === 'NotSignedIn') {
      signedOut(null);
      return;
    }
    throw error;
  }
  ui.page.dataset.state = 'signed-in';
  ui.loading.hidden = true;
  ui.signedOut.hidden = true;
  ui.account.hidden = false;
  ui.username.textContent = account.username;
  const factors = account.factors ?? [];
  factorsById = new Map(factors.map((factor) => [factor.id, factor]));
  if (factors.length === 0) {
    const item = document.createElement('li');
    show(item, () => t('noFactors'));
    ui.factors.replaceChildren(item);
  } else {
    ui.factors.replaceChildren(...factors.map(factorItem));
  }
  const changes = account.changes ?? [];
  ui.changesList.replaceChildren(...changes.map(changeItem));
  ui.changes.hidden = changes.length === 0;
  const events = account.events ?? [];
  ui.eventsBody.replaceChildren(...events.map(eventRow));
  ui.events.hidden = events.length === 0;
  ui.noEvents.hidden = events.length > 0;
}

// ---- authenticator app ----------------------------------------------------------------------

/** The Base32 key in groups of four, for typing into an app by hand. */
function groupedKey(bytes) {
  return base32Encode(bytes).replace(/=+$/, '').match(/.{1,4}/g).join(' ');
}

const startTotp = guarded(async () => {
  clearMessage();
  const { uri, qrSvg } = await api('POST', '/api/account/totp', {});
  // The QR code is SVG markup from our own server; as an <img> it can run nothing.
  ui.totpQr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrSvg)}`;
  ui.totpUri.textContent = uri;
  enrolling = { digits: 6 };
  if (await wasmLoaded) {
    const info = parseKeyUri(uri);
    try {
      ui.totpSecret.textContent = groupedKey(info.secret);
      enrolling = { digits: info.digits ?? 6 };
      const kind = {
        digits: info.digits ?? 6, period: info.period ?? 30, algorithm: (info.algorithm ?? 'SHA1').replace('SHA', 'SHA-'),
      };
      show(ui.totpKind, () => t('totpKind', kind));
    } finally {
      info.secret.fill(0);
    }
  } else {
    ui.totpSecret.textContent = new URL(uri).searchParams.get('secret') ?? '';
    show(ui.totpKind, null);
  }
  show(ui.totpCodeHint, () => t('totpCodeHint', { digits: enrolling.digits }));
  show(ui.totpError, null);
  ui.totpCode.value = '';
  ui.totpEnroll.hidden = false;
  setKey(ui.totpStart, 'totpRestart');
  ui.totpCode.focus();
});

/**
 * The app's code in what was typed (the library's readCode: spaces and dashes dropped, digits of
 * any script read as 0-9), or why it cannot be one: `{ code }` or `{ problem }`.
 */
function readTotp(typed) {
  const digits = enrolling?.digits ?? 6;
  if (wasmReady) {
    try {
      return { code: readCode(typed, digits) };
    } catch (error) {
      if (error?.code === 'NotDigits') return { problem: () => t('totpCheckNotDigits', { char: error.found }) };
      if (error?.code === 'Empty') return { problem: () => t('totpCheckDigits', { digits, typed: 0 }) };
      if (error?.code === 'TooShort' || error?.code === 'TooLong') {
        return { problem: () => t('totpCheckDigits', { digits, typed: error.found }) };
      }
      // A digit count the library does not cover: the page's own check, and the server's.
    }
  }
  const code = typed.replace(/\s+/g, '');
  if (code.length === digits && /^[0-9]+$/.test(code)) return { code };
  const bad = code.match(/[^0-9]/u);
  if (bad) return { problem: () => t('totpCheckNotDigits', { char: bad[0] }) };
  return { problem: () => t('totpCheckDigits', { digits, typed: code.length }) };
}

const confirmTotp = guarded(async () => {
  clearMessage();
  const { code, problem } = readTotp(ui.totpCode.value);
  if (problem) {
    show(ui.totpError, problem);
    ui.totpCode.setAttribute('aria-invalid', 'true');
    ui.totpCode.focus();
    return;
  }
  try {
    await api('POST', '/api/account/totp/confirm', { code });
  } catch (error) {
    if (error.code === 'WrongCode' || error.code === 'InvalidInput') {
      show(ui.totpError, () => t('totpWrong'));
      ui.totpCode.setAttribute('aria-invalid', 'true');
      ui.totpCode.value = '';
      ui.totpCode.focus();
      return;
    }
    if (error.code === 'NotAllowed') {
      // The key had its tries (or is gone): start again with a new one.
      ui.totpEnroll.hidden = true;
      enrolling = null;
    }
    throw error;
  }
  enrolling = null;
  ui.totpEnroll.hidden = true;
  setKey(ui.totpStart, 'totpStart');
  ui.totpCode.removeAttribute('aria-invalid');
  show(ui.totpError, null);
  say('success', () => t('totpAdded'));
  await load();
});

// ---- passkey --------------------------------------------------------------------------------

const addPasskey = guarded(async () => {
  clearMessage();
  try {
    await registerPasskey(t('passkeyLabel'));
  } catch (error) {
    if (error.code === 'NotAllowed') {
      say('error', () => t('passkeyTooLate'));
      return;
    }
    throw error;
  }
  say('success', () => t('passkeyAdded'));
  await load();
});

// ---- phone number ---------------------------------------------------------------------------

const changePhone = guarded(async () => {
  clearMessage();
  show(ui.phoneError, null);
  ui.newPhone.removeAttribute('aria-invalid');
  const phone = ui.newPhone.value.trim();
  const refuse = (build) => {
    show(ui.phoneError, build);
    ui.newPhone.setAttribute('aria-invalid', 'true');
    ui.newPhone.focus();
  };
  if (!phone) {
    refuse(() => t('phoneEmpty'));
    return;
  }
  let started;
  try {
    started = await api('POST', '/api/account/phone', { phone });
  } catch (error) {
    if (error.code === 'InvalidInput') {
      refuse(() => t('phoneInvalid'));
      return;
    }
    if (error.code === 'NotAllowed') {
      refuse(() => t('phoneTooLate'));
      return;
    }
    throw error;
  }
  // Nothing changes until the code sent to the new number comes back.
  pendingPhone = { changeId: started.changeId, phone };
  show(ui.phoneConfirmSent, () => t('phoneCodeSent', { to: started.to }));
  ui.phoneConfirmForm.hidden = false;
  ui.phoneCode.value = '';
  ui.phoneCode.focus();
});

/** The phone change waiting for its code: { changeId, phone }. */
let pendingPhone = null;

const confirmPhone = guarded(async () => {
  clearMessage();
  show(ui.phoneCodeError, null);
  ui.phoneCode.removeAttribute('aria-invalid');
  const refuse = (build) => {
    show(ui.phoneCodeError, build);
    ui.phoneCode.setAttribute('aria-invalid', 'true');
    ui.phoneCode.focus();
  };
  const code = ui.phoneCode.value.normalize('NFKC').replace(/\s+/g, '');
  if (!/^[0-9]+$/.test(code)) {
    refuse(() => t('phoneCodeDigits'));
    return;
  }
  let answer;
  try {
    answer = await api('POST', `/api/account/phone/${pendingPhone.changeId}/confirm`, { code });
  } catch (error) {
    if (error.code === 'InvalidInput') {
      refuse(() => t('phoneCodeDigits'));
      return;
    }
    throw error;
  }
  if (answer.outcome === 'wrong_code') {
    refuse(() => t('phoneCodeWrong', { left: answer.attemptsLeft }));
    return;
  }
  if (answer.outcome === 'locked') {
    refuse(() => t('phoneCodeLocked', { time: formatTime(answer.until) }));
    return;
  }
  if (answer.outcome === 'expired') {
    refuse(() => t('phoneCodeExpired'));
    return;
  }
  const { phone } = pendingPhone;
  pendingPhone = null;
  ui.phoneConfirmForm.hidden = true;
  ui.newPhone.value = '';
  say('success', () => t('phoneChanged', { phone }));
  await load();
});

// ---- a device code for a new soft token -----------------------------------------------------

const makeDeviceCode = guarded(async () => {
  clearMessage();
  show(ui.deviceError, null);
  ui.deviceShown.hidden = true;
  let issued;
  try {
    issued = await api('POST', '/api/account/device-code', {});
  } catch (error) {
    if (error.code === 'NotAllowed') {
      show(ui.deviceError, () => t('deviceTooLate'));
      return;
    }
    if (error.code === 'StrongerFactorNeeded') {
      show(ui.deviceError, () => t('error.StrongerFactorNeeded'));
      return;
    }
    throw error;
  }
  ui.deviceCode.textContent = issued.code;
  show(ui.deviceUntil, () => t('deviceUntil', { time: formatTime(issued.expiresAt) }));
  ui.deviceShown.hidden = false;
  await load();
});

// ---- recovery codes -------------------------------------------------------------------------

const makeRecoveryCodes = guarded(async () => {
  clearMessage();
  show(ui.recoveryError, null);
  let issued;
  try {
    issued = await api('POST', '/api/account/recovery-codes', {});
  } catch (error) {
    if (error.code === 'NotAllowed') {
      show(ui.recoveryError, () => t('recoveryTooLate'));
      return;
    }
    throw error;
  }
  ui.recoveryCodes.replaceChildren(...issued.codes.map((code) => {
    const item = document.createElement('li');
    const text = document.createElement('code');
    text.textContent = code;
    item.append(text);
    return item;
  }));
  ui.recoveryShown.hidden = false;
  say('success', () => t('recoveryMade'));
  await load();
});

// ---- password -------------------------------------------------------------------------------

const changePassword = guarded(async () => {
  clearMessage();
  show(ui.passwordError, null);
  const current = ui.currentPassword.value;
  const fresh = ui.newPassword.value;
  const refuse = (field, build) => {
    show(ui.passwordError, build);
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  };
  ui.currentPassword.removeAttribute('aria-invalid');
  ui.newPassword.removeAttribute('aria-invalid');
  if (!current) {
    refuse(ui.currentPassword, () => t('passwordCurrentEmpty'));
    return;
  }
  if ([...fresh].length < 8) {
    refuse(ui.newPassword, () => t('passwordTooShort'));
    return;
  }
  try {
    await api('POST', '/api/account/password', { current, new: fresh });
  } catch (error) {
    if (error.code === 'BadCredentials') {
      refuse(ui.currentPassword, () => t('passwordCurrentWrong'));
      return;
    }
    if (error.code === 'InvalidInput') {
      refuse(ui.newPassword, () => t('passwordTooShort'));
      return;
    }
    if (error.code === 'NotAllowed') {
      refuse(ui.currentPassword, () => t('passwordTooLate'));
      return;
    }
    throw error;
  }
  ui.currentPassword.value = '';
  ui.newPassword.value = '';
  say('success', () => t('passwordChanged'));
  await load();
});

// ---- log out --------------------------------------------------------------------------------

const logout = guarded(async () => {
  await api('POST', '/api/logout', {});
  window.location.assign('index.html');
});

const logoutEverywhere = guarded(async () => {
  await api('POST', '/api/account/sessions/end', {});
  window.location.assign('index.html');
});

// ---- start ----------------------------------------------------------------------------------

setupI18n(messages);
ui.totpStart.addEventListener('click', startTotp);
if (passkeysSupported()) {
  $('passkey-start').addEventListener('click', addPasskey);
} else {
  $('passkey-start').hidden = true;
  $('passkey-unsupported').hidden = false;
}
ui.totpForm.addEventListener('submit', confirmTotp);
ui.phoneForm.addEventListener('submit', changePhone);
ui.phoneConfirmForm.addEventListener('submit', confirmPhone);
ui.passwordForm.addEventListener('submit', changePassword);
ui.recoveryMake.addEventListener('click', makeRecoveryCodes);
ui.deviceMake.addEventListener('click', makeDeviceCode);
ui.logout.addEventListener('click', logout);
ui.logoutEverywhere.addEventListener('click', logoutEverywhere);
guarded(load)();

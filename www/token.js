// The soft token page (the seed's "IB Key"): activation and Add User, the users on this token,
// challenge/response (works offline), push approval with number matching, backup and restore.
// Plain ES module, no bundler. Every text the page shows is in messages/token.js.

import init, { SoftToken } from '/pkg/secure_login.js';
import { api } from './lib/api.js';
import { PageError } from './lib/errors.js';
import { formatDateTime } from './lib/format.js';
import { hasMessage, onLanguageChange, setupI18n, t } from './lib/i18n.js';
import { say, setKey, silence } from './lib/text.js';
import messages from './messages/token.js';

const $ = (id) => document.getElementById(id);

// ---- errors ---------------------------------------------------------------------------------------

/** The library's reasons for a weak PIN (its error's `reason`), as message keys. */
const WEAK_PIN_REASONS = {
  'all the same digit': 'weak.same',
  'a run of consecutive digits': 'weak.run',
  'a repeated pattern': 'weak.repeated',
  'one of the most common PINs': 'weak.common',
};

/** What to tell the person about `error`: a message key and its values. */
function describeError(error) {
  if (error instanceof PageError && error.fromApi) {
    if (error.code === 'Network') return { key: 'network.failed', values: {} };
    const key = `api.${error.code}`;
    if (hasMessage(key)) return { key, values: { seconds: error.details.retryAfter ?? '' } };
    return { key: 'api.other', values: { message: error.message } };
  }
  const code = error?.code;
  if (code === 'WeakPin') {
    return Object.hasOwn(WEAK_PIN_REASONS, error.reason)
      ? { key: 'error.WeakPinBecause', values: { reason: { key: WEAK_PIN_REASONS[error.reason] } } }
      : { key: 'error.WeakPin', values: {} };
  }
  if (code === 'ChallengeLength' && error.expected !== undefined && error.found !== undefined) {
    return { key: 'error.ChallengeLength', values: { expected: error.expected, found: error.found } };
  }
  if (code && hasMessage(`error.${code}`)) {
    return { key: `error.${code}`, values: { message: String(error.message ?? '') } };
  }
  console.error(error);
  return { key: 'error.other', values: { message: String(error?.message ?? error) } };
}

/** Shows `error` in the message element `element` (with its stable code for tests and support). */
function showError(element, error) {
  const { key, values } = describeError(error);
  say(element, key, values);
  element.dataset.code = error?.code ?? 'Unknown';
}

// ---- small helpers ----------------------------------------------------------------------------------

function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) {
    throw new PageError('InvalidSecret', 'the server sent a secret that is not hex');
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** A lock's end: short date and time. */
const formatTime = (unixSecs) => formatDateTime(unixSecs, { dateStyle: 'short', timeStyle: 'short' });

/** The day a user was added. */
const formatDate = (unixSecs) => formatDateTime(unixSecs, { dateStyle: 'medium' });

/** Disables the form's buttons while `work` runs, with a busy text in `busy` if given. */
async function busyWhile(form, work, busy, busyKey) {
  const buttons = [...form.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  if (busy) say(busy, busyKey);
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute('aria-busy');
    if (busy) silence(busy);
  }
}

let uniqueCounter = 0;
const uniqueId = (prefix) => `${prefix}-${(uniqueCounter += 1)}`;

// ---- state ------------------------------------------------------------------------------------------

/** @type {SoftToken} */
let token;
/** The users on the token (`TokenUser[]`, never key material). */
let users = [];

/**
 * Which portal factor each user is (filled at activation): the push list names the account and
 * factor, and a user may have been renamed on the token since. Not secret.
 */
const FACTORS_KEY = 'secure-login-token-factors';

function factorMap() {
  try {
    const map = JSON.parse(localStorage.getItem(FACTORS_KEY) ?? '{}');
    return map && typeof map === 'object' ? map : {};
  } catch {
    return {};
  }
}

/** Saves the map; a full localStorage (QuotaExceededError) only costs the push list its names. */
function saveFactors(map) {
  try {
    localStorage.setItem(FACTORS_KEY, JSON.stringify(map));
  } catch (e) {
    console.warn('the factor names could not be kept', e);
  }
}

function rememberFactor(userId, account, factorId) {
  const map = factorMap();
  map[userId] = { account, factorId };
  saveFactors(map);
}

function forgetFactor(userId) {
  const map = factorMap();
  delete map[userId];
  saveFactors(map);
}

async function refreshUsers() {
  users = await token.users();
  renderUsers();
  renderUserSelect();
  setKey($('nav').querySelector('[data-view="activate"]'), users.length ? 'nav.addUser' : 'nav.activate');
  connectPushes();
  renderPushes();
}

// ---- views ------------------------------------------------------------------------------------------

const VIEWS = ['welcome', 'authenticate', 'activate', 'users', 'backup'];
let currentView = null;

function showView(name, { focus = true } = {}) {
  if (name === 'authenticate' && users.length === 0) name = 'welcome';
  currentView = name;
  for (const view of VIEWS) $(`view-${view}`).hidden = view !== name;
  for (const button of $('nav').querySelectorAll('button[data-view]')) {
    if (button.dataset.view === name || (name === 'welcome' && button.dataset.view === 'authenticate')) {
      button.setAttribute('aria-current', 'page');
    } else {
      button.removeAttribute('aria-current');
    }
  }
  if (name === 'activate') startActivation();
  if (focus) $(`view-${name}`).querySelector('h2')?.focus();
}

// ---- authenticate: challenge + PIN = response ----------------------------------------------------

function userLabel(user) {
  return users.filter((u) => u.username === user.username).length > 1
    ? `${user.username} (${user.issuer})`
    : user.username;
}

function renderUserSelect() {
  const select = $('auth-user');
  const chosen = select.value;
  select.replaceChildren(
    ...users.map((user) => {
      const option = document.createElement('option');
      option.value = user.id;
      option.textContent = userLabel(user);
      return option;
    }),
  );
  if (users.some((user) => user.id === chosen)) select.value = chosen;
}

let responseTimer;

function hideResponse() {
  clearTimeout(responseTimer);
  $('auth-response-box').hidden = true;
  $('auth-response').replaceChildren();
}

/** Shows the response large, in groups of four for reading (the text itself has no spaces). */
function showResponse(response, user) {
  const output = $('auth-response');
  const groups = response.match(/.{1,4}/g) ?? [response];
  output.replaceChildren(
    ...groups.map((group) => {
      const span = document.createElement('span');
      span.className = 'group';
      span.textContent = group;
      return span;
    }),
  );
  say($('auth-response-for'), 'auth.responseFor', { user: userLabel(user) });
  $('auth-response-box').hidden = false;
  // A response is for one login: it goes away after two minutes.
  clearTimeout(responseTimer);
  responseTimer = setTimeout(hideResponse, 120_000);
}

async function authenticate(event) {
  event.preventDefault();
  const form = $('auth-form');
  const error = $('auth-error');
  silence(error);
  hideResponse();
  const user = users.find((u) => u.id === $('auth-user').value);
  const challenge = $('auth-challenge').value;
  const pin = $('auth-pin').value;
  if (!user) return say(error, 'auth.noUser');
  if (!challenge.trim()) {
    say(error, 'auth.missingChallenge');
    return $('auth-challenge').focus();
  }
  if (!pin) {
    say(error, 'auth.missingPin');
    return $('auth-pin').focus();
  }
  try {
    const response = await busyWhile(form, () => token.respond(user.id, challenge, pin));
    $('auth-pin').value = '';
    showResponse(response, user);
  } catch (e) {
    showError(error, e);
    const code = e?.code ?? '';
    if (code === 'InvalidPin') $('auth-pin').focus();
    else if (code.includes('Challenge')) $('auth-challenge').focus();
  }
}

// ---- activation and Add User ---------------------------------------------------------------------

/** The activation in progress. The secret is held only between the code and the PIN step. */
let activation = null;

function clearSecret() {
  activation?.secret?.fill(0);
  if (activation) {
    activation.secret = null;
    activation.deviceKey = null;
  }
}

function activationStep(step) {
  const forms = { credentials: 'act-credentials', code: 'act-code', pin: 'act-pin', done: 'act-done' };
  for (const [name, id] of Object.entries(forms)) $(id).hidden = name !== step;
  const order = Object.keys(forms);
  for (const item of $('view-activate').querySelectorAll('.steps li')) {
    const index = order.indexOf(item.dataset.step);
    item.classList.toggle('done', index < order.indexOf(step));
    if (item.dataset.step === step) item.setAttribute('aria-current', 'step');
    else item.removeAttribute('aria-current');
  }
  silence($('act-error'));
  activation.step = step;
  // The success text is read first on the last step; elsewhere the first field.
  const first = step === 'done' ? $('act-done-text') : $(forms[step]).querySelector('input, button');
  first?.focus();
}

/** Starts (or restarts) the activation: "Activate" with no user yet, "Add user" otherwise. */
function startActivation() {
  clearSecret();
  const adding = users.length > 0;
  activation = { adding, step: 'credentials', secret: null };
  say($('activate-title'), adding ? 'activate.titleAdd' : 'activate.title');
  say($('act-intro'), adding ? 'activate.introAdd' : 'activate.intro');
  for (const id of ['act-username', 'act-password', 'act-code-input', 'act-pin-input', 'act-pin-repeat']) {
    $(id).value = '';
  }
  activationStep('credentials');
}

async function submitCredentials(event) {
  event.preventDefault();
  const username = $('act-username').value.trim();
  const password = $('act-password').value;
  if (!username || !password) {
    say($('act-error'), 'activate.missingCredentials');
    return (username ? $('act-password') : $('act-username')).focus();
  }
  silence($('act-error'));
  try {
    const started = await busyWhile($('act-credentials'), () =>
      api('POST', '/api/token/activate', { username, password, deviceId: token.deviceId }),
    );
    $('act-password').value = '';
    activation.username = username;
    activation.activationId = started.activationId;
    say($('act-sent'), 'activate.sent');
    activationStep('code');
  } catch (e) {
    showError($('act-error'), e);
    if (e instanceof PageError && e.code === 'BadCredentials') $('act-password').select();
  }
}

async function submitCode(event) {
  event.preventDefault();
  const code = $('act-code-input').value.replace(/[\s-]/g, '');
  if (!code) {
    say($('act-error'), 'activate.missingCode');
    return $('act-code-input').focus();
  }
  silence($('act-error'));
  try {
    const result = await busyWhile($('act-code'), () =>
      api('POST', `/api/token/activate/${encodeURIComponent(activation.activationId)}`, {
        code,
        deviceId: token.deviceId,
      }),
    );
    switch (result.outcome) {
      case 'activated':
        activation.secret = hexToBytes(result.secret);
        activation.username = result.username;
        activation.issuer = result.issuer;
        activation.suite = result.suite;
        activation.factorId = result.factorId;
        // The device credential: the token proves itself with it on every push call.
        activation.deviceHandle = result.deviceHandle;
        activation.deviceKey = result.deviceKey;
        say($('act-pin-intro'), 'activate.pinIntro', { user: result.username });
        activationStep('pin');
        break;
      case 'wrong_code':
        say($('act-error'), 'activate.wrongCode', { attempts: result.attemptsLeft });
        $('act-code-input').select();
        break;
      case 'locked':
        say($('act-error'), 'activate.locked', { until: formatTime(result.until) });
        break;
      case 'expired':
        say($('act-error'), 'activate.expired');
        break;
      default:
        say($('act-error'), 'api.other', { message: String(result.outcome) });
    }
  } catch (e) {
    showError($('act-error'), e);
  }
}

async function submitPin(event) {
  event.preventDefault();
  const pin = $('act-pin-input').value;
  const repeat = $('act-pin-repeat').value;
  silence($('act-error'));
  if (!pin) {
    say($('act-error'), 'activate.missingPin');
    return $('act-pin-input').focus();
  }
  if (pin !== repeat) {
    say($('act-error'), 'activate.pinMismatch');
    $('act-pin-repeat').value = '';
    return $('act-pin-repeat').focus();
  }
  if (!activation?.secret) return startActivation();
  const newUser = () => ({
    username: activation.username,
    issuer: activation.issuer,
    secret: activation.secret,
    pin,
    suite: activation.suite,
    ...(activation.deviceHandle && activation.deviceKey
      ? { deviceHandle: activation.deviceHandle, deviceKey: activation.deviceKey }
      : {}),
  });
  let replaced = false;
  try {
    const added = await busyWhile(
      $('act-pin'),
      async () => {
        try {
          return await token.addUser(newUser());
        } catch (e) {
          // The same account activated again on this token: the portal has retired the old key,
          // so the old user is of no use any more. Replace it.
          // Replace it in one step, so the old user stays if the new one cannot be stored.
          const old = users.find((u) => u.username === activation.username && u.issuer === activation.issuer);
          if (e?.code !== 'UserExists' || !old) throw e;
          const added = await token.addUser({ ...newUser(), replaces: old.id });
          forgetFactor(old.id);
          replaced = true;
          return added;
        }
      },
      $('act-busy'),
      'activate.saving',
    );
    rememberFactor(added.id, activation.username, activation.factorId);
    clearSecret();
    $('act-pin-input').value = '';
    $('act-pin-repeat').value = '';
    await refreshUsers();
    say($('act-done-text'), replaced ? 'activate.doneReplaced' : 'activate.doneText', { user: added.username });
    activationStep('done');
  } catch (e) {
    showError($('act-error'), e);
    $('act-pin-input').value = '';
    $('act-pin-repeat').value = '';
    $('act-pin-input').focus();
  }
}

// ---- users ------------------------------------------------------------------------------------------

function renderUsers() {
  const list = $('user-list');
  const template = $('user-template');
  if (users.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.dataset.i18n = 'users.none';
    empty.textContent = t('users.none');
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(
    ...users.map((user) => {
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.userId = user.id;
      item.querySelector('.user-name').textContent = user.username;
      fillUserTexts(item, user);
      const renameForm = item.querySelector('.user-rename-form');
      const input = item.querySelector('.user-rename-input');
      const inputId = uniqueId('rename');
      input.id = inputId;
      item.querySelector('.user-rename-label').htmlFor = inputId;
      const confirm = item.querySelector('.user-remove-confirm');
      item.querySelector('.user-rename').addEventListener('click', () => {
        confirm.hidden = true;
        renameForm.hidden = false;
        input.value = user.username;
        input.select();
        input.focus();
      });
      item.querySelector('.user-rename-cancel').addEventListener('click', () => {
        renameForm.hidden = true;
        item.querySelector('.user-rename').focus();
      });
      renameForm.addEventListener('submit', (event) => renameUser(event, user, input));
      item.querySelector('.user-remove').addEventListener('click', () => {
        renameForm.hidden = true;
        confirm.hidden = false;
        item.querySelector('.user-remove-no').focus();
      });
      item.querySelector('.user-remove-no').addEventListener('click', () => {
        confirm.hidden = true;
        item.querySelector('.user-remove').focus();
      });
      item.querySelector('.user-remove-yes').addEventListener('click', () => removeUser(user));
      return item;
    }),
  );
}

/** The translated texts of one user's list item. */
function fillUserTexts(item, user) {
  const name = user.username;
  item.querySelector('.user-meta').textContent = t('users.meta', {
    issuer: user.issuer,
    date: formatDate(user.createdAt),
  });
  const rename = item.querySelector('.user-rename');
  rename.textContent = t('users.rename');
  rename.setAttribute('aria-label', t('users.renameLabel', { user: name }));
  const remove = item.querySelector('.user-remove');
  remove.textContent = t('users.remove');
  remove.setAttribute('aria-label', t('users.removeLabel', { user: name }));
  item.querySelector('.user-rename-label').textContent = t('users.newName', { user: name });
  item.querySelector('.user-rename-save').textContent = t('users.save');
  item.querySelector('.user-rename-cancel').textContent = t('users.cancel');
  item.querySelector('.user-remove-question').textContent = t('users.removeQuestion', { user: name });
  item.querySelector('.user-remove-yes').textContent = t('users.removeYes');
  item.querySelector('.user-remove-no').textContent = t('users.cancel');
}

async function renameUser(event, user, input) {
  event.preventDefault();
  silence($('users-error'));
  silence($('users-message'));
  const name = input.value.trim();
  if (!name || name === user.username) {
    event.target.hidden = true;
    return;
  }
  try {
    await token.renameUser(user.id, name);
    await refreshUsers();
    say($('users-message'), 'users.renamed', { old: user.username, user: name });
    $('user-list').querySelector(`[data-user-id="${user.id}"] .user-rename`)?.focus();
  } catch (e) {
    showError($('users-error'), e);
    input.focus();
  }
}

async function removeUser(user) {
  silence($('users-error'));
  silence($('users-message'));
  try {
    await token.removeUser(user.id);
    forgetFactor(user.id);
    await refreshUsers();
    say($('users-message'), 'users.removed', { user: user.username });
    (users.length ? $('users-add') : $('users-title')).focus();
  } catch (e) {
    showError($('users-error'), e);
  }
}

// ---- pushes: server-sent events, number matching --------------------------------------------------

/** Open event streams, one per user with a device credential (by user id): an EventSource, or
 * `null` while its ticket is asked for, or `'refused'` when the portal no longer knows the
 * credential (the token moved to another device). */
const pushSources = new Map();
/** The latest list per user id. */
const pushLists = new Map();
/** Forms shown, by request id (kept across list updates so nothing typed is lost). */
const pushForms = new Map();
/** Requests answered here: a list sent before the answer must not bring them back. */
const answered = new Set();
/** How long to wait before asking for a new stream after one ended. */
const RECONNECT_MS = 3000;

/** A one-time nonce from the portal and this user's device proof of `action` over it: the fields
 * every token call adds to its body (the device id is never sent). */
async function proved(user, action, detail = '') {
  const { nonce } = await api('POST', '/api/token/challenge', { handle: user.deviceHandle });
  const proof = await token.deviceProof(user.id, nonce, action, detail);
  return { handle: user.deviceHandle, nonce, proof };
}

function closeSource(source) {
  if (source && typeof source.close === 'function') source.close();
}

function connectPushes() {
  // Offline there is nothing to listen to; the streams come back with the network.
  if (!token || !navigator.onLine) return;
  // Users activated before device authentication have no credential: challenge/response only.
  const listening = users.filter((user) => user.deviceHandle);
  const ids = new Set(listening.map((user) => user.id));
  for (const [id, source] of pushSources) {
    if (ids.has(id)) continue;
    closeSource(source);
    pushSources.delete(id);
    pushLists.delete(id);
  }
  for (const user of listening) {
    if (pushSources.has(user.id)) continue;
    pushSources.set(user.id, null);
    openStream(user);
  }
}

/** Opens the user's event stream with a single-use ticket; asks for a new one when it ends. */
async function openStream(user) {
  let source;
  try {
    const { ticket } = await api('POST', '/api/token/stream', await proved(user, 'stream'));
    if (pushSources.get(user.id) !== null) return; // removed or offline meanwhile
    source = new EventSource(`/api/token/events/${encodeURIComponent(ticket)}`);
  } catch (e) {
    if (pushSources.get(user.id) !== null) return;
    if (e instanceof PageError && e.fromApi && e.code === 'NotAllowed') {
      pushSources.set(user.id, 'refused');
      return;
    }
    pushSources.delete(user.id);
    setTimeout(connectPushes, RECONNECT_MS);
    return;
  }
  pushSources.set(user.id, source);
  source.addEventListener('pushes', (event) => {
    let list;
    try {
      list = JSON.parse(event.data);
    } catch {
      list = [];
    }
    const mine = Array.isArray(list) ? list.map((push) => ({ ...push, userId: user.id })) : [];
    pushLists.set(user.id, mine);
    renderPushes();
  });
  // A ticket opens one stream once: when it ends, ask for a new ticket (the list stays as it was).
  source.addEventListener('error', () => {
    source.close();
    if (pushSources.get(user.id) !== source) return;
    pushSources.delete(user.id);
    setTimeout(connectPushes, RECONNECT_MS);
  });
}

/** The local user a push is for: the factor recorded at activation, else the same username. */
function pushUser(push) {
  const own = users.find((user) => user.id === push.userId);
  if (own) return own;
  const map = factorMap();
  const byFactor = users.find(
    (user) => map[user.id]?.account === push.username && map[user.id]?.factorId === push.factorId,
  );
  if (byFactor) return byFactor;
  const byName = users.filter((user) => user.username === push.username);
  return byName.length === 1 ? byName[0] : null;
}

function renderPushes() {
  const pending = new Map();
  for (const list of pushLists.values()) {
    for (const push of list) {
      if (push && typeof push.requestId === 'string' && !answered.has(push.requestId)) {
        pending.set(push.requestId, push);
      }
    }
  }
  for (const [requestId, form] of pushForms) {
    if (!pending.has(requestId)) {
      form.remove();
      pushForms.delete(requestId);
    }
  }
  for (const push of pending.values()) {
    if (!pushForms.has(push.requestId)) {
      const form = makePushForm(push);
      pushForms.set(push.requestId, form);
      $('push-list').append(form);
    }
  }
  for (const [requestId, form] of pushForms) fillPushTexts(form, pending.get(requestId));
  const count = pushForms.size;
  $('pushes').hidden = count === 0;
  document.title = count ? `(${count}) ${t('pageTitle')}` : t('pageTitle');
}

function makePushForm(push) {
  const form = $('push-template').content.firstElementChild.cloneNode(true);
  form.dataset.requestId = push.requestId;
  const titleId = uniqueId('push-title');
  form.querySelector('.push-title').id = titleId;
  form.setAttribute('aria-labelledby', titleId);
  for (const [input, label] of [
    ['.push-number', '.push-number-label'],
    ['.push-pin', '.push-pin-label'],
    ['.push-user-select', '.push-user-label'],
  ]) {
    const id = uniqueId('push');
    form.querySelector(input).id = id;
    form.querySelector(label).htmlFor = id;
  }
  const user = pushUser(push);
  if (!user) {
    // Not sure which user of this token it is (restored from a backup and renamed): ask.
    const select = form.querySelector('.push-user-select');
    select.replaceChildren(
      ...users.map((u) => {
        const option = document.createElement('option');
        option.value = u.id;
        option.textContent = userLabel(u);
        return option;
      }),
    );
    form.querySelector('.push-user-field').hidden = false;
  } else {
    form.dataset.userId = user.id;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    answerPush(form, push, 'approve');
  });
  form.querySelector('.push-deny').addEventListener('click', () => answerPush(form, push, 'deny'));
  return form;
}

function fillPushTexts(form, push) {
  form.querySelector('.push-title').textContent = t('pushes.request', { user: push.username });
  const user = users.find((u) => u.id === form.dataset.userId);
  const userLine = form.querySelector('.push-user');
  if (user && user.username !== push.username) {
    userLine.textContent = t('pushes.onToken', { user: user.username });
    userLine.hidden = false;
  }
  form.querySelector('.push-user-label').textContent = t('pushes.whichUser');
  form.querySelector('.push-number-label').textContent = t('pushes.number');
  form.querySelector('.push-pin-label').textContent = t('pushes.pin');
  form.querySelector('.push-approve').textContent = t('pushes.approve');
  form.querySelector('.push-deny').textContent = t('pushes.deny');
}

async function answerPush(form, push, decision) {
  const error = form.querySelector('.push-error');
  silence(error);
  const userId = form.dataset.userId ?? form.querySelector('.push-user-select').value;
  const numberInput = form.querySelector('.push-number');
  const pinInput = form.querySelector('.push-pin');
  const number = numberInput.value.trim();
  const pin = pinInput.value;
  // A denial needs no number (it covers 0): whoever did not start the login has not seen it.
  if (!number && decision === 'approve') {
    say(error, 'pushes.missingNumber');
    return numberInput.focus();
  }
  if (!pin) {
    say(error, 'pushes.missingPin');
    return pinInput.focus();
  }
  let result;
  try {
    result = await busyWhile(form, async () => {
      const mac =
        decision === 'approve'
          ? await token.approvePush(userId, push.requestId, number, pin)
          : await token.denyPush(userId, push.requestId, 0, pin);
      // The proof comes from the user whose device credential the push came to.
      const device = users.find((user) => user.id === push.userId) ?? users.find((user) => user.id === userId);
      const proof = await proved(device, 'answer', `${push.requestId} ${decision}`);
      return api('POST', `/api/push/${encodeURIComponent(push.requestId)}`, { decision, mac, ...proof });
    });
  } catch (e) {
    showError(error, e);
    if (e?.code === 'InvalidPin') pinInput.focus();
    else if (e?.code === 'InvalidNumber') numberInput.focus();
    if (e instanceof PageError && e.fromApi && e.code === 'NotFound') finishPush(push, 'pushes.gone');
    return;
  }
  pinInput.value = '';
  switch (result.answer) {
    case 'approved':
      finishPush(push, 'pushes.approved');
      break;
    case 'denied':
      finishPush(push, 'pushes.denied');
      break;
    case 'rejected':
      say(error, 'pushes.rejected', { attempts: result.attemptsLeft });
      error.dataset.code = 'Rejected';
      numberInput.value = '';
      numberInput.focus();
      break;
    case 'locked':
      say(error, 'pushes.locked', { until: formatTime(result.until) });
      error.dataset.code = 'Locked';
      break;
    case 'expired':
      finishPush(push, 'pushes.expired');
      break;
    default:
      say(error, 'api.other', { message: String(result.answer) });
  }
}

function finishPush(push, key) {
  answered.add(push.requestId);
  say($('push-outcome'), key, { user: push.username });
  renderPushes();
}

// ---- backup -----------------------------------------------------------------------------------------

async function exportBackup(event) {
  event.preventDefault();
  const form = $('export-form');
  silence($('export-error'));
  silence($('export-message'));
  const passphrase = $('export-passphrase').value;
  if (passphrase !== $('export-repeat').value) {
    say($('export-error'), 'backup.mismatch');
    return $('export-repeat').focus();
  }
  try {
    const text = await busyWhile(form, () => token.exportBackup(passphrase), $('export-message'), 'backup.working');
    const date = new Date().toISOString().slice(0, 10);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.download = `secure-login-token-backup-${date}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    $('export-passphrase').value = '';
    $('export-repeat').value = '';
    say($('export-message'), 'backup.exported', { count: users.length });
  } catch (e) {
    showError($('export-error'), e);
    $('export-passphrase').focus();
  }
}

async function importBackup(event) {
  event.preventDefault();
  const form = $('import-form');
  silence($('import-error'));
  silence($('import-message'));
  const file = $('import-file').files?.[0];
  if (!file) {
    say($('import-error'), 'backup.noFile');
    return $('import-file').focus();
  }
  const passphrase = $('import-passphrase').value;
  try {
    const count = await busyWhile(
      form,
      async () => token.importBackup(await file.text(), passphrase),
      $('import-message'),
      'backup.working',
    );
    $('import-passphrase').value = '';
    $('import-file').value = '';
    await refreshUsers();
    say($('import-message'), 'backup.imported', { count });
  } catch (e) {
    showError($('import-error'), e);
  }
}

// ---- network, offline, service worker ----------------------------------------------------------------

function showNetwork() {
  const note = $('network');
  if (navigator.onLine) {
    silence(note);
    connectPushes();
  } else {
    say(note, 'network.offline');
    for (const source of pushSources.values()) closeSource(source);
    pushSources.clear();
    pushLists.clear();
    renderPushes();
  }
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/token.html' });
  } catch (e) {
    // The page still works online; only the offline copy is missing.
    console.warn('service worker not registered', e);
  }
}

// ---- start ------------------------------------------------------------------------------------------

function wire() {
  for (const button of $('nav').querySelectorAll('button[data-view]')) {
    button.addEventListener('click', () => showView(button.dataset.view));
  }
  $('welcome-activate').addEventListener('click', () => showView('activate'));
  $('welcome-restore').addEventListener('click', () => showView('backup'));
  $('users-add').addEventListener('click', () => showView('activate'));
  $('auth-form').addEventListener('submit', authenticate);
  $('auth-challenge').addEventListener('input', hideResponse);
  $('auth-user').addEventListener('change', hideResponse);
  $('act-credentials').addEventListener('submit', submitCredentials);
  $('act-code').addEventListener('submit', submitCode);
  $('act-pin').addEventListener('submit', submitPin);
  for (const button of $('view-activate').querySelectorAll('.cancel')) {
    button.addEventListener('click', () => showView(users.length ? 'users' : 'welcome'));
  }
  $('act-code').querySelector('.restart').addEventListener('click', () => startActivation());
  $('act-done-button').addEventListener('click', () => showView('authenticate'));
  $('export-form').addEventListener('submit', exportBackup);
  $('import-form').addEventListener('submit', importBackup);
  window.addEventListener('online', showNetwork);
  window.addEventListener('offline', showNetwork);
  window.addEventListener('pagehide', clearSecret);
  // Texts shown with say() follow by themselves (lib/text.js); the lists are built here.
  onLanguageChange(() => {
    for (const item of $('user-list').querySelectorAll('li.user')) {
      const user = users.find((u) => u.id === item.dataset.userId);
      if (user) fillUserTexts(item, user);
    }
    renderPushes();
  });
}

async function main() {
  setupI18n(messages);
  wire();
  const status = $('status');
  say(status, 'status.loading');
  registerServiceWorker();
  try {
    await init();
    token = await SoftToken.open();
  } catch (e) {
    status.dataset.state = 'error';
    showError(status, e);
    return;
  }
  $('device-id').textContent = token.deviceId;
  try {
    await refreshUsers();
  } catch (e) {
    status.dataset.state = 'error';
    showError(status, e);
    return;
  }
  showNetwork();
  $('nav').hidden = false;
  status.dataset.state = 'ready';
  say(status, 'status.ready');
  showView('authenticate', { focus: false });
}

main();

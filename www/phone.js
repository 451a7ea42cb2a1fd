// The demo phone: the messages of the portal's outbox courier (docs/api.md, "Demo phone"), live
// from /api/phone/events. A text message is shown as sent; a call is read aloud with the
// browser's speech synthesis, in the page's language, and shown as a transcript.

import { api } from './lib/api.js';
import { formatDateTime } from './lib/format.js';
import { language, onLanguageChange, setupI18n, t } from './lib/i18n.js';
import { announce, setKey, show } from './lib/text.js';
import messages from './messages/phone.js';

const $ = (id) => document.getElementById(id);

const ui = {
  status: $('phone-status'),
  readAloud: $('read-aloud'),
  speechHint: $('speech-hint'),
  empty: $('empty'),
  inbox: $('inbox'),
  announcer: $('announcer'),
};

const READ_ALOUD_KEY = 'secure-login-phone-read-aloud';

/** Messages shown, by id. */
const shown = new Map();

function setStatus(state, key) {
  ui.status.dataset.state = state;
  setKey(ui.status, key);
}

// ---- calls ------------------------------------------------------------------------------------

/** The code in a call's text (the portal speaks it digit by digit: "1, 2, 3, 4, 5, 6"). */
function callCode(text) {
  return (text.match(/\d/g) ?? []).join('');
}

/** What the call says, in the page's language. */
function callScript(message) {
  const code = callCode(message.text);
  if (!code) return message.text; // nothing we can word ourselves: as the portal sent it
  const digits = code.split('').join(', ');
  return t(/activation/i.test(message.text) ? 'callActivation' : 'callCode', { digits });
}

const speech = 'speechSynthesis' in window ? window.speechSynthesis : null;

/** A voice for the page's language, when the browser has one. */
function voiceFor(lang) {
  const voices = speech?.getVoices() ?? [];
  return voices.find((voice) => voice.lang?.toLowerCase().startsWith(lang) && voice.localService)
    ?? voices.find((voice) => voice.lang?.toLowerCase().startsWith(lang))
    ?? null;
}

function speak(message) {
  if (!speech) return;
  const utterance = new SpeechSynthesisUtterance(callScript(message));
  const lang = language();
  utterance.lang = lang === 'de' ? 'de-DE' : 'en-US';
  const voice = voiceFor(lang);
  if (voice) utterance.voice = voice;
  utterance.rate = 0.9;
  speech.cancel();
  speech.speak(utterance);
}

/** Browsers speak only after the person has interacted with the page. */
function mayAutoSpeak() {
  return navigator.userActivation ? navigator.userActivation.hasBeenActive : true;
}

function showSpeechHint() {
  if (!speech) show(ui.speechHint, () => t('speech.unavailable'));
  else if (ui.readAloud.checked && !mayAutoSpeak()) show(ui.speechHint, () => t('speech.needsTap'));
  else show(ui.speechHint, null);
}

// ---- the inbox ------------------------------------------------------------------------------

function bubble(message, fresh) {
  const item = document.createElement('li');
  item.className = 'bubble';
  item.dataset.id = String(message.id);
  item.dataset.channel = message.channel;
  if (fresh) item.dataset.new = 'true';
  const isCall = message.channel === 'voice';

  const meta = document.createElement('p');
  meta.className = 'bubble-meta';
  const who = document.createElement('span');
  show(who, () => t(isCall ? 'call' : 'sms', { to: message.to }));
  const when = document.createElement('time');
  when.dateTime = new Date(message.at * 1000).toISOString();
  show(when, () => formatDateTime(message.at));
  meta.append(who, when);
  item.append(meta);

  if (isCall) {
    const label = document.createElement('span');
    label.className = 'transcript-label';
    show(label, () => t('transcript'));
    item.append(label);
  }
  const text = document.createElement('p');
  text.className = 'bubble-text';
  if (isCall) {
    text.classList.add('transcript');
    show(text, () => callScript(message));
  } else {
    text.textContent = message.text; // as the portal sent it
  }
  item.append(text);

  if (isCall && speech) {
    const listen = document.createElement('button');
    listen.type = 'button';
    listen.className = 'secondary';
    setKey(listen, 'listen');
    listen.addEventListener('click', () => speak(message));
    item.append(listen);
  }
  return item;
}

/** Adds `message` unless shown already; a fresh one is announced (and a call spoken). */
function add(message, fresh) {
  if (shown.has(message.id)) return;
  shown.set(message.id, message);
  const item = bubble(message, fresh);
  // Newest first: before the first shown message with a smaller id.
  const later = [...ui.inbox.children].find((child) => Number(child.dataset.id) < message.id);
  ui.inbox.insertBefore(item, later ?? null);
  ui.empty.hidden = true;
  if (!fresh) return;
  if (message.channel === 'voice') {
    announce(ui.announcer, () => t('newCall', { text: callScript(message) }));
    if (ui.readAloud.checked && mayAutoSpeak()) speak(message);
  } else {
    announce(ui.announcer, () => t('newSms', { text: message.text }));
  }
}

// ---- the connection -------------------------------------------------------------------------

let loaded = false;

async function loadAll() {
  const list = await api('GET', '/api/phone/messages');
  for (const message of list) add(message, loaded);
  loaded = true;
}

function connect() {
  const events = new EventSource('/api/phone/events');
  events.addEventListener('open', async () => {
    try {
      // After (re)connecting: whatever arrived while the stream was not listening.
      await loadAll();
      setStatus('live', 'status.live');
    } catch (error) {
      if (error?.code === 'NotFound') {
        events.close();
        setStatus('none', 'status.none');
      }
    }
  });
  events.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    add(message, loaded);
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) {
      // The server refused the stream (no demo phone): ask the list endpoint why.
      loadAll().then(
        () => setTimeout(connect, 3000),
        (error) => {
          if (error?.code === 'NotFound') setStatus('none', 'status.none');
          else setTimeout(connect, 3000);
        },
      );
    }
    if (ui.status.dataset.state !== 'none') setStatus('lost', 'status.lost');
  });
}

// ---- start ----------------------------------------------------------------------------------

setupI18n(messages);
ui.readAloud.checked = localStorage.getItem(READ_ALOUD_KEY) !== 'off';
ui.readAloud.addEventListener('change', () => {
  localStorage.setItem(READ_ALOUD_KEY, ui.readAloud.checked ? 'on' : 'off');
  showSpeechHint();
});
document.addEventListener('pointerdown', showSpeechHint);
document.addEventListener('keydown', showSpeechHint);
onLanguageChange(showSpeechHint);
showSpeechHint();
connect();

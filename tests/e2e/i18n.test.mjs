// Languages: every text of the login, account, demo phone and calculator pages in English and
// German (checked statically: same keys, same placeholders, every key a page uses exists), the
// switcher on each page, the choice kept across a reload and across pages, the browser's
// language chosen at first, and a whole voice-call login done in German.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO, ROOT, launchBrowser, newContext, screenshot, startPortal } from './helpers.mjs';

/** The pages of this suite and their message files. */
const PAGES = { 'index.html': 'login', 'account.html': 'account', 'phone.html': 'phone', 'calculator.html': 'calculator' };

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

let portal;
let browser;
const contexts = [];

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

async function watched(options) {
  const made = await newContext(browser, options);
  contexts.push(made);
  return made.context;
}

test('every message exists in English and German, with the same placeholders, and every key a page names exists', async () => {
  for (const [html, name] of Object.entries(PAGES)) {
    const { default: messages } = await import(pathToFileURL(path.join(ROOT, 'www', 'messages', `${name}.js`)));
    const en = Object.keys(messages.en).sort();
    const de = Object.keys(messages.de).sort();
    assert.deepEqual(de, en, `${name}: the same keys in en and de`);
    for (const key of en) {
      assert.ok(messages.de[key].trim(), `${name}.de.${key} is not empty`);
      assert.deepEqual(placeholders(messages.de[key]), placeholders(messages.en[key]), `${name}.${key}: placeholders`);
    }
    const markup = readFileSync(path.join(ROOT, 'www', html), 'utf8');
    const used = [
      ...[...markup.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]),
      ...[...markup.matchAll(/data-i18n-attr="([^"]+)"/g)]
        .flatMap((m) => m[1].split(';').map((pair) => pair.split(':')[1]?.trim())),
    ];
    for (const key of used) assert.ok(Object.hasOwn(messages.en, key), `${html} uses ${key}, missing in messages/${name}.js`);
    assert.match(markup, /<select id="language" data-language>/, `${html} has the language switcher`);
    assert.doesNotMatch(markup, /<script(?![^>]*\bsrc=)[^>]*>/, `${html} has no inline script`);
    assert.doesNotMatch(markup, /\sstyle=/, `${html} has no inline style`);
  }
});

test('switching to Deutsch translates the page; a reload and the other pages keep it', async () => {
  const context = await watched({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${portal.url}/index.html`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Log in');

  await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Deutsch' });
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Anmelden');
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  assert.equal(await page.title(), 'secure-login: Anmelden');
  assert.equal(await page.getByRole('textbox', { name: 'Benutzername' }).isVisible(), true);
  assert.equal(await page.getByLabel('Passwort', { exact: true }).isVisible(), true);
  assert.equal(await page.getByRole('button', { name: 'Weiter' }).isVisible(), true);
  assert.equal(await page.getByRole('combobox', { name: 'Sprache' }).inputValue(), 'de');

  await page.reload();
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Anmelden');
  assert.equal(await page.getByRole('combobox', { name: 'Sprache' }).inputValue(), 'de');

  await page.goto(`${portal.url}/account.html`);
  await page.getByRole('heading', { name: 'Sie sind nicht angemeldet' }).waitFor();
  assert.equal(await page.title(), 'secure-login: Ihr Konto');

  await page.goto(`${portal.url}/phone.html`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Demo-Telefon');
  await page.getByText('Verbunden: Neue Nachrichten und Anrufe erscheinen sofort.').waitFor();
  assert.equal(await page.getByRole('checkbox', { name: 'Anrufe vorlesen' }).isVisible(), true);

  await page.goto(`${portal.url}/calculator.html`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Code-Rechner');
  await page.getByText('WebAssembly-Bibliothek geladen: bereit.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Berechnen' }).isEnabled(), true);

  // And back: the switcher on any page changes them all.
  await page.getByRole('combobox', { name: 'Sprache' }).selectOption({ label: 'English' });
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Code calculator');
  await page.goto(`${portal.url}/index.html`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Log in');
});

test('a browser set to German gets German pages at first', async () => {
  const context = await watched({ locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto(`${portal.url}/index.html`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Anmelden');
  assert.equal(await page.getByRole('combobox', { name: 'Sprache' }).inputValue(), 'de');
});

test('a whole login in German: factor choice, voice call on the German phone page, account page', async () => {
  const context = await watched({ locale: 'de-DE', clock: portal });
  await context.addInitScript(() => {
    window.spoken = [];
    if (window.speechSynthesis) {
      const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
      window.speechSynthesis.speak = (utterance) => {
        window.spoken.push({ text: utterance.text, lang: utterance.lang });
        speak(utterance);
      };
    }
  });
  const phone = await context.newPage();
  await phone.goto(`${portal.url}/phone.html`);
  await phone.getByText('Noch keine Nachrichten.', { exact: false }).waitFor();
  await phone.locator('#phone-status[data-state="live"]').waitFor();
  await phone.getByRole('checkbox', { name: 'Anrufe vorlesen' }).click(); // the person taps the page ...
  await phone.getByRole('checkbox', { name: 'Anrufe vorlesen' }).click(); // ... and leaves it on

  const page = await context.newPage();
  await page.goto(`${portal.url}/index.html`);
  await page.getByRole('textbox', { name: 'Benutzername' }).fill(DEMO.alice.username);
  await page.getByLabel('Passwort', { exact: true }).fill(DEMO.alice.password);
  await page.getByRole('button', { name: 'Weiter' }).click();
  await page.getByRole('heading', { name: 'Wählen Sie Ihren zweiten Faktor' }).waitFor();
  assert.deepEqual(
    (await page.locator('#factor-list button strong').allTextContents()).sort(),
    ['Authenticator-App', 'Digital Security Card+', 'Sprachanruf', 'Textnachricht (SMS)'],
  );
  await page.getByRole('button', { name: /Sprachanruf/ }).click();
  await page.getByRole('heading', { name: 'Sicherheitscode eingeben' }).waitFor();
  assert.match(
    await page.locator('#prompt-text').textContent(),
    /^Wir rufen •+01 an und lesen einen 6-stelligen Sicherheitscode vor\.$/,
  );
  assert.match(await page.locator('#resend-countdown').textContent(), /^Einen neuen Code können Sie in 2:00 anfordern\.$/);
  assert.equal(await page.getByRole('button', { name: 'Keinen Sicherheitscode erhalten?' }).isVisible(), true);
  await screenshot(page, 'login-de');

  // Texts the page built itself follow a change of language too.
  await page.getByRole('combobox', { name: 'Sprache' }).selectOption({ label: 'English' });
  assert.match(await page.locator('#prompt-text').textContent(), /^We are calling •+01 to read out a 6-digit security code\.$/);
  await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Deutsch' });
  // The phone page keeps its own language until it is reloaded; it is German already.

  const call = phone.locator('#inbox > li').first();
  await call.waitFor();
  assert.equal(await call.locator('.bubble-meta span').textContent(), 'Eingehender Anruf an +41790000001');
  assert.equal(await call.locator('.transcript-label').textContent(), 'Abschrift');
  const transcript = await call.locator('.transcript').textContent();
  const match = transcript.match(/^Guten Tag\. Ihr secure-login-Code lautet: (\d(?:, \d){5})\. Ich wiederhole: \1\. Geben Sie ihn nie weiter\. Auf Wiederhören\.$/);
  assert.ok(match, transcript);
  assert.equal(await phone.locator('#announcer').textContent(), `Eingehender Anruf: ${transcript}`);
  assert.deepEqual(await phone.evaluate(() => window.spoken), [{ text: transcript, lang: 'de-DE' }], 'read aloud in German');
  await screenshot(phone, 'phone-de');

  await page.getByRole('textbox', { name: 'Sicherheitscode', exact: true }).fill('12x');
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  assert.equal(await page.locator('#response-error').textContent(), 'Bitte nur Ziffern: „x“ ist keine Ziffer.');
  await page.getByRole('textbox', { name: 'Sicherheitscode', exact: true }).fill(match[1].replaceAll(', ', ''));
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.getByRole('heading', { name: 'Ihr Konto' }).waitFor();
  await page.locator('#username').getByText('alice').waitFor();
  assert.equal(await page.getByText('Angemeldet als').isVisible(), true);
  assert.equal(await page.locator('#events-body td:nth-child(2)').first().textContent(), 'Angemeldet');
  assert.equal(await page.getByRole('columnheader', { name: 'Wann' }).isVisible(), true);
  assert.equal(await page.getByRole('button', { name: 'Abmelden', exact: true }).isVisible(), true);
});

test('no console errors (no missing message) and no CSP violations on any page', () => {
  for (const { problems } of contexts) assert.deepEqual(problems(), []);
});

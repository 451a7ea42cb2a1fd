// End to end: the soft token page (the seed's IB Key) in Debian's Chromium against a portal of its
// own with a fresh database, driven as a person would. Each test starts its own portal.
//
// Run: `node --test tests/e2e/` (after `cargo build -p secure-login-server` and scripts/build-wasm.sh).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO, launchBrowser, newContext, screenshot, startPortal } from './helpers.mjs';
import {
  activate,
  assertLoggedIn,
  assertVisibleText,
  button,
  chooseFactor,
  deviceCodeFromPortal,
  field,
  openLogin,
  openPhone,
  openToken,
  readChallenge,
  readCodeFromPhone,
  respond,
  submitResponse,
} from './token-steps.mjs';

/** What the token page says once the username and password are sent (the same for any password). */
const SENT_TEXT =
  'If the username and password are right and your account has only SMS so far, an activation code has been sent by SMS to your phone. If you already use a soft token, card, authenticator app or passkey, log in to the portal with it and enter the device code its account page shows. Enter the code here.';

/** The PINs the person chooses (not obvious ones: the token refuses 1234 and the like). */
const ALICE_PIN = '482659';
const BOB_PIN = '7305';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh portal, the token device (a context of its own), and the demo phone (another one).
 * Everything is closed after the test; `check()` asserts that no page logged an error.
 */
async function setup(t, { locale = 'en-US' } = {}) {
  const portal = await startPortal();
  const device = await newContext(browser, { locale });
  const phoneDevice = await newContext(browser);
  t.after(async () => {
    await device.context.close();
    await phoneDevice.context.close();
    await portal.stop();
  });
  const token = await openToken(device.context, portal);
  const phone = await openPhone(phoneDevice.context, portal);
  const check = () => {
    assert.deepEqual(device.problems(), [], 'the token device logged no error');
    assert.deepEqual(phoneDevice.problems(), [], 'the phone logged no error');
  };
  return { portal, device, phoneDevice, token, phone, check };
}

/** Logs in on `login` up to the soft token's challenge (the fallback from push). */
async function challengeFromLogin(login) {
  await chooseFactor(login, 'Soft token');
  await button(login, 'No notification? Use challenge and response instead').click();
  return readChallenge(login);
}

test('activation: the code from the demo phone, wrong code and obvious PIN refused, then the token is set up', async (t) => {
  const { token, phone, check } = await setup(t);
  // bob has only SMS: his first token binds by the SMS code (the seed's activation).
  await assertVisibleText(token.getByRole('heading', { level: 2, name: 'Set up this token' }), 'Set up this token');

  await button(token, 'Activate token').first().click();
  await assertVisibleText(token.locator('#activate-title'), 'Activate the token');
  await field(token, 'Username').fill(DEMO.bob.username);
  await field(token, 'Password').fill('not-the-password');
  await button(token, 'Continue').click();
  // A wrong password gets the answer a right one gets (no password oracle): only the code sent to
  // the phone proves the password, and no code completes this activation.
  await assertVisibleText(token.locator('#act-sent'), SENT_TEXT);
  await field(token, 'Activation code').fill('12345678');
  await button(token, 'Activate').click();
  await assertVisibleText(token.locator('#act-error'), 'This activation code is not right. Attempts left: 9.');
  await button(token, 'Start over').first().click();
  await field(token, 'Username').fill(DEMO.bob.username);

  await field(token, 'Password').fill(DEMO.bob.password);
  await button(token, 'Continue').click();
  await assertVisibleText(token.locator('#act-sent'), SENT_TEXT);
  const code = await readCodeFromPhone(phone);

  const wrong = code.replace(/.$/, (d) => String((Number(d) + 1) % 10));
  await field(token, 'Activation code').fill(wrong);
  await button(token, 'Activate').click();
  await assertVisibleText(token.locator('#act-error'), 'This activation code is not right. Attempts left: 9.');

  await field(token, 'Activation code').fill(code);
  await button(token, 'Activate').click();
  await assertVisibleText(token.locator('#act-pin-intro'), /^Choose a PIN for bob\./);

  // An obvious PIN: the library's typed error (WeakPin), said in words.
  await field(token, 'New PIN').fill('1234');
  await field(token, 'Repeat the PIN').fill('1234');
  await button(token, 'Save').click();
  await assertVisibleText(
    token.locator('#act-error'),
    'This PIN is too easy to guess (a run of consecutive digits). Choose another one.',
  );
  assert.equal(await token.locator('#act-error').getAttribute('data-code'), 'WeakPin');
  await field(token, 'New PIN').fill('555555');
  await field(token, 'Repeat the PIN').fill('555555');
  await button(token, 'Save').click();
  await assertVisibleText(
    token.locator('#act-error'),
    'This PIN is too easy to guess (all the same digit). Choose another one.',
  );
  // Two different PINs.
  await field(token, 'New PIN').fill(ALICE_PIN);
  await field(token, 'Repeat the PIN').fill('482695');
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#act-error'), 'The two PINs are not the same. Enter the PIN again.');

  await field(token, 'Repeat the PIN').fill(ALICE_PIN);
  await field(token, 'New PIN').fill(ALICE_PIN);
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#act-done-text'), 'bob is activated on this token.');
  await button(token, 'Done').click();
  await assertVisibleText(token.getByRole('heading', { level: 2, name: 'Authenticate' }), 'Authenticate');
  assert.deepEqual(await field(token, 'User').locator('option').allInnerTexts(), ['bob']);

  // Still there after a reload (IndexedDB).
  await token.reload();
  await token.locator('#status[data-state="ready"]').waitFor();
  assert.deepEqual(await field(token, 'User').locator('option').allInnerTexts(), ['bob']);
  check();
});

test('challenge/response login with the response from the token; a wrong PIN gives a refused response', async (t) => {
  const { portal, device, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);

  const login = await openLogin(device.context, portal, DEMO.alice);
  const challenge = await challengeFromLogin(login);
  assert.match(challenge, /^\d{8}$/, 'the login page shows an 8-digit challenge');

  // A wrong PIN is no error on the token: it gives a plausible response that the portal refuses.
  const wrong = await respond(token, { user: 'alice', challenge, pin: '739146' });
  await submitResponse(login, wrong);
  await assertVisibleText(login.locator('#message'), /not right\. You have 9 more attempts/);
  assert.equal(await login.locator('#step-done').isVisible(), false);

  // The challenge typed with spaces, as the login page groups it.
  const spaced = challenge.replace(/(\d{4})(?=\d)/, '$1 ');
  const response = await respond(token, { user: 'alice', challenge: spaced, pin: ALICE_PIN });
  assert.notEqual(response, wrong);
  await assertVisibleText(token.locator('#auth-response-for'), 'For alice. Type it into the login screen.');
  await screenshot(token, 'token');
  await submitResponse(login, response);
  await assertLoggedIn(login);

  // Input the token refuses at once, with its typed errors.
  await field(token, 'Challenge').fill('1234');
  await field(token, 'PIN').fill(ALICE_PIN);
  await button(token, 'Generate response').click();
  await assertVisibleText(token.locator('#auth-error'), 'The challenge has 8 digits; you entered 4.');
  await field(token, 'Challenge').fill('1234abcd');
  await button(token, 'Generate response').click();
  await assertVisibleText(token.locator('#auth-error'), 'The challenge may contain digits only.');
  await field(token, 'Challenge').fill(challenge);
  await field(token, 'PIN').fill('12');
  await button(token, 'Generate response').click();
  await assertVisibleText(token.locator('#auth-error'), 'A PIN has 4 to 12 digits, and nothing else.');
  check();
});

test('Add User: a second account on the same token and device id; both log in; rename and remove', async (t) => {
  const { portal, device, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  await button(token, 'Done').click();

  await token.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  await button(token, 'Add user').last().click();
  await assertVisibleText(token.locator('#activate-title'), 'Add user');
  await field(token, 'Username').fill(DEMO.bob.username);
  await field(token, 'Password').fill(DEMO.bob.password);
  await button(token, 'Continue').click();
  await assertVisibleText(token.locator('#act-sent'), SENT_TEXT);
  // bob's is the first activation code on the phone (alice's token came by a device code).
  await field(token, 'Activation code').fill(await readCodeFromPhone(phone, { seen: 0 }));
  await button(token, 'Activate').click();
  await field(token, 'New PIN').fill(BOB_PIN);
  await field(token, 'Repeat the PIN').fill(BOB_PIN);
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#act-done-text'), 'bob is activated on this token.');

  await token.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  const names = token.locator('#user-list .user-name');
  assert.deepEqual((await names.allInnerTexts()).sort(), ['alice', 'bob']);
  const deviceId = (await token.locator('#device-id').innerText()).trim();
  assert.match(deviceId, /^[0-9a-f]{32}$/);

  // The login page names each soft token neutrally: never by the device id (a bearer name once).
  for (const account of [DEMO.alice, DEMO.bob]) {
    const login = await openLogin(device.context, portal, account);
    const button = login.locator('#factor-list button[data-kind="soft_token"]');
    await assertVisibleText(button, /Soft token/);
    assert.doesNotMatch(await login.locator('body').innerText(), new RegExp(deviceId));
    await login.close();
  }

  // Each user answers with its own key and PIN.
  const login = await openLogin(device.context, portal, DEMO.bob);
  const challenge = await challengeFromLogin(login);
  const response = await respond(token, { user: 'bob', challenge, pin: BOB_PIN });
  await submitResponse(login, response);
  await assertLoggedIn(login);

  // Rename bob; the new name is used on the token, nothing else changes.
  await token.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  await button(token, 'Rename bob').click();
  await field(token, 'New name for bob').fill('bob at work');
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#users-message'), 'bob is now called bob at work.');
  assert.deepEqual((await names.allInnerTexts()).sort(), ['alice', 'bob at work']);

  // Remove alice, after saying so.
  await button(token, 'Remove alice').click();
  await assertVisibleText(token.locator('.user-remove-question:visible'), /^Remove alice from this token\?/);
  await token.locator('.user-remove-yes:visible').click();
  await assertVisibleText(token.locator('#users-message'), 'alice has been removed from this token.');
  assert.deepEqual(await names.allInnerTexts(), ['bob at work']);

  // The renamed user still answers.
  const again = await openLogin(device.context, portal, DEMO.bob);
  const second = await challengeFromLogin(again);
  await submitResponse(again, await respond(token, { user: 'bob at work', challenge: second, pin: BOB_PIN }));
  await assertLoggedIn(again);
  check();
});

test('activating the same account again on the token replaces its old key', async (t) => {
  const { portal, device, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  await token.getByRole('navigation').getByRole('button', { name: 'Add user' }).click();
  await field(token, 'Username').fill(DEMO.alice.username);
  await field(token, 'Password').fill(DEMO.alice.password);
  await button(token, 'Continue').click();
  await field(token, 'Activation code').fill(await deviceCodeFromPortal(device.context, portal, DEMO.alice));
  await button(token, 'Activate').click();
  await field(token, 'New PIN').fill('915372');
  await field(token, 'Repeat the PIN').fill('915372');
  await button(token, 'Save').click();
  await assertVisibleText(
    token.locator('#act-done-text'),
    'alice is activated again on this token; the old key has been replaced.',
  );
  await token.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  assert.deepEqual(await token.locator('#user-list .user-name').allInnerTexts(), ['alice']);

  const login = await openLogin(device.context, portal, DEMO.alice);
  const challenge = await challengeFromLogin(login);
  await submitResponse(login, await respond(token, { user: 'alice', challenge, pin: '915372' }));
  await assertLoggedIn(login);
  check();
});

test('second trading device: log in from another browser profile with the token on the first', async (t) => {
  const { portal, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);

  // The trading device: another browser with a profile of its own.
  const tradingBrowser = await launchBrowser();
  t.after(() => tradingBrowser.close());
  const trading = await newContext(tradingBrowser);
  const login = await openLogin(trading.context, portal, DEMO.alice);
  const challenge = await challengeFromLogin(login);

  const response = await respond(token, { user: 'alice', challenge, pin: ALICE_PIN });
  await submitResponse(login, response);
  await assertLoggedIn(login);

  // The token stays on the first device: the trading device's token page holds no user.
  const tradingToken = await openToken(trading.context, portal);
  await assertVisibleText(tradingToken.getByRole('heading', { level: 2, name: 'Set up this token' }), 'Set up this token');
  assert.deepEqual(trading.problems(), []);
  check();
});

test('offline: with the network cut off, the token page reloads and answers challenges', async (t) => {
  const { portal, device, phoneDevice, token, phone } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);

  // The service worker has installed (every file cached) and controls the page.
  await token.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
  await token.evaluate(() => navigator.serviceWorker.ready);
  // Every file the page has loaded is in its cache (a new stylesheet or module must join sw.js's
  // list; the browser's HTTP cache could otherwise hide the gap until it expires).
  const uncached = await token.evaluate(async () => {
    const paths = [location.href, ...performance.getEntriesByType('resource').map((entry) => entry.name)]
      .map((address) => new URL(address))
      .filter((url) => url.origin === location.origin && !url.pathname.startsWith('/api/'))
      .map((url) => url.pathname);
    const missing = [];
    for (const path of new Set(paths)) if (!(await caches.match(path))) missing.push(path);
    return missing;
  });
  assert.deepEqual(uncached, []);

  const trading = await newContext(browser);
  t.after(() => trading.context.close());
  const login = await openLogin(trading.context, portal, DEMO.alice);
  const challenge = await challengeFromLogin(login);

  await device.context.setOffline(true);
  await assertVisibleText(token.locator('#network'), /^You are offline\. Authenticate still works/);
  await token.reload();
  await token.locator('#status[data-state="ready"]').waitFor();
  await assertVisibleText(token.locator('#network'), /^You are offline\./);
  assert.deepEqual(await field(token, 'User').locator('option').allInnerTexts(), ['alice']);

  const response = await respond(token, { user: 'alice', challenge, pin: ALICE_PIN });
  await submitResponse(login, response);
  await assertLoggedIn(login);

  // What needs the server says so.
  await token.getByRole('navigation').getByRole('button', { name: 'Add user' }).click();
  await field(token, 'Username').fill(DEMO.bob.username);
  await field(token, 'Password').fill(DEMO.bob.password);
  await button(token, 'Continue').click();
  await assertVisibleText(token.locator('#act-error'), 'The server cannot be reached. Check the connection and try again.');

  await device.context.setOffline(false);
  await token.locator('#network').waitFor({ state: 'hidden' });
  assert.deepEqual(trading.problems(), []);
  // Only the activation request sent while offline may have been logged (the browser does so).
  const problems = device.problems();
  assert.ok(problems.length <= 1, problems.join('\n'));
  assert.ok(problems.every((problem) => /ERR_INTERNET_DISCONNECTED/.test(problem)), problems.join('\n'));
  assert.deepEqual(phoneDevice.problems(), []);
});

test('backup: download, a wrong passphrase changes nothing, restore on another profile answers', async (t) => {
  const { portal, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);

  await token.getByRole('navigation').getByRole('button', { name: 'Backup' }).click();
  await field(token, 'Passphrase').first().fill('short');
  await field(token, 'Repeat the passphrase').fill('short');
  await button(token, 'Download backup').click();
  await assertVisibleText(token.locator('#export-error'), 'The passphrase needs at least 10 characters.');

  const passphrase = 'correct horse battery staple';
  await token.locator('#export-passphrase').fill(passphrase);
  await field(token, 'Repeat the passphrase').fill(passphrase);
  const downloading = token.waitForEvent('download', { timeout: 30_000 });
  await button(token, 'Download backup').click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^secure-login-token-backup-\d{4}-\d\d-\d\d\.json$/);
  const dir = mkdtempSync(path.join(tmpdir(), 'secure-login-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  await assertVisibleText(token.locator('#export-message'), /^Backup of 1 user\(s\) downloaded\./, 30_000);
  const text = readFileSync(file, 'utf8');
  assert.equal(JSON.parse(text).format, 'secure-login-backup');
  assert.doesNotMatch(text, new RegExp(ALICE_PIN), 'the file does not hold the PIN');

  // The new device: another profile, empty; restore there.
  const other = await newContext(browser);
  t.after(() => other.context.close());
  const newToken = await openToken(other.context, portal);
  await button(newToken, 'Restore a backup').click();
  await field(newToken, 'Backup file').setInputFiles(file);
  await newToken.locator('#import-passphrase').fill('not the passphrase');
  await button(newToken, 'Restore').click();
  await assertVisibleText(newToken.locator('#import-error'), 'Wrong passphrase for this backup. Nothing was changed.', 30_000);
  await newToken.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  await assertVisibleText(newToken.locator('#user-list'), 'No user on this token yet.');

  await newToken.getByRole('navigation').getByRole('button', { name: 'Backup' }).click();
  await field(newToken, 'Backup file').setInputFiles(file);
  await newToken.locator('#import-passphrase').fill(passphrase);
  await button(newToken, 'Restore').click();
  await assertVisibleText(newToken.locator('#import-message'), '1 user(s) restored.', 30_000);

  const login = await openLogin(other.context, portal, DEMO.alice);
  const challenge = await challengeFromLogin(login);
  await submitResponse(login, await respond(newToken, { user: 'alice', challenge, pin: ALICE_PIN }));
  await assertLoggedIn(login);
  assert.deepEqual(other.problems(), []);
  check();
});

test('German token page: activation and challenge in German, and the switch back to English', async (t) => {
  const { token, phone, check } = await setup(t, { locale: 'de-DE' });
  assert.equal(await token.locator('html').getAttribute('lang'), 'de');
  await assertVisibleText(token.getByRole('heading', { level: 1 }), 'Soft-Token');
  await assertVisibleText(token.getByRole('heading', { level: 2, name: 'Token einrichten' }), 'Token einrichten');
  assert.equal(await token.title(), 'Soft-Token · secure-login');

  await button(token, 'Token aktivieren').first().click();
  await assertVisibleText(token.locator('#activate-title'), 'Token aktivieren');
  await field(token, 'Benutzername').fill(DEMO.bob.username);
  await field(token, 'Passwort').fill(DEMO.bob.password);
  await button(token, 'Weiter').click();
  await assertVisibleText(
    token.locator('#act-sent'),
    'Wenn Benutzername und Passwort stimmen und Ihr Konto bisher nur SMS hat, wurde ein Aktivierungscode per SMS an Ihr Telefon gesendet. Wenn Sie schon einen Soft Token, eine Karte, eine Authenticator-App oder einen Passkey nutzen, melden Sie sich damit im Portal an und geben Sie den Gerätecode ein, den dessen Kontoseite zeigt. Geben Sie den Code hier ein.',
  );
  await field(token, 'Aktivierungscode').fill(await readCodeFromPhone(phone));
  await button(token, 'Aktivieren').click();
  await field(token, 'Neue PIN').fill('2580');
  await field(token, 'PIN wiederholen').fill('2580');
  await button(token, 'Speichern').click();
  await assertVisibleText(
    token.locator('#act-error'),
    /^Diese PIN ist zu leicht zu erraten \(.+\)\. Wählen Sie eine andere\.$/,
  );
  await field(token, 'Neue PIN').fill(ALICE_PIN);
  await field(token, 'PIN wiederholen').fill(ALICE_PIN);
  await button(token, 'Speichern').click();
  await assertVisibleText(token.locator('#act-done-text'), 'bob ist auf diesem Token aktiviert.');
  await button(token, 'Fertig').click();

  await assertVisibleText(token.getByRole('heading', { level: 2, name: 'Authentifizieren' }), 'Authentifizieren');
  await field(token, 'Prüfcode').fill('12345');
  await field(token, 'PIN').fill(ALICE_PIN);
  await button(token, 'Antwortcode generieren').click();
  await assertVisibleText(token.locator('#auth-error'), 'Der Prüfcode hat 8 Ziffern; Sie haben 5 eingegeben.');
  await field(token, 'Prüfcode').fill('31415926');
  await field(token, 'PIN').fill(ALICE_PIN);
  await button(token, 'Antwortcode generieren').click();
  await assertVisibleText(token.locator('#auth-response-label'), 'Antwortcode');
  await assertVisibleText(token.locator('#auth-response-for'), 'Für bob. Geben Sie ihn in den Login-Bildschirm ein.');
  await screenshot(token, 'token-de');

  // Back to English: the page, and what it said, change language at once.
  await field(token, 'Sprache').selectOption('en');
  assert.equal(await token.locator('html').getAttribute('lang'), 'en');
  await assertVisibleText(token.getByRole('heading', { level: 1 }), 'Soft token');
  await assertVisibleText(token.locator('#auth-response-for'), 'For bob. Type it into the login screen.');
  await button(token, 'Generate response').waitFor();
  // The choice is kept.
  await token.reload();
  await token.locator('#status[data-state="ready"]').waitFor();
  await assertVisibleText(token.getByRole('heading', { level: 1 }), 'Soft token');
  check();
});

test('a move of the token that was not yours is told to the phone and undone from the old token', async (t) => {
  const { portal, device, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  // Someone with a moment of alice's app moves her token to their own device.
  const elsewhere = await newContext(browser);
  t.after(() => elsewhere.context.close());
  const theirs = await openToken(elsewhere.context, portal);
  await activate(theirs, phone, DEMO.alice, '915372', portal);
  // The phone is told (a notice, no code).
  await assertVisibleText(
    phone.locator('#inbox li .bubble-text').first(),
    /^A soft token was activated for your secure-login account on a new device\. If this wasn't you/,
  );

  // alice's old token still answers through the cooling-off; signed in with it, her account
  // page lists the move, and "This wasn't me" undoes it.
  // The login lists her old token last, as the previous one.
  const login = await openLogin(device.context, portal, DEMO.alice);
  const old = login.locator('#factor-list button[data-kind="soft_token"]').last();
  await assertVisibleText(old.locator('.factor-detail'), /^the previous one, until /);
  await old.click();
  await button(login, 'No notification? Use challenge and response instead').click();
  const challenge = await readChallenge(login);
  await submitResponse(login, await respond(token, { user: 'alice', challenge, pin: ALICE_PIN }));
  await assertLoggedIn(login);
  await login.goto(`${portal.url}/account.html`);
  const changes = login.locator('#changes-list li');
  await changes.first().waitFor();
  assert.equal(await changes.count(), 2, 'her own first activation, and the move');
  await assertVisibleText(changes.last(), /^Soft token activated on a new device, .* your previous token keeps working\)/);
  await changes.last().getByRole('button', { name: "This wasn't me" }).click();
  await assertVisibleText(login.locator('#message'), 'Undone: the new factor no longer works, and every other session has ended.');
  // The page says so first, then lists the account again: the move is gone.
  await changes.nth(1).waitFor({ state: 'detached' });
  assert.equal(await changes.count(), 1);
  // The login page offers one soft token again: hers.
  const again = await openLogin(device.context, portal, DEMO.alice);
  await again.locator('#factor-list button').first().waitFor();
  assert.equal(await again.locator('#factor-list button', { hasText: 'Soft token' }).count(), 1);
  check();
});

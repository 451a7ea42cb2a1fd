// End to end: the account page. bob logs in by SMS (the code read off the demo phone), sees his
// factors and security events, adds an authenticator app from its QR code / key, changes his
// phone number, logs out, logs in again with the app, and logs out everywhere. The app's codes
// are computed here with node:crypto from the Key URI the page shows (independent of the wasm
// library).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, launchBrowser, logIn, newContext, screenshot, startPortal, totp } from './helpers.mjs';

let portal;
let browser;
let problems;
let page;
let phone;
let keyUri;

/** Logs bob in with the SMS code that arrives on the demo phone page. */
async function logInBySms() {
  const before = await phone.locator('#inbox > li').count();
  await logIn(page, portal, DEMO.bob);
  await page.getByRole('heading', { name: 'Enter the security code' }).waitFor();
  await phone.locator('#inbox > li').nth(before).waitFor();
  const text = await phone.locator('#inbox > li').first().locator('.bubble-text').textContent();
  await page.getByRole('textbox', { name: 'Security code', exact: true }).fill(text.match(/\d{6}/)[0]);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('bob').waitFor();
}

/** Logs bob in on `tab` with the authenticator app, at a new time step. */
async function logInByApp(tab) {
  await portal.advance(30);
  await logIn(tab, portal, DEMO.bob);
  await tab.getByRole('button', { name: /Authenticator app/ }).click();
  await tab.getByRole('textbox', { name: 'Security code', exact: true }).fill(totp(keyUri, portal.now));
  await tab.getByRole('button', { name: 'Log in', exact: true }).click();
  await tab.waitForURL(/\/account\.html$/);
  await tab.locator('#username').getByText('bob').waitFor();
}

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  let context;
  ({ context, problems } = await newContext(browser));
  phone = await context.newPage();
  await phone.goto(`${portal.url}/phone.html`);
  await phone.locator('#phone-status[data-state="live"]').waitFor();
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('without a session the account page says so and links to the login', async () => {
  await page.goto(`${portal.url}/account.html`);
  await page.getByRole('heading', { name: 'You are not logged in' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Log in' }).first().getAttribute('href'), 'index.html');
});

test('after an SMS login: the username, the factors and the recent security events, in words', async () => {
  await logInBySms();
  assert.equal(await page.getByRole('heading', { name: 'Your account' }).isVisible(), true);
  assert.equal(await page.locator('#factors li').count(), 1);
  assert.equal(await page.locator('#factors li strong').textContent(), 'Text message (SMS)');
  assert.match(await page.locator('#factors li .factor-detail').textContent(), /^mobile · to •+02$/);
  const kinds = await page.locator('#events-body td:nth-child(2)').allTextContents();
  for (const kind of ['Logged in', 'Code sent', 'Password accepted', 'Account created']) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
  }
  assert.equal(kinds[0], 'Logged in', 'newest first');
  assert.ok(kinds.every((kind) => !/_/.test(kind)), 'every kind is translated');
  const when = await page.locator('#events-body time').first().getAttribute('datetime');
  assert.ok(Math.abs(Date.parse(when) / 1000 - portal.now) < 2, 'times are the server\'s');
  await screenshot(page, 'account');
});

test('adding an authenticator app: QR code and key shown, a wrong code refused, the right one accepted', async () => {
  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  const qr = page.getByRole('img', { name: 'QR code of the new key for your authenticator app' });
  await qr.waitFor();
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is drawn');
  assert.equal(await page.getByRole('textbox', { name: 'Code shown by the app' }).evaluate((el) => el === document.activeElement), true);

  // The person who cannot scan types the key by hand.
  await page.getByText('Cannot scan it? Enter the key by hand').click();
  keyUri = await page.locator('#totp-uri').textContent();
  assert.match(keyUri, /^otpauth:\/\/totp\/.*bob.*secret=[A-Z2-7]+/);
  const secret = new URL(keyUri).searchParams.get('secret');
  assert.equal((await page.locator('#totp-secret').textContent()).replaceAll(' ', ''), secret);
  assert.match(await page.locator('#totp-secret').textContent(), /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'in groups of four');
  assert.equal(await page.locator('#totp-kind').textContent(), 'Time-based, 6 digits, a new code every 30 seconds, SHA-1.');
  await screenshot(page, 'account-totp');

  const code = page.getByRole('textbox', { name: 'Code shown by the app' });
  await code.fill('12345');
  await page.getByRole('button', { name: 'Confirm' }).click();
  assert.equal(await page.locator('#totp-error').textContent(), 'The app shows 6 digits; you typed 5.');
  const right = totp(keyUri, portal.now);
  const wrong = right === '000000' ? '000001' : '000000';
  await code.fill(wrong);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#totp-error').getByText(/^That code does not match the new key\./).waitFor();

  await code.fill(right);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByText('The authenticator app is added. From now on you can choose it when you log in.').waitFor();
  await page.locator('#factors li').nth(1).waitFor();
  assert.deepEqual(
    (await page.locator('#factors li strong').allTextContents()).sort(),
    ['Authenticator app', 'Text message (SMS)'],
  );
  assert.equal(await page.locator('#totp-enroll').isVisible(), false);
  const events = await page.locator('#events-body td:nth-child(2)').allTextContents();
  assert.ok(events.slice(0, 3).includes('Second factor added'), events.join(', '));
  // The phone is told of the new factor (a notice, no code), and the change can be undone.
  await phone.getByText(/^A new way to log in was added to your secure-login account\./).first().waitFor();
  await page.locator('#changes-list li').first().getByText(/^Authenticator app added, /).waitFor();
});

test('changing the phone number: a bad number is refused, a good one is bound by the code sent to it, the old one told; later it needs a new login', async () => {
  const field = page.getByRole('textbox', { name: 'New phone number' });
  await field.fill('12ab');
  await page.getByRole('button', { name: 'Change phone number' }).click();
  await page.locator('#phone-error').getByText(/^That is not a phone number we can send codes to\./).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');

  // Signed in by SMS, now that an app is on the account: no new number (SMS binds nothing
  // once there is a device). A login with the app may.
  await field.fill('+41 79 555 12 34');
  await page.getByRole('button', { name: 'Change phone number' }).click();
  await page.locator('#message').getByText(/^This change needs a login with a stronger second factor/).waitFor();
  await logInByApp(page);

  // The new number gets a code (2 minutes after the login's SMS: the throttle); the number
  // changes only when it comes back.
  await portal.advance(120);
  const before = await phone.locator('#inbox > li').count();
  await field.fill('+41 79 555 12 34');
  await page.getByRole('button', { name: 'Change phone number' }).click();
  await page.getByText(/^We sent a code by SMS to •+34\./).waitFor();
  await phone.locator('#inbox > li').nth(before).waitFor();
  const text = await phone.locator('#inbox > li').first().locator('.bubble-text').textContent();
  assert.match(text, /confirmation code is \d{6}/);
  const code = page.getByRole('textbox', { name: 'Code from the SMS' });
  await code.fill('000000' === text.match(/\d{6}/)[0] ? '111111' : '000000');
  await page.getByRole('button', { name: 'Confirm the new number' }).click();
  await page.getByText('That is not the code we sent. 9 tries left.').waitFor();
  await code.fill(text.match(/\d{6}/)[0]);
  await page.getByRole('button', { name: 'Confirm the new number' }).click();
  await page.getByText('Your phone number is changed. Codes by SMS and voice call now go to +41 79 555 12 34.').waitFor();
  // The old number is told.
  await phone.getByText(/no longer sends codes to this number/).first().waitFor();
  await page.locator('#factors li .factor-detail').getByText(/to •+34$/).waitFor();
  assert.ok((await page.locator('#events-body td:nth-child(2)').allTextContents()).includes('Phone number changed'));

  // Five minutes after the login, the page asks for a fresh one.
  await portal.advance(301);
  await field.fill('+41 79 555 00 02');
  await page.getByRole('button', { name: 'Change phone number' }).click();
  await page.locator('#phone-error')
    .getByText('For your security, log in again with a second factor to change the phone number.').waitFor();
});

test('log out, then log in with the authenticator app', async () => {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL(/\/index\.html$/);
  await page.goto(`${portal.url}/account.html`);
  await page.getByRole('heading', { name: 'You are not logged in' }).waitFor();

  await logInByApp(page);
  const first = page.locator('#events-body tr').first();
  assert.equal(await first.locator('td:nth-child(2)').textContent(), 'Logged in');
  assert.match(await first.locator('td:nth-child(3)').textContent(), /^authenticator app/);
});

test('log out everywhere: the session on another device ends too, and the event says so', async () => {
  const other = await newContext(browser);
  const laptop = await other.context.newPage();
  await logInByApp(laptop);
  await page.getByRole('button', { name: 'Log out everywhere' }).click();
  await page.waitForURL(/\/index\.html$/);
  await laptop.reload();
  await laptop.getByRole('heading', { name: 'You are not logged in' }).waitFor();
  await logInByApp(page);
  const kinds = await page.locator('#events-body td:nth-child(2)').allTextContents();
  assert.ok(kinds.includes('Logged out everywhere'), kinds.join(', '));
  assert.deepEqual(other.problems(), []);
  await other.context.close();
});

test('no console errors and no CSP violations', () => {
  assert.deepEqual(problems(), []);
});

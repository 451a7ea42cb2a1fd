// End to end: what the login page says when the answer is wrong. A response of the wrong shape is
// refused in the browser (no attempt spent); wrong codes count down to the lock, whose end is
// shown in local time; the challenge is shown large, in groups, with its time left; an expired
// challenge is renewed and an expired login is started over.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { advanceClocks, DEMO, launchBrowser, logIn, newContext, screenshot, startPortal, totp } from './helpers.mjs';

let portal;
let browser;
let context;
let problems;
let page;
/** Requests that would spend an attempt. */
const answers = [];

const field = (name) => page.getByRole('textbox', { name, exact: true });
const logInButton = () => page.getByRole('button', { name: 'Log in', exact: true });
const alertText = async () => (await page.locator('#message').textContent()).trim();
const problemText = async () => (await page.locator('#response-error').textContent()).trim();

async function wait(seconds) {
  await advanceClocks(portal, context, seconds);
}

/** A 6-digit code the authenticator app does not show now (nor a step before or after). */
function wrongCode() {
  const uri = portal.demo.totpUri;
  const right = new Set([-30, 0, 30].map((offset) => totp(uri, portal.now + offset)));
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!right.has(code)) return code;
  }
}

/** How the page shows a lock's end: the local time, with the date unless it is today. */
function localTime(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const today = new Date().toDateString() === date.toDateString();
  return new Intl.DateTimeFormat('en', today
    ? { hour: '2-digit', minute: '2-digit' }
    : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

before(async () => {
  portal = await startPortal();
  assert.ok(portal.demo.totpUri, 'the demo start printed alice\'s authenticator-app Key URI');
  browser = await launchBrowser();
  ({ context, problems } = await newContext(browser, { clock: portal }));
  page = await context.newPage();
  page.on('request', (request) => {
    if (/\/api\/login\/[^/]+\/response$/.test(request.url())) answers.push(request.postDataJSON().response);
  });
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('the portal\'s root is the login page: strict CSP, the wasm library loaded, a sensible keyboard order with visible focus', async () => {
  const wasm = page.waitForResponse((response) => response.url().endsWith('.wasm'));
  const response = await page.goto(`${portal.url}/`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval';/);
  assert.equal((await wasm).headers()['content-type'], 'application/wasm');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Log in');

  const order = [];
  for (let i = 0; i < 5; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => {
      const el = document.activeElement;
      const outline = getComputedStyle(el).outlineStyle;
      return `${el.id || el.textContent.trim()}${outline === 'none' ? ' (no visible focus)' : ''}`;
    }));
  }
  assert.deepEqual(order, ['secure-login', 'language', 'username', 'password', 'Continue']);
});

test('a wrong username or password is said, and the password field is cleared', async () => {
  await logIn(page, portal, { username: 'alice', password: 'not-her-password' });
  await page.getByText('The username or password is wrong.').waitFor();
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
  assert.equal(await page.getByLabel('Password', { exact: true }).evaluate((el) => el === document.activeElement), true);
});

test('an answer of the wrong shape is refused at once by the page, and costs no attempt', async () => {
  await logIn(page, portal, DEMO.alice);
  await page.getByRole('button', { name: /Authenticator app/ }).click();
  await page.getByRole('heading', { name: 'Enter the code from your authenticator app' }).waitFor();
  assert.equal(await page.locator('#response-hint').textContent(), '6 digits.');

  // The page checks with the wasm library (the same rule as the server's), once it is loaded.
  await page.locator('#login[data-wasm="ready"]').waitFor({ state: 'attached' });
  await field('Security code').fill('12a456');
  await logInButton().click();
  assert.equal(await problemText(), 'Only digits, please: “a” is not a digit.');
  assert.equal(await field('Security code').getAttribute('aria-invalid'), 'true');
  assert.equal(await field('Security code').evaluate((el) => el === document.activeElement), true);

  await field('Security code').fill('12345');
  await logInButton().click();
  assert.equal(await problemText(), 'The code has 6 digits; you typed 5.');
  await field('Security code').fill('1234567');
  await page.keyboard.press('Enter');
  assert.equal(await problemText(), 'The code has 6 digits; you typed 7.');
  // Full-width digits and dashes are read as digits and separators (FULLWIDTH DIGIT ONE is
  // U+FF11, EN DASH U+2013): counted as digits, and the first other character named.
  await field('Security code').fill('１２３-４５');
  await logInButton().click();
  assert.equal(await problemText(), 'The code has 6 digits; you typed 5.');
  await field('Security code').fill('１２３\u2013４５x');
  await logInButton().click();
  assert.equal(await problemText(), 'Only digits, please: “x” is not a digit.');
  // Fixing it clears the complaint as the person types (spaces and full-width digits are fine).
  await field('Security code').fill('123 ４５６');
  assert.equal(await problemText(), '');
  assert.equal(await field('Security code').getAttribute('aria-invalid'), null);
  await field('Security code').fill('12x');
  await logInButton().click();
  await field('Security code').fill('１２３-４５６');
  assert.equal(await problemText(), '');
  assert.equal(await field('Security code').getAttribute('aria-invalid'), null);

  assert.deepEqual(answers, [], 'nothing was sent to the server');
  // The first wrong code is the first attempt spent: 9 of 10 left.
  await field('Security code').fill(wrongCode());
  await logInButton().click();
  await page.getByText('That code is not right. You have 9 more attempts.').waitFor();
  assert.equal(answers.length, 1);
  assert.equal(await field('Security code').inputValue(), '', 'the wrong code is cleared for the next try');
});

test('ten wrong codes lock the factor until a time shown in local time; then even the right code is refused', async () => {
  for (let left = 8; left >= 1; left -= 1) {
    await field('Security code').fill(wrongCode());
    await logInButton().click();
    const expected = left === 1
      ? 'That code is not right. You have 1 more attempt before this factor is locked.'
      : `That code is not right. You have ${left} more attempts.`;
    await page.getByText(expected).waitFor();
  }
  await field('Security code').fill(wrongCode());
  await logInButton().click();
  const until = portal.now + 15 * 60;
  const lockedText = `Too many wrong codes: this second factor is locked until ${localTime(until)} (your local time). `
    + 'Try again then, or choose another second factor.';
  await page.getByText(lockedText).waitFor();
  assert.equal(await page.getByRole('alert').first().textContent(), lockedText);
  assert.equal(await field('Security code').isVisible(), false, 'no more codes can be typed');
  assert.equal(await page.getByRole('button', { name: 'Choose another second factor' }).isVisible(), true);
  await screenshot(page, 'login-locked');

  // Start over and type the right code: still locked.
  await page.getByRole('button', { name: 'Start over' }).last().click();
  await page.getByRole('heading', { name: 'Username and password' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Username' }).inputValue(), 'alice');
  await page.getByLabel('Password', { exact: true }).fill(DEMO.alice.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: /Authenticator app/ }).click();
  await field('Security code').fill(totp(portal.demo.totpUri, portal.now));
  await logInButton().click();
  await page.getByText(lockedText).waitFor();
  assert.equal(answers.length, 11);
});

test('a challenge is shown large and in groups with its time left; once expired a new one can be had', async () => {
  await page.getByRole('button', { name: 'Choose another second factor' }).click();
  await page.getByRole('button', { name: /Digital Security Card\+/ }).click();
  await page.getByRole('heading', { name: 'Enter the response' }).waitFor();
  assert.equal(
    await page.locator('#challenge-intro').textContent(),
    'Press the button on your security card, enter your PIN at PIN>, then this challenge at CHALLNG>:',
  );
  const challenge = await page.locator('#challenge').textContent();
  assert.match(challenge, /^\d{6}$/);
  assert.deepEqual(
    await page.locator('#challenge .group').allTextContents(),
    [challenge.slice(0, 3), challenge.slice(3)],
    'six digits are shown as 123 456',
  );
  const size = await page.locator('#challenge').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(size >= 36, `the challenge is large (${size}px)`);
  assert.equal(await page.locator('#challenge').evaluate((el) => el.closest('[aria-live]')?.getAttribute('aria-live')), 'polite');
  assert.match(await page.locator('#expiry').textContent(), /^This challenge is valid for another 3:00\.$/);
  assert.equal(await page.locator('#response-hint').textContent(), '8 digits, as your device shows them.');
  await screenshot(page, 'login');
  await field('Response').fill('1234567');
  await logInButton().click();
  assert.equal(await problemText(), 'The code has 8 digits; you typed 7.');

  await wait(181);
  await page.locator('#expiry').getByText('This challenge has expired.').waitFor();
  assert.equal(await field('Response').isVisible(), false);
  await page.getByRole('button', { name: 'Get a new challenge' }).click();
  await page.locator('#expiry').getByText(/^This challenge is valid for another 3:00\.$/).waitFor();
  assert.match(await page.locator('#challenge').textContent(), /^\d{6}$/);
  assert.equal(await field('Response').isVisible(), true);
  assert.equal(answers.length, 11, 'still no attempt spent on the card');
});

test('a login left for 30 minutes has expired: the page says to start over, and starting over works', async () => {
  await wait(30 * 60 + 1);
  await page.getByRole('button', { name: 'Get a new challenge' }).click();
  await page.getByText('This login has expired. Please start over.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Get a new challenge' }).count(), 0);
  assert.equal(await field('Response').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Start over' }).evaluate((el) => el === document.activeElement), true);
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.getByRole('heading', { name: 'Username and password' }).waitFor();
  assert.equal(await page.locator('#message').textContent(), '');
});

test('no console errors and no CSP violations', () => {
  assert.deepEqual(problems(), []);
});

// End to end, the login page's side of the soft token: "Send a notification to my token" with the
// number to match, approved or denied; the notification left unanswered; and the fallback to
// challenge and response. The token here is played by the test through the HTTP API (the token
// page's own tests drive the real one), its MAC and OCRA responses computed with node:crypto.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { advanceClocks, DEMO, launchBrowser, logIn, newContext, screenshot, startPortal } from './helpers.mjs';

const DEVICE = 'e2e-test-device';

let portal;
let browser;
let context;
let problems;
let page;
/** The activated token: { secret (Buffer), suite }. */
let token;

async function wait(seconds) {
  await advanceClocks(portal, context, seconds);
}

/**
 * Activates a soft token for bob on DEVICE, reading the activation code off the outbox (bob has
 * only SMS, so his SMS code binds his first token).
 */
async function activate() {
  const started = await portal.api('POST', '/api/token/activate', { ...DEMO.bob, deviceId: DEVICE });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const messages = (await portal.api('GET', '/api/phone/messages')).body;
  const code = messages.at(-1).text.match(/(\d{8})$/)[1];
  const done = await portal.api('POST', `/api/token/activate/${started.body.activationId}`, { code, deviceId: DEVICE });
  assert.equal(done.body.outcome, 'activated', JSON.stringify(done.body));
  return {
    secret: Buffer.from(done.body.secret, 'hex'),
    suite: done.body.suite,
    handle: done.body.deviceHandle,
    deviceKey: Buffer.from(done.body.deviceKey, 'hex'),
  };
}

/** A one-time nonce and the token's device proof of `action` (docs/api.md; crates/otp/src/device.rs). */
async function proved(action, detail = '') {
  const issued = await portal.api('POST', '/api/token/challenge', { handle: token.handle });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const { nonce } = issued.body;
  const proof = createHmac('sha256', token.deviceKey)
    .update(Buffer.from(`secure-login device v1\0${nonce}\0${action}\0${token.handle}\0${detail}`))
    .digest('hex');
  return { handle: token.handle, nonce, proof };
}

/** The token's answer to a push (docs/api.md; crates/otp/src/push.rs). */
function pushMac(requestId, number, decision) {
  // A denial covers the number 0 (crates/otp/src/push.rs): no login screen is needed to say no.
  if (decision === 'deny') number = 0;
  return createHmac('sha256', token.secret)
    .update(Buffer.concat([
      Buffer.from('secure-login push v1'), Buffer.from([0]),
      Buffer.from(requestId), Buffer.from([0]),
      Buffer.from(String(number)), Buffer.from([0]),
      Buffer.from(decision),
    ]))
    .digest('hex');
}

/** The token answers the push waiting for it, typing `number`. */
async function answerPush(number, decision) {
  const pending = (await portal.api('POST', '/api/token/pushes', await proved('pushes'))).body;
  assert.equal(pending.length, 1, JSON.stringify(pending));
  const { requestId } = pending[0];
  const proof = await proved('answer', `${requestId} ${decision}`);
  const answer = await portal.api('POST', `/api/push/${requestId}`, {
    decision,
    mac: pushMac(requestId, number, decision),
    ...proof,
  });
  return answer.body.answer;
}

/** OCRA (RFC 6287) for a suite `OCRA-1:HOTP-SHA256-8:QN08`-like: numeric challenge, no C/P/S/T. */
function ocraResponse(suite, challenge) {
  const [, crypto] = suite.split(':');
  const [, hash, digits] = crypto.split('-');
  let q = BigInt(challenge).toString(16).toUpperCase();
  q = q.padEnd(256, '0');
  const message = Buffer.concat([Buffer.from(suite), Buffer.from([0]), Buffer.from(q, 'hex')]);
  const mac = createHmac(hash.toLowerCase(), token.secret).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** Number(digits)).padStart(Number(digits), '0');
}

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  ({ context, problems } = await newContext(browser, { clock: portal }));
  page = await context.newPage();
  token = await activate();
  assert.match(token.suite, /^OCRA-1:HOTP-SHA256-\d+:QN\d\d$/);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

async function toPushStep() {
  await logIn(page, portal, DEMO.bob);
  await page.getByRole('button', { name: /^Soft token/ }).click();
  await page.getByRole('heading', { name: 'Confirm on your soft token' }).waitFor();
}

test('push: the number to match is shown large; the token approves with it and the page logs in by itself', async () => {
  await toPushStep();
  assert.equal(await page.locator('#push-number').isVisible(), false, 'nothing is sent before the person asks');
  await page.getByRole('button', { name: 'Send a notification to my token' }).click();
  await page.locator('#push-number').getByText(/^\d{2}$/).waitFor();
  const number = Number(await page.locator('#push-number').textContent());
  const size = await page.locator('#push-number').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(size >= 36, `the number is large (${size}px)`);
  assert.equal(await page.getByText('Type this number on your token to approve:').isVisible(), true);
  assert.match(await page.locator('#push-status').textContent(), /^Waiting for your token to answer: 2:00 left\.$/);
  assert.equal(await page.locator('#announcer').textContent(), `Notification sent. Type ${number} on your token.`);
  await screenshot(page, 'login-push');

  assert.equal(await answerPush(number, 'approve'), 'approved');
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('bob').waitFor();
});

test('push denied on the token: the page says so and offers to start over', async () => {
  await wait(31); // one push per 30 s
  await toPushStep();
  await page.getByRole('button', { name: 'Send a notification to my token' }).click();
  await page.locator('#push-number').getByText(/^\d{2}$/).waitFor();
  const number = Number(await page.locator('#push-number').textContent());
  assert.equal(await answerPush(number, 'deny'), 'denied');
  await page.getByText('The login was refused on your token. If that was not you, change your password.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Start over' }).isVisible(), true);
});

test('a notification nobody answers expires; another can be sent, or challenge and response used instead', async () => {
  await wait(31);
  await toPushStep();
  await page.getByRole('button', { name: 'Send a notification to my token' }).click();
  await page.locator('#push-number').getByText(/^\d{2}$/).waitFor();
  // Asking again at once is refused by the server (one per 30 s) -- not possible from the page,
  // whose button is gone while the notification waits.
  assert.equal(await page.getByRole('button', { name: 'Send a notification to my token' }).count(), 0);

  await wait(121);
  await page.getByText('The notification expired without an answer. Send another one, or use challenge and response.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Send another notification' }).isVisible(), true);

  // "No notification?": the same soft token by challenge and response (OCRA, QN08).
  await page.getByRole('button', { name: 'No notification? Use challenge and response instead' }).click();
  await page.getByRole('heading', { name: 'Enter the response' }).waitFor();
  assert.equal(
    await page.locator('#challenge-intro').textContent(),
    'Open your soft token, choose Authenticate and enter this challenge:',
  );
  const challenge = await page.locator('#challenge').textContent();
  assert.match(challenge, /^\d{8}$/);
  assert.deepEqual(await page.locator('#challenge .group').allTextContents(), [challenge.slice(0, 4), challenge.slice(4)]);
  await page.getByRole('textbox', { name: 'Response', exact: true }).fill(ocraResponse(token.suite, challenge));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('bob').waitFor();
});

test('no console errors and no CSP violations', () => {
  assert.deepEqual(problems(), []);
});

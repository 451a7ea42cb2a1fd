// End to end: push login with number matching (the seed's "seamless" authentication). The login
// page shows a number; the open token page shows the request; the person types the number and the
// PIN. Each test starts its own portal with a fresh database.
//
// Run: `node --test tests/e2e/` (after `cargo build -p secure-login-server` and scripts/build-wasm.sh).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, launchBrowser, newContext, screenshot, startPortal } from './helpers.mjs';
import {
  activate,
  assertLoggedIn,
  assertVisibleText,
  button,
  chooseFactor,
  field,
  openLogin,
  openPhone,
  openToken,
  readCodeFromPhone,
} from './token-steps.mjs';

const ALICE_PIN = '482659';
const BOB_PIN = '7305';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A portal; the token device with alice activated; the trading device for the login page. */
async function setup(t) {
  const portal = await startPortal();
  const device = await newContext(browser);
  const phoneDevice = await newContext(browser);
  const trading = await newContext(browser);
  t.after(async () => {
    for (const each of [device, phoneDevice, trading]) await each.context.close();
    await portal.stop();
  });
  const token = await openToken(device.context, portal);
  const phone = await openPhone(phoneDevice.context, portal);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  await button(token, 'Done').click();
  const check = () => {
    for (const each of [device, phoneDevice, trading]) assert.deepEqual(each.problems(), []);
  };
  return { portal, device, trading, token, phone, check };
}

/** On the login page: the soft token, then "send a notification"; returns the number shown. */
async function sendPush(login) {
  await chooseFactor(login, 'Soft token');
  await button(login, 'Send a notification to my token').click();
  const number = login.locator('#push-number');
  await number.waitFor({ state: 'visible' });
  const text = (await number.innerText()).trim();
  assert.match(text, /^\d+$/, `the login page shows a number to match, not ${text}`);
  return text;
}

/** The token page's form for the login request of `username`. */
async function pushRequest(token, username) {
  const form = token.getByRole('form', { name: `Login request for ${username}` });
  await form.waitFor({ timeout: 15_000 });
  return form;
}

/** A number that is not `number` (same length). */
function otherNumber(number) {
  return number.replace(/.$/, (d) => String((Number(d) + 1) % 10));
}

async function answer(form, { number, pin, decision = 'Approve' }) {
  await form.getByLabel('Number shown on the login screen').fill(number);
  await form.getByLabel('PIN').fill(pin);
  await form.getByRole('button', { name: decision, exact: true }).click();
}

test('push approval with number matching: a wrong number and a wrong PIN are refused, the right ones log in', async (t) => {
  const { portal, trading, token, check } = await setup(t);
  const login = await openLogin(trading.context, portal, DEMO.alice);
  const number = await sendPush(login);

  const form = await pushRequest(token, 'alice');
  await assertVisibleText(token.locator('#pushes-title'), 'Login requests');
  assert.match(await token.title(), /^\(1\) /, 'the tab title counts the waiting request');

  // The wrong number (someone else's login screen): refused, the login still waits.
  await answer(form, { number: otherNumber(number), pin: ALICE_PIN });
  await assertVisibleText(
    form.locator('.push-error'),
    'Not approved: the number or the PIN does not match. Attempts left: 2.',
  );
  // The right number with a wrong PIN: refused the same way (no PIN oracle).
  await answer(form, { number, pin: '739146' });
  await assertVisibleText(
    form.locator('.push-error'),
    'Not approved: the number or the PIN does not match. Attempts left: 1.',
  );
  assert.equal(await login.locator('#step-done').isVisible(), false, 'the login page is still waiting');
  assert.equal(await login.locator('#push-waiting').isVisible(), true);

  await screenshot(token, 'token-push');
  await answer(form, { number, pin: ALICE_PIN });
  await assertVisibleText(token.locator('#push-outcome'), 'Login approved for alice.');
  await form.waitFor({ state: 'detached' });
  await token.locator('#pushes').waitFor({ state: 'hidden' });
  await assertLoggedIn(login);
  check();
});

test('push denied on the token: the login page says it was refused', async (t) => {
  const { portal, trading, token, check } = await setup(t);
  const login = await openLogin(trading.context, portal, DEMO.alice);
  const number = await sendPush(login);
  const form = await pushRequest(token, 'alice');

  // Denying needs no number: whoever did not start this login has not seen the login screen.
  assert.ok(number, 'the login page shows a number');
  await answer(form, { number: '', pin: ALICE_PIN, decision: 'Deny' });
  await assertVisibleText(token.locator('#push-outcome'), 'Login denied for alice.');
  await assertVisibleText(login.locator('#message'), /^The login was refused on your token\./, 15_000);
  assert.equal(await login.locator('#step-done').isVisible(), false);
  check();
});

test('push for the second user of the token (Add User) reaches the same token page', async (t) => {
  const { portal, trading, token, phone, check } = await setup(t);
  await token.getByRole('navigation').getByRole('button', { name: 'Add user' }).click();
  await field(token, 'Username').fill(DEMO.bob.username);
  await field(token, 'Password').fill(DEMO.bob.password);
  await button(token, 'Continue').click();
  // bob's is the first activation code on the phone (alice's token came by a device code).
  await field(token, 'Activation code').fill(await readCodeFromPhone(phone, { seen: 0 }));
  await button(token, 'Activate').click();
  await field(token, 'New PIN').fill(BOB_PIN);
  await field(token, 'Repeat the PIN').fill(BOB_PIN);
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#act-done-text'), 'bob is activated on this token.');

  // Renamed on the token: the request still finds the user it belongs to.
  await token.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  await button(token, 'Rename bob').click();
  await field(token, 'New name for bob').fill('bob at work');
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#users-message'), 'bob is now called bob at work.');

  const login = await openLogin(trading.context, portal, DEMO.bob);
  const number = await sendPush(login);
  const form = await pushRequest(token, 'bob');
  await assertVisibleText(form.locator('.push-user'), 'On this token as bob at work.');
  // alice's PIN is not bob's: refused.
  await answer(form, { number, pin: ALICE_PIN });
  await assertVisibleText(form.locator('.push-error'), /Attempts left: 2\.$/);
  await answer(form, { number, pin: BOB_PIN });
  await assertVisibleText(token.locator('#push-outcome'), 'Login approved for bob.');
  await assertLoggedIn(login);
  check();
});

// What a person does on the token, phone, login and card pages, shared by token.test.mjs,
// push.test.mjs and card.test.mjs. Each step clicks and types through the pages' labels and
// reads what the page shows; nothing here calls the portal's API behind the page's back.

import assert from 'node:assert/strict';
import { totp } from './helpers.mjs';

/** Opens the soft token page in `context` and waits until the token is loaded. */
export async function openToken(context, portal) {
  const page = await context.newPage();
  await page.goto(`${portal.url}/token.html`);
  await page.locator('#status[data-state="ready"]').waitFor();
  return page;
}

/** Opens the demo phone page (the phone of the demo accounts) in `context`. */
export async function openPhone(context, portal) {
  const page = await context.newPage();
  await page.goto(`${portal.url}/phone.html`);
  await page.locator('#phone-status[data-state="live"]').waitFor();
  return page;
}

/**
 * Waits for a new message on the demo phone that contains `words` (`seen` such messages were there
 * before, so an older code is never taken) and returns the code in it. The phone lists the newest
 * message first.
 */
export async function readCodeFromPhone(phone, { words = /activation code/i, seen = 0 } = {}) {
  const messages = phone.locator('#inbox li').filter({ hasText: words });
  const deadline = Date.now() + 15_000;
  while ((await messages.count()) <= seen) {
    assert.ok(Date.now() < deadline, 'no new message arrived on the demo phone');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const text = await messages.first().locator('.bubble-text').innerText();
  const code = text.match(/\b(\d{6,10})\b/)?.[1];
  assert.ok(code, `no code in the phone's message: ${text}`);
  return code;
}

export const field = (page, name) => page.getByLabel(name, { exact: true });
export const button = (page, name) => page.getByRole('button', { name, exact: true });

/**
 * What the account page shows `account` signed in with the demo's authenticator app (on a new
 * page of `context`, at a new time step: a TOTP code is good once): the device code that moves a
 * soft token to a new device. An account with a device binds nothing by SMS (SECURITY.md).
 */
export async function deviceCodeFromPortal(context, portal, account) {
  const page = await context.newPage();
  await portal.advance(30);
  await page.goto(`${portal.url}/index.html`);
  await page.getByRole('textbox', { name: 'Username' }).fill(account.username);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: /Authenticator app/ }).click();
  await page.getByRole('textbox', { name: 'Security code', exact: true }).fill(totp(portal.demo.totpUri, portal.now));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.getByRole('button', { name: 'Show a device code' }).click();
  const code = await assertVisibleText(page.locator('#device-code'), /^\d{4} \d{4} \d{4}$/);
  await page.close();
  return code;
}

/**
 * Activates `account` on the token page (or adds it as a further user) and chooses `pin`. The
 * code is the SMS code from the demo phone, or, given `portal` (for an account that has a device,
 * such as alice with her card and app), the device code its account page shows. Leaves the token
 * page on its "done" step.
 */
export async function activate(token, phone, account, pin, portal = null) {
  await activateUpToPin(token, phone, account, portal);
  await field(token, 'New PIN').fill(pin);
  await field(token, 'Repeat the PIN').fill(pin);
  await button(token, 'Save').click();
  await assertVisibleText(token.locator('#act-done-text'), `${account.username} is activated on this token.`);
}

/** The steps of {@link activate} up to the PIN (the portal has activated the token then). */
export async function activateUpToPin(token, phone, account, portal = null) {
  const before = await phone.locator('#inbox li').filter({ hasText: /activation code/i }).count();
  const hasUsers = await token.locator('#user-list li.user').count();
  await button(token, hasUsers ? 'Add user' : 'Activate token').first().click();
  await field(token, 'Username').fill(account.username);
  await field(token, 'Password').fill(account.password);
  await button(token, 'Continue').click();
  await assertVisibleText(token.locator('#act-sent'), /an activation code has been sent by SMS to your phone\./);
  const code = portal
    ? await deviceCodeFromPortal(token.context(), portal, account)
    : await readCodeFromPhone(phone, { seen: before });
  await field(token, 'Activation code').fill(code);
  await button(token, 'Activate').click();
  await field(token, 'New PIN').waitFor();
}

/** Asserts that `locator` becomes visible with `text` (a string for the exact text, or a RegExp). */
export async function assertVisibleText(locator, text, timeout = 10_000) {
  await locator.waitFor({ state: 'visible', timeout });
  const deadline = Date.now() + timeout;
  let seen;
  for (;;) {
    seen = (await locator.innerText()).trim();
    if (typeof text === 'string' ? seen === text : text.test(seen)) return seen;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`expected ${text} but the page shows: ${seen}`);
}

/** On the token page: Authenticate with `user`'s challenge and PIN; returns the response shown. */
export async function respond(token, { user, challenge, pin }) {
  await token.getByRole('navigation').getByRole('button', { name: 'Authenticate' }).click();
  const select = field(token, 'User');
  if (user) await select.selectOption({ label: user });
  await field(token, 'Challenge').fill(challenge);
  await field(token, 'PIN').fill(pin);
  await button(token, 'Generate response').click();
  const output = token.locator('#auth-response');
  await output.waitFor({ state: 'visible' });
  const response = (await output.innerText()).replace(/\s+/g, '');
  assert.match(response, /^\d{8}$/, `the token shows a response of 8 digits, not ${response}`);
  return response;
}

/** Opens the login page and signs in with `account`'s username and password. */
export async function openLogin(context, portal, account) {
  const page = await context.newPage();
  await page.goto(`${portal.url}/`);
  await field(page, 'Username').fill(account.username);
  await field(page, 'Password').fill(account.password);
  await button(page, 'Continue').click();
  return page;
}

/** On the login page's factor list, chooses the factor whose name starts with `name`. */
export async function chooseFactor(login, name) {
  await login.locator('#factor-list button', { hasText: name }).first().click();
}

/** The challenge the login page shows, as digits. */
export async function readChallenge(login) {
  const challenge = login.locator('#challenge');
  await challenge.waitFor({ state: 'visible' });
  return (await challenge.innerText()).replace(/\s+/g, '');
}

/** Types `response` into the login page and logs in. */
export async function submitResponse(login, response) {
  await field(login, 'Response').fill(response);
  await button(login, 'Log in').click();
}

/** Waits until the login page says the person is logged in. */
export async function assertLoggedIn(login) {
  await assertVisibleText(login.locator('#done-heading'), 'You are logged in');
}

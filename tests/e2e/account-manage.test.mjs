// End to end: managing one's own account. alice logs in with her authenticator app, sees when
// each factor was added and last used, renames one, removes another (her session on a second
// device ends with it), changes her password (the wrong current one is refused; the new one logs
// in, the old one no longer does), then makes recovery codes and logs in with one. The app's
// codes are computed here with node:crypto from the Key URI the demo start printed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, launchBrowser, logIn, newContext, startPortal, totp } from './helpers.mjs';

let portal;
let browser;
let context;
let problems;
let page;

/** Logs alice in on `tab` with the authenticator app, at a new time step. */
async function logInByApp(tab, password = DEMO.alice.password) {
  await portal.advance(30);
  await logIn(tab, portal, { ...DEMO.alice, password });
  await tab.getByRole('button', { name: /Authenticator app/ }).click();
  await tab.getByRole('textbox', { name: 'Security code', exact: true }).fill(totp(portal.demo.totpUri, portal.now));
  await tab.getByRole('button', { name: 'Log in', exact: true }).click();
  await tab.waitForURL(/\/account\.html$/);
  await tab.locator('#username').getByText('alice').waitFor();
}

const factorLine = (kind) => page.locator(`#factors li[data-kind="${kind}"]`);

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  ({ context, problems } = await newContext(browser));
  page = await context.newPage();
  await logInByApp(page);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('each factor says when it was added and last used', async () => {
  const app = factorLine('totp');
  assert.match(await app.locator('.factor-dates').textContent(), /^added .+ · last used .+$/);
  assert.match(await factorLine('voice').locator('.factor-dates').textContent(), /not used yet$/);
});

test('renaming a factor: an empty name is refused, a new one is shown', async () => {
  const voice = factorLine('voice');
  await voice.getByRole('button', { name: 'Rename' }).click();
  const name = voice.getByRole('textbox', { name: 'New name' });
  await name.fill('   ');
  await voice.getByRole('button', { name: 'Save' }).click();
  await voice.getByText('Give the factor a name.').waitFor();
  await name.fill('office line');
  await voice.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').getByText('Renamed to “office line”.').waitFor();
  // The page says so first, then lists the factors again.
  await factorLine('voice').locator('.factor-detail').getByText(/office line/).waitFor();
});

test('removing a factor ends the session on another device', async () => {
  const other = await newContext(browser);
  const laptop = await other.context.newPage();
  await logInByApp(laptop);
  await page.reload();
  const voice = factorLine('voice');
  await voice.getByRole('button', { name: 'Remove' }).click();
  await voice.getByText(/^Remove “office line”\?/).waitFor();
  await voice.getByRole('button', { name: 'Yes, remove' }).click();
  await page.getByRole('alert').getByText('“office line” is removed.').waitFor();
  assert.equal(await factorLine('voice').count(), 0);
  await laptop.reload();
  await laptop.getByRole('heading', { name: 'You are not logged in' }).waitFor();
  assert.deepEqual(other.problems(), []);
  await other.context.close();
});

test('changing the password: the wrong current one is refused, the new one logs in', async () => {
  const current = page.getByLabel('Current password');
  const fresh = page.getByLabel('New password (at least 8 characters)');
  await current.fill('not my password');
  await fresh.fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The current password is wrong.').waitFor();
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  await current.fill(DEMO.alice.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('alert').getByText('Your password is changed.', { exact: false }).waitFor();

  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL(/\/index\.html$/);
  await logIn(page, portal, DEMO.alice);
  await page.getByText(/username or password is wrong/i).first().waitFor();
  await logInByApp(page, 'a brand new passphrase');
  const kinds = await page.locator('#events-body td:nth-child(2)').allTextContents();
  for (const kind of ['Password changed', 'Second factor retired', 'Second factor renamed']) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
  }
});

test('recovery codes: made on the account page, then one logs in, typed as a person types it', async () => {
  await page.getByRole('button', { name: 'Make new recovery codes' }).click();
  await page.getByRole('alert').getByText('Your new recovery codes are below.', { exact: false }).waitFor();
  const codes = await page.locator('#recovery-codes code').allTextContents();
  assert.equal(codes.length, 10);
  assert.ok(codes.every((code) => /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/.test(code)), codes.join(' '));
  assert.match(await factorLine('recovery_codes').textContent(), /10 left/);

  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL(/\/index\.html$/);
  await logIn(page, portal, { ...DEMO.alice, password: 'a brand new passphrase' });
  await page.getByRole('button', { name: /Recovery code/ }).click();
  await page.getByRole('heading', { name: 'Enter a recovery code' }).waitFor();
  await page.getByRole('textbox', { name: 'Recovery code', exact: true }).fill(codes[0].toLowerCase().replaceAll('-', ' '));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('alice').waitFor();
  assert.match(await factorLine('recovery_codes').textContent(), /9 left/);
  const first = page.locator('#events-body tr').first();
  assert.equal(await first.locator('td:nth-child(2)').textContent(), 'Logged in with a recovery code');
});

test('no console errors and no CSP violations', () => {
  assert.deepEqual(problems(), []);
});

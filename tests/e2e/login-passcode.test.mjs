// End to end: the temporary passcode for a lost device. The demo prints carol's; an administrator
// issues more with the admin CLI. A passcode works once, and not after it expires.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, launchBrowser, logIn, newContext, startPortal } from './helpers.mjs';

let portal;
let browser;
let problems;
let page;

const passcodeField = () => page.getByRole('textbox', { name: 'Temporary passcode', exact: true });

before(async () => {
  portal = await startPortal();
  assert.match(portal.demo.passcode ?? '', /^[A-Z0-9]{10}$/, 'the demo start printed carol\'s passcode');
  browser = await launchBrowser();
  let context;
  ({ context, problems } = await newContext(browser));
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('carol logs in with the temporary passcode printed by the demo start (typed in lower case, with a space)', async () => {
  await logIn(page, portal, DEMO.carol);
  // Her only factor: no choice to make, the passcode prompt comes at once.
  await page.getByRole('heading', { name: 'Enter your temporary passcode' }).waitFor();
  assert.equal(
    await page.locator('#prompt-text').textContent(),
    'Enter the temporary passcode an administrator gave you. It works only once.',
  );
  assert.equal(await passcodeField().getAttribute('inputmode'), 'text');
  assert.equal(await page.getByRole('button', { name: 'Choose another second factor' }).count(), 0);
  const typed = `${portal.demo.passcode.slice(0, 5)} ${portal.demo.passcode.slice(5)}`.toLowerCase();
  await passcodeField().fill(typed);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('carol').waitFor();
  // Used up: it is no longer among her factors, and the events say so.
  assert.equal(await page.locator('#factors').textContent(), 'No second factor yet.');
  const events = await page.locator('#events-body td:nth-child(2)').allTextContents();
  assert.ok(events.includes('Second factor retired'), events.join(', '));
  assert.ok(events.includes('Logged in'), events.join(', '));
});

test('the passcode works only once', async () => {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL(/\/index\.html$/);
  await logIn(page, portal, DEMO.carol);
  await page.getByText('This account has no second factor yet. Ask an administrator to add one.').waitFor();
});

test('a passcode issued by an administrator works until it expires', async () => {
  const issue = async (lifetime) => {
    const printed = await portal.admin('issue-passcode', 'carol', '--lifetime', String(lifetime));
    const passcode = printed.match(/^passcode: (\S+)$/m)?.[1];
    assert.ok(passcode, printed);
    return passcode;
  };
  // Ten minutes and a little later, the first one no longer counts. (The admin CLI reads the
  // system clock: the server's test clock is set from it.)
  await issue(600);
  await portal.setClock(Math.floor(Date.now() / 1000) + 602);
  await logIn(page, portal, DEMO.carol);
  await page.getByText('This account has no second factor yet. Ask an administrator to add one.').waitFor();

  // A fresh one, used in time, logs in.
  const passcode = await issue(3600);
  await logIn(page, portal, DEMO.carol);
  await passcodeField().fill(passcode);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('carol').waitFor();
});

test('a wrong passcode is a wrong code, with the attempts left', async () => {
  const printed = await portal.admin('issue-passcode', 'carol', '--lifetime', '3600');
  const passcode = printed.match(/^passcode: (\S+)$/m)[1];
  await logIn(page, portal, DEMO.carol);
  await passcodeField().fill(passcode.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByText('That code is not right. You have 9 more attempts.').waitFor();
  await passcodeField().fill('not-a-passcode!');
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  assert.equal(
    await page.locator('#response-error').textContent(),
    'A temporary passcode has only letters and digits.',
  );
});

test('no console errors and no CSP violations', () => {
  assert.deepEqual(problems(), []);
});

// End to end: passkeys (issue 14), in Chromium with the DevTools Protocol's virtual WebAuthn
// authenticators (a platform authenticator: CTAP2, internal, resident keys, user verification).
// alice logs in with her authenticator app, adds a passkey on the account page, then logs in
// with it as her second factor (listed first) and with it alone (passwordless). An authenticator
// that cannot verify the user is refused; a copy of the credential on a second authenticator is
// refused once its signature count falls behind; and a phishing relay on another origin fails
// with the passkey, while the same relay signs in with the authenticator app's code: the reason
// to offer passkeys first. Removed on the account page, the passkey signs in no more. The portal runs on http://localhost:PORT (--public-origin): WebAuthn
// needs a domain name for its RP ID.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  DEMO, freePort, launchBrowser, logIn, newContext, screenshot, startPortal, totp,
} from './helpers.mjs';

let portal;
let browser;
let context;
let problems;
let page;
/** The virtual authenticator of `page`: { cdp, id }. */
let authenticator;
let relay;

/** A virtual platform authenticator on `tab` (WebAuthn domain of the DevTools Protocol). */
async function addAuthenticator(tab) {
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

async function credentials(device) {
  const { credentials: list } = await device.cdp.send('WebAuthn.getCredentials', { authenticatorId: device.id });
  return list;
}

/** alice logs in on `tab` (at `base`) with her authenticator app, at a new time step. */
async function logInByApp(tab, base = portal.url) {
  await portal.advance(30);
  await logIn(tab, { url: base }, DEMO.alice);
  await tab.getByRole('button', { name: /Authenticator app/ }).click();
  await tab.getByRole('textbox', { name: 'Security code', exact: true }).fill(totp(portal.demo.totpUri, portal.now));
  await tab.getByRole('button', { name: 'Log in', exact: true }).click();
  await tab.waitForURL(/\/account\.html$/);
  await tab.locator('#username').getByText('alice').waitFor();
}

async function logOut(tab) {
  await tab.getByRole('button', { name: 'Log out', exact: true }).click();
  await tab.waitForURL(/\/index\.html$/);
}

/** The security events of alice's account, newest first, read on the account page. */
async function eventKinds(tab) {
  return tab.locator('#events-body td:nth-child(2)').allTextContents();
}

/**
 * A phishing relay at http://localhost:RELAY: every request goes on to the portal with the
 * portal's Host and Origin (as a reverse proxy in the middle does), every answer comes back,
 * cookies and all. The person sees the portal's own pages, at the relay's address.
 */
async function startRelay(target) {
  const port = await freePort();
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    const headers = { ...request.headers, host: upstream.host };
    if (headers.origin) headers.origin = upstream.origin;
    if (headers.referer) headers.referer = headers.referer.replace(/^http:\/\/[^/]+/, upstream.origin);
    const forward = http.request({
      host: '127.0.0.1', port: upstream.port, method: request.method, path: request.url, headers,
    }, (answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://localhost:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

before(async () => {
  portal = await startPortal({ localhost: true });
  browser = await launchBrowser();
  ({ context, problems } = await newContext(browser));
  page = await context.newPage();
  authenticator = await addAuthenticator(page);
  relay = await startRelay(portal.url);
});

after(async () => {
  await relay?.close();
  await browser?.close();
  await portal?.stop();
});

test('alice adds a passkey on the account page: a new factor, other sessions end', async () => {
  // A second session of alice's, elsewhere: a new binding ends it.
  const other = await (await browser.newContext()).newPage();
  await logInByApp(other);
  await logInByApp(page);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByText('The passkey is added.').waitFor();
  // The page says so first, then shows the account again.
  await page.locator('#factors li[data-kind="passkey"]').waitFor();
  await page.locator('#events-body tr[data-kind="factor_added"]').first().waitFor();
  const kinds = await page.locator('#factors li strong').allTextContents();
  assert.ok(kinds.includes('Passkey'), kinds.join(', '));
  // With the notice to alice's phone, queued in the same commit.
  assert.ok((await eventKinds(page)).slice(0, 3).includes('Second factor added'));
  const [credential] = await credentials(authenticator);
  assert.equal(credential.isResidentCredential, true);
  assert.equal(credential.rpId, 'localhost');
  await screenshot(page, 'passkey-added');
  await other.reload();
  await other.getByRole('heading', { name: 'You are not logged in' }).waitFor();
  await other.context().close();
});

test('the passkey is listed first and completes the login as the second factor', async () => {
  await logOut(page);
  await logIn(page, portal, DEMO.alice);
  const first = page.locator('#factor-list .factor').first();
  await first.waitFor();
  assert.equal(await first.getAttribute('data-kind'), 'passkey');
  await screenshot(page, 'passkey-first');
  await first.click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('alice').waitFor();
});

test('passwordless: the passkey alone logs alice in', async () => {
  await logOut(page);
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#username').getByText('alice').waitFor();
});

test('an authenticator that does not verify the user is refused', async () => {
  await logOut(page);
  await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: false });
  try {
    await page.getByRole('button', { name: 'Log in with a passkey' }).click();
    await page.getByText('The passkey did not confirm it is you').waitFor();
    assert.match(page.url(), /\/index\.html$/);
    await logIn(page, portal, DEMO.alice);
    await page.locator('#factor-list .factor[data-kind="passkey"]').click();
    await page.getByText('The passkey did not confirm it is you').waitFor();
    assert.match(page.url(), /\/index\.html$/);
  } finally {
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: true });
  }
});

test('a copied passkey is refused once its signature count falls behind, and the event is recorded', async () => {
  // The credential with its private key and count, copied onto a second authenticator.
  const [original] = await credentials(authenticator);
  const thief = await (await browser.newContext()).newPage();
  const copy = await addAuthenticator(thief);
  await copy.cdp.send('WebAuthn.addCredential', { authenticatorId: copy.id, credential: original });
  // The original signs on: its count goes past the copy's.
  await page.goto(`${portal.url}/index.html`);
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.waitForURL(/\/account\.html$/);
  const [used] = await credentials(authenticator);
  assert.ok(used.signCount > original.signCount, `${used.signCount} after ${original.signCount}`);
  // The copy signs with a count not above the stored one: refused.
  await thief.goto(`${portal.url}/index.html`);
  await thief.getByRole('button', { name: 'Log in with a passkey' }).click();
  await thief.getByText('This passkey’s answer is refused.').waitFor();
  assert.match(thief.url(), /\/index\.html$/);
  const [copied] = await credentials(copy);
  assert.ok(copied.signCount <= used.signCount, `${copied.signCount} vs ${used.signCount}`);
  await thief.context().close();
  // alice sees it among her security events.
  await page.reload();
  await page.locator('#events-body tr[data-kind="passkey_refused"]').first().waitFor();
  assert.equal((await eventKinds(page))[0], 'Passkey answer refused');
  const detail = await page.locator('#events-body tr').first().locator('td').nth(2).textContent();
  assert.match(detail, /signature count \d+ after \d+: a copy of the passkey\?/);
  // The original goes on.
  await logOut(page);
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.waitForURL(/\/account\.html$/);
});

test('a phishing relay on another origin fails with the passkey, but signs in with the app code', async () => {
  await logOut(page);
  // The relay shows the portal's own login page at its own address.
  await page.goto(`${relay.url}/index.html`);
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.getByText('This passkey’s answer is refused.').waitFor();
  assert.match(page.url(), new RegExp(`^${relay.url}/index\\.html$`));
  // The second factor through the relay: the same.
  await logIn(page, relay, DEMO.alice);
  await page.locator('#factor-list .factor[data-kind="passkey"]').click();
  await page.getByText('This passkey’s answer is refused.').waitFor();
  assert.match(page.url(), new RegExp(`^${relay.url}/index\\.html$`));
  // A code typed into the relay is as good as on the portal: the relay is signed in.
  await logInByApp(page, relay.url);
  assert.match(page.url(), new RegExp(`^${relay.url}/account\\.html$`));
  await page.locator('#events-body tr[data-kind="passkey_refused"]').first().waitFor();
  const kinds = await eventKinds(page);
  assert.ok(kinds.includes('Passkey answer refused'), kinds.join(', '));
});

test('alice removes the passkey on the account page: it signs in no more', async () => {
  await page.goto(`${portal.url}/index.html`);
  await logInByApp(page);
  const item = page.locator('#factors li[data-kind="passkey"]');
  // Not with the app's login: a passkey is removed only by a passkey login (binding rules).
  await item.getByRole('button', { name: 'Remove' }).click();
  await item.getByRole('button', { name: 'Yes, remove' }).click();
  await page.locator('#message').getByText(/^This change needs a login with a stronger second factor/).waitFor();
  await logOut(page);
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.waitForURL(/\/account\.html$/);
  await item.getByRole('button', { name: 'Remove' }).click();
  await item.getByRole('button', { name: 'Yes, remove' }).click();
  await page.getByText('“passkey” is removed.').waitFor();
  // The page says so, then lists the factors again: without it.
  await page.locator('#factors li[data-kind="passkey"]').waitFor({ state: 'detached' });
  assert.ok(await page.locator('#factors li[data-kind="totp"]').count() > 0);
  await logOut(page);
  await page.getByRole('button', { name: 'Log in with a passkey' }).click();
  await page.getByText('This passkey’s answer is refused.').waitFor();
  assert.match(page.url(), /\/index\.html$/);
  // Nor is it offered after the password.
  await logIn(page, portal, DEMO.alice);
  await page.locator('#factor-list .factor').first().waitFor();
  assert.equal(await page.locator('#factor-list .factor[data-kind="passkey"]').count(), 0);
});

test('no console errors, uncaught exceptions or CSP violations', () => {
  // The refusals above are expected answers of the API, which the page shows.
  assert.deepEqual(problems(), []);
});

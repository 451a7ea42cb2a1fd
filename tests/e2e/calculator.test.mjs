// End to end: the portal binary serves www/ and pkg/, Debian's Chromium (driven by playwright-core)
// loads the calculator page (calculator.html), and a person's clicks and typing give the RFC test
// vectors. Needs what tests/e2e/helpers.mjs says. Run: `node --test tests/e2e/`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, screenshot, startPortal } from './helpers.mjs';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// RFC 4226 appendix D / RFC 6238 appendix B / RFC 6287 appendix C keys.
const KEY20 = '3132333435363738393031323334353637383930';
const KEY32 = '3132333435363738393031323334353637383930313233343536373839303132';

let portal;
let browser;
let context;
let problems;
let page;
let pageResponse;
const wasmResponses = [];

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  // A fresh context (its own empty profile), phone-sized, English, light.
  ({ context, problems } = await newContext(browser));
  page = await context.newPage();
  page.on('response', (response) => {
    if (response.url().endsWith('.wasm')) wasmResponses.push(response);
  });
  pageResponse = await page.goto(`${portal.url}/calculator.html`);
  await page.locator('#status[data-state="ready"]').waitFor();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

// ---- what a person does -----------------------------------------------------------------------

const field = (name) => page.getByRole('textbox', { name, exact: true });
const select = (name) => page.getByRole('combobox', { name, exact: true });

async function chooseAlgorithm(name) {
  await page.getByRole('radio', { name, exact: true }).check();
}

async function enterKey(key, format = 'Hex') {
  await select('Key format').selectOption({ label: format });
  await field('Key').fill(key);
}

/** Clicks Generate and returns [result, error message] as shown. */
async function generate() {
  await page.getByRole('button', { name: 'Generate' }).click();
  const result = (await page.locator('#result').textContent()).trim();
  const alert = (await page.locator('#message').textContent()).trim();
  return [result, alert];
}

async function expectCode(expected) {
  const [result, alert] = await generate();
  assert.equal(alert, '', 'no error is shown');
  assert.equal(result, expected);
}

// ---- the tests (in order, on one page) --------------------------------------------------------

test('the page is served with the Content-Security-Policy and the wasm as application/wasm', async () => {
  assert.equal(pageResponse.status(), 200);
  const headers = pageResponse.headers();
  assert.equal(headers['content-security-policy'], CSP);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.ok(wasmResponses.length > 0, 'the page fetched the wasm module');
  assert.equal(wasmResponses[0].status(), 200);
  assert.equal(wasmResponses[0].headers()['content-type'], 'application/wasm');
  assert.equal(await page.getByRole('button', { name: 'Generate' }).isEnabled(), true, 'Generate is enabled once wasm loaded');
});

test('HOTP, RFC 4226 key, counter 1 gives 287082', async () => {
  await chooseAlgorithm('HOTP');
  await enterKey(KEY20);
  await field('Counter').fill('1');
  await select('Digits').selectOption('6');
  await select('Hash').selectOption('SHA1');
  await expectCode('287082');
});

test('TOTP, SHA1, 8 digits at time 59 gives 94287082', async () => {
  await chooseAlgorithm('TOTP');
  // The time follows the clock, with a countdown to the next step, until "Now" is unticked.
  assert.match(await page.locator('#totp-clock').textContent(), /Next code in \d+ s/);
  assert.ok(Number(await field('Time (Unix seconds)').inputValue()) > 1_700_000_000, 'the time defaults to now');
  await page.getByRole('checkbox', { name: 'Now (follow the clock)' }).uncheck();
  await field('Time (Unix seconds)').fill('59');
  await field('Step (seconds)').fill('30');
  await select('Digits').selectOption('8');
  await select('Hash').selectOption('SHA1');
  await expectCode('94287082');
  // The clock does not overwrite a time the person typed.
  await page.waitForTimeout(700);
  assert.equal(await field('Time (Unix seconds)').inputValue(), '59');
  assert.equal((await page.locator('#result').textContent()).trim(), '94287082');
});

test('OCRA-1:HOTP-SHA1-6:QN08, challenge 11111111 gives 243178', async () => {
  await chooseAlgorithm('OCRA');
  // The default suite is the soft token's.
  assert.equal(await field('Suite').inputValue(), 'OCRA-1:HOTP-SHA256-8:QN08');
  await enterKey(KEY20);
  await field('Suite').fill('OCRA-1:HOTP-SHA1-6:QN08');
  assert.match(await page.locator('#suite-info').textContent(), /HMAC-SHA1, 6-digit response\. Needs: a numeric challenge of up to 8 characters\./);
  assert.equal(await page.getByLabel('PIN').isVisible(), false, 'no PIN field for a suite without P');
  assert.equal(await field('Counter').count(), 0, 'no counter field for a suite without C');
  await field('Challenge').fill('11111111');
  await expectCode('243178');
});

test('OCRA-1:HOTP-SHA256-8:QN08-PSHA1, challenge 00000000, PIN 1234 gives 83238735', async () => {
  await enterKey(KEY32);
  await field('Suite').fill('OCRA-1:HOTP-SHA256-8:QN08-PSHA1');
  assert.match(await page.locator('#suite-info').textContent(), /a PIN \(hashed with SHA1\)/);
  await field('Challenge').fill('00000000');
  await page.getByLabel('PIN').fill('1234');
  await expectCode('83238735');
  await page.locator('#result').scrollIntoViewIfNeeded();
  await screenshot(page, 'calculator');
});

test('a bad hex key shows an InvalidHex error and no result', async () => {
  await chooseAlgorithm('HOTP');
  await enterKey('31323g');
  const [result, alert] = await generate();
  assert.equal(result, '');
  assert.match(alert, /InvalidHex/);
  const message = page.locator('#message');
  assert.equal(await message.getAttribute('role'), 'alert');
  assert.equal(await message.isVisible(), true);
  assert.equal(await message.getAttribute('data-code'), 'InvalidHex');
  // An error from the library itself is shown the same way, and the next good input clears it.
  await enterKey('not base32!', 'Base32');
  const [result2, alert2] = await generate();
  assert.equal(result2, '');
  assert.match(alert2, /InvalidBase32/);
  await enterKey(KEY20);
  await field('Counter').fill('1');
  await select('Digits').selectOption('6');
  await expectCode('287082');
});

test('a pasted otpauth:// Key URI fills in the form', async () => {
  await page.getByRole('textbox', { name: /otpauth:\/\/ URI/ }).fill(
    'otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&algorithm=SHA1&digits=8&period=30',
  );
  await page.getByRole('button', { name: 'Read URI' }).click();
  assert.equal(await page.getByRole('radio', { name: 'TOTP', exact: true }).isChecked(), true);
  assert.equal(await select('Key format').inputValue(), 'base32');
  assert.equal(await field('Key').inputValue(), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(await select('Digits').inputValue(), '8');
  await field('Time (Unix seconds)').fill('59');
  await expectCode('94287082');
});

test('New random key shows a 160-bit key in hex and Base32', async () => {
  await page.getByRole('button', { name: 'New random key' }).click();
  const hex = await page.locator('#random-hex').textContent();
  const base32 = await page.locator('#random-base32').textContent();
  assert.match(hex, /^[0-9a-f]{40}$/);
  assert.match(base32, /^[A-Z2-7]{32}$/);
  assert.equal(await field('Key').inputValue(), hex);
});

test('the page fits a phone screen', async () => {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
});

test('no console errors and no CSP violations; the browser enforces the CSP', async () => {
  assert.deepEqual(problems(), []);
  // The browser enforces the policy: an inline script slipped into the page does not run (checked
  // in a second context, whose expected violation does not count against the calculator's).
  const { context: probeContext } = await newContext(browser);
  const probe = await probeContext.newPage();
  try {
    await probe.goto(`${portal.url}/calculator.html`);
    const outcome = await probe.evaluate(async () => {
      const violation = new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective));
      });
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true;';
      document.body.append(script);
      return { ran: window.inlineScriptRan === true, directive: await violation };
    });
    assert.deepEqual(outcome, { ran: false, directive: 'script-src-elem' });
  } finally {
    await probeContext.close();
  }
});

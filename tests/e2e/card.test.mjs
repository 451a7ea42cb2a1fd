// End to end: the Digital Security Card+ page, driven button by button as the seed describes it:
// press, PIN>, the 4-digit PIN, OK, CHALLNG>, the 6-digit challenge from the login page, OK, the
// 8-digit response typed into the login page. Each test starts its own portal with a fresh database.
//
// Run: `node --test tests/e2e/` (after `cargo build -p secure-login-server` and scripts/build-wasm.sh).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, launchBrowser, newContext, screenshot, startPortal } from './helpers.mjs';
import {
  assertLoggedIn,
  assertVisibleText,
  button,
  chooseFactor,
  field,
  openLogin,
  readChallenge,
  submitResponse,
} from './token-steps.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A portal, the card (its page in a context of its own) and the trading device. */
async function setup(t, { locale = 'en-US' } = {}) {
  const portal = await startPortal();
  const cardDevice = await newContext(browser, { locale });
  const trading = await newContext(browser);
  t.after(async () => {
    await cardDevice.context.close();
    await trading.context.close();
    await portal.stop();
  });
  const card = await cardDevice.context.newPage();
  await card.goto(`${portal.url}/card.html`);
  await card.locator('#status[data-state="ready"]').waitFor();
  const check = () => {
    assert.deepEqual(cardDevice.problems(), []);
    assert.deepEqual(trading.problems(), []);
  };
  return { portal, card, trading, check };
}

/** Loads alice's demo card; returns its serial and the PIN the page says it was issued with. */
async function loadAliceCard(card, portal) {
  const serial = portal.demo.cardSerial;
  assert.match(serial ?? '', /^\d+$/, 'the demo start printed the card serial');
  await field(card, 'Demo card').selectOption({ label: `alice · ${serial}` });
  await button(card, 'Load card').click();
  await assertLoaded(card, `Card ${serial} of alice.`);
  const hint = await assertVisibleText(card.locator('#card-pin-hint'), /^The PIN of this demo card, set when it was issued: \d{4}$/);
  return { serial, pin: hint.slice(-4) };
}

/** Waits until the card page says the card is loaded (`owner`), or fails with what it says instead. */
async function assertLoaded(card, owner) {
  await card.locator('#card-owner:visible, #setup-error:visible').first().waitFor();
  const refused = card.locator('#setup-error');
  if (await refused.isVisible()) {
    const code = await refused.getAttribute('data-code');
    assert.fail(`the card page cannot load the demo card: ${await refused.innerText()} (${code})`);
  }
  await assertVisibleText(card.locator('#card-owner'), owner);
}

const lcd = (card) => card.locator('#lcd');

/** Presses the card's buttons named in `keys` (digits, or 'press', 'OK', 'Clear', 'Back'). */
async function pressKeys(card, keys) {
  const device = card.getByRole('group', { name: /^Digital Security Card\+/ });
  for (const key of keys) {
    const name = key === 'press' ? /^press/ : key;
    await device.getByRole('button', { name, exact: typeof name === 'string' }).click();
  }
}

/** Asserts what the LCD shows; '' is a blank display (the card is off). */
async function assertScreen(card, text) {
  if (text === '') {
    await card.locator('#lcd[data-state="off"]').waitFor({ state: 'attached' });
    assert.equal(await lcd(card).textContent(), '');
    return;
  }
  await assertVisibleText(lcd(card), text);
}

/** The whole card sequence for `challenge` with `pin`; returns the response on the LCD. */
async function cardResponse(card, { pin, challenge }) {
  await pressKeys(card, ['press']);
  await assertScreen(card, 'PIN>');
  await pressKeys(card, [...pin]);
  await assertScreen(card, 'PIN>****');
  await pressKeys(card, ['OK']);
  await assertScreen(card, 'CHALLNG>');
  await pressKeys(card, [...challenge]);
  await assertScreen(card, `CHALLNG>${challenge}`);
  await pressKeys(card, ['OK']);
  return assertScreen(card, /^\d{8}$/).then(() => lcd(card).innerText());
}

async function cardChallenge(login) {
  await chooseFactor(login, 'Digital Security Card+');
  const challenge = await readChallenge(login);
  assert.match(challenge, /^\d{6}$/, 'the login page shows a 6-digit challenge');
  return challenge;
}

test('card login: press, PIN, OK, challenge, OK, and the 8-digit response logs in', async (t) => {
  const { portal, card, trading, check } = await setup(t);
  const { pin } = await loadAliceCard(card, portal);
  await assertScreen(card, '');
  assert.equal(await card.locator('#lcd-spoken').innerText(), 'The card is off.');

  const login = await openLogin(trading.context, portal, DEMO.alice);
  const challenge = await cardChallenge(login);
  const response = await cardResponse(card, { pin, challenge });
  assert.equal(await card.locator('#lcd-spoken').innerText(), `Response: ${[...response].join(' ')}`);
  await screenshot(card, 'card');
  await submitResponse(login, response);
  await assertLoggedIn(login);

  // OK on the response switches the card off.
  await pressKeys(card, ['OK']);
  await assertScreen(card, '');
  check();
});

test('card: a wrong PIN shows a wrong response that the login refuses; back and clear work like the card', async (t) => {
  const { portal, card, trading, check } = await setup(t);
  const { pin } = await loadAliceCard(card, portal);
  const login = await openLogin(trading.context, portal, DEMO.alice);
  const challenge = await cardChallenge(login);

  // Back erases one digit, clear the whole entry; on an empty challenge, back returns to the PIN.
  await pressKeys(card, ['press', '1', '2']);
  await assertScreen(card, 'PIN>**');
  await pressKeys(card, ['Back']);
  await assertScreen(card, 'PIN>*');
  await pressKeys(card, ['Clear']);
  await assertScreen(card, 'PIN>');
  // OK with an incomplete PIN does nothing.
  await pressKeys(card, ['7', 'OK']);
  await assertScreen(card, 'PIN>*');
  await pressKeys(card, ['Clear']);

  const wrongPin = pin === '7391' ? '7392' : '7391';
  await pressKeys(card, [...wrongPin, 'OK', ...challenge.slice(0, 3)]);
  await assertScreen(card, `CHALLNG>${challenge.slice(0, 3)}`);
  await pressKeys(card, ['Back']);
  await assertScreen(card, `CHALLNG>${challenge.slice(0, 2)}`);
  await pressKeys(card, ['Clear']);
  await assertScreen(card, 'CHALLNG>');
  await pressKeys(card, [...challenge, 'OK']);
  await assertScreen(card, /^\d{8}$/);
  const wrong = await lcd(card).innerText();
  await submitResponse(login, wrong);
  await assertVisibleText(login.locator('#message'), /not right\. You have 9 more attempts/);

  // Off with press, then the right PIN.
  await pressKeys(card, ['press']);
  await assertScreen(card, '');
  const right = await cardResponse(card, { pin, challenge });
  assert.notEqual(right, wrong);
  await submitResponse(login, right);
  await assertLoggedIn(login);

  // The card is kept in this browser (its wrapped key only) across a reload.
  await card.reload();
  await card.locator('#status[data-state="ready"]').waitFor();
  await assertVisibleText(card.locator('#card-owner'), /^Card \d+ of alice\.$/);
  await assertScreen(card, '');
  const stored = await card.evaluate(() => localStorage.getItem('secure-login-card'));
  assert.ok(stored);
  assert.doesNotMatch(stored, new RegExp(`"${pin}"|:${pin}\\b`), 'the stored card holds no PIN');
  check();
});

test('card keyboard: digits and Enter on the keyboard with the focus left on "press" enter the PIN, Enter is OK', async (t) => {
  const { portal, card, check } = await setup(t);
  const { pin } = await loadAliceCard(card, portal);
  const device = card.getByRole('group', { name: /^Digital Security Card\+/ });
  const press = device.getByRole('button', { name: /^press/ });
  await press.click();
  await assertScreen(card, 'PIN>');
  // The focus is still on "press": before, Enter pressed it and switched the card off.
  assert.equal(await press.evaluate((node) => node === document.activeElement), true);
  await card.keyboard.type(pin);
  await assertScreen(card, 'PIN>****');
  await card.keyboard.press('Enter');
  await assertScreen(card, 'CHALLNG>');
  await card.keyboard.type('123456');
  await assertScreen(card, 'CHALLNG>123456');
  await card.keyboard.press('Enter');
  await assertScreen(card, /^\d{8}$/);
  // Space on the focused "press" still presses it: the card goes off.
  await press.focus();
  await card.keyboard.press('Space');
  await assertScreen(card, '');
  check();
});

test('German card page', async (t) => {
  const { portal, card, check } = await setup(t, { locale: 'de-DE' });
  assert.equal(await card.locator('html').getAttribute('lang'), 'de');
  await assertVisibleText(card.getByRole('heading', { level: 2, name: 'Ihre Karte' }), 'Ihre Karte');
  await assertVisibleText(
    card.getByRole('heading', { level: 2, name: 'So melden Sie sich mit der Karte an' }),
    'So melden Sie sich mit der Karte an',
  );
  await assertVisibleText(
    card.locator('.howto li').nth(2),
    'Sobald CHALLNG> erscheint, geben Sie den 6-stelligen Prüfcode ein und drücken Sie OK.',
  );
  await field(card, 'Demo-Karte').selectOption({ index: 0 });
  await button(card, 'Karte laden').click();
  await assertLoaded(card, `Karte ${portal.demo.cardSerial} von alice.`);
  const device = card.getByRole('group', { name: /^Digital Security Card\+/ });
  await device.getByRole('button', { name: 'press (Ein/Aus)' }).click();
  await assertVisibleText(card.locator('#lcd-spoken'), 'PIN: 0 von 4 Ziffern eingegeben.');
  await device.getByRole('button', { name: 'Löschen' }).waitFor();
  await device.getByRole('button', { name: 'Zurück' }).waitFor();
  await field(card, 'Sprache').selectOption('en');
  await assertVisibleText(card.locator('#lcd-spoken'), 'PIN: 0 of 4 digits entered.');
  await device.getByRole('button', { name: 'Clear' }).waitFor();
  check();
});

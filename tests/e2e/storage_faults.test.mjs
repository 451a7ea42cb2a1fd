// End to end: browser storage faults (issue 7, item 7) on the token and card pages in Debian's
// Chromium. The origin's quota used up (the Chrome DevTools Protocol's
// `Storage.overrideQuotaForOrigin`, or a full localStorage for the card), and the site's data
// cleared while the token page is open (`Storage.clearDataForOrigin`, and `indexedDB.deleteDatabase`
// from another tab). Each time: a clear, translated message, the wasm instance still answering,
// nothing half-written (the stored records, read in the page, are compared before and after),
// and the same action succeeding once the fault is gone. The third fault, a database of a newer
// schema, is `another_tab_upgrading_closes_this_connection_and_says_so` in crates/wasm/tests/web_token.rs.
//
// Run: `node --test tests/e2e/` (after `cargo build -p secure-login-server` and scripts/build-wasm.sh).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO, launchBrowser, newContext, newPersistentContext, startPortal } from './helpers.mjs';
import {
  activate,
  activateUpToPin,
  assertLoggedIn,
  assertVisibleText,
  button,
  chooseFactor,
  field,
  openLogin,
  openPhone,
  openToken,
  readChallenge,
  respond,
  submitResponse,
} from './token-steps.mjs';

const ALICE_PIN = '482659';
const BOB_PIN = '7305';
const DB = 'secure-login-token';

const QUOTA_EN =
  'The browser has no room left to store the token. Nothing was saved. Free some space (or allow this site more storage) and try again.';
const QUOTA_DE =
  'Der Browser hat keinen Platz mehr, um den Token zu speichern. Es wurde nichts gespeichert. Schaffen Sie Platz (oder erlauben Sie dieser Website mehr Speicher) und versuchen Sie es erneut.';
const CLEARED_EN =
  "The token's storage was cleared while this page was open, so its users are gone. Reload the page and activate the token again.";
const CLEARED_DE =
  'Der Speicher des Tokens wurde gelöscht, während diese Seite offen war; seine Benutzer sind weg. Laden Sie die Seite neu und aktivieren Sie den Token erneut.';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh portal, the token device and the demo phone, as in token.test.mjs; with `onDisk`, the
 * token device is a profile on disk (quota overrides do not reach an incognito profile's IndexedDB).
 */
async function setup(t, { locale = 'en-US', onDisk = false } = {}) {
  const portal = await startPortal();
  const device = onDisk ? await newPersistentContext({ locale }) : await newContext(browser, { locale });
  const phoneDevice = await newContext(browser);
  t.after(async () => {
    await device.context.close();
    await phoneDevice.context.close();
    await portal.stop();
  });
  if (onDisk) await limitQuota(device.context, portal);
  const token = await openToken(device.context, portal);
  const phone = await openPhone(phoneDevice.context, portal);
  const check = () => {
    assert.deepEqual(device.problems(), [], 'the token device logged no error');
    assert.deepEqual(phoneDevice.problems(), [], 'the phone logged no error');
  };
  return { portal, device, token, phone, check };
}

/**
 * Every record of the token's database as IndexedDB holds it, read in `page` with a connection
 * of its own (closed again); `null` when the origin has no such database (opening it would
 * create one, so it is not opened then).
 */
async function storedRecords(page) {
  return page.evaluate(async (name) => {
    const known = await indexedDB.databases();
    if (!known.some((d) => d.name === name)) return null;
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      const out = { version: db.version };
      for (const store of [...db.objectStoreNames].sort()) {
        out[store] = await new Promise((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      }
      return out;
    } finally {
      db.close();
    }
  }, DB);
}

/**
 * Gives the portal's origin a quota of `quotaSize` bytes (DevTools `Storage.overrideQuotaForOrigin`,
 * from a blank page of `context` that stays open: the override lasts as long as its session).
 * Call it before the origin first writes: Chromium's IndexedDB keeps the room it last asked
 * the quota manager for (about 30 s) and only asks again when a write needs more.
 */
async function limitQuota(context, portal, quotaSize = 20 << 20) {
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: portal.url, quotaSize });
}

/**
 * Uses up the origin's quota from `page` with a database of its own, `filler`: records of 1 MiB,
 * then halving down to 16 bytes, until IndexedDB refuses each with QuotaExceededError. The bytes
 * are random: LevelDB compresses, and a compressible filler would leave room on disk that
 * Chromium finds again when it next asks how much is used.
 */
async function fillStorage(page) {
  const refused = await page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('filler', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('filler', { autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const random = (size) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      return bytes;
    };
    const put = (size) =>
      new Promise((resolve) => {
        const tx = db.transaction('filler', 'readwrite');
        tx.objectStore('filler').put(random(size));
        tx.oncomplete = () => resolve(null);
        tx.onabort = () => resolve(tx.error?.name ?? 'AbortError');
      });
    const names = new Set();
    for (let size = 1 << 20; size >= 16; ) {
      const error = await put(size);
      if (error) {
        names.add(error);
        size >>= 1;
      }
    }
    db.close();
    return [...names];
  });
  assert.deepEqual(refused, ['QuotaExceededError'], 'the filler ran out of quota');
}

/** Frees what `fillStorage` used. */
async function freeStorage(page) {
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase('filler');
        request.onsuccess = resolve;
        request.onerror = () => reject(request.error);
      }),
  );
}

async function savePin(token, pin) {
  await field(token, 'New PIN').fill(pin);
  await field(token, 'Repeat the PIN').fill(pin);
  await button(token, 'Save').click();
}

/** The ids and usernames of the stored users, sorted by username. */
const usersOf = (records) =>
  (records?.users ?? []).map((u) => `${u.username}:${u.id}`).sort();

/** Logs `account` in with the response the token page gives `user` (the token still answers). */
async function logInWithToken(context, portal, token, account, pin) {
  const login = await openLogin(context, portal, account);
  await chooseFactor(login, 'Soft token');
  await login.getByRole('button', { name: /challenge and response instead/ }).click();
  const challenge = await readChallenge(login);
  await submitResponse(login, await respond(token, { user: account.username, challenge, pin }));
  await assertLoggedIn(login);
  await login.close();
}

test('quota used up: Add User and activating again store nothing, say so, and work once there is room', async (t) => {
  const { portal, device, token, phone, check } = await setup(t, { onDisk: true });
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  const before = await storedRecords(token);
  assert.deepEqual(usersOf(before).map((u) => u.split(':')[0]), ['alice']);

  // Add User with the quota used up: the portal activated bob, the token cannot keep his key.
  await fillStorage(token);
  await activateUpToPin(token, phone, DEMO.bob);
  await savePin(token, BOB_PIN);
  await assertVisibleText(token.locator('#act-error'), QUOTA_EN, 15_000);
  assert.equal(await token.locator('#act-error').getAttribute('data-code'), 'QuotaExceeded');
  assert.deepEqual(await storedRecords(token), before, 'nothing of bob was stored');

  // Room again: the same Save, with the PIN typed again, stores bob.
  await freeStorage(token);
  await savePin(token, BOB_PIN);
  await assertVisibleText(token.locator('#act-done-text'), 'bob is activated on this token.', 15_000);
  const two = await storedRecords(token);
  assert.deepEqual(usersOf(two).map((u) => u.split(':')[0]), ['alice', 'bob']);

  // The wasm instance still answers with the quota used up: bob logs in with it.
  await fillStorage(token);
  await logInWithToken(device.context, portal, token, DEMO.bob, BOB_PIN);

  // alice activated again under a used-up quota: her old user is replaced in one transaction,
  // so it stays when the new one cannot be stored (two steps used to remove it first).
  await portal.advance(121); // one activation SMS per account per 120 s
  await activateUpToPin(token, phone, DEMO.alice, portal);
  await savePin(token, ALICE_PIN);
  await assertVisibleText(token.locator('#act-error'), QUOTA_EN, 15_000);
  assert.deepEqual(await storedRecords(token), two, 'the old alice and bob are as they were');
  await freeStorage(token);
  await savePin(token, ALICE_PIN);
  await assertVisibleText(
    token.locator('#act-done-text'),
    'alice is activated again on this token; the old key has been replaced.',
    15_000,
  );
  const replaced = await storedRecords(token);
  assert.equal(replaced.users.length, 2);
  assert.notDeepEqual(usersOf(replaced), usersOf(two), 'alice has a new record');
  await logInWithToken(device.context, portal, token, DEMO.alice, ALICE_PIN);
  check();
});

test('quota used up: restoring a backup (German page) restores nothing, says so, and works once there is room', async (t) => {
  const { portal, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  await token.getByRole('navigation').getByRole('button', { name: 'Backup' }).click();
  const passphrase = 'correct horse battery staple';
  await token.locator('#export-passphrase').fill(passphrase);
  await field(token, 'Repeat the passphrase').fill(passphrase);
  const downloading = token.waitForEvent('download', { timeout: 30_000 });
  await button(token, 'Download backup').click();
  const download = await downloading;
  const dir = mkdtempSync(path.join(tmpdir(), 'secure-login-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'backup.json');
  await download.saveAs(file);

  // Another profile, in German, empty; its quota used up.
  const other = await newPersistentContext({ locale: 'de-DE' });
  t.after(() => other.context.close());
  await limitQuota(other.context, portal);
  const newToken = await openToken(other.context, portal);
  const before = await storedRecords(newToken);
  assert.deepEqual(before.users, []);
  await fillStorage(newToken);
  await newToken.locator('#welcome-restore').click();
  await newToken.locator('#import-file').setInputFiles(file);
  await newToken.locator('#import-passphrase').fill(passphrase);
  await newToken.locator('#import-form button[type="submit"]').click();
  await assertVisibleText(newToken.locator('#import-error'), QUOTA_DE, 30_000);
  assert.equal(await newToken.locator('#import-error').getAttribute('data-code'), 'QuotaExceeded');
  assert.deepEqual(await storedRecords(newToken), before, 'nothing of the backup was stored');

  await freeStorage(newToken);
  await newToken.locator('#import-file').setInputFiles(file);
  await newToken.locator('#import-passphrase').fill(passphrase);
  await newToken.locator('#import-form button[type="submit"]').click();
  await newToken.locator('#import-message').filter({ hasText: /^1 / }).waitFor({ timeout: 30_000 });
  assert.deepEqual(usersOf(await storedRecords(newToken)), usersOf(await storedRecords(token)));
  assert.deepEqual(other.problems(), []);
  check();
});

test('site data cleared while the token page is open: a clear message, nothing written, a reload starts empty', async (t) => {
  const { portal, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  assert.equal((await storedRecords(token)).users.length, 1);

  // As "Clear site data" does: the browser deletes the origin's IndexedDB under the open page.
  const cdp = await token.context().newCDPSession(token);
  await cdp.send('Storage.clearDataForOrigin', { origin: portal.url, storageTypes: 'indexeddb' });
  await cdp.detach();
  assert.equal(await storedRecords(token), null, 'the database is gone');

  // Authenticate: the message, no response, no trap.
  await token.getByRole('navigation').getByRole('button', { name: 'Authenticate' }).click();
  await field(token, 'Challenge').fill('12345678');
  await field(token, 'PIN').fill(ALICE_PIN);
  await button(token, 'Generate response').click();
  await assertVisibleText(token.locator('#auth-error'), CLEARED_EN);
  assert.equal(await token.locator('#auth-error').getAttribute('data-code'), 'StorageCleared');
  assert.ok(await token.locator('#auth-response-box').isHidden(), 'no response is shown');

  // Add User: the portal activates bob; the token stores nothing and recreates no database.
  await activateUpToPin(token, phone, DEMO.bob);
  await savePin(token, BOB_PIN);
  await assertVisibleText(token.locator('#act-error'), CLEARED_EN, 15_000);
  assert.equal(await storedRecords(token), null, 'no half-made database or record');
  // The page (and its wasm instance) is alive and translates the message.
  await token.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Deutsch' });
  await assertVisibleText(token.locator('#act-error'), CLEARED_DE);
  await token.getByRole('combobox', { name: 'Sprache' }).selectOption({ label: 'English' });

  // A reload starts empty: the first activation.
  await token.reload();
  await token.locator('#status[data-state="ready"]').waitFor();
  await token.locator('#view-welcome').waitFor();
  assert.equal((await storedRecords(token)).users.length, 0);
  // (Not bob: the portal activated his token above, so his SMS binds no other; his way back
  // is the same code again within 10 minutes, a recovery code or an administrator.)
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);
  check();
});

test('another tab deletes the token database: the open page steps aside, says so, and writes nothing', async (t) => {
  const { portal, device, token, phone, check } = await setup(t);
  await activate(token, phone, DEMO.alice, ALICE_PIN, portal);

  // The other tab's delete goes through only if the token page closes its connection.
  const other = await device.context.newPage();
  await other.goto(`${portal.url}/calculator.html`);
  const outcome = await other.evaluate(
    (name) =>
      new Promise((resolve) => {
        const request = indexedDB.deleteDatabase(name);
        let blocked = false;
        request.onblocked = () => { blocked = true; };
        request.onsuccess = () => resolve({ deleted: true, blocked });
        request.onerror = () => resolve({ deleted: false, blocked, error: String(request.error) });
        setTimeout(() => resolve({ deleted: false, blocked }), 5_000);
      }),
    DB,
  );
  assert.deepEqual(outcome, { deleted: true, blocked: false });
  await other.close();

  // Rename: the message, and no database made again with a half of alice in it.
  await token.getByRole('navigation').getByRole('button', { name: 'Users' }).click();
  await token.locator('#user-list .user-rename').first().click();
  await field(token, 'New name for alice').fill('alice2');
  await token.locator('#user-list .user-rename-save').first().click();
  await assertVisibleText(token.locator('#users-error'), CLEARED_EN);
  assert.equal(await token.locator('#users-error').getAttribute('data-code'), 'StorageCleared');
  assert.equal(await storedRecords(token), null);

  await token.reload();
  await token.locator('#status[data-state="ready"]').waitFor();
  await token.locator('#view-welcome').waitFor();
  check();
});

test('card page: with localStorage full, loading a card says so, keeps nothing, and works once there is room', async (t) => {
  const portal = await startPortal();
  const device = await newContext(browser);
  t.after(async () => {
    await device.context.close();
    await portal.stop();
  });
  const card = await device.context.newPage();
  await card.goto(`${portal.url}/card.html`);
  await card.locator('#status[data-state="ready"]').waitFor();
  // Fill localStorage to the last character it takes (Chromium: about 5 M characters an origin).
  const filled = await card.evaluate(() => {
    let chunk = 'x'.repeat(1 << 20);
    let n = 0;
    while (chunk.length > 0) {
      try {
        localStorage.setItem(`filler-${n}`, chunk);
        n += 1;
      } catch {
        chunk = chunk.slice(0, chunk.length >> 1);
      }
    }
    return n;
  });
  assert.ok(filled > 0);
  const serial = portal.demo.cardSerial;
  await field(card, 'Demo card').selectOption({ label: `alice · ${serial}` });
  await button(card, 'Load card').click();
  await assertVisibleText(
    card.locator('#setup-error'),
    'The browser has no room left to keep the card. Nothing was saved. Free some space and load it again.',
  );
  assert.equal(await card.locator('#setup-error').getAttribute('data-code'), 'QuotaExceeded');
  assert.equal(await card.evaluate(() => localStorage.getItem('secure-login-card')), null);
  assert.ok(await card.locator('#card-owner').isHidden(), 'no card in use that a reload would lose');

  await card.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Deutsch' });
  await assertVisibleText(
    card.locator('#setup-error'),
    'Der Browser hat keinen Platz mehr, um die Karte zu behalten. Es wurde nichts gespeichert. Schaffen Sie Platz und laden Sie sie erneut.',
  );
  await card.getByRole('combobox', { name: 'Sprache' }).selectOption({ label: 'English' });

  await card.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith('filler-')) localStorage.removeItem(key);
  });
  await button(card, 'Load card').click();
  await assertVisibleText(card.locator('#card-owner'), `Card ${serial} of alice.`);
  assert.match(await card.evaluate(() => localStorage.getItem('secure-login-card')), /"record"/);
  assert.deepEqual(device.problems(), []);
});

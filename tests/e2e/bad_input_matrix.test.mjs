// The bad-input matrix of SoftToken (it needs IndexedDB: Chromium, on a page of the portal
// importing /pkg/secure_login.js). Every method and the static `open`, every parameter, every
// bad value of tests/js/bad_input_matrix.test.mjs in turn with the other arguments valid. The
// page runs the cells and reports what each did; the expected outcome of each is written down
// here. After every refused cell the token's users (`users()`) are exactly as before; a cell
// that is legitimately accepted (a rename, an added user) is undone at once. At the end the
// token still answers the RFC 6287 vector its first user was made from.
//
// Run: `node --test tests/e2e/` (after `cargo build -p secure-login-server` and scripts/build-wasm.sh).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { launchBrowser, newContext, startPortal } from './helpers.mjs';

const STRINGS = [
  'string', 'empty string', '1 MB string', 'unicode', 'unicode digits', 'fullwidth digits',
  'astral', 'lone surrogate', 'NUL', 'NUL inside',
];
const ABSENT = ['undefined', 'null'];
const OK = 'ok';
const each = (names, expected) => Object.fromEntries(names.map((n) => [n, expected]));
/** A required string parameter that names a user: any string is just an unknown user. */
const USER_ID = { ...each(STRINGS, 'UnknownUser'), otherwise: 'InvalidArgument' };
/** A PIN typed to answer: 4 to 12 ASCII digits; any other string is InvalidPin. */
const PIN = { ...each(STRINGS, 'InvalidPin'), otherwise: 'InvalidArgument' };
/** A username or issuer: not empty, not too long, no control characters. */
const NAME = (code) => ({
  ...each(STRINGS, OK),
  'empty string': code,
  '1 MB string': code,
  NUL: code,
  'NUL inside': code,
  otherwise: 'InvalidArgument',
});
const PASSPHRASE = { ...each(STRINGS, 'WeakPassphrase'), otherwise: 'InvalidArgument' };

/** What each cell must give: `method param` -> { value name: code or 'ok', otherwise }. */
const EXPECTED = {
  'open name': {
    ...each(ABSENT, OK),
    ...each(STRINGS, OK),
    // 1 to 128 characters.
    'empty string': 'InvalidArgument',
    '1 MB string': 'InvalidArgument',
    otherwise: 'InvalidArgument',
  },
  'addUser user': { otherwise: 'InvalidArgument' },
  'addUser user.username': { missing: 'InvalidArgument', ...each(ABSENT, 'InvalidArgument'), ...NAME('InvalidUsername') },
  'addUser user.issuer': { missing: 'InvalidArgument', ...each(ABSENT, 'InvalidArgument'), ...NAME('InvalidIssuer') },
  'addUser user.secret': {
    missing: 'InvalidArgument',
    // Text is Base32 (empty, or over the decoder's limit: refused as Base32 too).
    ...each(STRINGS, 'InvalidBase32'),
    'empty bytes': 'InvalidSecret',
    '1 MB bytes': 'InvalidSecret',
    otherwise: 'InvalidArgument',
  },
  'addUser user.pin': { missing: 'InvalidArgument', ...PIN },
  'addUser user.suite': { missing: OK, ...each(ABSENT, OK), ...each(STRINGS, 'InvalidSuite'), otherwise: 'InvalidArgument' },
  // The default suite has no counter: a well-typed counter is refused as UnsupportedSuite.
  'addUser user.counter': {
    missing: OK,
    ...each(ABSENT, OK),
    ...each(['number 1', 'zero', 'bigint 1n', 'max safe', 'u64 max'], 'UnsupportedSuite'),
    otherwise: 'InvalidArgument',
  },
  'addUser user.totp': {
    missing: OK,
    ...each(ABSENT, OK),
    // A plain object next to the default suite is fine: the user becomes a TOTP user with the
    // defaults (the base has no suite). A Uint8Array is not a plain object: refused.
    object: OK,
    otherwise: 'InvalidArgument',
  },
  'addUser user.iterations': {
    missing: OK,
    ...each(ABSENT, OK),
    'number 1': 'InvalidKdf',
    zero: 'InvalidKdf',
    'bigint 1n': 'InvalidKdf',
    otherwise: 'InvalidArgument',
  },
  'renameUser id': USER_ID,
  'renameUser username': NAME('InvalidUsername'),
  'removeUser id': USER_ID,
  'respond id': USER_ID,
  'respond challenge': {
    // QN08: up to 8 digits; spaces and dashes aside, anything else is InvalidChallenge.
    ...each(STRINGS, 'InvalidChallenge'),
    '1 MB string': 'ChallengeLength',
    otherwise: 'InvalidArgument',
  },
  'respond pin': PIN,
  'respond options': { ...each(ABSENT, OK), object: OK, otherwise: 'InvalidArgument' },
  // The suite has no S: any session string is refused.
  'respond options.session': { missing: OK, ...each(ABSENT, OK), ...each(STRINGS, 'InvalidSession'), otherwise: 'InvalidArgument' },
  'currentCode id': USER_ID,
  'currentCode pin': PIN,
  'approvePush id': USER_ID,
  'approvePush request': {
    // 1 to 128 bytes of printable ASCII (crates/token/src/input.rs): only "abc" passes.
    ...each(STRINGS, 'InvalidRequestId'),
    string: OK,
    otherwise: 'InvalidArgument',
  },
  'approvePush number': {
    // 1 to 9 digits, as text or as a whole number.
    ...each(STRINGS, 'InvalidNumber'),
    'number 1': OK,
    zero: OK,
    'bigint 1n': OK,
    'max safe': 'InvalidNumber',
    'u64 max': 'InvalidNumber',
    otherwise: 'InvalidArgument',
  },
  'approvePush pin': PIN,
  'exportBackup passphrase': PASSPHRASE,
  'importBackup backup': { ...each(STRINGS, 'BackupMalformed'), otherwise: 'InvalidArgument' },
  // Reading a backup, a short passphrase is not weak but wrong; only one over 1024 bytes is
  // refused by its shape.
  'importBackup passphrase': { ...each(STRINGS, 'WrongPassphrase'), '1 MB string': 'WeakPassphrase', otherwise: 'InvalidArgument' },
};
EXPECTED['denyPush id'] = EXPECTED['approvePush id'];
EXPECTED['denyPush request'] = EXPECTED['approvePush request'];
EXPECTED['denyPush number'] = EXPECTED['approvePush number'];
EXPECTED['denyPush pin'] = EXPECTED['approvePush pin'];

/** Runs in the page: the whole matrix, returns [{ key, value, outcome, usersChanged }]. */
async function runMatrix() {
  const m = await import('/pkg/secure_login.js');
  await m.default();
  const MB = 1 << 20;
  const VALUES = [
    ['undefined', undefined], ['null', null], ['true', true], ['number 1', 1], ['zero', 0],
    ['string', 'abc'], ['object', {}], ['array', []], ['bigint 1n', 1n], ['symbol', Symbol('bad')],
    ['function', () => 1], ['empty string', ''], ['empty bytes', new Uint8Array(0)],
    ['1 MB string', '7'.repeat(MB)], ['1 MB bytes', new Uint8Array(MB)], ['unicode', 'Grüße €'],
    ['unicode digits', '١٢٣٤٥٦'], ['fullwidth digits', '１２３４５６'], ['astral', '🔐𝟙𝟚𝟛'],
    ['lone surrogate', '12\uD80034'], ['NUL', '\u0000'], ['NUL inside', '12\u000034'],
    ['negative', -1], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
    ['2**53', 2 ** 53], ['max safe', 2 ** 53 - 1], ['float', 1.5], ['2n**64n', 2n ** 64n],
    ['u64 max', 2n ** 64n - 1n], ['-1n', -1n],
  ];
  const KEY = new TextEncoder().encode('12345678901234567890123456789012'); // RFC 6287 SHA256 key
  const PIN = '482659';
  const USER = { username: 'alice', issuer: 'Portal', secret: KEY, pin: PIN, iterations: 1000 };
  const db = `bad-input-matrix-${Date.now()}`;
  const token = await m.SoftToken.open(db);
  const ocraUser = await token.addUser(USER);
  const totpUser = await token.addUser({ ...USER, username: 'carol', totp: {} });
  const backup = await token.exportBackup('correct horse battery staple');
  // OCRA-1:HOTP-SHA256-8:QN08 with the RFC 6287 32-byte key, Q = 00000000 (checked in Node
  // against node:crypto).
  const vector = async () => token.respond(ocraUser.id, '00000000', PIN);
  const firstVector = await vector();
  const users = async () => JSON.stringify(await token.users());
  const cleanUsers = await users();

  const methods = [
    { name: 'open', params: ['name'], valid: () => [db], call: (a) => m.SoftToken.open(...a) },
    {
      name: 'addUser', params: ['user'], valid: () => [{ ...USER, username: 'bob' }],
      fields: { user: { base: { ...USER, username: 'bob' }, names: ['username', 'issuer', 'secret', 'pin', 'suite', 'counter', 'totp', 'iterations'] } },
    },
    { name: 'renameUser', params: ['id', 'username'], valid: () => [ocraUser.id, 'alice'] },
    { name: 'removeUser', params: ['id'], valid: null },
    {
      name: 'respond', params: ['id', 'challenge', 'pin', 'options'], valid: () => [ocraUser.id, '00000000', PIN, undefined],
      fields: { options: { base: {}, names: ['session'] } },
    },
    { name: 'currentCode', params: ['id', 'pin'], valid: () => [totpUser.id, PIN] },
    { name: 'approvePush', params: ['id', 'request', 'number', 'pin'], valid: () => [ocraUser.id, 'req-1', '42', PIN] },
    { name: 'denyPush', params: ['id', 'request', 'number', 'pin'], valid: () => [ocraUser.id, 'req-1', '42', PIN] },
    { name: 'exportBackup', params: ['passphrase'], valid: () => ['correct horse battery staple'] },
    { name: 'importBackup', params: ['backup', 'passphrase'], valid: () => [backup, 'correct horse battery staple'] },
  ];

  const results = [];
  const run = async (key, valueName, method, args) => {
    let outcome;
    let value;
    try {
      const call = method.call ?? ((a) => token[method.name](...a));
      value = await call(args);
      outcome = 'ok';
    } catch (error) {
      outcome = error?.name === 'SecureLoginError' && typeof error.code === 'string'
        ? error.code
        : `not a SecureLoginError: ${error}`;
    }
    // Undo what an accepted cell legitimately did, then compare the users.
    if (outcome === 'ok') {
      if (method.name === 'open') value.free();
      if (method.name === 'addUser') await token.removeUser(value.id);
      if (method.name === 'renameUser') await token.renameUser(ocraUser.id, 'alice');
    }
    const usersChanged = (await users()) !== cleanUsers;
    const alive = (await vector()) === firstVector;
    results.push({ key, value: valueName, outcome, usersChanged, alive });
  };

  for (const method of methods) {
    for (const [i, param] of method.params.entries()) {
      if (method.valid === null) {
        // removeUser: its only valid call would remove the user; every value of the matrix.
        for (const [name, value] of VALUES) await run(`${method.name} ${param}`, name, method, [value]);
        continue;
      }
      for (const [name, value] of VALUES) {
        const args = method.valid();
        args[i] = value;
        await run(`${method.name} ${param}`, name, method, args);
      }
      const fields = method.fields?.[param];
      for (const field of fields?.names ?? []) {
        for (const [name, value] of [['missing'], ...VALUES]) {
          const object = { ...fields.base };
          if (name === 'missing') delete object[field];
          else object[field] = value;
          const args = method.valid();
          args[i] = object;
          await run(`${method.name} ${param}.${field}`, name, method, args);
        }
      }
    }
  }
  // Unknown keys in the option objects.
  await run('addUser unknown key', 'colour', { name: 'addUser' }, [{ ...USER, username: 'bob', colour: 'red' }]);
  await run('respond unknown key', 'sesion', { name: 'respond' }, [ocraUser.id, '00000000', PIN, { sesion: 'ab' }]);
  await run('addUser suite and totp', 'both', { name: 'addUser' }, [{ ...USER, username: 'bob', suite: 'OCRA-1:HOTP-SHA256-8:QN08', totp: {} }]);
  const finalUsers = await users();
  token.close();
  await new Promise((resolve) => { indexedDB.deleteDatabase(db).onsuccess = resolve; });
  return { results, firstVector, stable: finalUsers === cleanUsers };
}

/** OCRA-1:HOTP-SHA256-8:QN08 (RFC 6287 section 5) with node:crypto, independent of the wasm. */
function ocraQn08(key, numericChallenge) {
  const suite = 'OCRA-1:HOTP-SHA256-8:QN08';
  const q = Buffer.alloc(128);
  let nibbles = BigInt(numericChallenge).toString(16);
  if (nibbles.length % 2) nibbles += '0';
  Buffer.from(nibbles, 'hex').copy(q);
  const mac = createHmac('sha256', Buffer.from(key)).update(Buffer.concat([Buffer.from(suite), Buffer.from([0]), q])).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1e8).padStart(8, '0');
}

let browser;
let portal;

before(async () => {
  [browser, portal] = await Promise.all([launchBrowser(), startPortal()]);
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('SoftToken bad-input matrix in Chromium: typed errors, users unchanged, still answering', async (t) => {
  const { context } = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${portal.url}/index.html`);
  const { results, firstVector, stable } = await page.evaluate(runMatrix);
  assert.equal(firstVector, ocraQn08('12345678901234567890123456789012', '00000000'));
  const extra = {
    'addUser unknown key': 'InvalidArgument',
    'respond unknown key': 'InvalidArgument',
    'addUser suite and totp': 'InvalidArgument',
  };
  const failures = [];
  const tally = new Map();
  for (const { key, value, outcome, usersChanged, alive } of results) {
    const spec = EXPECTED[key];
    const expected = key in extra ? extra[key] : spec && (value in spec ? spec[value] : spec.otherwise);
    const label = `${key} = ${value}`;
    if (expected === undefined) failures.push(`${label}: no expectation written`);
    else if (outcome !== expected) failures.push(`${label}: expected ${expected}, got ${outcome}`);
    if (usersChanged) failures.push(`${label}: the users changed`);
    if (!alive) failures.push(`${label}: the token no longer answers the vector`);
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  }
  assert.deepEqual(failures, [], `${failures.length} cells failed`);
  assert.ok(stable, 'the users at the end are those of the start');
  assert.ok(results.length > 900, `${results.length} cells`);
  t.diagnostic(`${results.length} cells: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  await context.close();
});

// The JavaScript API in Node (wasm-pack --target nodejs build in pkg-node/): the RFC vectors
// with their tampered twins, typed errors, and a barrage of hostile input that must never trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require(process.env.SECURE_LOGIN_PKG_NODE ?? '../../pkg-node/secure_login.js');

const vectors = (name) => JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url)));
const hex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));
const tampered = (code) => code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10);

/** Runs `fn` and returns the SecureLoginError it throws (failing if it does not). */
function thrown(fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error, `an Error, not ${error}`);
    assert.equal(error.name, 'SecureLoginError', error.message);
    assert.equal(typeof error.code, 'string');
    return error;
  }
  assert.fail('expected a SecureLoginError');
}

test('RFC 4226 Appendix D', () => {
  const file = vectors('rfc4226');
  const key = hex(file.secret_hex);
  for (const { counter, hotp } of file.cases) {
    assert.equal(api.hotp(key, counter), hotp);
    assert.equal(api.hotp(key, BigInt(counter), { digits: 6, hash: 'SHA1' }), hotp);
    assert.deepEqual(api.verifyHotp(key, hotp, 0, { lookAhead: 9 }), { counter });
    assert.equal(api.verifyHotp(key, tampered(hotp), counter), undefined);
    assert.equal(api.verifyHotp(key, hotp, counter + 1, { lookAhead: 20 }), undefined);
  }
});

test('RFC 6238 Appendix B, all 18 rows', () => {
  const file = vectors('rfc6238');
  assert.equal(file.cases.length, 18);
  for (const c of file.cases) {
    const options = { digits: 8, hash: c.hash, step: file.step, t0: file.t0 };
    assert.equal(api.totp(hex(c.secret_hex), c.time, options), c.totp, `${c.hash} at ${c.time}`);
    const step = parseInt(c.step_hex, 16);
    assert.deepEqual(api.verifyTotp(hex(c.secret_hex), c.totp, c.time + 30, options), { step, offset: -1 });
    assert.equal(api.verifyTotp(hex(c.secret_hex), tampered(c.totp), c.time, options), undefined);
  }
});

test('RFC 6287 Appendix C: one-way, mutual and signature', () => {
  const file = vectors('rfc6287');
  for (const c of file.cases) {
    const input = { challenge: c.challenges.length === 1 ? c.challenges[0] : c.challenges };
    if (c.counter !== undefined) input.counter = c.counter;
    if (c.pin !== undefined) input.pin = c.pin;
    if (c.time_steps_hex !== undefined) input.timestep = parseInt(c.time_steps_hex, 16);
    const what = `${c.section} ${c.suite} ${c.challenges}`;
    assert.equal(api.ocra(c.suite, hex(c.key_hex), input), c.response, what);
    if (c.pin !== undefined) {
      const hashed = { ...input, pin: undefined, pinHash: file.pin_sha1_hex };
      delete hashed.pin;
      assert.equal(api.ocra(c.suite, hex(c.key_hex), hashed), c.response, `${what} (pinHash)`);
    }
    const found = api.verifyOcra(c.suite, hex(c.key_hex), c.response, input);
    assert.ok(found, what);
    assert.equal(found.counter, c.counter, what);
    assert.equal(api.verifyOcra(c.suite, hex(c.key_hex), tampered(c.response), input), undefined, what);
  }
});

test('OCRA time as Unix seconds, with a window', () => {
  const key = hex('31323334353637383930'.repeat(6) + '31323334');
  const suite = 'OCRA-1:HOTP-SHA512-8:QN08-T1M';
  assert.equal(api.ocra(suite, key, { challenge: '00000000', time: 1206446790 }), '95209754');
  const later = { challenge: '00000000', time: 1206446790 + 120 };
  assert.deepEqual(api.verifyOcra(suite, key, '95209754', later, { timeWindow: 2 }), { timeStep: 0x132d0b6 });
  assert.equal(api.verifyOcra(suite, key, '95209754', later), undefined);
});

test('OtpKey: the RFC 4226 and RFC 6238 vectors from a key prepared once', () => {
  const file = vectors('rfc4226');
  const key = new api.OtpKey(hex(file.secret_hex));
  for (const { counter, hotp } of file.cases) {
    assert.equal(key.hotp(counter), hotp);
    assert.equal(key.hotp(BigInt(counter)), hotp);
    assert.deepEqual(key.verifyHotp(hotp, 0, 9), { counter });
    assert.equal(key.verifyHotp(tampered(hotp), counter), undefined);
  }
  key.free();
  const totp = vectors('rfc6238');
  for (const c of totp.cases) {
    const prepared = new api.OtpKey(hex(c.secret_hex), { digits: 8, hash: c.hash, step: totp.step, t0: totp.t0 });
    assert.equal(prepared.totp(c.time), c.totp, `${c.hash} at ${c.time}`);
    const step = parseInt(c.step_hex, 16);
    assert.deepEqual(prepared.verifyTotp(c.totp, c.time + 30), { step, offset: -1 });
    assert.equal(prepared.verifyTotp(tampered(c.totp), c.time, 0), undefined);
    prepared.free();
  }
});

test('codes of 6 to 10 digits equal an HMAC truncation written here with node:crypto', () => {
  // RFC 4226 section 5.3, independently of the library: dynamic truncation, then mod 10^digits.
  const reference = (key, counter, digits, hash) => {
    const message = Buffer.alloc(8);
    message.writeBigUInt64BE(BigInt(counter));
    const mac = createHmac(hash, key).update(message).digest();
    const offset = mac[mac.length - 1] & 0x0f;
    const value = mac.readUInt32BE(offset) & 0x7fffffff;
    return String(value % 10 ** digits).padStart(digits, '0');
  };
  const key = hex('3132333435363738393031323334353637383930');
  let leadingZeros = 0;
  for (const digits of [6, 7, 8, 9, 10]) {
    for (const [hash, name] of [['sha1', 'SHA1'], ['sha256', 'SHA256'], ['sha512', 'SHA512']]) {
      const prepared = new api.OtpKey(key, { digits, hash: name });
      for (let counter = 0; counter < 200; counter += 1) {
        const want = reference(key, counter, digits, hash);
        leadingZeros += Number(want.startsWith('0'));
        assert.equal(api.hotp(key, counter, { digits, hash: name }), want, `${name} ${digits} digits at ${counter}`);
        assert.equal(prepared.hotp(counter), want, `OtpKey ${name} ${digits} digits at ${counter}`);
      }
      prepared.free();
    }
  }
  assert.ok(leadingZeros > 100, 'codes with leading zeros were among them');
});

test('OtpKey refuses bad input with typed errors', () => {
  const key = hex('3132333435363738393031323334353637383930');
  assert.equal(thrown(() => new api.OtpKey(new Uint8Array())).code, 'InvalidSecret');
  assert.equal(thrown(() => new api.OtpKey('GEZDGNBV')).code, 'InvalidArgument');
  assert.equal(thrown(() => new api.OtpKey(key, { digits: 11 })).code, 'InvalidDigits');
  assert.equal(thrown(() => new api.OtpKey(key, { lookAhead: 1 })).code, 'InvalidArgument');
  assert.equal(thrown(() => new api.OtpKey(key, { step: 0 })).code, 'InvalidTime');
  const prepared = new api.OtpKey(key, { t0: 100 });
  for (const counter of [undefined, null, -1, 1.5, NaN, Infinity, 2 ** 53, -1n, 2n ** 64n, '1', true, {}]) {
    assert.equal(thrown(() => prepared.hotp(counter)).code, 'InvalidArgument', String(counter));
    assert.equal(thrown(() => prepared.totp(counter)).code, 'InvalidArgument', String(counter));
  }
  assert.equal(prepared.hotp(2n ** 64n - 1n).length, 6, 'the largest counter');
  assert.equal(thrown(() => prepared.totp(99)).code, 'InvalidTime');
  assert.equal(thrown(() => prepared.verifyHotp('12345', 0)).code, 'InvalidCode');
  assert.equal(thrown(() => prepared.verifyHotp(755224, 0)).code, 'InvalidArgument');
  assert.equal(thrown(() => prepared.verifyHotp('755224', 0, 1001)).code, 'InvalidWindow');
  assert.equal(thrown(() => prepared.verifyHotp('755224', 0, -1)).code, 'InvalidArgument');
  assert.equal(thrown(() => prepared.verifyTotp('755224', 100, '1')).code, 'InvalidArgument');
  assert.equal(prepared.hotp(0), '755224', 'still working after the refusals');
  prepared.free();
  assert.throws(() => prepared.hotp(0), 'a freed key is gone');
});

test('parseOcraSuite describes the suite', () => {
  assert.deepEqual(api.parseOcraSuite('OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1-S064-T1M'), {
    suite: 'OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1-S064-T1M',
    hash: 'SHA256',
    digits: 8,
    counter: true,
    challenge: { format: 'numeric', maxLength: 8 },
    pin: 'SHA1',
    sessionLength: 64,
    timeStep: 60,
  });
  assert.deepEqual(api.parseOcraSuite('OCRA-1:HOTP-SHA1-0:QA64'), {
    suite: 'OCRA-1:HOTP-SHA1-0:QA64',
    hash: 'SHA1',
    digits: 0,
    counter: false,
    challenge: { format: 'alphanumeric', maxLength: 64 },
  });
});

test('Key URI and Base32 round trips', () => {
  const secret = api.base32Decode('jbsw y3dp ehpk 3pxp====');
  assert.deepEqual([...secret], [72, 101, 108, 108, 111, 33, 0xde, 0xad, 0xbe, 0xef]); // "Hello!" 0xdeadbeef
  assert.equal(api.base32Encode(secret), 'JBSWY3DPEHPK3PXP');
  const uri = 'otpauth://totp/ACME%20Co:john.doe%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60';
  const info = api.parseKeyUri(uri);
  assert.equal(info.type, 'totp');
  assert.equal(info.account, 'john.doe@example.com');
  assert.equal(info.issuer, 'ACME Co');
  assert.equal(info.algorithm, 'SHA256');
  assert.equal(info.digits, 8);
  assert.equal(info.period, 60);
  assert.deepEqual([...info.secret], [...secret]);
  assert.deepEqual(api.parseKeyUri(api.formatKeyUri(info)), info);
  const ocra = api.parseKeyUri('otpauth://ocra/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&ocrasuite=OCRA-1%3AHOTP-SHA256-8%3AQN08');
  assert.equal(ocra.ocraSuite, 'OCRA-1:HOTP-SHA256-8:QN08');
  assert.deepEqual(api.parseKeyUri(api.formatKeyUri(ocra)), ocra);
  const hotp = api.parseKeyUri('otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQ&counter=42');
  assert.equal(hotp.counter, 42);
  assert.equal(hotp.issuer, undefined);
});

test('randomSecret: 20 bytes by default, never fewer than 16, different each time', () => {
  assert.equal(api.randomSecret().length, 20);
  assert.equal(api.randomSecret(32).length, 32);
  assert.notDeepEqual(api.randomSecret(), api.randomSecret());
  assert.equal(thrown(() => api.randomSecret(15)).code, 'SecretTooShort');
  assert.equal(thrown(() => api.randomSecret(5000)).code, 'InvalidSecret');
});

test('errors carry a stable code and never the secret', () => {
  const key = hex('3132333435363738393031323334353637383930');
  const cases = [
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QX08', key, { challenge: '1' }), 'InvalidSuite'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: '123456789' }), 'ChallengeTooLong'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: '12ab' }), 'InvalidChallenge'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08-PSHA1', key, { challenge: '1234' }), 'MissingPin'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: '1234', pin: '1' }), 'UnexpectedPin'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:C-QN08', key, { challenge: '1234' }), 'MissingCounter'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08-T1M', key, { challenge: '1234' }), 'MissingTime'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08-S004', key, { challenge: '1234', session: '0011223344' }), 'SessionTooLong'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08-PSHA1', key, { challenge: '1234', pinHash: 'abcd' }), 'InvalidPin'],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: '1234', extra: 1 }), 'InvalidArgument'],
    [() => api.hotp(key, 1, { digits: 11 }), 'InvalidDigits'],
    [() => api.hotp(key, 1, { hash: 'MD5' }), 'InvalidHash'],
    [() => api.hotp(new Uint8Array(), 1), 'InvalidSecret'],
    [() => api.hotp(key, -1), 'InvalidArgument'],
    [() => api.hotp(key, 1.5), 'InvalidArgument'],
    [() => api.totp(key, 10, { t0: 20 }), 'InvalidTime'],
    [() => api.totp(key, 10, { step: 0 }), 'InvalidTime'],
    [() => api.verifyTotp(key, '12345', 10), 'InvalidCode'],
    [() => api.verifyHotp(key, '123456', 0, { lookAhead: 1001 }), 'InvalidWindow'],
    [() => api.base32Decode('not base32!'), 'InvalidBase32'],
    [() => api.parseKeyUri('https://example.com'), 'InvalidKeyUri'],
    [() => api.parseKeyUri('otpauth://hotp/a?secret=GEZDGNBV'), 'InvalidKeyUri'],
  ];
  for (const [fn, code] of cases) {
    const error = thrown(fn);
    assert.equal(error.code, code, error.message);
    assert.ok(!error.message.includes('3132333435'), 'no secret in the message');
    assert.ok(error.message.length > 10, 'a message that names the problem');
  }
});

test('errors carry expected, found and reason as the Rust errors hold them', () => {
  // Written down from crates/otp/src/error.rs and the texts of the errors' origins
  // (code.rs, ocra/suite.rs, ocra/challenge.rs, ocra/mod.rs, totp.rs, encoding.rs, key_uri.rs,
  // crates/otp/src/pin_rules.rs for the card's PIN): counts as numbers, the core's words as text.
  const key = hex('3132333435363738393031323334353637383930');
  const details = (error) => {
    const fields = {};
    for (const name of ['expected', 'found', 'reason']) if (error[name] !== undefined) fields[name] = error[name];
    return fields;
  };
  const cases = [
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: '123456789' }), 'ChallengeTooLong', { expected: 8, found: 9 }],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08-S004', key, { challenge: '1234', session: '0011223344' }), 'SessionTooLong', { expected: 4, found: 5 }],
    [() => api.hotp(key, 1, { digits: 11 }), 'InvalidDigits', { expected: '6 to 10', found: 11 }],
    [() => api.hotp(new Uint8Array(), 1), 'InvalidSecret', { found: 0 }],
    [() => api.verifyTotp(key, '12345', 10), 'InvalidCode', { expected: '6 digits' }],
    [() => api.verifyHotp(key, '123456', 0, { lookAhead: 1001 }), 'InvalidWindow', { found: 1001 }],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QX08', key, { challenge: '1' }), 'InvalidSuite', { reason: 'the challenge must be QA, QN or QH and two digits 04 to 64' }],
    [() => api.parseOcraSuite('OCRA-2:HOTP-SHA1-6:QN08'), 'InvalidSuite', { reason: 'the version must be OCRA-1' }],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: '12ab' }), 'InvalidChallenge', { reason: 'only digits are allowed' }],
    [() => api.totp(key, 10, { t0: 20 }), 'InvalidTime', { reason: 'the time is before T0' }],
    [() => api.totp(key, 10, { step: 0 }), 'InvalidTime', { reason: 'the time step must be at least 1 second' }],
    [() => api.base32Decode('not base32!'), 'InvalidBase32', { reason: 'only letters A-Z and digits 2-7 are allowed' }],
    [() => api.parseKeyUri('https://example.com'), 'InvalidKeyUri', { reason: 'it must start with otpauth://' }],
    [() => api.hotp(key, 1, { hash: 'MD5' }), 'InvalidHash', {}],
    [() => api.ocra('OCRA-1:HOTP-SHA1-6:QN08-PSHA1', key, { challenge: '1234' }), 'MissingPin', {}],
    [() => api.SecurityCard.provision({ secret: key, pin: '1234' }), 'WeakPin', { reason: 'a run of consecutive digits' }],
    [() => api.SecurityCard.provision({ secret: key, pin: '5555' }), 'WeakPin', { reason: 'all the same digit' }],
    [() => api.SecurityCard.provision({ secret: key, pin: '58203' }), 'InvalidPin', { reason: "the card's PIN has 4 digits" }],
    [() => api.SecurityCard.provision({ secret: key.slice(0, 15), pin: '7391' }), 'InvalidSecret', { found: 15 }],
  ];
  for (const [fn, code, expected] of cases) {
    const error = thrown(fn);
    assert.equal(error.code, code, error.message);
    assert.deepEqual(details(error), expected, `${code}: ${error.message}`);
  }
});

test('hostile input never traps the wasm instance', () => {
  const values = [
    undefined, null, true, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2n ** 64n, -1n,
    '', 'x'.repeat(1 << 20), '\u0000', '🔐'.repeat(100), '٣٤٥٦', {}, [], [1, 2], { challenge: 5 },
    new Uint8Array(0), new Uint8Array(2000), () => 1, Symbol('s'),
  ];
  const key = new Uint8Array(20).fill(7);
  const calls = [
    (v) => api.hotp(key, v),
    (v) => api.hotp(v, 1),
    (v) => api.hotp(key, 1, v),
    (v) => api.totp(key, v),
    (v) => api.totp(key, 1, v),
    (v) => api.verifyHotp(key, v, 1),
    (v) => api.verifyHotp(key, '123456', 1, v),
    (v) => api.verifyTotp(key, '123456', v),
    (v) => api.ocra(v, key, { challenge: '1234' }),
    (v) => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, v),
    (v) => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', key, { challenge: v }),
    (v) => api.verifyOcra('OCRA-1:HOTP-SHA1-6:QN08', key, v, { challenge: '1234' }),
    (v) => api.parseOcraSuite(v),
    (v) => api.parseKeyUri(v),
    (v) => api.formatKeyUri(v),
    (v) => api.base32Decode(v),
    (v) => api.base32Encode(v),
    (v) => api.randomSecret(v),
  ];
  let errors = 0;
  for (const call of calls) {
    for (const value of values) {
      try {
        call(value);
      } catch (error) {
        errors += 1;
        // A wasm trap is a WebAssembly.RuntimeError; wasm-bindgen's own argument checks throw
        // TypeError/Error. Neither may be a trap.
        assert.ok(!(error instanceof WebAssembly.RuntimeError), `trap: ${error}`);
      }
    }
  }
  assert.ok(errors > calls.length, 'the barrage did reach the error paths');
  // The instance is still alive and correct afterwards.
  assert.equal(api.hotp(hex('3132333435363738393031323334353637383930'), 0), '755224');
});

// The bad-input matrix of the JavaScript API in Node (pkg-node/, as api.test.mjs): for every
// exported function, and for SecurityCard (pure: no IndexedDB, so Node runs it; SoftToken needs
// IndexedDB and has its matrix in tests/e2e/bad_input_matrix.test.mjs), every parameter gets
// every bad value in turn with the other arguments valid. Each cell states what must happen:
// a SecureLoginError with one exact `code`, or a result that the cell checks. After every cell
// the instance must still compute an RFC 4226 vector (a wasm trap poisons the instance).
//
// The expected codes are written down here from docs and crates/wasm/src/error.rs, crates/otp/src/error.rs and
// crates/token/src/error.rs; nothing below asks the library what it would answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require(process.env.SECURE_LOGIN_PKG_NODE ?? '../../pkg-node/secure_login.js');

/** Every `code` the package may throw (crates/otp/src/error.rs, crates/token/src/error.rs, crates/wasm/src/). */
const DOCUMENTED_CODES = new Set([
  // crates/wasm/src/error.rs
  'InvalidArgument',
  // crates/otp/src/error.rs
  'InvalidSecret', 'SecretTooShort', 'EntropyUnavailable', 'InvalidDigits', 'InvalidHash',
  'InvalidTime', 'InvalidWindow', 'InvalidCode', 'InvalidSuite', 'InvalidChallenge',
  'ChallengeTooLong', 'MissingCounter', 'MissingPin', 'MissingSession', 'MissingTime',
  'UnexpectedCounter', 'UnexpectedPin', 'UnexpectedSession', 'UnexpectedTime', 'InvalidPin',
  'SessionTooLong', 'InvalidBase32', 'InvalidHex', 'InvalidKeyUri', 'CounterOverflow',
  // crates/otp/src/typed.rs (readCode)
  'Empty', 'NotDigits', 'TooShort', 'TooLong',
  // crates/token/src/error.rs
  'WeakPin', 'ChallengeLength', 'InvalidNumber', 'InvalidRequestId', 'InvalidSession',
  'InvalidUsername', 'InvalidIssuer', 'UnknownUser', 'UserExists', 'TooManyUsers', 'WrongKind',
  'InvalidDevice', 'NoDeviceKey',
  'UnsupportedSuite', 'InvalidKdf', 'CorruptRecord', 'InvalidKey', 'WeakPassphrase',
  'WrongPassphrase', 'BackupTampered', 'BackupMalformed', 'BackupUnsupported',
  // crates/wasm/src/token/mod.rs (StorageCode)
  'StorageUnavailable', 'StorageError', 'QuotaExceeded', 'DatabaseClosed', 'DatabaseTooNew',
  'UpgradeFailed',
]);

const MB = 1 << 20;
/** The bad values, by name. `missing` (the key deleted) is added for object fields. */
const VALUES = new Map([
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['number 1', 1],
  ['zero', 0],
  ['string', 'abc'],
  ['object', {}],
  ['array', []],
  ['bigint 1n', 1n],
  ['symbol', Symbol('bad')],
  ['function', () => 1],
  ['empty string', ''],
  ['empty bytes', new Uint8Array(0)],
  ['1 MB string', '7'.repeat(MB)],
  ['1 MB bytes', new Uint8Array(MB)],
  ['unicode', 'Grüße €'],
  ['unicode digits', '١٢٣٤٥٦'],
  ['fullwidth digits', '１２３４５６'],
  ['astral', '🔐𝟙𝟚𝟛'],
  ['lone surrogate', '12\uD80034'],
  ['NUL', '\u0000'],
  ['NUL inside', '12\u000034'],
  ['negative', -1],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['2**53', 2 ** 53],
  ['max safe', 2 ** 53 - 1],
  ['float', 1.5],
  ['2n**64n', 2n ** 64n],
  ['u64 max', 2n ** 64n - 1n],
  ['-1n', -1n],
]);
const STRINGS = [
  'string', 'empty string', '1 MB string', 'unicode', 'unicode digits', 'fullwidth digits',
  'astral', 'lone surrogate', 'NUL', 'NUL inside',
];
const ABSENT = ['undefined', 'null'];
/** Whole numbers a u64 parameter takes: numbers up to 2^53 - 1, BigInts up to 2^64 - 1. */
const U64_OK = ['number 1', 'zero', 'bigint 1n', 'max safe', 'u64 max'];

/** `names` each mapped to `expected`. */
const each = (names, expected) => Object.fromEntries(names.map((n) => [n, expected]));
/** An accepted value: the result must match `m` (a value, a RegExp or a predicate). */
const ANY = Symbol('any result');
const OK = (...m) => ({ ok: m.length ? m[0] : ANY });

const hex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));
/** RFC 4226 Appendix D / RFC 6287 Appendix C key: "12345678901234567890". */
const KEY = hex('3132333435363738393031323334353637383930');
/** The instance still works: RFC 4226 Appendix D, counter 0. */
const alive = () => assert.equal(api.hotp(KEY, 0), '755224', 'the wasm instance still works');

/** A byte-array secret: 1 to 1024 bytes. */
const SECRET_BYTES = {
  'empty bytes': 'InvalidSecret',
  '1 MB bytes': 'InvalidSecret',
  otherwise: 'InvalidArgument',
};
/** An optional options object: absent is the defaults; anything but a plain object is refused
 *  (a Uint8Array, a Date or a Map too, though they have no keys of their own). */
const OPTIONS = {
  ...each(['undefined', 'null', 'object'], OK()),
  otherwise: 'InvalidArgument',
};
/** A u32 option read by serde (digits, windows): numbers only, no BigInt. */
const u32Field = (accepted) => ({ ...each(ABSENT, OK()), ...accepted, otherwise: 'InvalidArgument' });
/** A hash name: any string that is not SHA1/SHA256/SHA512 is InvalidHash. */
const HASH_FIELD = { ...each(ABSENT, OK()), ...each(STRINGS, 'InvalidHash'), otherwise: 'InvalidArgument' };
/** A code to verify: a string of the wrong shape is InvalidCode. */
const CODE_PARAM = { ...each(STRINGS, 'InvalidCode'), otherwise: 'InvalidArgument' };

const SIX = /^\d{6}$/;
const FULL_SUITE = 'OCRA-1:HOTP-SHA1-6:C-QN08-PSHA1-S064-T1M';
const FULL_INPUT = { challenge: '00000000', counter: 0, pin: '1234', session: 'ab', time: 0 };
/** SHA1("1234") in hex. */
const PIN_SHA1 = '7110eda4d09e062aa5e4a390b0a572ac0d2c0220';

/**
 * The table: every exported function (and the SecurityCard factories) with a valid call and,
 * per parameter, what each bad value must give. `fields` are matrices over the keys of an
 * object parameter (`base` is the valid object; `missing` deletes the key); `extra` are cells
 * of their own.
 */
const FUNCTIONS = [
  {
    name: 'hotp',
    call: (...a) => api.hotp(...a),
    valid: () => [KEY, 0, undefined],
    result: '755224',
    params: [
      { name: 'secret', spec: SECRET_BYTES },
      {
        name: 'counter',
        spec: {
          'number 1': OK('287082'), zero: OK('755224'), 'bigint 1n': OK('287082'),
          'max safe': OK(SIX), 'u64 max': OK(SIX), otherwise: 'InvalidArgument',
        },
      },
      {
        name: 'options',
        spec: OPTIONS,
        base: {},
        fields: {
          digits: u32Field({ 'number 1': 'InvalidDigits', zero: 'InvalidDigits' }),
          hash: HASH_FIELD,
        },
      },
    ],
    extra: [
      ['digits 8 (RFC 4226 HOTP value 1284755224)', () => api.hotp(KEY, 0, { digits: 8 }), OK('84755224')],
      ['digits 10', () => api.hotp(KEY, 0, { digits: 10 }), OK('1284755224')],
      ['digits 5', () => api.hotp(KEY, 0, { digits: 5 }), 'InvalidDigits'],
      ['digits 11', () => api.hotp(KEY, 0, { digits: 11 }), 'InvalidDigits'],
      ['hash sha1 lower case', () => api.hotp(KEY, 0, { hash: 'sha1' }), OK('755224')],
      ['unknown option key', () => api.hotp(KEY, 0, { nope: 1 }), 'InvalidArgument'],
      ['lookAhead is verifyHotp\'s', () => api.hotp(KEY, 0, { lookAhead: 1 }), 'InvalidArgument'],
      ['1025-byte secret', () => api.hotp(new Uint8Array(1025), 0), 'InvalidSecret'],
      ['1024-byte secret', () => api.hotp(new Uint8Array(1024), 0), OK(SIX)],
      ['secret as a plain array', () => api.hotp([...KEY], 0), 'InvalidArgument'],
      ['secret as an ArrayBuffer', () => api.hotp(KEY.buffer, 0), 'InvalidArgument'],
    ],
  },
  {
    name: 'verifyHotp',
    call: (...a) => api.verifyHotp(...a),
    valid: () => [KEY, '755224', 0, undefined],
    result: { counter: 0 },
    params: [
      { name: 'secret', spec: SECRET_BYTES },
      { name: 'code', spec: CODE_PARAM },
      {
        name: 'counter',
        spec: {
          'number 1': OK(undefined), zero: OK({ counter: 0 }), 'bigint 1n': OK(undefined),
          'max safe': OK(undefined), 'u64 max': OK(undefined), otherwise: 'InvalidArgument',
        },
      },
      {
        name: 'options',
        spec: OPTIONS,
        base: {},
        fields: {
          // 755224 has 6 digits: with 1 or 0 digits the code is refused before that.
          digits: u32Field({ 'number 1': 'InvalidDigits', zero: 'InvalidDigits' }),
          hash: HASH_FIELD,
          lookAhead: u32Field({ 'number 1': OK({ counter: 0 }), zero: OK({ counter: 0 }) }),
        },
      },
    ],
    extra: [
      ['lookAhead 1000', () => api.verifyHotp(KEY, '755224', 0, { lookAhead: 1000 }), OK({ counter: 0 })],
      ['lookAhead 1001', () => api.verifyHotp(KEY, '755224', 0, { lookAhead: 1001 }), 'InvalidWindow'],
      ['window past u64 max', () => api.verifyHotp(KEY, '755224', 2n ** 64n - 1n, { lookAhead: 1000 }), OK(undefined)],
      ['digits 8 and a 6-digit code', () => api.verifyHotp(KEY, '755224', 0, { digits: 8 }), 'InvalidCode'],
      ['code with spaces', () => api.verifyHotp(KEY, '755 224', 0), 'InvalidCode'],
      ['tampered code', () => api.verifyHotp(KEY, '755225', 0), OK(undefined)],
      ['unknown option key', () => api.verifyHotp(KEY, '755224', 0, { lookahead: 1 }), 'InvalidArgument'],
    ],
  },
  {
    name: 'totp',
    call: (...a) => api.totp(...a),
    valid: () => [KEY, 59, undefined],
    result: '287082',
    params: [
      { name: 'secret', spec: SECRET_BYTES },
      {
        name: 'time',
        spec: {
          'number 1': OK('755224'), zero: OK('755224'), 'bigint 1n': OK('755224'),
          'max safe': OK(SIX), 'u64 max': OK(SIX), otherwise: 'InvalidArgument',
        },
      },
      {
        name: 'options',
        spec: OPTIONS,
        base: {},
        fields: {
          digits: u32Field({ 'number 1': 'InvalidDigits', zero: 'InvalidDigits' }),
          hash: HASH_FIELD,
          // u64 fields read by serde: numbers up to 2^53 - 1 and BigInts.
          step: {
            ...each(ABSENT, OK('287082')),
            'number 1': OK(SIX), zero: 'InvalidTime', 'bigint 1n': OK(SIX),
            'max safe': OK('755224'), 'u64 max': OK('755224'), otherwise: 'InvalidArgument',
          },
          t0: {
            ...each(ABSENT, OK('287082')),
            'number 1': OK(SIX), zero: OK('287082'), 'bigint 1n': OK(SIX),
            'max safe': 'InvalidTime', 'u64 max': 'InvalidTime', otherwise: 'InvalidArgument',
          },
        },
      },
    ],
    extra: [
      ['RFC 6238 SHA1 at 59, 8 digits', () => api.totp(KEY, 59, { digits: 8 }), OK('94287082')],
      ['time before t0', () => api.totp(KEY, 59, { t0: 60 }), 'InvalidTime'],
      ['window is verifyTotp\'s', () => api.totp(KEY, 59, { window: 1 }), 'InvalidArgument'],
    ],
  },
  {
    name: 'verifyTotp',
    call: (...a) => api.verifyTotp(...a),
    valid: () => [KEY, '287082', 59, undefined],
    result: { step: 1, offset: 0 },
    params: [
      { name: 'secret', spec: SECRET_BYTES },
      { name: 'code', spec: CODE_PARAM },
      {
        name: 'time',
        spec: {
          // At step 0 the code of step 1 is one step ahead, inside the default window of 1.
          'number 1': OK({ step: 1, offset: 1 }), zero: OK({ step: 1, offset: 1 }),
          'bigint 1n': OK({ step: 1, offset: 1 }), 'max safe': OK(undefined), 'u64 max': OK(undefined),
          otherwise: 'InvalidArgument',
        },
      },
      {
        name: 'options',
        spec: OPTIONS,
        base: {},
        fields: {
          digits: u32Field({ 'number 1': 'InvalidDigits', zero: 'InvalidDigits' }),
          hash: HASH_FIELD,
          step: {
            ...each(ABSENT, OK({ step: 1, offset: 0 })),
            // 1-second steps: at 59 the code of step 1 is far outside the window; huge steps:
            // 59 is in step 0 and the code of step 1 is one step ahead.
            'number 1': OK(undefined), zero: 'InvalidTime', 'bigint 1n': OK(undefined),
            'max safe': OK({ step: 1, offset: 1 }), 'u64 max': OK({ step: 1, offset: 1 }),
            otherwise: 'InvalidArgument',
          },
          t0: {
            ...each(ABSENT, OK({ step: 1, offset: 0 })),
            'number 1': OK({ step: 1, offset: 0 }), zero: OK({ step: 1, offset: 0 }),
            'bigint 1n': OK({ step: 1, offset: 0 }),
            'max safe': 'InvalidTime', 'u64 max': 'InvalidTime', otherwise: 'InvalidArgument',
          },
          window: u32Field({ 'number 1': OK({ step: 1, offset: 0 }), zero: OK({ step: 1, offset: 0 }) }),
        },
      },
    ],
    extra: [
      ['window 1001', () => api.verifyTotp(KEY, '287082', 59, { window: 1001 }), 'InvalidWindow'],
      ['window 1000 at u64 max', () => api.verifyTotp(KEY, '287082', 2n ** 64n - 1n, { window: 1000 }), OK(undefined)],
      ['window 1000 at time 0', () => api.verifyTotp(KEY, '287082', 0, { window: 1000 }), OK({ step: 1, offset: 1 })],
    ],
  },
  {
    name: 'ocra',
    call: (...a) => api.ocra(...a),
    // RFC 6287 Appendix C.1, OCRA-1:HOTP-SHA1-6:QN08, Q = 00000000.
    valid: () => ['OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: '00000000' }],
    result: '237653',
    params: [
      { name: 'suite', spec: { ...each(STRINGS, 'InvalidSuite'), otherwise: 'InvalidArgument' } },
      { name: 'secret', spec: SECRET_BYTES },
      // Required, and `challenge` is required in it: every value here lacks it.
      { name: 'input', spec: { otherwise: 'InvalidArgument' } },
    ],
    extra: [
      ['unknown input key', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: '00000000', nope: 1 }), 'InvalidArgument'],
      ['pin and pinHash', () => api.ocra(FULL_SUITE, KEY, { ...FULL_INPUT, pinHash: PIN_SHA1 }), 'InvalidArgument'],
      ['time and timestep', () => api.ocra(FULL_SUITE, KEY, { ...FULL_INPUT, timestep: 0 }), 'InvalidArgument'],
      ['counter for a suite without C', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: '1', counter: 0 }), 'UnexpectedCounter'],
      ['PIN for a suite without P', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: '1', pin: '1' }), 'UnexpectedPin'],
      ['session for a suite without S', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: '1', session: 'ab' }), 'UnexpectedSession'],
      ['time for a suite without T', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: '1', time: 0 }), 'UnexpectedTime'],
      ['two challenges, 4 + 4', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: ['1234', '5678'] }), OK(SIX)],
      ['a Uint8Array challenge, even one spelling digits', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: new TextEncoder().encode('00000000') }), 'InvalidArgument'],
      ['a challenge pair with bytes in it', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: ['1234', new TextEncoder().encode('5678')] }), 'InvalidArgument'],
      ['options as a Date', () => api.hotp(KEY, 0, new Date()), 'InvalidArgument'],
      ['options as a Map', () => api.hotp(KEY, 0, new Map()), 'InvalidArgument'],
      ['options from Object.create(null)', () => api.hotp(KEY, 0, Object.assign(Object.create(null), { digits: 8 })), OK('84755224')],
      ['session of 65 bytes', () => api.ocra(FULL_SUITE, KEY, { ...FULL_INPUT, session: 'ab'.repeat(65) }), 'SessionTooLong'],
      ['three challenges', () => api.ocra('OCRA-1:HOTP-SHA1-6:QN08', KEY, { challenge: ['1', '2', '3'] }), 'InvalidArgument'],
    ],
  },
  {
    // The same function with a suite that names every optional part, for the input's fields.
    name: 'ocra',
    label: `ocra(${FULL_SUITE})`,
    call: (...a) => api.ocra(...a),
    valid: () => [FULL_SUITE, KEY, { ...FULL_INPUT }],
    result: SIX,
    params: [
      {
        name: 'input',
        at: 2,
        spec: { otherwise: 'InvalidArgument' },
        base: FULL_INPUT,
        fields: {
          challenge: {
            ...each(['missing', ...ABSENT], 'InvalidArgument'),
            ...each(STRINGS, 'InvalidChallenge'),
            '1 MB string': 'ChallengeTooLong',
            // Text only: a Uint8Array is refused before serde (which would read its bytes).
            otherwise: 'InvalidArgument',
          },
          counter: {
            ...each(['missing', ...ABSENT], 'MissingCounter'),
            ...each(U64_OK, OK(SIX)),
            otherwise: 'InvalidArgument',
          },
          pin: {
            ...each(['missing', ...ABSENT], 'MissingPin'),
            // The PIN is hashed as given; only an empty one is refused.
            ...each(STRINGS, OK(SIX)),
            'empty string': 'InvalidPin',
            otherwise: 'InvalidArgument',
          },
          session: {
            ...each(['missing', ...ABSENT], 'MissingSession'),
            ...each(STRINGS, 'InvalidHex'),
            'empty string': OK(SIX),
            // 2^20 hex digits: over the hex decoder's limit.
            '1 MB string': 'InvalidHex',
            otherwise: 'InvalidArgument',
          },
          time: {
            ...each(['missing', ...ABSENT], 'MissingTime'),
            ...each(U64_OK, OK(SIX)),
            otherwise: 'InvalidArgument',
          },
        },
      },
    ],
  },
  {
    // pinHash and timestep instead of pin and time.
    name: 'ocra',
    label: `ocra(${FULL_SUITE}, pinHash, timestep)`,
    call: (...a) => api.ocra(...a),
    valid: () => [FULL_SUITE, KEY, { challenge: '00000000', counter: 0, pinHash: PIN_SHA1, session: 'ab', timestep: 0 }],
    result: SIX,
    params: [
      {
        name: 'input',
        at: 2,
        spec: { otherwise: 'InvalidArgument' },
        base: { challenge: '00000000', counter: 0, pinHash: PIN_SHA1, session: 'ab', timestep: 0 },
        fields: {
          pinHash: {
            ...each(['missing', ...ABSENT], 'MissingPin'),
            ...each(STRINGS, 'InvalidHex'),
            // Hex, but not the 20 bytes of a SHA1 hash.
            'empty string': 'InvalidPin',
            '1 MB string': 'InvalidHex',
            otherwise: 'InvalidArgument',
          },
          timestep: {
            ...each(['missing', ...ABSENT], 'MissingTime'),
            ...each(U64_OK, OK(SIX)),
            otherwise: 'InvalidArgument',
          },
        },
      },
    ],
  },
  {
    name: 'verifyOcra',
    call: (...a) => api.verifyOcra(...a),
    valid: () => ['OCRA-1:HOTP-SHA1-6:QN08', KEY, '237653', { challenge: '00000000' }, undefined],
    result: {},
    params: [
      { name: 'suite', spec: { ...each(STRINGS, 'InvalidSuite'), otherwise: 'InvalidArgument' } },
      { name: 'secret', spec: SECRET_BYTES },
      { name: 'response', spec: CODE_PARAM },
      { name: 'input', spec: { otherwise: 'InvalidArgument' } },
      {
        name: 'options',
        spec: OPTIONS,
        base: {},
        fields: {
          counterLookAhead: u32Field({ 'number 1': OK({}), zero: OK({}) }),
          timeWindow: u32Field({ 'number 1': OK({}), zero: OK({}) }),
        },
      },
    ],
    extra: [
      ['tampered response', () => api.verifyOcra('OCRA-1:HOTP-SHA1-6:QN08', KEY, '237654', { challenge: '00000000' }), OK(undefined)],
      ['timeWindow 1001', () => api.verifyOcra('OCRA-1:HOTP-SHA1-6:QN08', KEY, '237653', { challenge: '00000000' }, { timeWindow: 1001 }), 'InvalidWindow'],
      ['window of 1000 x 2001 pairs', () => api.verifyOcra(FULL_SUITE, KEY, '123456', FULL_INPUT, { counterLookAhead: 1000, timeWindow: 1000 }), 'InvalidWindow'],
      ['counter window past u64 max', () => api.verifyOcra(FULL_SUITE, KEY, '123456', { ...FULL_INPUT, counter: 2n ** 64n - 1n }, { counterLookAhead: 5 }), OK((r) => r === undefined || typeof r === 'object')],
      ['time window past u64 max', () => api.verifyOcra(FULL_SUITE, KEY, '123456', { ...FULL_INPUT, time: undefined, timestep: 2n ** 64n - 1n }, { timeWindow: 5 }), OK((r) => r === undefined || typeof r === 'object')],
      ['unknown option key', () => api.verifyOcra('OCRA-1:HOTP-SHA1-6:QN08', KEY, '237653', { challenge: '00000000' }, { window: 1 }), 'InvalidArgument'],
    ],
  },
  {
    name: 'parseOcraSuite',
    call: (...a) => api.parseOcraSuite(...a),
    valid: () => ['OCRA-1:HOTP-SHA1-6:QN08'],
    result: (r) => r.suite === 'OCRA-1:HOTP-SHA1-6:QN08' && r.digits === 6,
    params: [{ name: 'suite', spec: { ...each(STRINGS, 'InvalidSuite'), otherwise: 'InvalidArgument' } }],
    extra: [
      ['lower case', () => api.parseOcraSuite('ocra-1:hotp-sha1-6:qn08'), 'InvalidSuite'],
      ['trailing space', () => api.parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08 '), 'InvalidSuite'],
    ],
  },
  {
    name: 'parseKeyUri',
    call: (...a) => api.parseKeyUri(...a),
    valid: () => ['otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'],
    result: (r) => r.type === 'totp' && r.account === 'alice' && r.secret.length === 20,
    params: [{ name: 'uri', spec: { ...each(STRINGS, 'InvalidKeyUri'), otherwise: 'InvalidArgument' } }],
    extra: [
      ['bad Base32 secret', () => api.parseKeyUri('otpauth://totp/alice?secret=1111'), 'InvalidBase32'],
      // Control characters are refused in names and parameters (no app shows them truthfully).
      ['NUL in the label', () => api.parseKeyUri('otpauth://totp/al%00ice?secret=GEZDGNBV'), 'InvalidKeyUri'],
      ['line break in the issuer', () => api.parseKeyUri('otpauth://totp/alice?secret=GEZDGNBV&issuer=A%0AB'), 'InvalidKeyUri'],
      ['period 0', () => api.parseKeyUri('otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQ&period=0'), 'InvalidKeyUri'],
      ['counter 2^64', () => api.parseKeyUri('otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQ&counter=18446744073709551616'), 'InvalidKeyUri'],
      ['counter 2^64 - 1 comes back as a BigInt', () => api.parseKeyUri('otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQ&counter=18446744073709551615').counter, OK(2n ** 64n - 1n)],
      ['digits 11', () => api.parseKeyUri('otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQ&digits=11'), 'InvalidKeyUri'],
    ],
  },
  {
    name: 'formatKeyUri',
    call: (...a) => api.formatKeyUri(...a),
    valid: () => [{ type: 'totp', account: 'alice', secret: KEY }],
    result: (r) => r.startsWith('otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'),
    params: [
      {
        name: 'info',
        spec: { otherwise: 'InvalidArgument' },
        base: { type: 'totp', account: 'alice', secret: KEY },
        fields: {
          type: { ...each(['missing', ...ABSENT], 'InvalidArgument'), otherwise: 'InvalidArgument' },
          account: {
            ...each(['missing', ...ABSENT], 'InvalidArgument'),
            ...each(STRINGS, OK(/^otpauth:\/\/totp\//)),
            'empty string': 'InvalidKeyUri',
            // Written, the URI would be longer than parseKeyUri reads.
            '1 MB string': 'InvalidKeyUri',
            // Control characters are refused (parseKeyUri refuses them too).
            ...each(['NUL', 'NUL inside'], 'InvalidKeyUri'),
            otherwise: 'InvalidArgument',
          },
          issuer: {
            ...each(['missing', ...ABSENT], OK(/^otpauth:\/\/totp\/alice\?/)),
            ...each(STRINGS, OK(/^otpauth:\/\/totp\/.+:alice\?/)),
            'empty string': OK(/^otpauth:\/\/totp\/:alice\?/),
            '1 MB string': 'InvalidKeyUri',
            ...each(['NUL', 'NUL inside'], 'InvalidKeyUri'),
            otherwise: 'InvalidArgument',
          },
          secret: { ...each(['missing', ...ABSENT], 'InvalidArgument'), ...SECRET_BYTES },
          algorithm: { ...each(['missing'], OK()), ...HASH_FIELD },
          digits: { missing: OK(), ...u32Field({ 'number 1': 'InvalidDigits', zero: 'InvalidDigits' }) },
          period: {
            ...each(['missing', ...ABSENT], OK()),
            ...each(U64_OK, OK()),
            zero: 'InvalidKeyUri',
            otherwise: 'InvalidArgument',
          },
          // Read for hotp only; for totp a well-typed counter is ignored.
          counter: { ...each(['missing', ...ABSENT], OK()), ...each(U64_OK, OK()), otherwise: 'InvalidArgument' },
          ocraSuite: { ...each(['missing', ...ABSENT], OK()), ...each(STRINGS, OK()), otherwise: 'InvalidArgument' },
        },
      },
    ],
    extra: [
      ['type hotp', () => api.formatKeyUri({ type: 'hotp', account: 'a', secret: KEY, counter: 2n ** 64n - 1n }), OK(/counter=18446744073709551615/)],
      ['ocra without ocraSuite', () => api.formatKeyUri({ type: 'ocra', account: 'a', secret: KEY }), 'InvalidArgument'],
      ['ocra with a bad suite', () => api.formatKeyUri({ type: 'ocra', account: 'a', secret: KEY, ocraSuite: 'OCRA-2' }), 'InvalidSuite'],
      ['a colon in the account', () => api.formatKeyUri({ type: 'totp', account: 'a:b', secret: KEY }), 'InvalidKeyUri'],
      ['unknown key', () => api.formatKeyUri({ type: 'totp', account: 'a', secret: KEY, label: 'x' }), 'InvalidArgument'],
      ['secret as Base32 text', () => api.formatKeyUri({ type: 'totp', account: 'a', secret: 'GEZDGNBV' }), 'InvalidArgument'],
    ],
  },
  {
    name: 'base32Encode',
    call: (...a) => api.base32Encode(...a),
    valid: () => [KEY],
    result: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    params: [
      {
        name: 'bytes',
        spec: {
          'empty bytes': OK(''),
          // 2^20 bytes: 8 characters per 5 bytes, the last group of 1 byte in 2 characters.
          '1 MB bytes': OK((r) => r.length === Math.ceil((MB * 8) / 5) && /^A+$/.test(r)),
          otherwise: 'InvalidArgument',
        },
      },
    ],
  },
  {
    name: 'base32Decode',
    call: (...a) => api.base32Decode(...a),
    valid: () => ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'],
    result: (r) => r instanceof Uint8Array && r.length === 20 && r.every((b, i) => b === KEY[i]),
    params: [
      {
        name: 'text',
        spec: {
          // "abc" is 15 bits (RFC 4648 has no 3-character tail); empty text and text over the
          // decoder's limit are refused too.
          ...each(STRINGS, 'InvalidBase32'),
          otherwise: 'InvalidArgument',
        },
      },
    ],
    extra: [
      ['lower case and spaces', () => api.base32Decode('gezd gnbv'), OK((r) => r.length === 5)],
      ['the digit 1', () => api.base32Decode('1111'), 'InvalidBase32'],
    ],
  },
  {
    name: 'randomSecret',
    call: (...a) => api.randomSecret(...a),
    valid: () => [undefined],
    result: (r) => r instanceof Uint8Array && r.length === 20,
    params: [
      {
        name: 'length',
        spec: {
          ...each(ABSENT, OK((r) => r.length === 20)),
          'number 1': 'SecretTooShort',
          zero: 'SecretTooShort',
          'bigint 1n': 'SecretTooShort',
          'max safe': 'InvalidSecret',
          'u64 max': 'InvalidSecret',
          // Found by this matrix: the glue used to coerce these with `>>> 0` ("32" gave 32
          // bytes, 2 ** 53 gave 0) or throw a bare TypeError (BigInt, Symbol).
          otherwise: 'InvalidArgument',
        },
      },
    ],
    extra: [
      ['16 bytes', () => api.randomSecret(16), OK((r) => r.length === 16)],
      ['1024 bytes', () => api.randomSecret(1024), OK((r) => r.length === 1024)],
      ['1025 bytes', () => api.randomSecret(1025), 'InvalidSecret'],
      ['15 bytes', () => api.randomSecret(15), 'SecretTooShort'],
      ['"32" as text', () => api.randomSecret('32'), 'InvalidArgument'],
      ['32n', () => api.randomSecret(32n), OK((r) => r.length === 32)],
    ],
  },
  {
    name: 'readCode',
    call: (...a) => api.readCode(...a),
    valid: () => ['123 456', 6],
    result: '123456',
    params: [
      {
        name: 'typed',
        spec: {
          string: 'NotDigits',
          'empty string': 'Empty',
          '1 MB string': 'TooLong',
          unicode: 'NotDigits',
          // Arabic-Indic and full-width digits are digits (crates/otp/src/typed.rs).
          'unicode digits': OK('123456'),
          'fullwidth digits': OK('123456'),
          astral: 'NotDigits',
          'lone surrogate': 'NotDigits',
          NUL: 'NotDigits',
          'NUL inside': 'NotDigits',
          otherwise: 'InvalidArgument',
        },
      },
      {
        name: 'digits',
        spec: {
          // Numbers that are not a whole number from 4 to 10.
          ...each(['number 1', 'zero', 'negative', 'NaN', 'Infinity', '-Infinity', '2**53', 'max safe', 'float'], 'InvalidDigits'),
          otherwise: 'InvalidArgument',
        },
      },
    ],
    extra: [
      ['4 digits', () => api.readCode('1234', 4), OK('1234')],
      ['10 digits', () => api.readCode('12345 67890', 10), OK('1234567890')],
      ['too few', () => api.readCode('12345', 6), 'TooShort'],
      ['only separators', () => api.readCode(' - ', 6), 'Empty'],
      ['3 digits asked', () => api.readCode('123', 3), 'InvalidDigits'],
      ['11 digits asked', () => api.readCode('12345678901', 11), 'InvalidDigits'],
    ],
  },
];

// SecurityCard: the static factories, then the methods of a provisioned card.
const CARD_KEY = KEY; // 20 bytes: the card takes 16 to 64.
const CARD_OPTIONS = { secret: CARD_KEY, pin: '7391', iterations: 1000 };
FUNCTIONS.push(
  {
    name: 'SecurityCard.provision',
    call: (...a) => api.SecurityCard.provision(...a),
    valid: () => [{ ...CARD_OPTIONS }],
    result: (r) => r instanceof api.SecurityCard && r.serial === 'DSC+',
    params: [
      {
        name: 'options',
        spec: { otherwise: 'InvalidArgument' },
        base: CARD_OPTIONS,
        fields: {
          secret: {
            ...each(['missing', ...ABSENT], 'InvalidArgument'),
            // Text is Base32: "abc" and the like are not Base32; 2^20 '7's decode to 640 KiB.
            ...each(STRINGS, 'InvalidBase32'),
            'empty bytes': 'InvalidSecret',
            '1 MB bytes': 'InvalidSecret',
            otherwise: 'InvalidArgument',
          },
          pin: {
            ...each(['missing', ...ABSENT], 'InvalidArgument'),
            ...each(STRINGS, 'InvalidPin'),
            otherwise: 'InvalidArgument',
          },
          suite: {
            ...each(['missing', ...ABSENT], OK()),
            ...each(STRINGS, 'InvalidSuite'),
            otherwise: 'InvalidArgument',
          },
          serial: {
            ...each(['missing', ...ABSENT], OK()),
            ...each(STRINGS, OK()),
            // Checked as a username: not empty, not too long, no control characters.
            'empty string': 'InvalidUsername',
            '1 MB string': 'InvalidUsername',
            NUL: 'InvalidUsername',
            'NUL inside': 'InvalidUsername',
            otherwise: 'InvalidArgument',
          },
          iterations: {
            ...each(['missing', ...ABSENT], OK()),
            'number 1': 'InvalidKdf',
            zero: 'InvalidKdf',
            'bigint 1n': 'InvalidKdf',
            otherwise: 'InvalidArgument',
          },
        },
      },
    ],
    extra: [
      ['weak PIN 1234', () => api.SecurityCard.provision({ ...CARD_OPTIONS, pin: '1234' }), 'WeakPin'],
      ['5-digit PIN', () => api.SecurityCard.provision({ ...CARD_OPTIONS, pin: '73915' }), 'InvalidPin'],
      ['15-byte secret', () => api.SecurityCard.provision({ ...CARD_OPTIONS, secret: new Uint8Array(15) }), 'InvalidSecret'],
      ['65-byte secret', () => api.SecurityCard.provision({ ...CARD_OPTIONS, secret: new Uint8Array(65) }), 'InvalidSecret'],
      ['iterations 999', () => api.SecurityCard.provision({ ...CARD_OPTIONS, iterations: 999 }), 'InvalidKdf'],
      ['iterations 10,000,001', () => api.SecurityCard.provision({ ...CARD_OPTIONS, iterations: 10_000_001 }), 'InvalidKdf'],
      ['iterations 2^32', () => api.SecurityCard.provision({ ...CARD_OPTIONS, iterations: 2 ** 32 }), 'InvalidArgument'],
      ['unknown key', () => api.SecurityCard.provision({ ...CARD_OPTIONS, colour: 'red' }), 'InvalidArgument'],
    ],
  },
  {
    name: 'SecurityCard.fromRecord',
    call: (...a) => api.SecurityCard.fromRecord(...a),
    valid: () => [api.SecurityCard.provision(CARD_OPTIONS).toRecord()],
    result: (r) => r instanceof api.SecurityCard && r.serial === 'DSC+',
    params: [{ name: 'record', spec: { ...each(STRINGS, 'CorruptRecord'), otherwise: 'InvalidArgument' } }],
    extra: [
      ['JSON of another shape', () => api.SecurityCard.fromRecord('{"serial": 5}'), 'CorruptRecord'],
      ['truncated record', () => {
        const record = api.SecurityCard.provision(CARD_OPTIONS).toRecord();
        return api.SecurityCard.fromRecord(record.slice(0, -1));
      }, 'CorruptRecord'],
    ],
  },
);

// OtpKey: the constructor (the options of totp), then the methods of a key made with the defaults.
const U64_COUNTER = (one, zero, big) => ({
  'number 1': OK(one), zero: OK(zero), 'bigint 1n': OK(one),
  'max safe': OK(big), 'u64 max': OK(big), otherwise: 'InvalidArgument',
});
/** A window given as a plain number argument: a u32, absent for the default. */
const windowParam = (result) => ({
  ...each([...ABSENT, 'number 1', 'zero', 'bigint 1n'], OK(result)),
  otherwise: 'InvalidArgument',
});
const otpKey = () => new api.OtpKey(KEY);
FUNCTIONS.push(
  {
    name: 'OtpKey',
    call: (...a) => new api.OtpKey(...a),
    valid: () => [KEY, undefined],
    result: (k) => k instanceof api.OtpKey && k.hotp(0) === '755224',
    params: [
      { name: 'secret', spec: SECRET_BYTES },
      {
        name: 'options',
        spec: OPTIONS,
        base: {},
        fields: {
          digits: u32Field({ 'number 1': 'InvalidDigits', zero: 'InvalidDigits' }),
          hash: HASH_FIELD,
          step: { ...each(ABSENT, OK()), zero: 'InvalidTime', ...each(U64_OK.filter((n) => n !== 'zero'), OK()), otherwise: 'InvalidArgument' },
          t0: { ...each([...ABSENT, ...U64_OK], OK()), otherwise: 'InvalidArgument' },
        },
      },
    ],
    extra: [
      ['digits 10', () => new api.OtpKey(KEY, { digits: 10 }).hotp(0), OK('1284755224')],
      ['lookAhead is not an option', () => new api.OtpKey(KEY, { lookAhead: 1 }), 'InvalidArgument'],
      ['window is not an option', () => new api.OtpKey(KEY, { window: 1 }), 'InvalidArgument'],
      ['1025-byte secret', () => new api.OtpKey(new Uint8Array(1025)), 'InvalidSecret'],
      ['secret as Base32 text', () => new api.OtpKey('GEZDGNBVGY3TQOJQ'), 'InvalidArgument'],
    ],
  },
  {
    name: 'OtpKey.hotp',
    call: (...a) => otpKey().hotp(...a),
    valid: () => [0],
    result: '755224',
    params: [{ name: 'counter', spec: U64_COUNTER('287082', '755224', SIX) }],
  },
  {
    name: 'OtpKey.verifyHotp',
    call: (...a) => otpKey().verifyHotp(...a),
    valid: () => ['755224', 0, undefined],
    result: { counter: 0 },
    params: [
      { name: 'code', spec: CODE_PARAM },
      { name: 'counter', spec: U64_COUNTER(undefined, { counter: 0 }, undefined) },
      { name: 'lookAhead', spec: windowParam({ counter: 0 }) },
    ],
    extra: [
      ['lookAhead 1000', () => otpKey().verifyHotp('755224', 0, 1000), OK({ counter: 0 })],
      ['lookAhead 1001', () => otpKey().verifyHotp('755224', 0, 1001), 'InvalidWindow'],
      ['window past u64 max', () => otpKey().verifyHotp('755224', 2n ** 64n - 1n, 1000), OK(undefined)],
      ['tampered code', () => otpKey().verifyHotp('755225', 0), OK(undefined)],
    ],
  },
  {
    name: 'OtpKey.totp',
    call: (...a) => otpKey().totp(...a),
    valid: () => [59],
    result: '287082',
    params: [{ name: 'time', spec: U64_COUNTER('755224', '755224', SIX) }],
    extra: [['time before t0', () => new api.OtpKey(KEY, { t0: 60 }).totp(59), 'InvalidTime']],
  },
  {
    name: 'OtpKey.verifyTotp',
    call: (...a) => otpKey().verifyTotp(...a),
    valid: () => ['287082', 59, undefined],
    result: { step: 1, offset: 0 },
    params: [
      { name: 'code', spec: CODE_PARAM },
      {
        name: 'time',
        spec: {
          'number 1': OK({ step: 1, offset: 1 }), zero: OK({ step: 1, offset: 1 }),
          'bigint 1n': OK({ step: 1, offset: 1 }), 'max safe': OK(undefined), 'u64 max': OK(undefined),
          otherwise: 'InvalidArgument',
        },
      },
      { name: 'window', spec: windowParam({ step: 1, offset: 0 }) },
    ],
    extra: [
      ['window 0, one step late', () => otpKey().verifyTotp('287082', 60, 0), OK(undefined)],
      ['window 1001', () => otpKey().verifyTotp('287082', 59, 1001), 'InvalidWindow'],
    ],
  },
);

/** The exports the table covers, and the class whose matrix runs in Chromium. */
const COVERED = new Set([...FUNCTIONS.map((f) => f.name.split('.')[0])]);
const IN_BROWSER = new Set(['SoftToken']);

/** Runs `fn`: `{ value }` or `{ error }`. */
function attempt(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

function matches(value, matcher) {
  if (matcher === ANY) return value !== undefined;
  if (matcher instanceof RegExp) return typeof value === 'string' && matcher.test(value);
  if (typeof matcher === 'function') return matcher(value) === true;
  try {
    assert.deepEqual(value, matcher);
    return true;
  } catch {
    return false;
  }
}

const describe = (v) => {
  if (typeof v === 'string') return `"${v.slice(0, 40)}"${v.length > 40 ? `... (${v.length})` : ''}`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return String(v);
  }
};

/** One cell: what happened must be `expected` (a code, or OK(matcher)). Returns 'ok' or the code. */
function cell(label, fn, expected, input) {
  const outcome = attempt(fn);
  if (outcome.error !== undefined) {
    const { error } = outcome;
    assert.ok(!(error instanceof WebAssembly.RuntimeError), `${label}: a wasm trap: ${error}`);
    assert.equal(error?.name, 'SecureLoginError', `${label}: not a SecureLoginError: ${error}`);
    assert.equal(typeof error.code, 'string', `${label}: no code`);
    assert.ok(DOCUMENTED_CODES.has(error.code), `${label}: undocumented code ${error.code}`);
    assert.ok(typeof error.message === 'string' && error.message.length > 5, `${label}: a message`);
    assert.ok(error.message.length < 300, `${label}: the message repeats the input: ${error.message.slice(0, 80)}`);
    // Messages never repeat a value given (it may be a secret: a PIN, Base32 text).
    if (typeof input === 'string' && input.length >= 3) {
      assert.ok(!error.message.includes(input.slice(0, 20)), `${label}: the message repeats the input: ${error.message}`);
    }
    assert.equal(typeof expected, 'string', `${label}: expected a result, got ${error.code}: ${error.message}`);
    assert.equal(error.code, expected, `${label}: ${error.message}`);
  } else {
    assert.equal(typeof expected, 'object', `${label}: expected ${expected}, got a result ${describe(outcome.value)}`);
    assert.ok(matches(outcome.value, expected.ok), `${label}: unexpected result ${describe(outcome.value)}`);
  }
  alive();
  return outcome.error === undefined ? 'ok' : outcome.error.code;
}

const expectation = (spec, name) => (name in spec ? spec[name] : spec.otherwise);

/** Every cell of `entry`: [label, fn, expected]. */
function cells(entry) {
  const label = entry.label ?? entry.name;
  const out = [[`${label}: the valid call`, () => entry.call(...entry.valid()), OK(entry.result)]];
  entry.params.forEach((param, i) => {
    for (const [name, value] of VALUES) {
      assert.ok(name in param.spec || 'otherwise' in param.spec, `${label} ${param.name}: ${name} has no expectation`);
      const fn = () => {
        const args = entry.valid();
        args[param.at ?? i] = value;
        return entry.call(...args);
      };
      out.push([`${label}(${param.name} = ${name})`, fn, expectation(param.spec, name), value]);
    }
    for (const [field, spec] of Object.entries(param.fields ?? {})) {
      for (const [name, value] of [['missing'], ...VALUES]) {
        if (name === 'missing' && !(name in spec)) continue;
        const fn = () => {
          const args = entry.valid();
          const object = { ...param.base };
          if (name === 'missing') delete object[field];
          else object[field] = value;
          args[param.at ?? i] = object;
          return entry.call(...args);
        };
        out.push([`${label}(${param.name}.${field} = ${name})`, fn, expectation(spec, name), value]);
      }
    }
  });
  for (const extra of entry.extra ?? []) out.push([`${label}: ${extra[0]}`, extra[1], extra[2]]);
  return out;
}

test('every export is in the table (a new one must be added here or to the browser matrix)', () => {
  // wasm-bindgen's own exports (initSync/default exist only in the web build; __wasm in some).
  const internals = (key) => key.startsWith('__') || key === 'initSync' || key === 'default';
  const exported = Object.keys(api).filter((key) => !internals(key));
  const missing = exported.filter((key) => !COVERED.has(key) && !IN_BROWSER.has(key));
  assert.deepEqual(missing, [], 'exports without a row in the bad-input matrix');
  for (const key of [...COVERED, ...IN_BROWSER]) assert.ok(key in api, `${key} is no longer exported`);
});

for (const entry of FUNCTIONS) {
  test(`bad-input matrix: ${entry.label ?? entry.name}`, (t) => {
    const tally = new Map();
    const failures = [];
    for (const [label, fn, expected, input] of cells(entry)) {
      try {
        const result = cell(label, fn, expected, input);
        tally.set(result, (tally.get(result) ?? 0) + 1);
      } catch (error) {
        failures.push(error.message.split('\n')[0]);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} cells failed`);
    const total = [...tally.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`${total} cells: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  });
}

test('bad-input matrix: SecurityCard methods (key takes 0-9 only; a refused key changes nothing)', (t) => {
  const card = api.SecurityCard.provision(CARD_OPTIONS);
  const record = card.toRecord();
  assert.equal(card.press(), 'PIN>');
  // key(digit): a number 0 to 9 or a one-digit string; anything else is InvalidKey and leaves
  // the screen as it was.
  const accepted = { zero: 'PIN>*', 'number 1': 'PIN>*' };
  let count = 0;
  for (const [name, value] of VALUES) {
    const before = card.screen();
    const expected = name in accepted ? OK(accepted[name]) : 'InvalidKey';
    const result = cell(`key(${name})`, () => card.key(value), expected);
    if (result === 'ok') {
      assert.equal(card.back(), 'PIN>');
    } else {
      assert.equal(card.screen(), before, `key(${name}) changed the screen`);
    }
    count += 1;
  }
  for (const [name, value, expected] of [
    ['"5"', '5', OK('PIN>*')], ['9', 9, OK('PIN>*')], ['10', 10, 'InvalidKey'], ['9.5', 9.5, 'InvalidKey'],
    ['"55"', '55', 'InvalidKey'], ['" 5"', ' 5', 'InvalidKey'], ['-0', -0, OK('PIN>*')],
    ['"٥"', '٥', 'InvalidKey'], ['new Number(5)', new Number(5), 'InvalidKey'],
  ]) {
    const result = cell(`key(${name})`, () => card.key(value), expected);
    if (result === 'ok') assert.equal(card.back(), 'PIN>');
    count += 1;
  }
  // The methods without parameters ignore extra arguments, whatever they are.
  for (const [name, value] of VALUES) {
    assert.equal(card.screen(value), 'PIN>', `screen(${name})`);
    assert.equal(card.toRecord(value), record, `toRecord(${name})`);
    count += 2;
  }
  // The whole card still works: PIN, challenge, response (the record is unchanged).
  for (const d of '7391') card.key(d);
  assert.equal(card.ok(), 'CHALLNG>');
  for (const d of '123456') card.key(d);
  assert.match(card.ok(), /^\d{8}$/);
  assert.equal(card.toRecord(), record);
  alive();
  t.diagnostic(`${count} cells`);
});

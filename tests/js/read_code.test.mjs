// readCode, the login page's check of a typed code, in both bundles that have it: the login
// bundle (pkg/login/, built for browsers, instantiated here with initSync) and the Node package
// (pkg-node/). The expectations are written down from crates/otp/src/typed.rs (its error enum
// and the characters it names) and from the Unicode code charts; the Unicode properties of every
// code point are checked against V8's own tables (`\p{Nd}`, `\s`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import * as login from '../../pkg/login/secure_login.js';

const require = createRequire(import.meta.url);
const node = require(process.env.SECURE_LOGIN_PKG_NODE ?? '../../pkg-node/secure_login.js');
login.initSync({ module: readFileSync(new URL('../../pkg/login/secure_login_bg.wasm', import.meta.url)) });

const bundles = [['pkg/login/', login.readCode], ['pkg-node/', node.readCode]];

/** Runs `fn` with errors that capture no stack (a million refusals in a loop are then cheap). */
function withoutStacks(fn) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The SecureLoginError `fn` throws, as a plain object of the fields a page reads. */
function refusal(fn) {
  try {
    const result = fn();
    return { result };
  } catch (error) {
    assert.ok(error instanceof Error, `an Error, not ${error}`);
    assert.equal(error.name, 'SecureLoginError');
    const fields = { code: error.code };
    for (const name of ['expected', 'found', 'reason']) if (error[name] !== undefined) fields[name] = error[name];
    return fields;
  }
}

for (const [bundle, readCode] of bundles) {
  test(`${bundle}: codes as people type and paste them`, () => {
    for (const typed of [
      '123456',
      '123 456',
      '123-456',
      ' 12 34 56 ',
      '123\u00a0456', // NO-BREAK SPACE
      '123\u3000456', // IDEOGRAPHIC SPACE
      '123\u2013456', // EN DASH
      '123\u2212456', // MINUS SIGN
      '123\uff0d456', // FULLWIDTH HYPHEN-MINUS
      '\ufeff123456', // a byte order mark pasted along
      '１２３４５６', // FULLWIDTH DIGIT ONE ... SIX
      '１２３ ４５６',
      '١٢٣٤٥٦', // ARABIC-INDIC DIGIT ONE ... SIX
      '۱۲۳۴۵۶', // EXTENDED ARABIC-INDIC DIGIT ONE ... SIX
      '१२३४५६', // DEVANAGARI DIGIT ONE ... SIX
      '𝟏𝟐𝟑𝟒𝟓𝟔', // MATHEMATICAL BOLD DIGIT ONE ... SIX (outside the BMP: surrogate pairs)
      '12３-４56',
    ]) {
      assert.equal(readCode(typed, 6), '123456', JSON.stringify(typed));
    }
    assert.equal(readCode('0000 0000', 8), '00000000');
    assert.equal(readCode('1234', 4), '1234');
    assert.equal(readCode('12345 67890', 10), '1234567890');
  });

  test(`${bundle}: what cannot be the code says why, with expected and found`, () => {
    for (const [typed, digits, expected] of [
      ['12345', 6, { code: 'TooShort', expected: 6, found: 5 }],
      ['1 2 3', 6, { code: 'TooShort', expected: 6, found: 3 }],
      ['1234567', 6, { code: 'TooLong', expected: 6, found: 7 }],
      ['1'.repeat(100_000), 8, { code: 'TooLong', expected: 8, found: 100_000 }],
      ['', 6, { code: 'Empty', expected: 6 }],
      [' - ', 6, { code: 'Empty', expected: 6 }],
      ['12a456', 6, { code: 'NotDigits', expected: 6, found: 'a' }],
      ['123.456', 6, { code: 'NotDigits', expected: 6, found: '.' }],
      ['１２ａ４５６', 6, { code: 'NotDigits', expected: 6, found: 'ａ' }],
      ['12²456', 6, { code: 'NotDigits', expected: 6, found: '²' }], // a number, not a digit
      ['①23456', 6, { code: 'NotDigits', expected: 6, found: '①' }],
      ['1x', 6, { code: 'NotDigits', expected: 6, found: 'x' }], // the character before the count
      ['12😀456', 6, { code: 'NotDigits', expected: 6, found: '😀' }], // a whole code point
      ['12\ud800456', 6, { code: 'NotDigits', expected: 6, found: '\ufffd' }], // a lone surrogate
    ]) {
      assert.deepEqual(refusal(() => readCode(typed, digits)), expected, JSON.stringify(typed).slice(0, 40));
    }
  });

  test(`${bundle}: bad arguments are typed errors`, () => {
    for (const digits of [0, 3, 11, 6.5, -6, NaN, Infinity]) {
      assert.deepEqual(refusal(() => readCode('123456', digits)), { code: 'InvalidDigits' }, String(digits));
    }
    for (const digits of ['6', 6n, null, undefined, {}, new Number(6)]) {
      assert.deepEqual(refusal(() => readCode('123456', digits)), { code: 'InvalidArgument' }, String(digits));
    }
    for (const typed of [123456, null, undefined, ['123456'], new String('123456'), {}]) {
      assert.deepEqual(refusal(() => readCode(typed, 6)), { code: 'InvalidArgument' }, String(typed));
    }
    // The messages name counts at most, never what was typed.
    try {
      readCode('98765x', 6);
      assert.fail('refused');
    } catch (error) {
      assert.equal(error.message, 'only digits are allowed');
    }
  });
}

/** What readCode makes of the character `c`: a digit (its value), a separator, or neither. */
function classify(readCode, c) {
  try {
    return { digit: Number(readCode(`${c}000`, 4)[0]) };
  } catch (error) {
    if (error.code === 'TooShort') return { separator: true };
    assert.equal(error.code, 'NotDigits');
    assert.equal(error.found, c);
    return {};
  }
}

test('every code point: a digit exactly when V8 says \\p{Nd}, valued by its place in its run of ten', () => withoutStacks(() => {
  const nd = /^\p{Nd}$/u;
  // Unicode's stability policy: decimal digits come in runs of ten, 0 to 9 in order.
  let runStart = -1;
  let digits = 0;
  const newerThanTable = [];
  for (let point = 0; point <= 0x10ffff; point += 1) {
    if (point >= 0xd800 && point <= 0xdfff) continue;
    const c = String.fromCodePoint(point);
    const isNd = nd.test(c);
    if (isNd && (runStart < 0 || !nd.test(String.fromCodePoint(point - 1)))) runStart = point;
    const seen = classify(login.readCode, c);
    if (seen.digit !== undefined) {
      digits += 1;
      assert.ok(isNd, `U+${point.toString(16)} read as a digit, not \\p{Nd} in V8`);
      assert.equal(seen.digit, (point - runStart) % 10, `U+${point.toString(16)}`);
    } else if (isNd) {
      newerThanTable.push(point);
    }
  }
  // The table is Unicode 17.0's; a V8 of a later Unicode may know digits it does not.
  if (process.versions.unicode === '17.0') assert.deepEqual(newerThanTable, []);
  assert.equal(digits, 770, 'Unicode 17.0 has 77 scripts and styles of decimal digits');
}));

test('every white space of JavaScript (\\s) and the dashes are separators; nothing else is', () => withoutStacks(() => {
  const space = /^\s$/u;
  const dashes = [0x2d, 0xad, 0x200b, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xfe63, 0xff0d];
  const separators = [];
  for (let point = 0; point <= 0xffff; point += 1) {
    if (point >= 0xd800 && point <= 0xdfff) continue;
    const c = String.fromCodePoint(point);
    if (classify(login.readCode, c).separator) separators.push(point);
    else assert.ok(!space.test(c), `U+${point.toString(16)} is \\s in JavaScript`);
  }
  // JavaScript's \s, Unicode's White_Space (which adds U+0085 NEXT LINE) and the dashes.
  const expected = [];
  for (let point = 0; point <= 0xffff; point += 1) {
    if (point >= 0xd800 && point <= 0xdfff) continue;
    if (space.test(String.fromCodePoint(point)) || point === 0x85 || dashes.includes(point)) expected.push(point);
  }
  assert.deepEqual(separators, expected);
}));

// After free(): every method of the package's classes throws a SecureLoginError with the code
// `Freed` (crates/wasm/js/freed.js, appended to the glue by scripts/build-wasm.sh), where
// wasm-bindgen's glue alone throws a plain Error ("null pointer passed to rust") without a code;
// free() a second time does nothing. In pkg-node/ (CommonJS) and the npm package's Node entry
// (pkg-npm/node/, the browser glue), the two kinds of glue the guard is appended to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bundles = [
  ['pkg-node/', require(process.env.SECURE_LOGIN_PKG_NODE ?? '../../pkg-node/secure_login.js')],
  ['pkg-npm/node/', await import('../../pkg-npm/node/index.js')],
];
const secret = new TextEncoder().encode('12345678901234567890');

function assertFreed(fn, member) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'SecureLoginError');
    assert.equal(error.code, 'Freed');
    assert.match(error.message, new RegExp(`\\.${member}: this object was freed`));
    return true;
  });
}

for (const [name, api] of bundles) {
  test(`${name}: OtpKey after free()`, () => {
    const key = new api.OtpKey(secret);
    assert.equal(key.hotp(1), '287082'); // RFC 4226 Appendix D
    key.free();
    assertFreed(() => key.hotp(1), 'hotp');
    assertFreed(() => key.totp(59), 'totp');
    assertFreed(() => key.verifyHotp('287082', 1, 0), 'verifyHotp');
    assertFreed(() => key.verifyTotp('287082', 59, 1), 'verifyTotp');
    assert.equal(key.free(), undefined);
    assert.equal(key[Symbol.dispose](), undefined);
    // Other keys are untouched.
    assert.equal(new api.OtpKey(secret).hotp(1), '287082');
  });

  test(`${name}: Symbol.dispose frees, and the key is then Freed`, () => {
    const key = new api.OtpKey(secret);
    key[Symbol.dispose]();
    assertFreed(() => key.hotp(1), 'hotp');
  });

  test(`${name}: SecurityCard after free()`, () => {
    const card = api.SecurityCard.provision({ secret, pin: '4711' });
    assert.equal(card.press(), 'PIN>');
    card.free();
    assertFreed(() => card.press(), 'press');
    assertFreed(() => card.key('4'), 'key');
    assertFreed(() => card.toRecord(), 'toRecord');
    card.free();
  });

  test(`${name}: every method of every class is guarded`, () => {
    // SoftToken needs IndexedDB (browsers): an object whose pointer is 0 is what free() leaves.
    for (const Class of [api.OtpKey, api.SecurityCard, api.SoftToken]) {
      const freed = Object.create(Class.prototype);
      freed.__wbg_ptr = 0;
      const members = Object.getOwnPropertyNames(Class.prototype)
        .filter((m) => m !== 'constructor' && m !== 'free' && !m.startsWith('__'));
      assert.ok(members.length > 2, `${Class.name}: ${members}`);
      for (const member of members) {
        const { value, get } = Object.getOwnPropertyDescriptor(Class.prototype, member);
        assertFreed(() => (get ? get.call(freed) : value.call(freed)), member);
      }
    }
  });
}

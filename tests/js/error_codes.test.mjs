// The union `SecureLoginErrorCode` of the TypeScript declarations (crates/wasm/src/error.rs)
// against the codes the Rust side can throw, read from the Rust sources: the `code()` of the
// core's, the typed code's and the token's errors, `StorageCode::as_str`, the literal codes of
// crates/wasm's `js_error` calls, and `Freed` of crates/wasm/js/freed.js. A code added on either
// side alone fails here, so the declarations cannot drift from what the package throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file) => readFileSync(path.join(ROOT, file), 'utf8');

/** The body of the first `fn NAME(` in `source`, from its `{` to the matching `}`. */
function fnBody(source, name, file) {
  const at = source.search(new RegExp(`fn ${name}\\(`));
  assert.ok(at >= 0, `${file}: no fn ${name}`);
  const open = source.indexOf('{', at);
  let depth = 0;
  for (let i = open; i < source.length; i += 1) {
    if (source[i] === '{') depth += 1;
    if (source[i] === '}') depth -= 1;
    if (depth === 0) return source.slice(open, i + 1);
  }
  assert.fail(`${file}: fn ${name} does not end`);
}

/** The string literals a match returns: `=> "Code"`. */
const armCodes = (body) => [...body.matchAll(/=>\s*"(\w+)"/g)].map((m) => m[1]);

/** Every .rs file under `dir`. */
function rustFiles(dir) {
  return readdirSync(path.join(ROOT, dir), { recursive: true })
    .filter((f) => f.endsWith('.rs'))
    .map((f) => path.join(dir, f));
}

/**
 * The codes of crates/wasm's `js_error(CODE, ...)` and `js_error_with(CODE, ...)` calls: the
 * literal ones, and the other first arguments, which must be the known ways of passing a Rust
 * error's own code on.
 */
function jsErrorCalls(files) {
  const literal = new Map();
  const other = new Set();
  for (const file of files) {
    const source = read(file);
    for (const m of source.matchAll(/\bjs_error(?:_with)?\(\s*([^,]*)/g)) {
      const arg = m[1].trim();
      const lit = arg.match(/^"(\w+)"$/);
      if (lit) literal.set(lit[1], file);
      else other.add(`${path.basename(file)}: ${arg}`);
    }
  }
  return { literal: [...literal.keys()], other: [...other].sort() };
}

/** The members of `export type SecureLoginErrorCode = ...;` in a declaration file. */
function declaredCodes(file) {
  assert.ok(existsSync(path.join(ROOT, file)), `${file} is missing: run scripts/build-wasm.sh`);
  const m = read(file).match(/export type SecureLoginErrorCode =([^;]*);/);
  assert.ok(m, `${file} declares no SecureLoginErrorCode`);
  return [...m[1].matchAll(/"(\w+)"/g)].map((c) => c[1]);
}

const sorted = (codes) => [...new Set(codes)].sort();

const core = armCodes(fnBody(read('crates/otp/src/error.rs'), 'code', 'crates/otp/src/error.rs'));
const typed = armCodes(fnBody(read('crates/otp/src/typed.rs'), 'code', 'crates/otp/src/typed.rs'));
const token = armCodes(fnBody(read('crates/token/src/error.rs'), 'code', 'crates/token/src/error.rs'));
const storage = armCodes(fnBody(read('crates/wasm/src/token/mod.rs'), 'as_str', 'crates/wasm/src/token/mod.rs'));
const freed = [...read('crates/wasm/js/freed.js').matchAll(/\.code = '(\w+)'/g)].map((m) => m[1]);

test('the sources are read: each list has the codes it is known to have', () => {
  // A parse that found nothing would make the comparisons below vacuous.
  assert.ok(core.includes('InvalidSuite') && core.includes('CounterOverflow'), core.join());
  assert.deepEqual(sorted(typed), ['Empty', 'InvalidDigits', 'NotDigits', 'TooLong', 'TooShort']);
  assert.ok(token.includes('WeakPin') && token.includes('BackupUnsupported'), token.join());
  assert.ok(storage.includes('QuotaExceeded') && storage.includes('UpgradeFailed'), storage.join());
  assert.deepEqual(freed, ['Freed']);
});

test("crates/wasm passes on no code but literals and the Rust errors' own", () => {
  const { other } = jsErrorCalls(rustFiles('crates/wasm/src'));
  // The definitions in error.rs, and the three places a Rust error's code() goes through: a new
  // kind of call belongs here only with its codes added to the lists above.
  assert.deepEqual(other, [
    'error.rs: code',
    'error.rs: code: &str',
    'error.rs: error.code()',
    'login.rs: error.code()',
    'mod.rs: self.as_str()',
  ]);
});

test('the full build declares exactly the codes the Rust side throws', () => {
  const { literal } = jsErrorCalls(rustFiles('crates/wasm/src'));
  const thrown = sorted([...core, ...typed, ...token, ...storage, ...literal, ...freed]);
  for (const file of ['pkg/secure_login.d.ts', 'pkg-node/secure_login.d.ts', 'pkg-npm/web/secure_login.d.ts']) {
    assert.deepEqual(sorted(declaredCodes(file)), thrown, file);
  }
});

test("the login build declares exactly readCode's codes", () => {
  // pkg/login/ is login.rs (and error.rs) over the typed code of crates/otp/src/typed.rs.
  const { literal } = jsErrorCalls(['crates/wasm/src/login.rs']);
  const thrown = sorted([...typed, ...literal]);
  assert.deepEqual(thrown, ['Empty', 'InvalidArgument', 'InvalidDigits', 'NotDigits', 'TooLong', 'TooShort']);
  for (const file of ['pkg/login/secure_login.d.ts', 'pkg-npm/login/secure_login.d.ts']) {
    assert.deepEqual(sorted(declaredCodes(file)), thrown, file);
  }
});

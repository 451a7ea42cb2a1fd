// The README's "Use it in your portal" examples: the npm block runs in Node against pkg-npm/
// (scripts/build-wasm.sh), and the Rust block is the one crates/otp/README.md holds, which
// `cargo test` runs as a doctest (`#![doc = include_str!("../README.md")]`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret, TOTP } from 'otpauth';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The first ```LANG block after the heading `heading` in `text`. */
function block(text, heading, lang) {
  const at = text.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `no heading ${heading}`);
  const open = text.indexOf(`\`\`\`${lang}\n`, at);
  const close = text.indexOf('\n```\n', open);
  assert.ok(open >= 0 && close > open, `no ${lang} block under ${heading}`);
  return text.slice(open + lang.length + 4, close + 1);
}

// RFC 6238 Appendix B's time 1111111109 (SHA-1, "12345678901234567890"): 07081804 in 8 digits,
// so 081804 in 6 (the same truncation modulo 10^6).
const NOW = 1111111109;

test('the npm example runs: the code of now, and a typed code of the step before matches', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'readme-npm-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(path.join(ROOT, 'pkg-npm'), path.join(dir, 'node_modules', 'secure-login-otp'), 'dir');
  // An independent implementation types the code of the step before.
  const other = new TOTP({ secret: Secret.fromUTF8('12345678901234567890') });
  const previous = other.generate({ timestamp: (NOW - 30) * 1000 });
  const script = [
    `Date.now = () => ${NOW} * 1000;`,
    `const input = { value: ${JSON.stringify(previous)} };`,
    block(README, '### npm: `secure-login-otp`', 'js'),
    'console.log(JSON.stringify({ code: totp(secret, now), match }));',
  ].join('\n');
  writeFileSync(path.join(dir, 'example.mjs'), script);
  const out = execFileSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8' });
  const { code, match } = JSON.parse(out);
  assert.equal(code, '081804');
  assert.equal(code, other.generate({ timestamp: NOW * 1000 }));
  assert.deepEqual({ ...match }, { step: Math.floor(NOW / 30) - 1, offset: -1 });
});

test('the Rust example is the crate README\'s doctest, word for word', () => {
  const rust = block(README, '### The crate: `secure-login-otp`', 'rust');
  assert.match(rust, /Totp::from_key_uri/);
  const crate = readFileSync(path.join(ROOT, 'crates', 'otp', 'README.md'), 'utf8');
  assert.ok(crate.includes(`\`\`\`rust\n${rust}\`\`\`\n`), 'crates/otp/README.md has not this block');
});

// The server as one file (issue 17 item 5): the binary that `cargo build -p secure-login-server`
// made after scripts/build-wasm.sh, started from an empty working directory with no --www or
// --pkg, serves every file of the wasm package (byte for byte the repository's pkg/, with its
// content type and the security headers), and in Chromium the pages it holds load the wasm it
// holds under the portal's Content-Security-Policy.
// (server/tests/it/one_file.rs checks the pages the same way, in `cargo test`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser, ROOT, SERVER_BIN } from './helpers.mjs';

const HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    + "style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    + "form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

/** Every file under `dir` (hidden ones left out), relative with `/`. */
function files(dir, prefix = '') {
  return readdirSync(dir).filter((name) => !name.startsWith('.')).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** The binary started in an empty directory; its URL and the process. */
async function startFromEmptyDirectory() {
  const cwd = mkdtempSync(path.join(tmpdir(), 'secure-login-one-file-'));
  const child = spawn(SERVER_BIN, [
    '--addr', '127.0.0.1:0', '--demo', '--password-memory-kib', '64', '--password-iterations', '1',
  ], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { errors += chunk; });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/^secure-login portal listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}${errors}`)));
  });
  return { url, child };
}

test('from an empty directory the binary serves the package it holds, and pages load it', async (t) => {
  const { url, child } = await startFromEmptyDirectory();
  t.after(() => child.kill());
  const pkg = path.join(ROOT, 'pkg');
  // What pages load: the glue and the wasm (not wasm-pack's package.json and declarations).
  const names = files(pkg).filter((name) => /\.(js|wasm)$/.test(name));
  assert.ok(names.includes('secure_login_bg.wasm') && names.includes('login/secure_login_bg.wasm'), names.join());
  for (const name of names) {
    const response = await fetch(`${url}/pkg/${name}`);
    assert.equal(response.status, 200, name);
    assert.equal(response.headers.get('content-type'), TYPES[path.extname(name)], name);
    for (const [header, value] of Object.entries(HEADERS)) {
      assert.equal(response.headers.get(header), value, `${name} ${header}`);
    }
    const body = Buffer.from(await response.arrayBuffer());
    assert.ok(body.equals(readFileSync(path.join(pkg, name))), `${name} is not the repository's`);
  }

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const refused = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused/.test(message.text())) refused.push(message.text());
  });
  await page.goto(`${url}/`);
  // The wasm the binary holds, instantiated in the page: RFC 4226 Appendix D, counter 1.
  const code = await page.evaluate(async () => {
    const m = await import('/pkg/secure_login.js');
    await m.default();
    return m.hotp(new TextEncoder().encode('12345678901234567890'), 1);
  });
  assert.equal(code, '287082');
  assert.deepEqual(refused, []);
});

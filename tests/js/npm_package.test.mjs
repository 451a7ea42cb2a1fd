// The npm package as a user gets it (issue 17, item 1): `npm pack` of pkg-npm/ (scripts/build-wasm.sh
// makes it), installed from the tarball in a fresh project with no network (`npm install --offline`:
// the package has no dependencies), imported in Node through its `exports`, type-checked by
// `tsc --strict` with `skipLibCheck: false` at lib ES2020 + DOM (and ESNext + DOM), and a tiny page
// (show a TOTP, check a code: tests/js/npm/) bundled with esbuild and with Vite, run in Chromium
// under Playwright's clock at RFC 6238's T = 59 s, and measured (gzip -9) beside the same page
// with otpauth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { BUDGETS, ROOT, fileSize } from '../../benches/js/sizes.mjs';

const PACKAGE = path.join(ROOT, 'pkg-npm');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

let tmp;
let project;
let tarball;

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(() => {
  assert.ok(existsSync(path.join(PACKAGE, 'package.json')), 'pkg-npm/ is missing: run scripts/build-wasm.sh');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'secure-login-npm-'));
  project = path.join(tmp, 'project');
  mkdirSync(project);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('npm pack: one tarball with the three entries, the README and the licenses', () => {
  const [packed] = JSON.parse(run('npm', ['pack', PACKAGE, '--pack-destination', tmp, '--json', '--cache', path.join(tmp, 'cache')], tmp));
  tarball = path.join(tmp, packed.filename);
  assert.equal(packed.name, 'secure-login-otp');
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'LICENSE-APACHE', 'LICENSE-MIT', 'README.md',
    'login/node.js', 'login/secure_login.d.ts', 'login/secure_login.js', 'login/secure_login_bg.wasm',
    'node/index.js', 'node/secure_login.d.ts', 'node/secure_login.js', 'node/secure_login_bg.wasm',
    'package.json',
    'web/secure_login.d.ts', 'web/secure_login.js', 'web/secure_login_bg.wasm',
  ]);
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
  assert.equal(manifest.repository, undefined, 'no placeholder repository');
  assert.equal(manifest.dependencies, undefined, 'no dependencies: it installs offline');
  const cargo = readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
  assert.equal(manifest.version, cargo, "the workspace's version");
  const readme = readFileSync(path.join(PACKAGE, 'README.md'), 'utf8');
  assert.match(readme, /^# secure-login-otp/);
  assert.doesNotMatch(readme, /docs\/screenshots|cargo /, 'its own README, not the repository\'s');
});

test('installs offline from the tarball into a fresh project', () => {
  assert.ok(tarball, 'packed');
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'check', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', path.join(tmp, 'cache'), tarball], project);
  assert.ok(existsSync(path.join(project, 'node_modules', 'secure-login-otp', 'web', 'secure_login_bg.wasm')));
  // otpauth for the page beside ours: the repository's own copy (a devDependency).
  symlinkSync(path.join(ROOT, 'node_modules', 'otpauth'), path.join(project, 'node_modules', 'otpauth'), 'dir');
});

test('Node imports both entries by name (the "node" condition loads the wasm itself)', () => {
  const script = `
    import init, { hotp, totp, OtpKey } from 'secure-login-otp';
    import { readCode } from 'secure-login-otp/login';
    await init();
    const key = new TextEncoder().encode('12345678901234567890');
    const k = new OtpKey(key); k.free();
    let code; try { k.hotp(1); } catch (e) { code = e.name + ' ' + e.code; }
    console.log(JSON.stringify([hotp(key, 1), totp(key, 59, { digits: 8 }), readCode('１２３ ４５６', 6), code]));`;
  const out = run(process.execPath, ['--input-type=module', '-e', script], project);
  // RFC 4226 Appendix D (counter 1), RFC 6238 Appendix B (T = 59, SHA-1).
  assert.deepEqual(JSON.parse(out), ['287082', '94287082', '123456', 'SecureLoginError Freed']);
});

for (const [lib, moduleResolution] of [['ES2020', 'nodenext'], ['ES2020', 'bundler'], ['ESNext', 'nodenext']]) {
  test(`tsc --strict, skipLibCheck false, lib ${lib} + DOM, moduleResolution ${moduleResolution}`, () => {
    assert.ok(existsSync(path.join(project, 'node_modules', 'secure-login-otp')), 'installed');
    const dir = path.join(project, `ts-${lib}-${moduleResolution}`);
    mkdirSync(dir);
    copyFileSync(path.join(ROOT, 'tests/js/npm/example.ts'), path.join(dir, 'example.ts'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        lib: [lib, 'DOM'],
        target: 'ES2020',
        module: moduleResolution === 'bundler' ? 'ESNext' : 'NodeNext',
        moduleResolution,
        types: [],
        outDir: 'out',
      },
      files: ['example.ts'],
    }));
    try {
      run(TSC, ['-p', dir], dir);
    } catch (error) {
      assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
    }
    // And what it compiled runs: RFC 4226, RFC 6238, RFC 6287 values and the error words.
    const out = run(process.execPath, ['--input-type=module', '-e',
      "const m = await import('./out/example.js'); console.log(JSON.stringify(await m.main()));"], dir);
    assert.deepEqual(JSON.parse(out), [
      '287082', '94287082', 'step 1 offset -1', '243178', 'totp alice Portal 5', '94287082',
      'used after free()', '123456', 'too few digits',
    ]);
  });
}

test('tsc refuses a code that is not in the union (the check above can fail)', () => {
  assert.ok(existsSync(path.join(project, 'node_modules', 'secure-login-otp')), 'installed');
  const dir = path.join(project, 'ts-negative');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'bad.ts'), [
    "import type { SecureLoginErrorCode } from 'secure-login-otp';",
    "export const code: SecureLoginErrorCode = 'NoSuchCode';",
  ].join('\n'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, skipLibCheck: false, lib: ['ES2020', 'DOM'], module: 'NodeNext', noEmit: true, types: [] },
    files: ['bad.ts'],
  }));
  assert.throws(() => run(TSC, ['-p', dir], dir), (error) => /TS2322/.test(error.stdout));
});

/** Bytes (raw, gzip -9) of a bundle's JavaScript and wasm files. */
function outputSize(dir) {
  const files = readdirSync(dir, { recursive: true }).filter((f) => /\.(js|wasm)$/.test(f));
  const sizes = files.map((f) => ({ file: f, ...fileSize(path.join(dir, f)) }));
  return { files: sizes, raw: sizes.reduce((s, f) => s + f.raw, 0), gzip: sizes.reduce((s, f) => s + f.gzip, 0) };
}

const PAGE_HTML = (script) => `<!doctype html><meta charset="utf-8"><title>TOTP</title>
<p id="code"></p><form><input name="code"><button>Check</button></form><p id="result"></p>
<script type="module" src="./${script}"></script>`;

const pages = { 'secure-login-otp': 'page-secure-login.js', otpauth: 'page-otpauth.js' };
const built = {}; // `${bundler} ${library}` -> output dir

test('esbuild bundles the page (the browser entry; the .wasm copied beside it as the README says)', async () => {
  const esbuild = await import('esbuild');
  for (const [library, page] of Object.entries(pages)) {
    const src = path.join(project, `esbuild-${library}`);
    const out = path.join(src, 'dist');
    mkdirSync(src);
    copyFileSync(path.join(ROOT, 'tests/js/npm', page), path.join(src, 'page.js'));
    await esbuild.build({
      entryPoints: [path.join(src, 'page.js')],
      bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2020',
      outdir: out, logLevel: 'silent',
    });
    if (library === 'secure-login-otp') {
      copyFileSync(path.join(project, 'node_modules/secure-login-otp/web/secure_login_bg.wasm'), path.join(out, 'secure_login_bg.wasm'));
      assert.doesNotMatch(readFileSync(path.join(out, 'page.js'), 'utf8'), /node:fs/, 'the browser build, not Node\'s');
    }
    writeFileSync(path.join(out, 'index.html'), PAGE_HTML('page.js'));
    built[`esbuild ${library}`] = out;
  }
});

test('Vite bundles the page (it finds and emits the .wasm itself)', async () => {
  const { build } = await import('vite');
  for (const [library, page] of Object.entries(pages)) {
    const src = path.join(project, `vite-${library}`);
    mkdirSync(src);
    copyFileSync(path.join(ROOT, 'tests/js/npm', page), path.join(src, 'page.js'));
    writeFileSync(path.join(src, 'index.html'), PAGE_HTML('page.js'));
    await build({ root: src, configFile: false, logLevel: 'silent', build: { outDir: 'dist', emptyOutDir: true } });
    const out = path.join(src, 'dist');
    const wasm = readdirSync(out, { recursive: true }).filter((f) => f.endsWith('.wasm'));
    if (library === 'secure-login-otp') {
      assert.equal(wasm.length, 1, `one .wasm: ${wasm}`);
      assert.ok(
        readFileSync(path.join(out, wasm[0])).equals(readFileSync(path.join(PACKAGE, 'web/secure_login_bg.wasm'))),
        "the browser build's wasm",
      );
    } else {
      assert.deepEqual(wasm, []);
    }
    built[`vite ${library}`] = out;
  }
});

test('every bundled page runs in Chromium: shows the TOTP at T = 59 s and checks a code', async (t) => {
  assert.equal(Object.keys(built).length, 4, 'all four pages built');
  const { launchBrowser } = await import('../e2e/helpers.mjs');
  const browser = await launchBrowser();
  t.after(() => browser.close());
  for (const [name, dir] of Object.entries(built)) {
    const server = createServer((req, res) => {
      const file = path.join(dir, new URL(req.url, 'http://x').pathname.replace(/\/$/, '/index.html'));
      if (!file.startsWith(dir) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }[path.extname(file)];
      res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const page = await browser.newPage();
      await page.clock.setFixedTime(59_000); // RFC 6238 Appendix B's first time
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.waitForSelector('body[data-ready="yes"]');
      // RFC 6238 Appendix B, T = 59, SHA-1: 94287082, of which a 6-digit code is the last six.
      assert.equal(await page.textContent('#code'), '287082', name);
      await page.fill('input', '287082');
      await page.click('button');
      assert.equal(await page.textContent('#result'), 'accepted', name);
      await page.fill('input', '287083');
      await page.click('button');
      assert.equal(await page.textContent('#result'), 'refused', name);
      await page.close();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }
});

test('the page\'s size with the package, beside otpauth (gzip -9 of its JavaScript and wasm)', (t) => {
  assert.equal(Object.keys(built).length, 4, 'all four pages built');
  const rows = Object.entries(built).map(([name, dir]) => [name, outputSize(dir)]);
  for (const [name, size] of rows) {
    t.diagnostic(`${name}: ${kib(size.gzip)} gzip, ${kib(size.raw)} raw (${size.files.map((f) => `${f.file} ${f.gzip}`).join(', ')})`);
  }
  // The page with the package cannot be smaller than its wasm, and must not be bigger than the
  // whole pkg/ bundle's budget (benches/js/sizes.mjs): a bundler that copied the wasm twice or
  // took the Node build along would pass it.
  for (const [name, size] of rows.filter(([n]) => n.endsWith('secure-login-otp'))) {
    assert.ok(size.gzip <= BUDGETS['pkg/'].gzip, `${name}: ${kib(size.gzip)} over pkg/'s budget of ${kib(BUDGETS['pkg/'].gzip)}`);
  }
});

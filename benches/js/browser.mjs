// Drives www/bench.html in headless Chromium (Debian's, through playwright-core; no browser is
// ever downloaded) against a portal of its own, and prints the page's results as JSON.
//
//   node benches/js/browser.mjs --server target/release/secure-login-server [--rounds N]
//        [--runs N] [--speed-pkg DIR] [--out FILE]
//
// The portal serves a copy of www/ in target/bench/www/ (git-ignored) to which this script adds
// what the page compares against: the browser bundles of otpauth and otplib, copied from
// node_modules/ into vendor/, and, with --speed-pkg, a web build of the speed bundle at
// /pkg-speed/. The size-first bundle the pages load is the portal's own /pkg/. Each run is a
// fresh page in a fresh browser context.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    server: { type: 'string', default: path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release', 'secure-login-server') },
    rounds: { type: 'string', default: '12' },
    runs: { type: 'string', default: '3' },
    'speed-pkg': { type: 'string' },
    out: { type: 'string' },
  },
});

/** The browser builds: otpauth's ES module (with its bundled noble hashes) and otplib's IIFE. */
export const VENDOR = {
  'otpauth.esm.min.js': 'node_modules/otpauth/dist/otpauth.esm.min.js',
  'otplib.global.js': 'node_modules/otplib/dist/index.global.js',
};

const site = path.join(ROOT, 'target/bench/www');
rmSync(site, { recursive: true, force: true });
cpSync(path.join(ROOT, 'www'), site, { recursive: true });
mkdirSync(path.join(site, 'vendor'));
for (const [name, from] of Object.entries(VENDOR)) cpSync(path.join(ROOT, from), path.join(site, 'vendor', name));
const bundles = ['/pkg/secure_login.js'];
if (values['speed-pkg']) {
  cpSync(values['speed-pkg'], path.join(site, 'pkg-speed'), { recursive: true });
  bundles.push('/pkg-speed/secure_login.js');
}

const dir = mkdtempSync(path.join(tmpdir(), 'secure-login-bench-'));
const server = spawn(values.server, [
  '--addr', '127.0.0.1:0', '--demo', '--test-clock', '--db', path.join(dir, 'portal.sqlite3'),
  '--www', site, '--pkg', path.join(ROOT, 'pkg'),
], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.setEncoding('utf8');
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const match = out.match(/listening on (http:\/\/\S+)/);
    if (match) resolve(match[1]);
  });
  server.once('exit', (code) => reject(new Error(`the portal exited (${code}): ${out}`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const version = browser.version();
const runs = [];
try {
  for (let run = 0; run < Number(values.runs); run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    const query = new URLSearchParams({ auto: '1', rounds: values.rounds, bundles: bundles.join(',') });
    await page.goto(`${url}/bench.html?${query}`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('status')?.dataset.state),
      null, { timeout: 15 * 60_000, polling: 500 });
    const result = await page.evaluate(() => window.benchResults ?? { error: window.benchError });
    if (result.error) throw new Error(`bench.html failed: ${result.error}\n${problems.join('\n')}`);
    if (result.missing.length) throw new Error(`bench.html could not load ${result.missing.join(', ')}: ${problems.join('\n')}`);
    if (problems.length) throw new Error(`bench.html reported errors (a CSP refusal?):\n${problems.join('\n')}`);
    runs.push(result);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
const report = { world: 'chromium', browser: version, userAgent: runs[0]?.userAgent, runs: runs.map((r) => r.results) };
const json = JSON.stringify(report, null, 1);
if (values.out) writeFileSync(values.out, json);
else console.log(json);

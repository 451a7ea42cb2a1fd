// Shared by every end-to-end test in tests/e2e/: a portal of its own, Debian's Chromium, and a
// watch for console errors and CSP violations. Run the tests with `node --test tests/e2e/`.
//
// Needs `cargo build -p secure-login-server` (or SECURE_LOGIN_SERVER_BIN), the wasm package in
// pkg/ (`scripts/build-wasm.sh`), `npm ci`, and /usr/bin/chromium (or CHROMIUM_PATH).
//
// API (everything else in this file is private):
//
//   const portal = await startPortal({ args: [] })
//       Starts `secure-login-server --addr 127.0.0.1:0 --demo --test-clock --db <fresh file>`
//       (plus `args`, e.g. ['--lockout-threshold', '3']) on a free loopback port, sets its clock
//       to the current second, and resolves once it listens.
//       With { localhost: true }: on a free port chosen first, with `--public-origin
//       http://localhost:PORT` (a domain name: what passkeys need, docs/api.md "Passkeys").
//     portal.url                     'http://127.0.0.1:PORT' (no trailing slash), or
//                                    'http://localhost:PORT' with { localhost: true }
//     portal.db                      the database file (fresh, in its own temp directory)
//     portal.output                  what the server printed so far (the demo accounts, ...)
//     portal.demo                    what the demo start printed: { passcode, totpUri, cardSerial }
//     portal.now                     the server's clock (Unix seconds); it stands still
//     await portal.setClock(now)     sets the server's clock (POST /api/test/clock)
//     await portal.advance(seconds)  moves it forward
//     await portal.api(method, path, body?)  JSON request with the CSRF header, no cookie:
//                                    resolves { status, body }
//     await portal.admin(...args)    runs `secure-login-server admin --db <db> ...args`: stdout
//     await portal.stop()            stops the server (SIGTERM) and removes the temp directory
//
//   const browser = await launchBrowser()
//       Chromium with TOOLCHAIN.md's flags; Playwright gives each launch a fresh temporary
//       profile directory, and each context below is a separate, empty profile within it.
//
//   const { context, problems } = await newPersistentContext({ locale: 'en-US' })
//       The same, in a Chromium of its own on a profile on disk (Playwright's other contexts are
//       incognito, where quota overrides do not reach IndexedDB); `context.close()` ends it.
//
//   const { context, problems } = await newContext(browser, { locale: 'en-US' })
//       A phone-sized (390 x 844), light-scheme context in that locale. Every page opened in it
//       is watched: `problems()` lists its console errors, uncaught exceptions and CSP
//       violations so far (expected refusals of /api/ requests, such as a 401 or a 429 that the
//       page shows to the person, are not problems). Pass { clock: portal } to give the pages
//       the portal's clock: Playwright's fake clock is installed before any page loads and
//       `Date.now()` is held at `portal.now` (timers still run), so a countdown reads exactly
//       what the server's time makes it, however slow the machine; move both clocks with
//       `advanceClocks`.
//
//   await advanceClocks(portal, context, seconds)
//       Moves the portal's clock and the pages' clock of `context` (made with { clock: portal })
//       on by `seconds`, firing the pages' timers that fall due meanwhile.
//
//   await screenshot(page, name)     docs/screenshots/<name>.png, the viewport only
//
//   await logIn(page, portal, DEMO.alice)
//       Opens the login page (index.html) and submits the username and password as a person
//       does. Then, on the login page: the factors are buttons named by kind ("Soft token",
//       "Digital Security Card+", "Authenticator app", "Text message (SMS)", "Voice call",
//       "Temporary passcode"); a single factor is chosen by itself. Soft token: the button
//       "Send a notification to my token" shows the number to match in #push-number; the button
//       "No notification? Use challenge and response instead" gives the challenge. A challenge
//       is in #challenge (digits only in its text; shown in groups); the answer goes into the
//       textbox "Response" ("Security code", "Temporary passcode"), then the button "Log in".
//       Success opens account.html, whose #username shows who is logged in.
//
//   totp(uri, unixSeconds)           the TOTP code (RFC 6238) of an otpauth:// Key URI, computed
//                                    with node:crypto (independent of the wasm library)
//
//   DEMO                             the demo accounts: DEMO.alice = { username, password }, ...
//   ROOT                             the repository root

import { spawn, execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER_BIN = process.env.SECURE_LOGIN_SERVER_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'debug', 'secure-login-server');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');

/** The accounts `--demo` creates (server/src/demo.rs). */
export const DEMO = Object.freeze({
  alice: Object.freeze({ username: 'alice', password: 'alice-2fa-demo', phone: '+41 79 000 00 01' }),
  bob: Object.freeze({ username: 'bob', password: 'bob-2fa-demo', phone: '+41 79 000 00 02' }),
  carol: Object.freeze({ username: 'carol', password: 'carol-2fa-demo' }),
});

const run = promisify(execFile);

/** Reads what a `--demo` start printed. */
function parseDemo(output) {
  return {
    passcode: output.match(/temporary passcode (\S+)/)?.[1],
    totpUri: output.match(/authenticator app: (otpauth:\/\/\S+)/)?.[1],
    cardSerial: output.match(/security card (\S+) with PIN/)?.[1],
  };
}

/** A TCP port free on 127.0.0.1 just now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a portal of its own on a free port with a fresh database. See the top of the file. */
export async function startPortal({ args = [], localhost = false } = {}) {
  const port = localhost ? await freePort() : 0;
  const where = localhost
    ? ['--addr', `127.0.0.1:${port}`, '--public-origin', `http://localhost:${port}`]
    : ['--addr', '127.0.0.1:0'];
  if (!existsSync(path.join(ROOT, 'pkg', 'secure_login.js'))) {
    throw new Error('pkg/ is missing: run scripts/build-wasm.sh first');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'secure-login-e2e-'));
  const db = path.join(dir, 'portal.sqlite3');
  const child = spawn(
    SERVER_BIN,
    [
      ...where,
      '--demo',
      '--test-clock',
      '--db', db,
      '--www', path.join(ROOT, 'www'),
      '--pkg', path.join(ROOT, 'pkg'),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { errors += chunk; });

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no address in 30 s: ${output}${errors}`)), 30_000);
    const onData = () => {
      const match = output.match(/^secure-login portal listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(localhost ? `http://localhost:${port}` : match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${SERVER_BIN} (cargo build -p secure-login-server): ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}): ${errors}`));
    });
  });

  const portal = {
    url,
    db,
    get output() { return output; },
    demo: parseDemo(output),
    now: 0,

    async api(method, pathname, body) {
      const response = await fetch(`${url}${pathname}`, {
        method,
        headers: body === undefined
          ? { 'X-Secure-Login': '1' }
          : { 'X-Secure-Login': '1', 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
      return { status: response.status, body: parsed };
    },

    async setClock(now) {
      const { status, body } = await portal.api('POST', '/api/test/clock', { now });
      if (status !== 200) throw new Error(`cannot set the server's clock: ${status} ${JSON.stringify(body)}`);
      portal.now = now;
    },

    async advance(seconds) {
      await portal.setClock(portal.now + seconds);
    },

    async admin(...adminArgs) {
      const { stdout } = await run(SERVER_BIN, ['admin', '--db', db, ...adminArgs]);
      return stdout;
    },

    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        let timer;
        const late = new Promise((resolve) => { timer = setTimeout(() => resolve('late'), 5_000); });
        if (await Promise.race([exited, late]) === 'late') {
          child.kill('SIGKILL');
          await exited;
        }
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await portal.setClock(Math.floor(Date.now() / 1000));
  return portal;
}

/** Debian's Chromium, headless, with TOOLCHAIN.md's flags and a fresh temporary profile. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A console error that is the browser reporting an API refusal the page handles and shows. */
function expectedRefusal(message) {
  return /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
    && /\/api\//.test(message.location()?.url ?? '');
}

/** The options of every context: a phone-sized, light-scheme window in `locale`. */
const contextOptions = (locale) => ({
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 1,
  locale,
  colorScheme: 'light',
});

/** A phone-sized, watched context (an empty profile of its own). See the top of the file. */
export async function newContext(browser, { locale = 'en-US', clock = null } = {}) {
  const context = await browser.newContext(contextOptions(locale));
  return watchContext(context, { clock });
}

/**
 * A watched context like `newContext`'s, but in a Chromium of its own on a profile on disk (a
 * fresh temporary directory, removed by `close()`). Playwright's other contexts are incognito
 * profiles, whose IndexedDB ignores quota overrides; use this one to run out of quota.
 */
export async function newPersistentContext({ locale = 'en-US' } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'secure-login-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    ...contextOptions(locale),
  });
  const closeContext = context.close.bind(context);
  context.close = async () => {
    await closeContext();
    rmSync(dir, { recursive: true, force: true });
  };
  return watchContext(context, {});
}

async function watchContext(context, { clock }) {
  context.setDefaultTimeout(10_000);
  const found = [];
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error' && !expectedRefusal(message)) {
        found.push(`${page.url()}: console: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => found.push(`${page.url()}: uncaught: ${error.message}`));
  };
  context.on('page', watch);
  // Runs in every page before its own scripts (the browser injects it, so the CSP does not
  // apply); a violation is reported on the console, where the watch above sees it.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  if (clock) {
    // Date.now() stands at the portal's time, as the portal's test clock stands still: no
    // countdown on a page moves with the wall clock (timers and performance.now() still run).
    await context.clock.install({ time: clock.now * 1000 });
    await context.clock.setFixedTime(clock.now * 1000);
  }
  return { context, problems: () => [...found] };
}

/** Moves the portal's clock and the pages' clock on together. See the top of the file. */
export async function advanceClocks(portal, context, seconds) {
  await portal.advance(seconds);
  // The new time first, so that the timers that fall due read it.
  await context.clock.setFixedTime(portal.now * 1000);
  await context.clock.fastForward(seconds * 1000);
}

/** Saves a phone-sized screenshot of `page` as docs/screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Opens the login page and submits `account`'s username and password. */
export async function logIn(page, portal, account) {
  await page.goto(`${portal.url}/index.html`);
  await page.getByRole('textbox', { name: 'Username' }).fill(account.username);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** RFC 4648 Base32 to bytes. */
function base32Bytes(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not Base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The TOTP code of an otpauth:// Key URI at `unixSeconds` (RFC 6238 with RFC 4226's truncation). */
export function totp(uri, unixSeconds) {
  const params = new URL(uri).searchParams;
  const key = base32Bytes(params.get('secret'));
  const digits = Number(params.get('digits') ?? 6);
  const period = Number(params.get('period') ?? 30);
  const algorithm = (params.get('algorithm') ?? 'SHA1').toLowerCase();
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / period)));
  const mac = createHmac(algorithm, key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

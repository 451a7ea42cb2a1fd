// The benchmark of www/bench.html, and the cases benches/js/node.mjs runs in Node.
//
// Every implementation computes the same codes from the same keys and counters: the secure-login
// wasm package (one entry per bundle), WebCrypto (crypto.subtle.sign, awaited per code, as a page
// would), otpauth and otplib. Results are checked to agree before anything is timed. Timing is
// in interleaved rounds: each round runs one batch of every case (batches sized to ~25 ms), so a
// burst of load from elsewhere on the machine hits every implementation alike.
//
// Imported as a module it only exports; in a page it wires up the Run button (and `?auto=1`).

import { show as showText } from './lib/text.js';

const text = new TextEncoder();

/** RFC 4226's 20-byte key (HOTP-SHA1) and its 32-byte extension (the SHA-256 benches). */
export const KEY_20 = text.encode('12345678901234567890');
export const KEY_32 = text.encode('12345678901234567890123456789012');
/** A Unix time in 2026, as in benches/otp.rs. */
export const NOW = 1_790_000_000;
export const SUITE = 'OCRA-1:HOTP-SHA256-8:QN08';
export const CHALLENGE = '12345678';
/** Counters (and time steps) cycle through 1024 values so that no library can cache a code. */
const COUNTER = 1000;
const spin = (i) => i & 1023;

/** The operations, as benches/otp.rs names them natively. */
export const OPERATIONS = [
  { id: 'hotp_sha1_6/generate', what: 'HOTP-SHA1-6 generate', hmacs: 1 },
  { id: 'hotp_sha1_6/verify_look_ahead_10', what: 'HOTP-SHA1-6 verify, look-ahead 10', hmacs: 11 },
  { id: 'totp_sha256_8/generate', what: 'TOTP-SHA256-8 generate', hmacs: 1 },
  { id: 'totp_sha256_8/verify_window_1', what: 'TOTP-SHA256-8 verify, ±1 step', hmacs: 3 },
  { id: 'ocra/QN08_respond', what: `${SUITE} respond`, hmacs: 1 },
  { id: 'ocra/QN08_verify', what: `${SUITE} verify`, hmacs: 1 },
];

// --- WebCrypto: HOTP, TOTP and OCRA written out over crypto.subtle.sign -----------------------

function truncate(mac, digits) {
  const offset = mac[mac.length - 1] & 0x0f;
  const value = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(value % 10 ** digits).padStart(digits, '0');
}

function counterBytes(counter) {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  return bytes;
}

/** RFC 6287's data input for a one-way numeric challenge: suite || 0x00 || Q (128 bytes). */
function ocraDataInput(suite, challenge) {
  const suiteBytes = text.encode(suite);
  const data = new Uint8Array(suiteBytes.length + 1 + 128);
  data.set(suiteBytes);
  const hex = BigInt(challenge).toString(16);
  const q = data.subarray(suiteBytes.length + 1);
  for (let i = 0; i < hex.length; i += 2) {
    q[i / 2] = parseInt(hex.slice(i, i + 2).padEnd(2, '0'), 16);
  }
  return data;
}

async function webCrypto(subtle) {
  const hmacKey = (key, hash) => subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
  const sha1 = await hmacKey(KEY_20, 'SHA-1');
  const sha256 = await hmacKey(KEY_32, 'SHA-256');
  const hotp = async (key, counter, digits) =>
    truncate(new Uint8Array(await subtle.sign('HMAC', key, counterBytes(counter))), digits);
  const ocra = async (challenge) =>
    truncate(new Uint8Array(await subtle.sign('HMAC', sha256, ocraDataInput(SUITE, challenge))), 8);
  return {
    hotp: (counter) => hotp(sha1, counter, 6),
    async verifyHotp(code, counter, lookAhead) {
      let found;
      for (let c = counter; c <= counter + lookAhead; c++) {
        if ((await hotp(sha1, c, 6)) === code && found === undefined) found = c;
      }
      return found;
    },
    totp: (time) => hotp(sha256, Math.floor(time / 30), 8),
    async verifyTotp(code, time, window) {
      const now = Math.floor(time / 30);
      let found;
      for (let step = now - window; step <= now + window; step++) {
        if ((await hotp(sha256, step, 8)) === code && found === undefined) found = step - now;
      }
      return found;
    },
    ocra,
    verifyOcra: async (response, challenge) => (await ocra(challenge)) === response,
  };
}

// --- The cases ---------------------------------------------------------------------------------

/**
 * The implementations of every operation, as `{ impl, cases: { [operation id]: (i) => result } }`.
 * `libs`: `wasm` (a list of `{ name, module }`, each an initialised secure_login package),
 * `subtle`, `otpauth` (the OTPAuth namespace), `otplib` (its namespace or global); any may be
 * missing. Verification cases return something truthy when the code matched.
 */
export async function implementations({ wasm = [], subtle, otpauth, otplib }) {
  const out = [];
  // The codes every verification looks for: at the far end of its window, so that libraries
  // that stop at the first match still compute every candidate.
  const reference = wasm[0]?.module;

  for (const { name, module: sl } of wasm) {
    const sha256 = { digits: 8, hash: 'SHA256' };
    const hotpCode = sl.hotp(KEY_20, COUNTER + 10);
    const totpCode = sl.totp(KEY_32, NOW + 30, sha256);
    const response = sl.ocra(SUITE, KEY_32, { challenge: CHALLENGE });
    out.push({
      impl: name,
      cases: {
        'hotp_sha1_6/generate': (i) => sl.hotp(KEY_20, COUNTER + spin(i)),
        'hotp_sha1_6/verify_look_ahead_10': () => sl.verifyHotp(KEY_20, hotpCode, COUNTER, { lookAhead: 10 }),
        'totp_sha256_8/generate': (i) => sl.totp(KEY_32, NOW + 30 * spin(i), sha256),
        'totp_sha256_8/verify_window_1': () => sl.verifyTotp(KEY_32, totpCode, NOW, { ...sha256, window: 1 }),
        'ocra/QN08_respond': () => sl.ocra(SUITE, KEY_32, { challenge: CHALLENGE }),
        'ocra/QN08_verify': () => sl.verifyOcra(SUITE, KEY_32, response, { challenge: CHALLENGE }),
      },
    });
    // The same with the key prepared once (OtpKey), as otpauth's HOTP and TOTP objects are.
    if (sl.OtpKey) {
      const hotpKey = new sl.OtpKey(KEY_20);
      const totpKey = new sl.OtpKey(KEY_32, sha256);
      out.push({
        impl: name.replace('wasm', 'wasm OtpKey'),
        cases: {
          'hotp_sha1_6/generate': (i) => hotpKey.hotp(COUNTER + spin(i)),
          'hotp_sha1_6/verify_look_ahead_10': () => hotpKey.verifyHotp(hotpCode, COUNTER, 10),
          'totp_sha256_8/generate': (i) => totpKey.totp(NOW + 30 * spin(i)),
          'totp_sha256_8/verify_window_1': () => totpKey.verifyTotp(totpCode, NOW, 1),
        },
      });
    }
  }

  const hotpCode = reference?.hotp(KEY_20, COUNTER + 10);
  const totpCode = reference?.totp(KEY_32, NOW + 30, { digits: 8, hash: 'SHA256' });
  const response = reference?.ocra(SUITE, KEY_32, { challenge: CHALLENGE });

  if (subtle) {
    const wc = await webCrypto(subtle);
    out.push({
      impl: 'WebCrypto',
      async: true,
      cases: {
        'hotp_sha1_6/generate': (i) => wc.hotp(COUNTER + spin(i)),
        'hotp_sha1_6/verify_look_ahead_10': () => wc.verifyHotp(hotpCode, COUNTER, 10),
        'totp_sha256_8/generate': (i) => wc.totp(NOW + 30 * spin(i)),
        'totp_sha256_8/verify_window_1': () => wc.verifyTotp(totpCode, NOW, 1),
        'ocra/QN08_respond': () => wc.ocra(CHALLENGE),
        'ocra/QN08_verify': () => wc.verifyOcra(response, CHALLENGE),
      },
    });
  }

  if (otpauth) {
    const secret = (key) => new otpauth.Secret({ buffer: key.slice().buffer });
    const hotp = new otpauth.HOTP({ secret: secret(KEY_20), algorithm: 'SHA1', digits: 6 });
    const totp = new otpauth.TOTP({ secret: secret(KEY_32), algorithm: 'SHA256', digits: 8, period: 30 });
    out.push({
      impl: 'otpauth',
      cases: {
        'hotp_sha1_6/generate': (i) => hotp.generate({ counter: COUNTER + spin(i) }),
        // otpauth's window is symmetric: counter 1005 +-5 is 1000..=1010.
        'hotp_sha1_6/verify_look_ahead_10': () => hotp.validate({ token: hotpCode, counter: COUNTER + 5, window: 5 }) !== null,
        'totp_sha256_8/generate': (i) => totp.generate({ timestamp: (NOW + 30 * spin(i)) * 1000 }),
        'totp_sha256_8/verify_window_1': () => totp.validate({ token: totpCode, timestamp: NOW * 1000, window: 1 }) !== null,
      },
    });
  }

  if (otplib) {
    const sha1 = { secret: KEY_20, algorithm: 'sha1', digits: 6 };
    const sha256 = { secret: KEY_32, algorithm: 'sha256', digits: 8, period: 30 };
    out.push({
      impl: 'otplib',
      cases: {
        'hotp_sha1_6/generate': (i) => otplib.generateSync({ ...sha1, strategy: 'hotp', counter: COUNTER + spin(i) }),
        'hotp_sha1_6/verify_look_ahead_10': () =>
          otplib.verifySync({ ...sha1, strategy: 'hotp', token: hotpCode, counter: COUNTER, counterTolerance: [0, 10] }).valid,
        'totp_sha256_8/generate': (i) => otplib.generateSync({ ...sha256, epoch: NOW + 30 * spin(i) }),
        'totp_sha256_8/verify_window_1': () =>
          otplib.verifySync({ ...sha256, token: totpCode, epoch: NOW, epochTolerance: 30 }).valid,
      },
    });
  }
  return out;
}

/** Runs every case a few times and throws unless all implementations agree with the first. */
export async function crossCheck(impls) {
  const [first, ...rest] = impls;
  for (const impl of rest) {
    for (const [op, fn] of Object.entries(impl.cases)) {
      for (const i of [0, 1, 7, 500]) {
        const want = await first.cases[op](i);
        const got = await fn(i);
        const isVerify = op.includes('verify');
        const agree = isVerify ? Boolean(want) === true && Boolean(got) === true : want === got;
        if (!agree) throw new Error(`${impl.impl} ${op}(${i}): ${JSON.stringify(got)}, ${first.impl}: ${JSON.stringify(want)}`);
      }
    }
  }
}

/** A batch of `n` calls of `fn` from index `start`; milliseconds taken. */
async function batch(fn, isAsync, start, n, now) {
  let sink = 0;
  const t0 = now();
  if (isAsync) {
    for (let i = start; i < start + n; i++) if (await fn(i)) sink++;
  } else {
    for (let i = start; i < start + n; i++) if (fn(i)) sink++;
  }
  const ms = now() - t0;
  if (sink !== n) throw new Error('a case returned nothing');
  return ms;
}

/**
 * Times every case in `impls`: calibrates a batch size per case (at least `batchMs`), then runs
 * `rounds` rounds, each timing one batch of every case, in an order rotated per round.
 * Returns `[{ op, impl, samples: [ns per op, one per round] }]`.
 */
export async function measure(impls, { rounds = 12, batchMs = 25, now = () => performance.now(), onProgress } = {}) {
  const cases = [];
  for (const impl of impls) {
    for (const [op, fn] of Object.entries(impl.cases)) {
      cases.push({ op, impl: impl.impl, fn, isAsync: Boolean(impl.async), n: 1, next: 0, samples: [] });
    }
  }
  for (const c of cases) {
    // Calibration doubles as warm-up (the JIT, wasm tiering).
    for (;;) {
      const ms = await batch(c.fn, c.isAsync, c.next, c.n, now);
      c.next += c.n;
      if (ms >= batchMs) break;
      c.n = ms > 1 ? Math.ceil((c.n * batchMs * 1.1) / ms) : c.n * 4;
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length];
      const ms = await batch(c.fn, c.isAsync, c.next, c.n, now);
      c.next += c.n;
      c.samples.push((ms * 1e6) / c.n);
    }
    onProgress?.(round + 1, rounds);
  }
  return cases.map(({ op, impl, samples }) => ({ op, impl, samples }));
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// --- The page ----------------------------------------------------------------------------------

function loadClassicScript(src) {
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve(true);
    script.onerror = () => resolve(false);
    document.head.append(script);
  });
}

async function loadLibraries(params) {
  const bundles = (params.get('bundles') ?? '/pkg/secure_login.js').split(',').filter(Boolean);
  const wasm = [];
  for (const url of bundles) {
    const module = await import(url);
    await module.default();
    const where = url.replace(/\/secure_login\.js$/, '/');
    wasm.push({ name: `secure-login wasm (${where})`, module });
  }
  let otpauth;
  try {
    otpauth = await import('/vendor/otpauth.esm.min.js');
  } catch {
    otpauth = undefined;
  }
  const otplib = (await loadClassicScript('/vendor/otplib.global.js')) ? globalThis.otplib : undefined;
  return { wasm, subtle: globalThis.crypto?.subtle, otpauth, otplib };
}

function show(results) {
  const body = document.querySelector('#results tbody');
  body.replaceChildren();
  const webCrypto = Object.fromEntries(
    results.filter((r) => r.impl === 'WebCrypto').map((r) => [r.op, median(r.samples)]),
  );
  for (const r of results) {
    const mid = median(r.samples);
    const row = document.createElement('tr');
    const cells = [
      OPERATIONS.find((o) => o.id === r.op)?.what ?? r.op,
      r.impl,
      (mid / 1000).toFixed(3),
      `${(Math.min(...r.samples) / 1000).toFixed(3)} – ${(Math.max(...r.samples) / 1000).toFixed(3)}`,
      webCrypto[r.op] ? `${(webCrypto[r.op] / mid).toFixed(1)}×` : '',
    ];
    for (const value of cells) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    body.append(row);
  }
}

async function runPage() {
  const params = new URLSearchParams(location.search);
  const status = document.getElementById('status');
  const button = document.getElementById('run');
  // The page is in English only: the status is shown as it is said.
  const say = (state, message) => {
    status.dataset.state = state;
    showText(status, () => message);
  };
  const run = async () => {
    button.disabled = true;
    try {
      say('loading', 'Loading the libraries…');
      const libs = await loadLibraries(params);
      const impls = await implementations(libs);
      await crossCheck(impls);
      say('running', 'Measuring…');
      const results = await measure(impls, {
        rounds: Number(params.get('rounds') ?? 12),
        onProgress: (done, all) => say('running', `Measuring… round ${done} of ${all}`),
      });
      show(results);
      window.benchResults = { userAgent: navigator.userAgent, missing: ['otpauth', 'otplib'].filter((n) => !libs[n]), results };
      say('done', `Done: ${results.length} cases${window.benchResults.missing.length ? `; not loaded: ${window.benchResults.missing.join(', ')}` : ''}.`);
    } catch (error) {
      window.benchError = String(error?.stack ?? error);
      say('error', `Failed: ${error}`);
    } finally {
      button.disabled = false;
    }
  };
  button.addEventListener('click', run);
  if (params.get('auto') === '1') await run();
}

if (typeof document !== 'undefined') {
  runPage();
}

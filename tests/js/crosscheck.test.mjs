// The JavaScript API (pkg-node/) against independent implementations on random inputs, as
// crates/cli/tests/crosscheck.rs does for the Rust library: the Python package `oath` 1.4.5 for OCRA
// (crates/cli/tests/crosscheck/oath_ocra.py, one process for all cases), `oathtool` for HOTP and TOTP, and
// the `secure-login` binary for a share of every kind. crates/cli/tests/crosscheck.rs documents how `oath`
// and `oathtool` differ from RFC 6287's reference code; this file works around them the same way.
//
// Needs `apt-get install -y oathtool`, `pip install oath==1.4.5` and `cargo build --bin
// secure-login` (scripts/setup.sh installs the first two); without them the tests fail.
// SECURE_LOGIN_CLI overrides the binary's path, SECURE_LOGIN_CROSSCHECK_SEED the fixed seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const api = require(process.env.SECURE_LOGIN_PKG_NODE ?? '../../pkg-node/secure_login.js');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI =
  process.env.SECURE_LOGIN_CLI ??
  `${process.env.CARGO_TARGET_DIR ?? `${ROOT}target`}/debug/secure-login`;
const OATH_SCRIPT = `${ROOT}crates/cli/tests/crosscheck/oath_ocra.py`;

const SEED = BigInt(process.env.SECURE_LOGIN_CROSSCHECK_SEED ?? '0x5ec0c0de');
const OCRA_CASES = 2200;
const OCRA_COMPARED_MIN = 2000;
const HOTP_CASES = 1000;
const TOTP_CASES = 1000;
const OCRA_CLI_CASES = 300;
const OTP_CLI_CASES = 100;
/** `oathtool -w 3` prints the codes of four consecutive counters or steps per run. */
const WINDOW = 3n;
const HASHES = ['SHA1', 'SHA256', 'SHA512'];
const U32_MAX = 0xffff_ffffn;
const U64_MAX = (1n << 64n) - 1n;
/** oathtool reads times with a signed 64-bit `time_t`. */
const OATHTOOL_MAX_TIME = (1n << 63n) - 1n;
/** oath divides Unix seconds by the step in floating point; below 2^52 that is exact. */
const OATH_MAX_SECONDS = 1n << 52n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const OATHTOOL_INSTALL = 'apt-get install -y oathtool';
const OATH_INSTALL = 'pip install oath==1.4.5';
const CLI_BUILD = 'cargo build --bin secure-login';

/** SplitMix64 on BigInts: a fixed seed gives the same cases on every run. */
class Rng {
  constructor(seed) {
    this.state = BigInt.asUintN(64, seed);
  }

  next() {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** Uniform in `0..n` (n a BigInt; the tiny modulo bias does not matter here). */
  belowBig(n) {
    return this.next() % n;
  }

  /** Uniform in `0..n` for a small Number `n`. */
  below(n) {
    return Number(this.next() % BigInt(n));
  }

  range(lo, hi) {
    return lo + this.below(hi - lo + 1);
  }

  chance(oneIn) {
    return this.below(oneIn) === 0;
  }

  pick(items) {
    return items[this.below(items.length)];
  }

  /** `lo..=hi` random bytes. */
  bytes(lo, hi) {
    const len = this.range(lo, hi);
    return Uint8Array.from({ length: len }, () => Number(this.next() & 0xffn));
  }

  /** `lo..=hi` characters from `alphabet`. */
  text(alphabet, lo, hi) {
    const len = this.range(lo, hi);
    let out = '';
    for (let i = 0; i < len; i += 1) out += this.pick(alphabet);
    return out;
  }

  /** A BigInt in `0..=max` from every magnitude: edges, small, near 2^32, log-uniform, full width. */
  wide(max) {
    let v;
    switch (this.below(8)) {
      case 0:
        v = this.pick([0n, 1n, U32_MAX, 1n << 32n, 1n << 63n, U64_MAX]);
        break;
      case 1:
        v = this.belowBig(1000n);
        break;
      case 2:
        v = (1n << 32n) - 500n + this.belowBig(1000n);
        break;
      case 3:
      case 4:
        v = this.next() >> this.belowBig(64n);
        break;
      default:
        v = this.next();
    }
    return max === U64_MAX ? v : v % (max + 1n);
  }
}

/** Distinct seeds per test, from the one printed seed. */
const seedFor = (tag) => BigInt.asUintN(64, SEED ^ (BigInt(tag) << 32n));

const DIGITS = [...'0123456789'];
const HEX_DIGITS = [...'0123456789abcdefABCDEF'];
const ALPHANUMERIC = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (text) => Uint8Array.from(Buffer.from(text, 'hex'));

/** RFC 4648 Base32 without padding, written here so api.base32Decode is not checked against itself. */
function base32(bytes) {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** RFC 4226 section 5.3 dynamic truncation without the modulo: the 31-bit value. */
function truncatedValue(mac) {
  const offset = mac[mac.length - 1] & 0x0f;
  return ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
}

/**
 * A u64 as the JS API takes it: a Number when it is a safe integer (one time in four a BigInt
 * anyway, for that path), a BigInt above 2^53 - 1.
 */
const jsInteger = (value, rng) => (value > MAX_SAFE || rng.chance(4) ? value : Number(value));

/** A code with its last character changed to another of the same alphabet. */
function tampered(code, alphabet) {
  const last = code.at(-1);
  return code.slice(0, -1) + alphabet[(alphabet.indexOf(last) + 1) % alphabet.length];
}

/** Milliseconds since `started`, for the summaries. */
const since = (started) => `${((performance.now() - started) / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------
// The external programs. A missing one is a failure naming how to install or build it.

function runTool(program, args, install, options = {}) {
  const out = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  // A program that ran and stopped early (python3 without `oath` closes its stdin: EPIPE) is
  // judged by its exit status; only one that could not run at all fails here.
  if (out.error && (out.status === null || out.error.code !== 'EPIPE')) {
    assert.fail(`cannot run ${program} (${out.error.code ?? out.error.message}): ${install}`);
  }
  return out;
}

function requireCli() {
  assert.ok(
    existsSync(CLI),
    `the secure-login binary is missing at ${CLI}: build it with \`${CLI_BUILD}\` (or set SECURE_LOGIN_CLI)`,
  );
}

/** The binary's one line of output. */
function cli(args) {
  const out = runTool(CLI, args, `build it with \`${CLI_BUILD}\``);
  assert.equal(out.status, 0, `secure-login ${args.join(' ')}: exit ${out.status} ${out.stderr}`);
  assert.ok(out.stdout.endsWith('\n') && out.stdout.indexOf('\n') === out.stdout.length - 1, `one line: ${JSON.stringify(out.stdout)}`);
  return out.stdout.slice(0, -1);
}

function oathtool(args) {
  const out = runTool('oathtool', args, `install it with \`${OATHTOOL_INSTALL}\` (scripts/setup.sh does)`);
  assert.equal(out.status, 0, `oathtool ${args.join(' ')}: exit ${out.status} ${out.stderr}`);
  return out.stdout.split('\n').filter((line) => line !== '');
}

function requireOathtool() {
  oathtool(['--version']);
}

/** JSON with BigInts written as plain JSON numbers (Python's json reads them exactly). */
function jsonWithBigInts(value) {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `\u0000big${v}` : v)).replace(
    /"\\u0000big(\d+)"/g,
    '$1',
  );
}

/** Runs crates/cli/tests/crosscheck/oath_ocra.py once over all cases. */
function pythonOath(cases) {
  const input = jsonWithBigInts(cases.map(oathJson));
  const out = runTool('python3', [OATH_SCRIPT], `install Python 3, then \`${OATH_INSTALL}\` (scripts/setup.sh does)`, { input });
  assert.equal(
    out.status,
    0,
    `${OATH_SCRIPT} failed (exit ${out.status}); is the Python package installed? \`${OATH_INSTALL}\` (scripts/setup.sh does)\n${out.stderr}`,
  );
  const output = JSON.parse(out.stdout);
  assert.ok(output.oath_version.startsWith('1.4.'), `oath ${output.oath_version} found; \`${OATH_INSTALL}\``);
  assert.equal(output.results.length, cases.length);
  return output;
}

// ---------------------------------------------------------------------------------------------
// OCRA cases, generated as crates/cli/tests/crosscheck.rs generates them.

const STEP_SECONDS = { S: 1n, M: 60n, H: 3600n };

function randomOcra(rng) {
  const hash = rng.pick(HASHES);
  const digits = rng.chance(8) ? 0 : rng.range(4, 10);
  const counter = rng.chance(2) ? rng.wide(U64_MAX) : undefined;
  const [format, alphabet] = rng.pick([['A', ALPHANUMERIC], ['N', DIGITS], ['H', HEX_DIGITS]]);
  const maxLen = rng.range(4, 64);
  const parts = rng.chance(4) ? 2 : 1;
  const challenges = Array.from({ length: parts }, () => rng.text(alphabet, 1, maxLen));
  const pinHash = rng.chance(2) ? rng.pick(HASHES) : undefined;
  const pin = pinHash && rng.text(ALPHANUMERIC, 1, 16);
  let session;
  if (rng.chance(2)) {
    const len = rng.range(1, 512);
    session = { len, bytes: rng.bytes(0, len) };
  }
  // No T0H: oath drops T from the data input when the step is 0 (see oath_ocra.py).
  let timeStep;
  if (rng.chance(2)) {
    const unit = rng.pick(['S', 'M', 'H']);
    timeStep = { amount: rng.range(1, unit === 'H' ? 48 : 59), unit };
  }
  let time;
  if (timeStep) {
    time = rng.chance(2) ? { steps: rng.wide(U64_MAX) } : { seconds: rng.wide(OATH_MAX_SECONDS) };
  }

  let suite = `OCRA-1:HOTP-${hash}-${digits}:`;
  if (counter !== undefined) suite += 'C-';
  suite += `Q${format}${String(maxLen).padStart(2, '0')}`;
  if (pinHash) suite += `-P${pinHash}`;
  if (session) suite += `-S${String(session.len).padStart(3, '0')}`;
  if (timeStep) suite += `-T${timeStep.amount}${timeStep.unit}`;

  const key = rng.bytes(1, 64);
  const pinAsHash = rng.chance(2);
  const c = { suite, hash, digits, key, challenges, hexChallenge: format === 'H', maxLen, counter, pin, pinHash, pinAsHash, session, timeStep, time };

  // The JS API's input object; counters and steps as Numbers or BigInts, the PIN (one time in
  // two) hashed here with node:crypto, an independent hash that oath's must equal.
  const input = { challenge: parts === 1 ? challenges[0] : [challenges[0], challenges[1]] };
  if (counter !== undefined) input.counter = jsInteger(counter, rng);
  if (pin !== undefined) {
    if (pinAsHash) input.pinHash = createHash(pinHash.replace('SHA', 'sha')).update(pin).digest('hex');
    else input.pin = pin;
  }
  if (session) input.session = hex(session.bytes);
  if (time?.steps !== undefined) input.timestep = jsInteger(time.steps, rng);
  if (time?.seconds !== undefined) input.time = Number(time.seconds);
  c.input = input;
  // What verifyOcra must report: C, and T in steps.
  c.expectedMatch = {};
  if (counter !== undefined) c.expectedMatch.counter = counter;
  if (time) c.expectedMatch.timeStep = time.steps ?? time.seconds / STEP_SECONDS[timeStep.unit] / BigInt(timeStep.amount);
  return c;
}

/**
 * The challenge as oath takes it: the parts concatenated, an odd hex string padded with one '0'
 * as RFC 6287's reference code pads it (oath's bytes.fromhex refuses odd lengths) when oath's
 * length check leaves room. `undefined` when it does not: oath cannot express the case.
 */
function oathChallenge(c) {
  let q = c.challenges.join('');
  if (c.hexChallenge && q.length % 2 === 1) {
    if (q.length === c.maxLen * c.challenges.length) return undefined;
    q += '0';
  }
  return q;
}

function oathJson(c) {
  // oath wants S at its full length; RFC 6287's reference code left-pads it with zeros.
  let session = null;
  if (c.session) {
    const padded = new Uint8Array(c.session.len);
    padded.set(c.session.bytes, c.session.len - c.session.bytes.length);
    session = hex(padded);
  }
  return {
    suite: c.suite,
    key: hex(c.key),
    q: oathChallenge(c) ?? c.challenges.join(''),
    mutual: c.challenges.length === 2,
    counter: c.counter ?? null,
    pin: c.pin ?? null,
    session,
    steps: c.time?.steps ?? null,
    time: c.time?.seconds ?? null,
  };
}

function cliOcraArgs(c) {
  const args = ['ocra', '--suite', c.suite, '--key', hex(c.key)];
  for (const q of c.challenges) args.push('--challenge', q);
  if (c.counter !== undefined) args.push('--counter', c.counter.toString());
  if (c.input.pinHash !== undefined) args.push('--pin-hash', c.input.pinHash);
  if (c.input.pin !== undefined) args.push('--pin', c.input.pin);
  if (c.session) args.push('--session', hex(c.session.bytes));
  if (c.time?.steps !== undefined) args.push('--timestep', c.time.steps.toString(16));
  if (c.time?.seconds !== undefined) args.push('--time', c.time.seconds.toString());
  return args;
}

const describe = (i, c) =>
  `case ${i}: ${c.suite} challenge ${JSON.stringify(c.challenges)} key ${hex(c.key)} input ${jsonWithBigInts(c.input)}`;

/** The cases and the JS API's responses, made once for the OCRA tests. */
let ocraMemo;
function ocraCases() {
  if (!ocraMemo) {
    const rng = new Rng(seedFor(6287));
    ocraMemo = Array.from({ length: OCRA_CASES }, () => randomOcra(rng));
    for (const c of ocraMemo) {
      try {
        c.ours = api.ocra(c.suite, c.key, c.input);
      } catch (error) {
        c.error = error;
      }
    }
  }
  return ocraMemo;
}

test(`cross-check seed ${'0x' + SEED.toString(16)} (set SECURE_LOGIN_CROSSCHECK_SEED to vary it)`, (t) => {
  t.diagnostic(`seed 0x${SEED.toString(16)}; binary ${CLI}`);
});

test('OCRA: the JS API equals Python oath on random suites and inputs', (t) => {
  const started = performance.now();
  const cases = ocraCases();
  const oath = pythonOath(cases);
  let compared = 0;
  let fullHmac = 0;
  let oddHexPadded = 0;
  let unexpressible = 0;
  cases.forEach((c, i) => {
    const theirs = oath.results[i];
    const what = describe(i, c);
    assert.equal(c.error, undefined, `${what}: the JS API threw ${c.error?.code}: ${c.error?.message}`);
    const oathQ = oathChallenge(c);
    if (oathQ === undefined) {
      // An odd hex challenge at the suite's full length: oath's fromhex refuses it.
      assert.match(theirs.error ?? '', /fromhex/, `${what}: expected oath to refuse the odd hex challenge`);
      unexpressible += 1;
      return;
    }
    oddHexPadded += Number(oathQ.length !== c.challenges.join('').length);
    assert.equal(theirs.error, undefined, `${what}: oath failed: ${theirs.error}`);
    if (c.pin !== undefined) {
      assert.equal(createHash(c.pinHash.replace('SHA', 'sha')).update(c.pin).digest('hex'), theirs.pin_hash, `${what}: PIN hash`);
    }
    let expected = theirs.response;
    if (c.digits === 0) {
      // t = 0: RFC 6287 means the untruncated HMAC, which the API returns in hex; oath prints
      // the 31-bit truncated value in decimal. Compare the HMAC over oath's data input, and
      // check that oath's number is that HMAC's truncation.
      assert.equal(theirs.response, String(truncatedValue(fromHex(theirs.hmac))), what);
      expected = theirs.hmac;
      fullHmac += 1;
    }
    assert.equal(c.ours, expected, what);
    compared += 1;
  });
  const count = (f) => cases.filter(f).length;
  t.diagnostic(
    `OCRA: ${compared} of ${cases.length} cases equal to oath ${oath.oath_version} (${fullHmac} with t=0 as the full HMAC, ` +
      `${oddHexPadded} odd hex challenges padded with '0', ${unexpressible} odd hex challenges oath cannot take); ` +
      `mutual ${count((c) => c.challenges.length === 2)}, C ${count((c) => c.counter !== undefined)} ` +
      `(${count((c) => c.counter > MAX_SAFE)} above 2^53), P ${count((c) => c.pin !== undefined)} ` +
      `(${count((c) => c.input.pinHash !== undefined)} as pinHash), S ${count((c) => c.session)}, ` +
      `T ${count((c) => c.time)} (${count((c) => c.time?.steps > MAX_SAFE)} steps above 2^53); in ${since(started)}`,
  );
  assert.ok(compared >= OCRA_COMPARED_MIN, `at least ${OCRA_COMPARED_MIN} OCRA cases compared, not ${compared}`);
});

test('OCRA: verifyOcra finds each response with its counter and time step, and no tampered one', (t) => {
  const started = performance.now();
  const cases = ocraCases();
  const failures = [];
  let matched = 0;
  cases.forEach((c, i) => {
    const what = describe(i, c);
    if (c.error !== undefined) {
      failures.push(`${what}: ocra threw ${c.error.code}: ${c.error.message}`);
      return;
    }
    try {
      const found = api.verifyOcra(c.suite, c.key, c.ours, c.input);
      const wanted = Object.fromEntries(
        Object.entries(c.expectedMatch).map(([k, v]) => [k, v > MAX_SAFE ? v : Number(v)]),
      );
      if (found === undefined || found === null) {
        failures.push(`${what}: no match for its own response ${c.ours}`);
      } else {
        // number | bigint: a Number where it is exact, a BigInt above 2^53 - 1.
        assert.deepEqual(found, wanted, `${what}: the match`);
        matched += 1;
      }
    } catch (error) {
      failures.push(`${what}: verifyOcra threw ${error.code ?? error.name}: ${error.message}`);
    }
    try {
      const bad = tampered(c.ours, c.digits === 0 ? '0123456789abcdef' : '0123456789');
      const found = api.verifyOcra(c.suite, c.key, bad, c.input);
      if (found !== undefined) failures.push(`${what}: the tampered ${bad} matched: ${jsonWithBigInts(found)}`);
    } catch (error) {
      failures.push(`${what}: verifyOcra of the tampered response threw ${error.code ?? error.name}: ${error.message}`);
    }
  });
  t.diagnostic(`verifyOcra: ${matched} of ${cases.length} responses matched with the right counter/timeStep, ${cases.length} tampered; in ${since(started)}`);
  // Grouped by kind (the message without its numbers), with the first case of each.
  const kinds = new Map();
  for (const failure of failures) {
    const kind = failure.replace(/^case \d+: .* input \{.*\}: /, '').replace(/\d+/g, 'N');
    if (!kinds.has(kind)) kinds.set(kind, { count: 0, first: failure });
    kinds.get(kind).count += 1;
  }
  const summary = [...kinds].map(([kind, { count, first }]) => `${count} x ${kind}\n  first: ${first}`);
  assert.equal(failures.length, 0, `${failures.length} verifyOcra failures:\n${summary.join('\n')}`);
});

test(`OCRA: the binary prints what the JS API returned (${OCRA_CLI_CASES} cases)`, (t) => {
  const started = performance.now();
  requireCli();
  const cases = ocraCases().slice(0, OCRA_CLI_CASES);
  cases.forEach((c, i) => {
    assert.equal(c.error, undefined, `${describe(i, c)}: the JS API threw ${c.error?.message}`);
    const args = cliOcraArgs(c);
    assert.equal(cli(args), c.ours, `secure-login ${args.join(' ')}\n${describe(i, c)}`);
  });
  t.diagnostic(`OCRA: ${cases.length} cases through the binary; in ${since(started)}`);
});

/** The key as oathtool, the binary and the JS API take it: hex, or (one case in four) Base32. */
function keyArgs(key, useBase32) {
  if (!useBase32) return { oath: [hex(key)], cli: ['--key', hex(key)], js: key };
  const text = base32(key);
  const decoded = api.base32Decode(text);
  assert.deepEqual([...decoded], [...key], `base32Decode(${text})`);
  return { oath: ['-b', text], cli: ['--base32', text], js: decoded };
}

test(`HOTP: the JS API equals oathtool (${HOTP_CASES} cases x ${WINDOW + 1n} counters), and the binary on ${OTP_CLI_CASES}`, (t) => {
  const started = performance.now();
  requireOathtool();
  requireCli();
  const rng = new Rng(seedFor(4226));
  const counts = { SHA1: 0, SHA256: 0, SHA512: 0 };
  let aboveSafe = 0;
  for (let i = 0; i < HOTP_CASES; i += 1) {
    const key = rng.bytes(1, 64);
    const hash = rng.pick(HASHES);
    const digits = rng.range(6, 8);
    const keys = keyArgs(key, rng.chance(4));
    // oathtool's --hotp is SHA-1 only; SHA-256 and SHA-512 HOTP are its TOTP with 1-second
    // steps from 0, where the counter is the time, so at most i64::MAX.
    const max = hash === 'SHA1' ? U64_MAX : OATHTOOL_MAX_TIME;
    const counter = rng.wide(max - WINDOW);
    const args =
      hash === 'SHA1'
        ? ['--hotp', '-c', counter.toString()]
        : [`--totp=${hash}`, '-s', '1s', '-N', `@${counter}`];
    args.push('-d', String(digits), '-w', WINDOW.toString(), ...keys.oath);
    const expected = oathtool(args);
    assert.equal(expected.length, Number(WINDOW) + 1, `oathtool ${args.join(' ')}`);
    // The same codes from a key prepared once (OtpKey), and its verification of the last one.
    const prepared = new api.OtpKey(keys.js, { digits, hash });
    expected.forEach((want, k) => {
      const c = counter + BigInt(k);
      const code = api.hotp(keys.js, jsInteger(c, rng), { digits, hash });
      assert.equal(code, want, `HOTP ${hash} ${digits} digits, counter ${c}, key ${hex(key)}`);
      assert.equal(prepared.hotp(jsInteger(c, rng)), want, `OtpKey.hotp, counter ${c}`);
    });
    const matched = prepared.verifyHotp(expected.at(-1), jsInteger(counter, rng), Number(WINDOW));
    assert.equal(BigInt(matched.counter), counter + WINDOW, 'OtpKey.verifyHotp');
    prepared.free();
    if (i < OTP_CLI_CASES) {
      const cliArgs = ['hotp', '--counter', counter.toString(), '--digits', String(digits), '--hash', hash, ...keys.cli];
      assert.equal(cli(cliArgs), expected[0], `secure-login ${cliArgs.join(' ')}`);
    }
    counts[hash] += 1;
    aboveSafe += Number(counter > MAX_SAFE);
  }
  t.diagnostic(
    `HOTP: ${HOTP_CASES} cases x ${WINDOW + 1n} counters (SHA1/256/512: ${Object.values(counts).join('/')}, ` +
      `${aboveSafe} counters above 2^53), ${OTP_CLI_CASES} through the binary; in ${since(started)}`,
  );
});

test(`TOTP: the JS API equals oathtool (${TOTP_CASES} cases x ${WINDOW + 1n} steps), and the binary on ${OTP_CLI_CASES}`, (t) => {
  const started = performance.now();
  requireOathtool();
  requireCli();
  const rng = new Rng(seedFor(6238));
  let pastU32Steps = 0;
  let aboveSafe = 0;
  for (let i = 0; i < TOTP_CASES; i += 1) {
    const key = rng.bytes(1, 64);
    const hash = rng.pick(HASHES);
    const digits = rng.range(6, 8);
    const keys = keyArgs(key, rng.chance(4));
    let step;
    switch (rng.below(4)) {
      case 0:
        step = rng.pick([30n, 60n, 1n]);
        break;
      case 1:
        step = 1n + rng.belowBig(120n);
        break;
      case 2:
        step = 1n + rng.belowBig(1_000_000n);
        break;
      default:
        step = 1n + rng.belowBig(1n << 32n);
    }
    // Room for the window's later steps below oathtool's limit.
    const time = rng.wide(OATHTOOL_MAX_TIME - WINDOW * step);
    const t0 = rng.chance(2) ? 0n : rng.wide(time);
    const args = [`--totp=${hash}`, '-d', String(digits), '-w', WINDOW.toString()];
    args.push('-s', `${step}s`, '-S', `@${t0}`, '-N', `@${time}`, ...keys.oath);
    const expected = oathtool(args);
    assert.equal(expected.length, Number(WINDOW) + 1, `oathtool ${args.join(' ')}`);
    const options = { digits, hash, step: jsInteger(step, rng), t0: jsInteger(t0, rng) };
    const prepared = new api.OtpKey(keys.js, options);
    expected.forEach((want, k) => {
      const at = time + BigInt(k) * step;
      const code = api.totp(keys.js, jsInteger(at, rng), options);
      assert.equal(code, want, `TOTP ${hash} ${digits} digits, step ${step}, T0 ${t0}, time ${at}, key ${hex(key)}`);
      assert.equal(prepared.totp(jsInteger(at, rng)), want, `OtpKey.totp, time ${at}`);
    });
    // The middle code, seen from the window's first time: one step ahead.
    const seen = prepared.verifyTotp(expected[1], jsInteger(time, rng), 1);
    assert.equal(seen?.offset, 1, `OtpKey.verifyTotp of the next step's code at ${time}`);
    prepared.free();
    if (i < OTP_CLI_CASES) {
      const cliArgs = ['totp', '--time', time.toString(), '--step', step.toString(), '--t0', t0.toString()];
      cliArgs.push('--digits', String(digits), '--hash', hash, ...keys.cli);
      assert.equal(cli(cliArgs), expected[0], `secure-login ${cliArgs.join(' ')}`);
    }
    pastU32Steps += Number((time - t0) / step > U32_MAX);
    aboveSafe += Number(time > MAX_SAFE);
  }
  t.diagnostic(
    `TOTP: ${TOTP_CASES} cases x ${WINDOW + 1n} steps (${pastU32Steps} past 2^32 steps, ${aboveSafe} times above 2^53), ` +
      `${OTP_CLI_CASES} through the binary; in ${since(started)}`,
  );
});

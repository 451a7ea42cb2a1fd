// Turns what scripts/bench.sh collected in target/bench/ into the Markdown tables of
// BENCHMARKS.md: every figure as a median over the runs with its range, its ratio to the fastest
// native figure and to WebCrypto in Chromium, and whether each target stands.
//
//   node benches/js/report.mjs [--dir target/bench] [--write BENCHMARKS.md]
//
// --write replaces what lies between the markers `<!-- bench:begin -->` and `<!-- bench:end -->`.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { OPERATIONS, median } from '../../www/bench.js';
import { BUDGETS } from './sizes.mjs';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'target/bench' }, write: { type: 'string' } } });
const dir = values.dir;
const read = (name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
const meta = read('meta.json');
const runs = meta.runs;

/** Targets of issue 6. */
const TARGETS = { nativeVsLimit: 0.6, browserVsWebCrypto: 15, browserVsLibrary: 15 };

/** HMAC compressions per operation with the key's pad states kept (see BENCHMARKS.md). */
const COMPRESSIONS = {
  'hotp_sha1_6/generate': { sha1: 2 },
  'hotp_sha1_6/verify_look_ahead_10': { sha1: 22 },
  'totp_sha256_8/generate': { sha256: 2 },
  'totp_sha256_8/verify_window_1': { sha256: 6 },
  'ocra/QN08_respond': { sha256: 4 },
  'ocra/QN08_verify': { sha256: 4 },
  'ocra/QN06-PSHA1_respond': { sha256: 4, sha1: 1 },
};
/** Native benches of totp-rs, by the operation they match. */
const TOTP_RS = {
  'hotp_sha1_6/generate': 'totp_rs/hotp_sha1_6_generate',
  'totp_sha256_8/generate': 'totp_rs/totp_sha256_8_generate',
  'totp_sha256_8/verify_window_1': 'totp_rs/totp_sha256_8_check_skew_1',
};
const RUSTCRYPTO = {
  'hotp_sha1_6/generate': 'compress/sha1_x2',
  'totp_sha256_8/generate': 'compress/sha256_x2',
  'ocra/QN08_respond': 'compress/sha256_x4',
};

const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });

// --- openssl: nanoseconds per compression ---------------------------------------------------------
const openssl = { sha1: [], sha256: [], sha1_64: [], sha256_64: [] };
for (const file of readdirSync(dir).filter((f) => /^openssl-\d+-(before|after)\.txt$/.test(f))) {
  for (const line of readFileSync(path.join(dir, file), 'utf8').trim().split('\n')) {
    const [alg, bytes, rate] = line.split(' ');
    if (bytes === '16384') openssl[alg].push((64 / Number(rate)) * 1e9);
    // A 64-byte message is two blocks (the data, then the padding) per EVP digest call.
    if (bytes === '64') openssl[`${alg}_64`].push((64 / Number(rate)) * 1e9 / 2);
  }
}
const compress = Object.fromEntries(Object.entries(openssl).map(([k, v]) => [k, stats(v)]));

/** Per run: ns per compression from that run's openssl (before and after its criterion run). */
function compressOfRun(r, alg) {
  const xs = [];
  for (const when of ['before', 'after']) {
    const file = path.join(dir, `openssl-${r}-${when}.txt`);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
      const [a, bytes, rate] = line.split(' ');
      if (a === alg && bytes === '16384') xs.push((64 / Number(rate)) * 1e9);
    }
  }
  return xs.length ? median(xs) : undefined;
}
const limitNs = (op) => Object.entries(COMPRESSIONS[op] ?? {}).reduce((sum, [alg, n]) => sum + n * compress[alg].median, 0);

// --- criterion: per run, its median estimate ----------------------------------------------------
function criterionRun(bench, r) {
  const file = path.join(dir, `criterion-${r}`, bench, 'new', 'estimates.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).median.point_estimate : undefined;
}

/** The limit over the measured time, run by run (each run's openssl beside its criterion). */
function limitRatios(op) {
  const xs = [];
  for (let r = 1; r <= runs; r++) {
    const t = criterionRun(op, r);
    const limit = Object.entries(COMPRESSIONS[op]).reduce((sum, [alg, n]) => sum + n * (compressOfRun(r, alg) ?? NaN), 0);
    if (t && Number.isFinite(limit)) xs.push(limit / t);
  }
  return stats(xs);
}

function criterion(bench) {
  const xs = [];
  for (let r = 1; r <= runs; r++) {
    const file = path.join(dir, `criterion-${r}`, bench, 'new', 'estimates.json');
    if (existsSync(file)) xs.push(JSON.parse(readFileSync(file, 'utf8')).median.point_estimate);
  }
  return xs.length ? stats(xs) : undefined;
}

// --- JS worlds: per run, the median of its rounds -----------------------------------------------
function jsWorld(runResults) {
  const out = {};
  for (const results of runResults) {
    for (const { op, impl, samples } of results) {
      ((out[op] ??= {})[impl] ??= []).push(median(samples));
    }
  }
  for (const op of Object.keys(out)) for (const impl of Object.keys(out[op])) out[op][impl] = stats(out[op][impl]);
  return out;
}
const nodeRuns = [];
for (let r = 1; r <= runs; r++) if (existsSync(path.join(dir, `node-${r}.json`))) nodeRuns.push(read(`node-${r}.json`).results);
const node = jsWorld(nodeRuns);
const chromiumReport = existsSync(path.join(dir, 'chromium.json')) ? read('chromium.json') : { runs: [] };
const chromium = jsWorld(chromiumReport.runs);

// --- formatting -----------------------------------------------------------------------------------
function time(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${ns.toPrecision(3)} ns`;
}
function range(s) {
  const unit = (ns) => (s.max >= 1e6 ? [1e6, 'ms'] : s.max >= 1e3 ? [1e3, 'µs'] : [1, 'ns']);
  const [div, name] = unit();
  const f = (x) => (x / div).toPrecision(3);
  return `${f(s.min)} – ${f(s.max)} ${name}`;
}
const ratio = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// --- the big table --------------------------------------------------------------------------------
const rows = [];
const nativeBest = {};
const webCrypto = {};
for (const { id } of OPERATIONS) {
  const ours = criterion(id);
  const other = TOTP_RS[id] && criterion(TOTP_RS[id]);
  nativeBest[id] = Math.min(...[ours, other].filter(Boolean).map((s) => s.median));
  webCrypto[id] = chromium[id]?.WebCrypto?.median;
}
function row(op, world, impl, s, note = '') {
  const vsNative = s.median / nativeBest[op];
  const vsWebCrypto = webCrypto[op] ? webCrypto[op] / s.median : undefined;
  rows.push(`| | ${world} | ${impl}${note} | ${time(s.median)} | ${range(s)} | ${ratio(vsNative)} | ${vsWebCrypto ? ratio(vsWebCrypto) : '—'} |`);
}
for (const { id, what } of OPERATIONS) {
  rows.push(`| **${what}** (\`${id}\`) | | | | | | |`);
  const ours = criterion(id);
  if (ours) row(id, 'native', 'secure-login', ours);
  if (TOTP_RS[id] && criterion(TOTP_RS[id])) row(id, 'native', 'totp-rs', criterion(TOTP_RS[id]));
  if (RUSTCRYPTO[id] && criterion(RUSTCRYPTO[id])) {
    row(id, 'native', 'RustCrypto compression alone', criterion(RUSTCRYPTO[id]), ` (${Object.values(COMPRESSIONS[id]).join('+')} blocks)`);
  }
  if (COMPRESSIONS[id]) {
    const parts = Object.entries(COMPRESSIONS[id]).map(([alg, n]) => `${n} × ${alg.toUpperCase()}`).join(' + ');
    const limit = limitNs(id);
    const spread = Object.entries(COMPRESSIONS[id]).reduce(
      (acc, [alg, n]) => ({ min: acc.min + n * compress[alg].min, max: acc.max + n * compress[alg].max }), { min: 0, max: 0 });
    row(id, 'native', `CPU limit: ${parts} compressions (openssl)`, { median: limit, ...spread });
  }
  for (const [world, data] of [['Node', node], ['Chromium', chromium]]) {
    for (const [impl, s] of Object.entries(data[id] ?? {})) row(id, world, impl, s);
  }
}

// Native-only benches: the card's suite and the parsers.
const extraRows = [];
for (const [bench, what] of [
  ['ocra/QN06-PSHA1_respond', 'OCRA-1:HOTP-SHA256-8:QN06-PSHA1 respond (the card: SHA-1 of the PIN, then the HMAC)'],
  ['parse/key_uri', 'parse a 151-character otpauth:// Key URI'],
  ['parse/ocra_suite', 'parse OCRA-1:HOTP-SHA256-8:QN06-PSHA1'],
]) {
  const s = criterion(bench);
  if (!s) continue;
  const limit = COMPRESSIONS[bench] ? ` | ${time(limitNs(bench))} | ${(limitNs(bench) / s.median).toFixed(2)}×` : ' | — | —';
  extraRows.push(`| ${what} | ${time(s.median)} | ${range(s)}${limit} |`);
}

// --- targets --------------------------------------------------------------------------------------
const targetRows = [];
const verdict = (ok) => (ok ? '**met**' : '**missed**');
for (const id of ['hotp_sha1_6/generate', 'totp_sha256_8/generate', 'ocra/QN08_respond']) {
  const ours = criterion(id);
  if (!ours) continue;
  const r = limitRatios(id);
  targetRows.push(`| native ${id} ≥ ${TARGETS.nativeVsLimit}× the compression limit | ${r.median.toFixed(2)}× (runs: ${r.min.toFixed(2)} – ${r.max.toFixed(2)}×; limit ${time(limitNs(id))}, measured ${time(ours.median)}) | ${verdict(r.median >= TARGETS.nativeVsLimit)} |`);
}
const hotp = chromium['hotp_sha1_6/generate'] ?? {};
const wasmImpls = Object.keys(hotp).filter((k) => k.startsWith('secure-login'));
const libs = ['otpauth', 'otplib'].filter((k) => hotp[k]);
const fastestLib = libs.sort((a, b) => hotp[a].median - hotp[b].median)[0];
for (const impl of wasmImpls) {
  if (hotp.WebCrypto) {
    const r = hotp.WebCrypto.median / hotp[impl].median;
    targetRows.push(`| Chromium HOTP generation, ${impl}, ≥ ${TARGETS.browserVsWebCrypto}× WebCrypto | ${r.toFixed(1)}× (${time(hotp[impl].median)} vs ${time(hotp.WebCrypto.median)}) | ${verdict(r >= TARGETS.browserVsWebCrypto)} |`);
  }
  if (fastestLib) {
    const r = hotp[fastestLib].median / hotp[impl].median;
    targetRows.push(`| Chromium HOTP generation, ${impl}, ≥ ${TARGETS.browserVsLibrary}× the fastest JS library (${fastestLib}) | ${r.toFixed(1)}× (${time(hotp[impl].median)} vs ${time(hotp[fastestLib].median)}) | ${verdict(r >= TARGETS.browserVsLibrary)} |`);
  }
}

// --- bytes ----------------------------------------------------------------------------------------
const sizes = existsSync(path.join(dir, 'sizes.json')) ? read('sizes.json') : undefined;
const byteRows = [];
if (sizes) {
  const otpauth = Object.entries(sizes.libraries).find(([k]) => k.startsWith('otpauth'))?.[1];
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const line = (what, s, budget) => byteRows.push(`| ${what} | ${kb(s.wasm?.raw ?? s.raw)} | ${s.js ? kb(s.js.raw) : '—'} | ${kb(s.raw)} | ${kb(s.gzip)} | ${otpauth ? (s.gzip / otpauth.gzip).toFixed(1) + '×' : '—'} | ${budget ?? '—'} |`);
  for (const [page, s] of Object.entries(sizes.pages)) {
    const budget = BUDGETS[s.bundle];
    line(`${page}: ${s.bundle} (wasm + glue)`, s, budget ? `${kb(budget.gzip)} gzip: ${verdict(s.gzip <= budget.gzip).replace('met', 'within').replace('missed', 'over')}` : undefined);
  }
  for (const [name, s] of Object.entries(sizes.bundles)) if (!Object.values(sizes.pages).some((p) => `${p.bundle}` === name)) line(name, s);
  for (const [name, s] of Object.entries(sizes.libraries)) byteRows.push(`| ${name} | — | ${kb(s.raw)} | ${kb(s.raw)} | ${kb(s.gzip)} | ${otpauth ? (s.gzip / otpauth.gzip).toFixed(1) + '×' : '—'} | — |`);
  const login = sizes.pages['login page'];
  if (otpauth) {
    const r = login.gzip / otpauth.gzip;
    targetRows.push(`| login page bundle (gzip) ≤ otpauth's browser bundle (the aim) | ${kb(login.gzip)} vs ${kb(otpauth.gzip)}: ${r.toFixed(1)}× | ${verdict(r <= 1)} |`);
  }
  const budget = BUDGETS[login.bundle];
  if (budget) targetRows.push(`| login page bundle within its budget (benches/js/sizes.mjs, tests/js/budget.test.mjs) | ${kb(login.gzip)} of ${kb(budget.gzip)} gzip | ${verdict(login.gzip <= budget.gzip)} |`);
}

// --- portal ---------------------------------------------------------------------------------------
const portalRows = [];
if (existsSync(path.join(dir, 'portal.json'))) {
  const portal = read('portal.json');
  for (const { concurrency, runs: rs } of portal.results) {
    const per = stats(rs.map((r) => r.per_second));
    const p50 = stats(rs.map((r) => r.p50_ms));
    const p99 = stats(rs.map((r) => r.p99_ms));
    const f = (s, d) => `${s.median.toFixed(d)} (${s.min.toFixed(d)} – ${s.max.toFixed(d)})`;
    portalRows.push(`| ${concurrency} | ${f(per, 0)} | ${f(p50, 2)} | ${f(p99, 1)} |`);
  }
}

// Lines of load.txt: time, step, then the 1-, 5- and 15-minute load averages.
const loads = readFileSync(path.join(dir, 'load.txt'), 'utf8').trim().split('\n').map((l) => {
  const f = l.split(' ');
  return { step: f.slice(1, -3).join(' '), one: Number(f.at(-3)) };
});
const loadValues = loads.map((l) => l.one);

const md = `<!-- bench:begin -->
## Results of the last run

Run ${meta.date} with \`scripts/bench.sh --runs ${runs}\` at commit \`${meta.commit}\` on ${meta.cpus} vCPUs reported as
\`${meta.cpu}\` (${meta.sha_ni ? 'with' : 'without'} SHA-NI), Linux ${meta.kernel}; ${meta.rustc}, Node ${meta.node},
Chromium ${chromiumReport.browser ?? '?'}, ${meta.openssl}. The machine was shared with other work: the 1-minute load
average was ${Math.min(...loadValues).toFixed(2)} to ${Math.max(...loadValues).toFixed(2)} on its ${meta.cpus} vCPUs during the run
(${loads.map((l) => `${l.step} ${l.one.toFixed(2)}`).join(', ')}).

Every figure is the median over the ${runs} runs (each run's figure being criterion's median estimate natively, the
median of 12 interleaved rounds in Node and Chromium) with the range over the runs. **× native** is the time over the
fastest native time for the same operation (this crate or totp-rs); **WebCrypto ÷** is Chromium's WebCrypto time for
the operation over this time (above 1: faster than WebCrypto). The CPU limit rows are the HMAC compressions the
operation needs with the key's pad states kept, at OpenSSL's compression rate (16 KiB buffers: ${time(compress.sha1.median)} per SHA-1
block, ${time(compress.sha256.median)} per SHA-256 block; OpenSSL's whole digest of a 64-byte message costs
${time(compress.sha1_64.median)} and ${time(compress.sha256_64.median)} per block).

| operation | world | implementation | median | range | × native | WebCrypto ÷ |
|---|---|---|---:|---:|---:|---:|
${rows.join('\n')}

Native only:

| operation | median | range | CPU limit | limit ÷ time |
|---|---:|---:|---:|---:|
${extraRows.join('\n')}

### Targets

| target | this run | |
|---|---|---|
${targetRows.join('\n')}

### Bytes a page loads

gzip is \`gzip -9 -n\`. The portal gzips pages, scripts and the wasm for browsers that ask (tower-http's default
level, within a percent of \`-9\`), so the gzip column is about what crosses the network; the raw column is what a
browser keeps.

| what | wasm | JS | raw | gzip | gzip ÷ otpauth | budget |
|---|---:|---:|---:|---:|---:|---|
${byteRows.join('\n')}

### Portal

Second-factor verifications over HTTP on loopback (\`server/benches/portal.rs\`): security-card responses to
prepared logins, each a success, SQLite store (WAL, \`synchronous=FULL\`), ${existsSync(path.join(dir, 'portal.json')) ? read('portal.json').logins_per_run : '?'} per run over ${existsSync(path.join(dir, 'portal.json')) ? read('portal.json').users : '?'} accounts; client and server share the ${meta.cpus} vCPUs.

| concurrency | verifications/s | p50 latency, ms | p99 latency, ms |
|---:|---:|---:|---:|
${portalRows.join('\n')}
<!-- bench:end -->
`;

writeFileSync(path.join(dir, 'report.md'), md);
if (values.write) {
  const doc = readFileSync(values.write, 'utf8');
  const begin = doc.indexOf('<!-- bench:begin -->');
  const end = doc.indexOf('<!-- bench:end -->');
  if (begin < 0 || end < 0) throw new Error(`${values.write} has no bench:begin/bench:end markers`);
  writeFileSync(values.write, doc.slice(0, begin) + md.trimEnd() + doc.slice(end + '<!-- bench:end -->'.length));
  console.log(`updated ${values.write}`);
}
console.log(md);

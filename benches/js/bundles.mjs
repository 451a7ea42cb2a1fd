// The table of benches/bundles.sh: for every variant directory DIR/<variant>/<wasm-opt level>/
// (a --target web build), bytes (raw and gzip -9, glue + wasm) and the time per call in Node of
// three operations, all variants timed in the same interleaved rounds.
//
//   node benches/js/bundles.mjs --dir target/bundles [--rounds 9]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { implementations, measure, median } from '../../www/bench.js';
import { bundleSize } from './sizes.mjs';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'target/bundles' }, rounds: { type: 'string', default: '9' } } });
const OPS = ['hotp_sha1_6/generate', 'totp_sha256_8/verify_window_1', 'ocra/QN08_respond'];

const wasm = [];
const sizes = {};
for (const variant of readdirSync(values.dir).filter((d) => !d.startsWith('cargo-')).sort()) {
  for (const level of ['none', 'O3', 'Os', 'Oz']) {
    const dir = path.resolve(values.dir, variant, level);
    if (!existsSync(path.join(dir, 'secure_login_bg.wasm'))) continue;
    const name = `${variant} / ${level}`;
    sizes[name] = bundleSize(dir);
    const module = await import(path.join(dir, 'secure_login.js'));
    module.initSync({ module: readFileSync(path.join(dir, 'secure_login_bg.wasm')) });
    wasm.push({ name, module });
  }
}
const impls = await implementations({ wasm });
for (const impl of impls) for (const op of Object.keys(impl.cases)) if (!OPS.includes(op)) delete impl.cases[op];
const results = await measure(impls, { rounds: Number(values.rounds), batchMs: 15 });

const kib = (n) => (n / 1024).toFixed(1);
console.log('| variant / wasm-opt | raw KiB | gzip KiB | HOTP generate µs | TOTP verify ±1 µs | OCRA QN08 respond µs |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, s] of Object.entries(sizes)) {
  const t = (op) => (median(results.find((r) => r.impl === name && r.op === op).samples) / 1000).toFixed(2);
  console.log(`| ${name} | ${kib(s.raw)} | ${kib(s.gzip)} | ${OPS.map(t).join(' | ')} |`);
}

// The wasm package in Node against otpauth and otplib (their Node entry points, as a Node user
// gets them) and WebCrypto, with the cases and the interleaved timing of www/bench.js.
//
//   node benches/js/node.mjs [--rounds N] [--out FILE]
//
// Loads pkg-node/ (the speed bundle, wasm-pack --target nodejs) and, when it exists, pkg/ (the
// size-first bundle the pages load), so the table shows what the smaller bundle costs.
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { webcrypto } from 'node:crypto';

import { crossCheck, implementations, measure } from '../../www/bench.js';

const root = new URL('../../', import.meta.url);
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '12' }, out: { type: 'string' } } });

const require = createRequire(import.meta.url);
const wasm = [{ name: 'secure-login wasm (pkg-node/)', module: require(new URL('pkg-node/secure_login.js', root).pathname) }];
const web = new URL('pkg/secure_login.js', root);
if (existsSync(web)) {
  const module = await import(web);
  module.initSync({ module: readFileSync(new URL('pkg/secure_login_bg.wasm', root)) });
  wasm.push({ name: 'secure-login wasm (pkg/)', module });
}
const otpauth = await import('otpauth');
const otplib = await import('otplib');

const impls = await implementations({ wasm, subtle: webcrypto.subtle, otpauth, otplib });
await crossCheck(impls);
const results = await measure(impls, { rounds: Number(values.rounds) });
const report = { world: 'node', node: process.version, results };
const json = JSON.stringify(report, null, 1);
if (values.out) writeFileSync(values.out, json);
else console.log(json);

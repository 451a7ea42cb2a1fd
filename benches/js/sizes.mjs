// Bytes a browser loads from the wasm package for the login page and for the token page (the
// bundle each page's script imports: its glue JS and the .wasm it fetches), raw and gzip -9,
// against the browser bundles of otpauth and otplib. Used by scripts/bench.sh and by the size
// budgets of tests/js/budget.test.mjs.
//
//   node benches/js/sizes.mjs [--speed-pkg DIR] [--out FILE]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Bytes of `file`: raw, and what `gzip -9 -n` writes (GNU gzip, header included). */
export function fileSize(file) {
  const raw = readFileSync(file).length;
  const gzip = execFileSync('gzip', ['-9', '-n', '-c', file], { maxBuffer: 1 << 28 }).length;
  return { raw, gzip };
}

/**
 * The wasm bundle a page loads: the directory of the `secure_login.js` its script imports
 * (`import ... from '/pkg/...secure_login.js'`, the portal serving pkg/ at /pkg/).
 */
export function bundleOfPage(script) {
  const source = readFileSync(path.join(ROOT, 'www', script), 'utf8');
  const match = source.match(/from\s+['"]\/(pkg\/(?:[\w-]+\/)*)secure_login\.js['"]/);
  if (!match) throw new Error(`www/${script} imports no /pkg/.../secure_login.js`);
  return match[1];
}

/** Raw and gzip sizes of a bundle directory's glue and wasm, and their sums. */
export function bundleSize(dir) {
  const js = fileSize(path.join(dir, 'secure_login.js'));
  const wasm = fileSize(path.join(dir, 'secure_login_bg.wasm'));
  return { js, wasm, raw: js.raw + wasm.raw, gzip: js.gzip + wasm.gzip };
}

/**
 * Size budgets (bytes, gzip -9 of the glue plus the wasm) of the three bundles, checked by
 * tests/js/budget.test.mjs (and, for the login and token pages, the bundle each page's script
 * imports). The login page's is the aim of issue 15: 8 KB, with about 10 % of room today; the
 * others are the size measured when they were set plus about 2.5 %. Raise one only with a
 * reason in BENCHMARKS.md.
 */
export const BUDGETS = {
  'pkg/': { gzip: 200 * 1024 },
  'pkg/login/': { gzip: 8000 },
  'pkg-node/': { gzip: 230 * 1024 },
};

/** The JavaScript libraries' browser builds, as the benchmark page loads them. */
export const LIBRARIES = {
  'otpauth (dist/otpauth.esm.min.js)': 'node_modules/otpauth/dist/otpauth.esm.min.js',
  'otplib (dist/index.global.js)': 'node_modules/otplib/dist/index.global.js',
};

export function measureSizes({ speedPkg } = {}) {
  const pages = {};
  for (const [page, script] of [['login page', 'login.js'], ['token page', 'token.js']]) {
    const dir = bundleOfPage(script);
    pages[page] = { bundle: dir, ...bundleSize(path.join(ROOT, dir)) };
  }
  const bundles = {};
  for (const dir of ['pkg', 'pkg/login']) {
    if (existsSync(path.join(ROOT, dir, 'secure_login_bg.wasm'))) bundles[`${dir}/`] = bundleSize(path.join(ROOT, dir));
  }
  if (speedPkg && existsSync(path.join(speedPkg, 'secure_login_bg.wasm'))) bundles['speed bundle (web)'] = bundleSize(speedPkg);
  const libraries = {};
  for (const [name, file] of Object.entries(LIBRARIES)) {
    if (existsSync(path.join(ROOT, file))) libraries[name] = fileSize(path.join(ROOT, file));
  }
  return { pages, bundles, libraries };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'speed-pkg': { type: 'string' }, out: { type: 'string' } } });
  const json = JSON.stringify(measureSizes({ speedPkg: values['speed-pkg'] }), null, 1);
  if (values.out) writeFileSync(values.out, json);
  else console.log(json);
}

// Size budgets: every wasm bundle (glue JS + .wasm, gzip -9) must not grow past its budget
// (benches/js/sizes.mjs, BUDGETS; BENCHMARKS.md says why each is what it is), and the bundle the
// login and token pages load is the one their script imports, so switching a page's bundle moves
// it to that bundle's budget. The login bundle is also held to what it is for: `readCode` alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { BUDGETS, ROOT, bundleOfPage, bundleSize } from '../../benches/js/sizes.mjs';

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function assertWithinBudget(what, bundle) {
  const budget = BUDGETS[bundle];
  assert.ok(budget, `${what}: no budget for ${bundle} in benches/js/sizes.mjs`);
  assert.ok(existsSync(path.join(ROOT, bundle, 'secure_login_bg.wasm')), `${bundle} is missing: run scripts/build-wasm.sh`);
  const size = bundleSize(path.join(ROOT, bundle));
  assert.ok(
    size.gzip <= budget.gzip,
    `${what}: ${bundle} is ${kib(size.gzip)} gzip (${size.gzip} bytes: wasm ${size.wasm.gzip}, glue ${size.js.gzip}), `
      + `over its budget of ${kib(budget.gzip)} (${budget.gzip} bytes)`,
  );
}

for (const [page, script] of [['login page', 'login.js'], ['token page', 'token.js']]) {
  test(`the ${page}'s wasm bundle stays within its budget`, () => {
    assertWithinBudget(`the ${page} (www/${script})`, bundleOfPage(script));
  });
}

for (const bundle of ['pkg/', 'pkg/login/', 'pkg-node/']) {
  test(`${bundle} stays within its budget`, () => {
    assertWithinBudget(bundle, bundle);
  });
}

test('the login page loads pkg/login/, whose budget is 8 KB (issue 15)', () => {
  assert.equal(bundleOfPage('login.js'), 'pkg/login/');
  assert.ok(BUDGETS['pkg/login/'].gzip <= 8000, 'the aim: at most 8 KB of wasm and glue, gzip -9');
});

test('the login bundle exports readCode and nothing else of the API', () => {
  const dir = path.join(ROOT, 'pkg/login');
  const module = new WebAssembly.Module(readFileSync(path.join(dir, 'secure_login_bg.wasm')));
  // wasm-bindgen's own exports (its table of JavaScript values, the start function) begin with
  // two underscores; everything else is the API.
  const api = WebAssembly.Module.exports(module).map((e) => e.name).filter((name) => !name.startsWith('__'));
  assert.deepEqual(api.sort(), ['memory', 'readCode']);
  const glue = readFileSync(path.join(dir, 'secure_login.js'), 'utf8');
  const functions = [...glue.matchAll(/^export (?:async )?(?:function|class|const|let) (\w+)/gm)].map((m) => m[1]);
  const lists = [...glue.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((n) => n.trim().split(/\s+as\s+/).pop()));
  assert.deepEqual([...functions, ...lists].sort(), ['default', 'initSync', 'readCode']);
  // What it asks of JavaScript: strings, errors and properties, nothing else (no crypto, no
  // serde-wasm-bindgen's object walking).
  const imports = WebAssembly.Module.imports(module).map((i) => i.name.replace(/_[0-9a-f]{16}$/, ''));
  for (const name of imports) {
    assert.match(name, /^(__wbg_(charCodeAt|fromCharCode|length|new|set|set_name|__wbindgen_\w+)|__wbindgen_\w+)$/, name);
  }
});

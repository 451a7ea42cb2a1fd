// Size budgets: the wasm bundle (glue JS + .wasm, gzip -9) that the login page and the token
// page load must not grow past its budget (benches/js/sizes.mjs, BUDGETS; BENCHMARKS.md says
// why each is what it is). The bundle of a page is the one its script imports, so switching
// the login page to the login-only bundle (pkg/login/) moves it to that bundle's budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { BUDGETS, ROOT, bundleOfPage, bundleSize } from '../../benches/js/sizes.mjs';

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function assertWithinBudget(what, bundle) {
  const budget = BUDGETS[bundle];
  assert.ok(budget, `${what}: no budget for ${bundle} in benches/js/sizes.mjs`);
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

test('the login-only bundle stays within its budget', () => {
  assert.ok(existsSync(path.join(ROOT, 'pkg/login/secure_login_bg.wasm')), 'pkg/login/ is missing: run scripts/build-wasm.sh');
  assertWithinBudget('the login-only bundle', 'pkg/login/');
});

// Node's entry (the exports condition "node"): the browser build's glue, with its wasm read from
// the file beside it and instantiated when this module is imported. `init()` and `initSync()`
// are there as in browsers, so the same code runs in both; here they have nothing left to do.
import { readFileSync } from 'node:fs';
import { initSync } from './secure_login.js';

initSync({ module: readFileSync(new URL('./secure_login_bg.wasm', import.meta.url)) });

export * from './secure_login.js';
export { default, initSync } from './secure_login.js';

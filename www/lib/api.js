// The portal's HTTP API (docs/api.md) for every page: one client, whose refusals are the pages'
// one error class.

import { PageError } from './errors.js';

/**
 * Calls the API: never from the HTTP cache, the session cookie along, and on anything but GET
 * a JSON body with the header the CSRF check asks for (docs/api.md, Conventions). Resolves
 * with the parsed answer (null for an empty one); rejects with a PageError (its `status` the
 * HTTP status, 0 when the server was not reached).
 */
export async function api(method, path, body) {
  const init = { method, cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-Secure-Login'] = '1';
    init.body = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new PageError('Network', error?.message ?? String(error), { status: 0 });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new PageError(error.code ?? `HTTP${response.status}`, error.message ?? '', {
      status: response.status,
      details: error,
    });
  }
  return data;
}

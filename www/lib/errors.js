// The one error class of the pages. The library's own errors are not of it: they are Errors
// named `SecureLoginError`, with `code` and, where the Rust error has them, `expected`, `found`
// and `reason` (crates/wasm/src/error.rs).

/**
 * A refusal a page shows, with a stable `code`: the API's (docs/api.md: `BadCredentials`,
 * `Throttled`, ...; `Network` when the server was not reached, `HTTP<status>` for an answer
 * without a code), or the page's own (a field it cannot read, `InvalidHex`, ...). Those of the
 * API carry its HTTP `status` (0 when not reached) and `details`, the answer's `error` object
 * (`retryAfter` and the like); a page's own have no `status`.
 */
export class PageError extends Error {
  constructor(code, message, { status, details = {} } = {}) {
    super(message || code);
    this.name = 'PageError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** Whether the API said it (or could not be reached), rather than the page. */
  get fromApi() {
    return this.status !== undefined;
  }
}

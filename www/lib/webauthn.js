// Passkeys in the browser: the portal's WebAuthn ceremonies (docs/api.md, "Passkeys") over
// navigator.credentials. The server sends the options in WebAuthn's JSON form and takes the
// credential back as PublicKeyCredential.toJSON() writes it; nothing is decoded here.

import { api } from './api.js';
import { PageError } from './errors.js';

/** Whether this browser can use passkeys with the portal (WebAuthn with its JSON helpers). */
export function passkeysSupported() {
  return typeof window.PublicKeyCredential === 'function'
    && typeof window.PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
    && typeof window.PublicKeyCredential.parseRequestOptionsFromJSON === 'function'
    && window.isSecureContext;
}

/**
 * The browser's refusals as the pages' errors: `PasskeyCancelled` when the person (or the
 * authenticator) said no or nothing answered, `PasskeyUnavailable` otherwise.
 */
function browserError(error) {
  if (error?.name === 'NotAllowedError' || error?.name === 'AbortError') {
    return new PageError('PasskeyCancelled', error.message ?? '');
  }
  if (error?.name === 'InvalidStateError') {
    return new PageError('PasskeyExists', error.message ?? '');
  }
  return new PageError('PasskeyUnavailable', error?.message ?? String(error));
}

/** Registers a new passkey for the signed-in person; resolves with `{ factorId }`. */
export async function registerPasskey(label) {
  const { ceremony, options } = await api('POST', '/api/account/passkey', {});
  let credential;
  try {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
    credential = await navigator.credentials.create({ publicKey });
  } catch (error) {
    throw browserError(error);
  }
  return api('POST', '/api/account/passkey/confirm', { ceremony, credential: credential.toJSON(), label });
}

async function answer({ ceremony, options }) {
  let credential;
  try {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    credential = await navigator.credentials.get({ publicKey });
  } catch (error) {
    throw browserError(error);
  }
  return api('POST', '/api/passkey/finish', { ceremony, credential: credential.toJSON() });
}

/** The second factor of login `loginId` with one of the account's passkeys; `{ username }`. */
export async function passkeySecondFactor(loginId) {
  return answer(await api('POST', `/api/login/${encodeURIComponent(loginId)}/passkey`, {}));
}

/** A passwordless login with a discoverable passkey; resolves with `{ username }`. */
export async function passkeyLogin() {
  return answer(await api('POST', '/api/passkey/login', {}));
}

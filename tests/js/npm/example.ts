// What a TypeScript user of the npm package writes: tests/js/npm_package.test.mjs type-checks it
// with `tsc --strict`, `skipLibCheck: false` and lib ES2020 + DOM (and ESNext + DOM) against the
// installed tarball, and runs the compiled output in Node.
import init, {
  OtpKey,
  hotp,
  totp,
  verifyTotp,
  ocra,
  parseKeyUri,
  base32Decode,
  type SecureLoginError,
  type SecureLoginErrorCode,
  type TotpMatch,
} from 'secure-login-otp';
import initLogin, { readCode } from 'secure-login-otp/login';

export function isSecureLoginError(e: unknown): e is SecureLoginError {
  return e instanceof Error && e.name === 'SecureLoginError';
}

/** The code of an error `fn` throws, or undefined. */
function codeOf(fn: () => unknown): SecureLoginErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (!isSecureLoginError(e)) throw e;
    const code: SecureLoginErrorCode = e.code;
    // The union is a union of literals, not `string`: a code that does not exist is an error.
    // @ts-expect-error TS2367: this comparison appears to be unintentional
    if (e.code === 'NoSuchCode') return undefined;
    const detail: number | string | undefined = e.expected ?? e.found;
    void detail;
    return code;
  }
  return undefined;
}

function words(code: SecureLoginErrorCode): string {
  switch (code) {
    case 'TooShort':
      return 'too few digits';
    case 'Freed':
      return 'used after free()';
    default:
      return code;
  }
}

export async function main(): Promise<string[]> {
  await init();
  await initLogin();
  const secret = new TextEncoder().encode('12345678901234567890');
  const out: string[] = [];
  out.push(hotp(secret, 1)); // RFC 4226: 287082
  out.push(totp(secret, 59, { digits: 8, hash: 'SHA1' })); // RFC 6238: 94287082
  const match: TotpMatch | undefined = verifyTotp(secret, '94287082', 89, { digits: 8 });
  out.push(match === undefined ? 'no match' : `step ${match.step} offset ${match.offset}`);
  out.push(ocra('OCRA-1:HOTP-SHA1-6:QN08', secret, { challenge: '11111111' })); // RFC 6287: 243178
  const uri = parseKeyUri('otpauth://totp/Portal:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Portal');
  out.push(`${uri.type} ${uri.account} ${uri.issuer ?? ''} ${base32Decode('GEZDGNBV').length}`);
  const key = new OtpKey(secret, { digits: 8 });
  out.push(key.totp(59));
  key.free();
  out.push(words(codeOf(() => key.totp(59)) ?? 'InvalidArgument'));
  out.push(readCode('１２３-４５６', 6));
  out.push(words(codeOf(() => readCode('12345', 6)) ?? 'InvalidArgument'));
  return out;
}

// The tiny page of tests/js/npm_package.test.mjs, with the npm package: show a TOTP, check a code.
import init, { totp, verifyTotp } from 'secure-login-otp';

const secret = new TextEncoder().encode('12345678901234567890');
const now = () => Math.floor(Date.now() / 1000);

init().then(() => {
  document.querySelector('#code').textContent = totp(secret, now());
  document.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = document.querySelector('input').value;
    const match = verifyTotp(secret, typed, now(), { window: 1 });
    document.querySelector('#result').textContent = match ? 'accepted' : 'refused';
  });
  document.body.dataset.ready = 'yes';
});

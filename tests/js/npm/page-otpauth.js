// The same tiny page with otpauth, for the size beside it (tests/js/npm_package.test.mjs).
import { Secret, TOTP } from 'otpauth';

const totp = new TOTP({ secret: Secret.fromUTF8('12345678901234567890') });

document.querySelector('#code').textContent = totp.generate();
document.querySelector('form').addEventListener('submit', (event) => {
  event.preventDefault();
  const typed = document.querySelector('input').value;
  const delta = totp.validate({ token: typed, window: 1 });
  document.querySelector('#result').textContent = delta === null ? 'refused' : 'accepted';
});
document.body.dataset.ready = 'yes';

// End to end: logging in with a code by SMS and by voice call, the code read off the demo phone
// page open beside the login page (the same browser), as a person would. The 2-minute resend
// throttle is crossed by moving the server's clock and the pages' clock together.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { advanceClocks, DEMO, launchBrowser, logIn, newContext, screenshot, startPortal } from './helpers.mjs';

let portal;
let browser;
let context;
let problems;
let login;
let phone;

/** Moves the server's clock and the pages' clock on by `seconds`. */
async function wait(seconds) {
  await advanceClocks(portal, context, seconds);
}

const bubbles = () => phone.locator('#inbox > li');

/** The newest message on the phone once there are `count`; its text as the person reads it. */
async function newestOnPhone(count) {
  await bubbles().nth(count - 1).waitFor();
  assert.equal(await bubbles().count(), count);
  return bubbles().first();
}

const field = (name) => login.getByRole('textbox', { name, exact: true });

/** The answers the login page sent (the bodies of POST /api/login/{id}/response). */
const answers = [];

/** `digits` as a phone keyboard of East Asian languages types them: FULLWIDTH DIGIT ZERO is U+FF10. */
const fullWidth = (digits) => digits.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d)));
const alert = () => login.getByRole('alert').first();

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  ({ context, problems } = await newContext(browser, { clock: portal }));
  // What the phone speaks: recorded (the page calls the browser's speech synthesis).
  await context.addInitScript(() => {
    window.spoken = [];
    if (window.speechSynthesis) {
      const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
      window.speechSynthesis.speak = (utterance) => {
        window.spoken.push({ text: utterance.text, lang: utterance.lang });
        speak(utterance);
      };
    }
  });
  phone = await context.newPage();
  await phone.goto(`${portal.url}/phone.html`);
  await phone.getByText('Connected: new messages and calls appear at once.').waitFor();
  login = await context.newPage();
  login.on('request', (request) => {
    if (/\/api\/login\/[^/]+\/response$/.test(request.url())) answers.push(request.postDataJSON().response);
  });
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('the demo phone starts empty and says it is connected', async () => {
  assert.equal(await phone.getByRole('heading', { name: 'Demo phone' }).isVisible(), true);
  assert.equal(await phone.getByText('No messages yet.', { exact: false }).isVisible(), true);
  assert.equal(await bubbles().count(), 0);
});

test('SMS: the code arrives on the phone; an early resend is refused with its countdown; after 120 s a new code comes and logs in', async () => {
  await logIn(login, portal, DEMO.alice);
  // M2FS: alice has several second factors and chooses one.
  await login.getByRole('heading', { name: 'Choose your second factor' }).waitFor();
  const choices = await login.locator('#factor-list button strong').allTextContents();
  assert.deepEqual(choices.sort(), ['Authenticator app', 'Digital Security Card+', 'Text message (SMS)', 'Voice call']);
  assert.match(await login.getByRole('button', { name: /Text message \(SMS\)/ }).textContent(), /to •+01/);
  await screenshot(login, 'login-factors');
  await login.getByRole('button', { name: /Text message \(SMS\)/ }).click();

  await login.getByRole('heading', { name: 'Enter the security code' }).waitFor();
  assert.match(await login.locator('#prompt-text').textContent(), /^We sent a 6-digit security code by SMS to •+01\.$/);
  assert.match(await login.locator('#expiry').textContent(), /^This code is valid for another 10:00\.$/);
  assert.match(await login.locator('#resend-countdown').textContent(), /^You can ask for a new code in 2:00\.$/);
  assert.equal(await field('Security code').evaluate((el) => el === document.activeElement), true, 'the code field has the focus');

  // The phone shows the SMS and announces it.
  const first = await newestOnPhone(1);
  assert.equal(await first.locator('.bubble-meta span').textContent(), 'Text message to +41790000001');
  const firstText = await first.locator('.bubble-text').textContent();
  // The site named, never to be shared, and the WebOTP line (`@domain #code`) last.
  assert.match(firstText, /^Your secure-login code is (\d{6})\. Never share it: secure-login will never ask you for it\.\n\n@localhost #\1$/);
  assert.equal(await phone.locator('#announcer').textContent(), `New text message: ${firstText}`);
  const firstCode = firstText.match(/\d{6}/)[0];
  await screenshot(phone, 'phone');

  // "Didn't receive a security code?" at once: the server refuses and the page counts down.
  await login.getByRole('button', { name: 'Didn’t receive a security code?' }).click();
  assert.equal(await login.getByRole('button', { name: 'Didn’t receive a security code?' }).getAttribute('aria-expanded'), 'true');
  await login.getByRole('button', { name: 'SMS', exact: true }).click();
  await login.getByText('Too soon: you can ask for a new code in 2:00.').waitFor();
  assert.equal(await alert().textContent(), 'Too soon: you can ask for a new code in 2:00.');
  await login.waitForTimeout(300);
  assert.equal(await bubbles().count(), 1, 'no second SMS was sent');
  await screenshot(login, 'login-resend');

  // Two minutes later (by both clocks) a new code may be asked for.
  await wait(121);
  await login.getByText('You can ask for a new code now.').waitFor();
  await login.getByRole('button', { name: 'SMS', exact: true }).click();
  await login.getByText(/^A new code is on its way by SMS to •+01\.$/).waitFor();
  assert.match(await login.locator('#resend-countdown').textContent(), /^You can ask for a new code in 2:00\.$/);
  const second = await newestOnPhone(2);
  const secondText = await second.locator('.bubble-text').textContent();
  const secondCode = secondText.match(/\d{6}/)[0];
  assert.equal(await phone.locator('#announcer').textContent(), `New text message: ${secondText}`);

  // Only the newest code counts (when the two differ, the first is now a wrong code).
  if (firstCode !== secondCode) {
    await field('Security code').fill(firstCode);
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.getByText('That code is not right. You have 9 more attempts.').waitFor();
  }
  // Typed in full-width digits, grouped with a dash: the page sends the six ASCII digits.
  assert.equal(fullWidth('0189'), '０１８９');
  await field('Security code').fill(`${fullWidth(secondCode.slice(0, 3))}-${fullWidth(secondCode.slice(3))}`);
  await login.getByRole('button', { name: 'Log in' }).click();
  await login.waitForURL(/\/account\.html$/);
  assert.equal(answers.at(-1), secondCode);
  await login.locator('#username').getByText('alice').waitFor();
});

test('voice: "Didn\'t receive a security code?" then Voice: the phone shows the call\'s transcript and speaks it', async () => {
  // The person has clicked on the phone page (browsers speak only after that).
  await phone.getByRole('checkbox', { name: 'Read calls aloud' }).click();
  await phone.getByRole('checkbox', { name: 'Read calls aloud' }).click();
  assert.equal(await phone.getByRole('checkbox', { name: 'Read calls aloud' }).isChecked(), true);

  await wait(121);
  await logIn(login, portal, DEMO.alice);
  await login.getByRole('button', { name: /Text message \(SMS\)/ }).click();
  await login.getByRole('heading', { name: 'Enter the security code' }).waitFor();
  await newestOnPhone(3);

  await wait(121);
  await login.getByRole('button', { name: 'Didn’t receive a security code?' }).click();
  await login.getByRole('button', { name: 'Voice call' }).click();
  await login.getByText(/^We are calling •+01 now to read out a new code\.$/).waitFor();
  assert.match(await login.locator('#prompt-text').textContent(), /^We are calling •+01 to read out a 6-digit security code\.$/);

  const call = await newestOnPhone(4);
  assert.equal(await call.getAttribute('data-channel'), 'voice');
  assert.equal(await call.locator('.bubble-meta span').textContent(), 'Incoming call to +41790000001');
  assert.equal(await call.locator('.transcript-label').textContent(), 'Transcript');
  const transcript = await call.locator('.transcript').textContent();
  const match = transcript.match(/^Hello\. Your secure-login code is: (\d(?:, \d){5})\. Once more: \1\. Never share it\. Goodbye\.$/);
  assert.ok(match, `the transcript reads the code digit by digit: ${transcript}`);
  const code = match[1].replaceAll(', ', '');
  assert.equal(await phone.locator('#announcer').textContent(), `Incoming call: ${transcript}`);
  const spoken = await phone.evaluate(() => window.spoken);
  assert.deepEqual(spoken, [{ text: transcript, lang: 'en-US' }], 'the call was read aloud, in English');
  // "Listen" reads it again.
  await call.getByRole('button', { name: 'Listen' }).click();
  assert.equal((await phone.evaluate(() => window.spoken)).length, 2);

  await login.getByRole('textbox', { name: 'Security code', exact: true }).fill(code);
  await login.getByRole('button', { name: 'Log in' }).click();
  await login.waitForURL(/\/account\.html$/);
  await login.locator('#username').getByText('alice').waitFor();
});

test('no console errors and no CSP violations on the login, phone and account pages', () => {
  assert.deepEqual(problems(), []);
});

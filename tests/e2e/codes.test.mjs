// Codes by SMS and e-mail in headless Chromium against the real stack, with the dev outbox as the
// signer's phone and mailbox.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SigningPage, launch, phonePage } from '../support/browser.mjs';
import { Stack } from '../support/stack.mjs';

const POLICY = {
  methods: { allowed: ['password', 'phone', 'email_code'], default: 'phone' },
  phone: { default_country_code: '49', resend: { cooldown_seconds: 2, max_per_hour: 20 } },
  email_code: { resend: { cooldown_seconds: 2, max_per_hour: 20 } },
};

/// Puts `text` on the clipboard and pastes it into the focused field with the keyboard, as a
/// signer copying the code from a message would.
async function paste(page, field, text) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await field.focus();
  await page.keyboard.press('Control+V');
}

describe('codes in the browser', () => {
  const stack = new Stack();
  let browser;
  let admin;

  before(async () => {
    await stack.start();
    admin = stack.admin();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack.dispose();
  });

  async function signer(locale = 'en-US') {
    return new SigningPage(await phonePage(browser, locale));
  }

  const agreement = (method, recipient = {}) => admin.codeAgreement({ method, account: { policy: POLICY }, recipient });

  test('SMS: link → send → code pasted from the message → verified', async () => {
    const { url, to } = await agreement('phone', { phone: '+49 170 5554321' });
    const s = await signer();
    await s.open(url);
    await s.waitFor('phone');
    assert.equal(await s.heading().textContent(), 'Get a code on your phone');
    await s.page.getByText('We will send a code to your phone number ending in 4321.').waitFor();
    assert.ok(await s.page.getByLabel('Text message (SMS)').isChecked(), 'SMS is the default');
    await s.page.getByRole('button', { name: 'Send code' }).click();

    await s.waitFor('code');
    assert.equal(await s.heading().textContent(), 'Enter the code');
    await s.page.getByText('We sent a code by text message to your phone number ending in 4321.').waitFor();
    assert.match(await s.page.locator('#code-expiry').textContent(), /^The code expires in (10:00|9:5\d)\.$/);
    assert.equal(await s.page.locator('#code-expiry-warning').textContent(), '', 'no warning with ten minutes left');
    assert.equal(await s.page.getByText('5 tries left.').count(), 1);

    const field = s.page.getByLabel('6-digit code');
    assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await field.getAttribute('inputmode'), 'numeric');
    const code = await stack.latestCode(to);
    await paste(s.page, field, `${code.slice(0, 3)} ${code.slice(3)}`);
    assert.equal(await field.inputValue(), `${code.slice(0, 3)} ${code.slice(3)}`, 'paste works');
    await s.page.getByRole('button', { name: 'Verify' }).click();
    await s.waitFor('verified');
    assert.deepEqual(s.page.consoleErrors, []);
    await s.page.context().close();
  });

  test('a wrong code says how many tries are left; reloading comes back to the code', async () => {
    const { url, to } = await agreement('phone');
    const s = await signer();
    await s.open(url);
    await s.waitFor('phone');
    await s.page.getByLabel('Voice call').check();
    await s.page.getByRole('button', { name: 'Send code' }).click();
    await s.waitFor('code');
    await s.page.getByText(/^We are calling your phone number ending in \d{4} to tell you the code\.$/).waitFor();
    const code = await stack.latestCode(to);
    const field = s.page.getByLabel('6-digit code');
    await field.fill(code === '000000' ? '111111' : '000000');
    await s.page.getByRole('button', { name: 'Verify' }).click();
    await s.alert().filter({ hasText: 'That code is not right. 4 tries left.' }).waitFor();
    assert.equal(await field.inputValue(), '', 'the wrong code is cleared');
    assert.ok(await field.evaluate((f) => f === document.activeElement), 'focus is back in the field');

    await s.page.reload();
    await s.waitFor('code');
    await s.page.getByText('4 tries left.').waitFor();
    await field.fill(code);
    await s.page.getByRole('button', { name: 'Verify' }).click();
    await s.waitFor('verified');
    await s.page.context().close();
  });

  test('e-mail code in German: send, a new code after the cooldown, the newest works', async () => {
    const { url, to } = await agreement('email_code', { email: 'ada.de@example.com' });
    const s = await signer('de-DE');
    await s.open(url);
    await s.waitFor('email-code');
    assert.equal(await s.heading().textContent(), 'Code per E-Mail erhalten');
    await s.page.getByRole('button', { name: 'Code senden' }).click();
    await s.waitFor('code');
    assert.equal(await s.heading().textContent(), 'Geben Sie den Code ein');
    const [mail] = await stack.outbox();
    assert.equal(mail.subject, 'Ihr Code für „Lease for Flat 4B“', 'the e-mail is in the signer\'s language');

    const resend = s.page.locator('#resend');
    assert.ok(await resend.isDisabled(), 'a new code waits for the cooldown');
    await s.page.waitForFunction(() => !document.querySelector('#resend').disabled, null, { timeout: 10000 });
    await resend.click();
    for (let i = 0; i < 50 && (await stack.outbox()).filter((m) => m.to === to).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await stack.outbox()).filter((m) => m.to === to).length, 2, 'one click sends a new code');
    await s.page.getByLabel('6-stelliger Code').fill(await stack.latestCode(to));
    await s.page.getByRole('button', { name: 'Bestätigen' }).click();
    await s.waitFor('verified');
    assert.deepEqual(s.page.consoleErrors, []);
    await s.page.context().close();
  });

  test('Russian: the phone and code screens through the language switcher', async () => {
    const { url } = await agreement('phone');
    const s = await signer('en-US');
    await s.open(url);
    await s.waitFor('phone');
    await s.page.getByLabel('Language').selectOption('ru');
    await s.page.getByRole('heading', { name: 'Получите код на телефон' }).waitFor();
    await s.page.getByRole('button', { name: 'Отправить код' }).click();
    await s.waitFor('code');
    assert.equal(await s.heading().textContent(), 'Введите код');
    assert.equal(await s.page.locator('html').getAttribute('lang'), 'ru');
    await s.page.context().close();
  });

  test('axe-core finds no violations on the code screens', async () => {
    const screens = {};
    const s = await signer();
    await s.open((await agreement('phone')).url);
    await s.waitFor('phone');
    screens.phone = await s.axeViolations();
    await s.page.getByRole('button', { name: 'Send code' }).click();
    await s.waitFor('code');
    screens.code = await s.axeViolations();
    await s.page.getByLabel('6-digit code').fill('12');
    await s.page.getByRole('button', { name: 'Verify' }).click();
    await s.alert().waitFor();
    screens['code with error'] = await s.axeViolations();

    const mail = await signer('de-DE');
    await mail.open((await agreement('email_code')).url);
    await mail.waitFor('email-code');
    screens['e-mail code (German)'] = await mail.axeViolations();

    for (const [name, violations] of Object.entries(screens)) {
      assert.deepEqual(violations, [], `axe violations on the ${name} screen`);
    }
    await s.page.context().close();
    await mail.page.context().close();
  });
});

describe('the expiry warning (codes shortened to 63 seconds by configuration)', () => {
  const stack = new Stack({ vars: { DEV_CODE_LIFETIME_SECONDS: '63' } });
  let browser;

  before(async () => {
    await stack.start();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack.dispose();
  });

  test('a minute before expiry the signer is warned, with the new-code button at hand', async () => {
    const { url } = await stack.admin().codeAgreement({ method: 'email_code', account: { policy: POLICY } });
    const s = new SigningPage(await phonePage(browser));
    await s.open(url);
    await s.waitFor('email-code');
    await s.page.getByRole('button', { name: 'Send code' }).click();
    await s.waitFor('code');
    const warning = s.page.locator('#code-expiry-warning');
    assert.equal(await warning.textContent(), '', 'no warning with more than a minute left');
    assert.equal(await warning.getAttribute('role'), 'status');
    await s.page.getByText('Your code expires soon. Enter it now or request a new one.').waitFor({ timeout: 10000 });
    assert.match(await s.page.locator('#code-expiry').textContent(), /^The code expires in (1:00|0:5\d)\.$/);
    assert.ok(await s.page.getByRole('button', { name: 'Send a new code' }).isEnabled());
    assert.deepEqual(await s.axeViolations(), [], 'axe violations with the warning shown');
    await s.page.context().close();
  });
});

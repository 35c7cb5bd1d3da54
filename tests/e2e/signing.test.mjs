// The recipient's flow in headless Chromium against the real stack (app served by the Worker).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SigningPage, launch, phonePage } from '../support/browser.mjs';
import { Stack } from '../support/stack.mjs';

describe('signing in the browser', () => {
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

  async function signer(locale) {
    const page = await phonePage(browser, locale);
    return new SigningPage(page);
  }

  test('link → password → verified, and the token leaves the address bar', async () => {
    const { url, password } = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(url);
    await s.waitFor('password');
    assert.equal(await s.heading().textContent(), 'Enter your password');
    assert.ok(!s.page.url().includes('#'), `the token is gone from the address bar: ${s.page.url()}`);
    assert.ok(await s.heading().evaluate((h) => h === document.activeElement), 'focus is on the heading');
    const field = s.page.getByLabel('Password', { exact: true });
    assert.equal(await field.getAttribute('autocomplete'), 'current-password');

    await s.page.getByRole('button', { name: 'Show password' }).click();
    assert.equal(await field.getAttribute('type'), 'text');
    await s.page.getByRole('button', { name: 'Hide password' }).click();
    assert.equal(await field.getAttribute('type'), 'password');

    await s.submitPassword(password);
    await s.waitFor('verified');
    assert.equal(await s.heading().textContent(), "You're verified");
    assert.deepEqual(s.page.consoleErrors, []);
    await s.page.context().close();
  });

  test('the sender switches a signer on the password screen to SMS: their next try moves them there', async () => {
    const { url, agreementId, recipientId } = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(url);
    await s.waitFor('password');
    const changed = await admin.changeMethod(agreementId, recipientId, { method: 'phone', phone: '+49 170 5550142' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    // The old screen's request is refused as the wrong method: the app loads the link anew.
    await s.submitPassword('Sunrise2026');
    await s.waitFor('phone');
    await s.page.getByText('0142').first().waitFor();
    assert.equal(await s.page.getByText('Something went wrong').count(), 0);
    // And a reload lands there too.
    await s.page.reload();
    await s.waitFor('phone');
    assert.deepEqual(s.page.consoleErrors.filter((e) => !/status of 409/.test(e)), []);
    await s.page.context().close();
  });

  test('link → 5 wrong → cancelled screen, with tries left announced on the way', async () => {
    const { url } = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(url);
    await s.waitFor('password');
    assert.equal(await s.page.getByText('5 tries left.').count(), 1, 'the tries are shown before the first entry');
    await s.submitPassword('Wrong1234');
    await s.alert().filter({ hasText: '4 tries left.' }).waitFor();
    assert.match(await s.alert().textContent(), /That password is not right\. 4 tries left\./);
    await s.submitPassword('Wrong1234');
    await s.alert().filter({ hasText: '3 tries left.' }).waitFor();
    // Coming back later (a reload) shows what is left before typing.
    await s.page.reload();
    await s.waitFor('password');
    await s.page.getByText('3 tries left.').waitFor();
    for (const left of ['2 tries left.', '1 try left.']) {
      await s.submitPassword('Wrong1234');
      await s.alert().filter({ hasText: left }).waitFor();
    }
    await s.submitPassword('Wrong1234');
    await s.waitFor('cancelled');
    assert.equal(await s.heading().textContent(), 'This agreement has been cancelled');

    // Reloading shows the same: the agreement stays cancelled.
    await s.page.reload();
    await s.waitFor('cancelled');
    await s.page.context().close();
  });

  test('the same in German', async () => {
    const ok = await admin.passwordAgreement();
    const s = await signer('de-DE');
    await s.open(ok.url);
    await s.waitFor('password');
    assert.equal(await s.heading().textContent(), 'Geben Sie Ihr Passwort ein');
    assert.equal(await s.page.evaluate(() => document.documentElement.lang), 'de');
    await s.submitPassword('Falsch123', { label: 'Passwort', button: 'Bestätigen' });
    await s.alert().filter({ hasText: 'Noch 4 Versuche.' }).waitFor();
    await s.submitPassword(ok.password, { label: 'Passwort', button: 'Bestätigen' });
    await s.waitFor('verified');
    assert.equal(await s.heading().textContent(), 'Sie sind verifiziert');
    await s.page.context().close();

    const bad = await admin.passwordAgreement();
    const t = await signer('de-DE');
    await t.open(bad.url);
    await t.waitFor('password');
    for (let i = 0; i < 5; i++) {
      await t.submitPassword('Falsch123', { label: 'Passwort', button: 'Bestätigen' });
      if (i < 4) await t.alert().filter({ hasText: `Noch ${4 - i} ` }).waitFor();
    }
    await t.waitFor('cancelled');
    assert.equal(await t.heading().textContent(), 'Diese Vereinbarung wurde storniert');
    await t.page.context().close();
  });

  test('the language switcher changes every text at once', async () => {
    const { url } = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(url);
    await s.waitFor('password');
    await s.page.getByLabel('Language').selectOption({ label: 'Русский' });
    await s.page.getByRole('heading', { level: 1, name: /пароль/i }).waitFor();
    assert.equal(await s.page.evaluate(() => document.documentElement.lang), 'ru');
    await s.page.context().close();
  });

  test('a second link opened in the same tab shows its own recipient, not the first one', async () => {
    const first = await admin.passwordAgreement();
    const second = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(first.url);
    await s.waitFor('password');
    await s.submitPassword(first.password);
    await s.waitFor('verified');
    await s.open(second.url);
    await s.waitFor('password');
    assert.ok(!s.page.url().includes('#'));
    await s.submitPassword(second.password);
    await s.waitFor('verified');
    await s.page.context().close();
  });

  test('an unknown or damaged link shows the invalid-link screen', async () => {
    const { url } = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(url.slice(0, -4) + 'AAAA');
    await s.waitFor('invalid-link');
    assert.equal(await s.heading().textContent(), 'This link is not valid');
    await s.open(`${stack.origin}/s`);
    await s.page.evaluate(() => sessionStorage.clear());
    await s.page.reload();
    await s.waitFor('invalid-link');
    await s.page.context().close();
  });

  test('axe-core finds no violations on any screen', async () => {
    const screens = {};
    const { url, password } = await admin.passwordAgreement();
    const s = await signer('en-US');
    await s.open(url);
    await s.waitFor('password');
    screens.password = await s.axeViolations();
    await s.submitPassword('Wrong1234');
    await s.alert().waitFor();
    screens['password with error'] = await s.axeViolations();
    await s.submitPassword(password);
    await s.waitFor('verified');
    screens.verified = await s.axeViolations();

    const doomed = await admin.passwordAgreement();
    await s.open(doomed.url);
    await s.page.reload();
    await s.waitFor('password');
    for (let i = 0; i < 5; i++) {
      await s.submitPassword('Wrong1234');
      if (i < 4) await s.alert().filter({ hasText: `${4 - i} ${i === 3 ? 'try' : 'tries'} left.` }).waitFor();
    }
    await s.waitFor('cancelled');
    screens.cancelled = await s.axeViolations();

    await s.open(`${stack.origin}/s#not-a-token`);
    await s.waitFor('invalid-link');
    screens['invalid link'] = await s.axeViolations();

    const de = await signer('de-DE');
    await de.open((await admin.passwordAgreement()).url);
    await de.waitFor('password');
    screens['password (German)'] = await de.axeViolations();

    for (const [name, violations] of Object.entries(screens)) {
      assert.deepEqual(violations, [], `axe violations on the ${name} screen`);
    }
    await s.page.context().close();
    await de.page.context().close();
  });
});

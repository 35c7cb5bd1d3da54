// A sender's preview in headless Chromium: the real screens under the preview banner, walked to
// the end with nothing sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SigningPage, launch, noSidewaysScroll, phonePage } from '../support/browser.mjs';
import { Stack } from '../support/stack.mjs';

describe('sender previews in the browser', () => {
  const stack = new Stack({
    vars: {
      OAUTH_PROVIDERS: JSON.stringify({ google: { client_id: 'google-client' } }),
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret-of-some-length',
    },
  });
  let browser;
  let admin;

  before(async () => {
    await stack.start();
    admin = stack.admin();
    browser = await launch();
    await admin.putAccount('acme', {
      name: 'Acme Legal',
      policy: { methods: { allowed: ['password', 'email_code', 'social'], default: 'password' } },
    });
  });
  after(async () => {
    await browser?.close();
    await stack.dispose();
  });

  async function previewUrl(body) {
    const { status, body: created } = await admin.send('POST', '/previews', body);
    assert.equal(status, 201, JSON.stringify(created));
    return created.preview_url;
  }

  test('the e-mail code method in German: banner, the code on screen, verified; nothing sent; axe-clean', async () => {
    const url = await previewUrl({ account_id: 'acme', method: 'email_code', language: 'de' });
    // A browser in English: the preview link's language wins.
    const s = new SigningPage(await phonePage(browser, 'en-US'));
    await s.open(url);
    await s.waitFor('email-code');
    const banner = s.page.getByRole('complementary', { name: 'Vorschau' });
    assert.equal(await banner.textContent(), 'Vorschau: Es wird nichts gesendet, nichts wird gezählt.');
    assert.equal(await s.heading().textContent(), 'Code per E-Mail erhalten');
    const violations = { 'e-mail code': await s.axeViolations() };

    await s.page.getByRole('button', { name: 'Code senden' }).click();
    await s.waitFor('code');
    const shown = s.page.getByTestId('preview-code');
    assert.match(await shown.textContent(), /^Vorschau: Diesen Code würde die unterzeichnende Person erhalten: \d{6}$/);
    violations['code entry'] = await s.axeViolations();
    const code = (await shown.locator('strong').textContent()).trim();

    // A wrong code is refused with the tries shown, and they stay full.
    for (let i = 0; i < 2; i++) {
      await s.page.getByLabel('6-stelliger Code').fill(code === '000000' ? '111111' : '000000');
      await s.page.getByRole('button', { name: 'Bestätigen' }).click();
      await s.alert().filter({ hasText: 'Noch 10 Versuche' }).waitFor();
    }
    await s.page.getByLabel('6-stelliger Code').fill(code);
    await s.page.getByRole('button', { name: 'Bestätigen' }).click();
    await s.waitFor('verified');
    assert.equal(await banner.count(), 1, 'the banner stays to the end');
    violations.verified = await s.axeViolations();

    assert.deepEqual(violations, { 'e-mail code': [], 'code entry': [], verified: [] });
    assert.deepEqual(await stack.outbox(), [], 'nothing was sent');
    assert.deepEqual(s.page.consoleErrors.filter((e) => !/status of 403/.test(e)), []);
    await s.page.context().close();
  });

  test('the passkey method previewed at 360 px in Russian: its sign-in, no authenticator asked, then the devices', async () => {
    await admin.putAccount('pk-preview', { name: 'Acme Bank', policy: { methods: { allowed: ['password', 'passkey'], default: 'passkey' } } });
    const s = new SigningPage(await phonePage(browser, 'en-US'));
    await s.open(await previewUrl({ account_id: 'pk-preview', method: 'passkey', language: 'ru' }));
    await s.waitFor('device-sign-in');
    assert.equal(new URL(s.page.url()).pathname, '/device/', 'the signing page sent the signer to the passkey\'s page');
    assert.equal(await s.page.getByRole('heading', { level: 1 }).textContent(), 'Войдите с ключом доступа');
    assert.equal(await s.page.getByRole('complementary', { name: 'Предпросмотр' }).count(), 1);
    assert.equal(await s.page.getByRole('link', { name: 'К странице подписания' }).count(), 0, 'no way round the method');
    await noSidewaysScroll(s.page, 'the previewed passkey sign-in');
    assert.deepEqual(await s.axeViolations(), [], 'axe on the previewed sign-in');
    await s.page.getByRole('button', { name: 'Использовать ключ доступа' }).click();
    await s.waitFor('device-list');
    await s.page.getByRole('status').filter({ hasText: 'В предпросмотре ключ доступа не запрашивается' }).waitFor();
    assert.deepEqual(await stack.outbox(), [], 'nothing was sent');
    await s.page.context().close();
  });

  test('the device page previewed at 360 px: sample devices, an announcement, a pairing; nothing made or changed', async () => {
    const s = new SigningPage(await phonePage(browser, 'en-US'));
    await s.open(await previewUrl({ account_id: 'acme', method: 'password' }));
    await s.waitFor('password');
    await s.submitPassword('Anything123');
    await s.waitFor('verified');
    await s.page.getByRole('link', { name: 'Your devices and passkeys' }).click();
    await s.waitFor('device-list');
    const banner = s.page.getByRole('complementary', { name: 'Preview' });
    assert.equal(await banner.textContent(), 'Preview: nothing is sent, nothing is changed.');
    assert.equal(await s.page.locator('.devices li').count(), 2);
    await s.page.getByTestId('new-devices').waitFor();
    const violations = { list: await s.axeViolations() };
    await noSidewaysScroll(s.page, 'the previewed device list');

    await s.page.getByRole('button', { name: /^This was not me/ }).click();
    await s.page.getByRole('status').filter({ hasText: 'In a preview nothing is changed' }).waitFor();
    await s.page.getByRole('button', { name: 'Yes, they are mine' }).click();
    await s.page.getByTestId('new-devices').waitFor({ state: 'detached' });
    await s.page.getByRole('button', { name: 'Add a passkey for this device' }).click();
    await s.page.getByRole('status').filter({ hasText: 'In a preview no passkey is made' }).waitFor();

    await s.page.getByRole('button', { name: 'Continue on another device' }).click();
    await s.waitFor('device-offer');
    await s.page.getByLabel('Type the code your other device shows:').fill('123456');
    violations.offer = await s.axeViolations();
    await s.page.getByRole('button', { name: 'Confirm' }).click();
    await s.page.getByRole('status').filter({ hasText: 'your other device can continue now' }).waitFor();
    assert.equal(await banner.count(), 1, 'the banner stays');
    assert.deepEqual(violations, { list: [], offer: [] });
    assert.deepEqual(await stack.outbox(), [], 'nothing was sent');
    await s.page.context().close();
  });

  test('every method has a preview in Russian at 360 px: the banner over the real screen, axe-clean', async () => {
    await admin.putAccount('acme', {
      name: 'Acme Legal',
      policy: { methods: { allowed: ['password', 'phone', 'email_code', 'social'], default: 'password' } },
    });
    const screens = { password: 'password', phone: 'phone', email_code: 'email-code', social: 'providers' };
    const violations = {};
    for (const [method, screen] of Object.entries(screens)) {
      const s = new SigningPage(await phonePage(browser, 'en-US'));
      await s.open(await previewUrl({ account_id: 'acme', method, language: 'ru' }));
      await s.waitFor(screen);
      assert.equal(await s.page.getByRole('complementary', { name: 'Предпросмотр' }).textContent(),
        'Предпросмотр: ничего не отправляется и ничего не засчитывается.', method);
      violations[method] = await s.axeViolations();
      await s.page.context().close();
    }
    assert.deepEqual(violations, { password: [], phone: [], email_code: [], social: [] });
  });

  test('a social login is simulated: the button leads straight back, verified', async () => {
    const url = await previewUrl({ account_id: 'acme', method: 'social' });
    const s = new SigningPage(await phonePage(browser, 'en-US'));
    await s.open(url);
    await s.waitFor('providers');
    await s.page.getByRole('complementary', { name: 'Preview' }).waitFor();
    await s.page.getByRole('button', { name: 'Continue with Google' }).click();
    await s.waitFor('verified');
    assert.ok(new URL(s.page.url()).origin === stack.origin, 'never left for a provider');
    await s.page.context().close();
  });
});

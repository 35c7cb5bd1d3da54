// Devices, passkeys and pairing in headless Chromium: two browser contexts stand for a desktop
// and a phone, and a DevTools virtual authenticator (the WebAuthn domain) for the desktop's
// screen lock. The pages are opened on `localhost`: an IP address cannot be a passkey's RP id.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SoftAuthenticator } from '../support/authenticator.mjs';
import { launch, noSidewaysScroll, phonePage, SigningPage } from '../support/browser.mjs';
import { Stack, answered, recipientApi } from '../support/stack.mjs';

const onLocalhost = (url) => url.replace('//127.0.0.1:', '//localhost:');

/// A platform authenticator that verifies its user (as a fingerprint or PIN would) on its own;
/// `holding`: a passkey (a `SoftAuthenticator`'s key) it holds already, made for `rpId`.
async function virtualAuthenticator(page, { holding, rpId = 'localhost' } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  if (holding) {
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: {
        credentialId: holding.credentialId.toString('base64'),
        isResidentCredential: false,
        rpId,
        privateKey: holding.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
        signCount: 1,
      },
    });
  }
  return { credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials };
}

describe('devices, passkeys and pairing in Chromium', () => {
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

  test('a desktop adds a passkey and pairs a phone by its code; the passkey verifies the desktop again; the desktop removes the phone', async () => {
    const { url, password } = await admin.passwordAgreement({ accountId: `dev-${Math.random().toString(36).slice(2)}` });
    const link = onLocalhost(url);
    const token = link.split('#')[1];
    const deskContext = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    const desk = new SigningPage(await deskContext.newPage());
    const authenticator = await virtualAuthenticator(desk.page);
    await desk.open(link);
    await desk.waitFor('password');
    await desk.submitPassword(password);
    await desk.waitFor('verified');
    await desk.page.getByRole('link', { name: 'Your devices and passkeys' }).click();
    await desk.waitFor('device-list');
    assert.equal(new URL(desk.page.url()).hash, '', 'the token left the address');
    assert.match(await desk.page.locator('.devices').textContent(), /this device/);
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the device list');

    await desk.page.getByRole('button', { name: 'Add a passkey for this device' }).click();
    await desk.page.getByRole('status').filter({ hasText: 'Passkey added' }).waitFor();
    assert.equal((await authenticator.credentials()).length, 1, 'the authenticator holds the passkey');
    assert.match(await desk.page.locator('.devices').textContent(), /with a passkey/);

    // Pairing: the phone opens the link and shows a code; the desktop confirms it.
    await desk.page.getByRole('button', { name: 'Continue on another device' }).click();
    await desk.waitFor('device-offer');
    const qr = desk.page.getByRole('img', { name: 'QR code of the link for your other device' });
    const pairing = await qr.getAttribute('data-link');
    assert.ok(pairing.startsWith(`${new URL(link).origin}/device/#${token}&pair=`), pairing);
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the offer');
    const phone = await phonePage(browser, 'en-US', { isMobile: true });
    const p = new SigningPage(phone);
    await phone.goto(pairing);
    await p.waitFor('device-claimed');
    const code = (await phone.getByTestId('pairing-code').textContent()).replace(/\s/g, '');
    assert.match(code, /^\d{6}$/);
    await noSidewaysScroll(phone, 'the claimed pairing');
    assert.deepEqual(await p.axeViolations(), [], 'axe on the code screen');

    const field = desk.page.getByLabel('Type the code your other device shows:');
    await field.fill(code === '000000' ? '111111' : '000000');
    await desk.page.getByRole('button', { name: 'Confirm' }).click();
    await desk.alert().filter({ hasText: 'That code is not right' }).waitFor();
    await field.fill(code);
    await desk.page.getByRole('button', { name: 'Confirm' }).click();
    await desk.page.getByRole('status').filter({ hasText: 'your other device can continue now' }).waitFor();
    assert.equal(await desk.page.locator('.devices li').count(), 2);
    // The phone goes on to the signing page, verified there (not paired, it would be asked for
    // the password: the link is verified only on its devices).
    await p.waitFor('verified');
    assert.equal(await desk.page.getByTestId('new-devices').count(), 0, 'the desktop paired it itself');

    // Someone else verifies with the link and the password: the open list announces it, and
    // "This was not me" removes it.
    const stranger = new SigningPage(await (await browser.newContext({ locale: 'en-US' })).newPage());
    await stranger.open(link);
    await stranger.waitFor('password');
    await stranger.submitPassword(password);
    await stranger.waitFor('verified');
    await desk.page.getByTestId('new-devices').waitFor({ timeout: 20000 });
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the announcement');
    // The signing page says so too, until the signer answers on the device page.
    await desk.open(link);
    await desk.waitFor('verified');
    await desk.page.getByText('A new device was added to your verification').waitFor();
    await desk.page.getByRole('link', { name: 'Your devices and passkeys' }).click();
    await desk.waitFor('device-list');
    const newRow = desk.page.locator('.devices li').filter({ hasText: 'new' });
    assert.equal(await newRow.count(), 1);
    await newRow.getByRole('button', { name: /^This was not me/ }).click();
    await desk.page.getByRole('status').filter({ hasText: 'your sender was told' }).waitFor();
    assert.equal(await desk.page.locator('.devices li').count(), 2);
    await stranger.open(link);
    await stranger.waitFor('password');
    await stranger.page.context().close();

    // The desktop's cookie is gone (cleared, or expired): the passkey alone verifies it again.
    await deskContext.clearCookies();
    await desk.open(link);
    await desk.waitFor('password');
    await desk.open(`${new URL(link).origin}/device/#${token}`);
    await desk.waitFor('device-sign-in');
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the passkey sign-in');
    await desk.page.getByRole('button', { name: 'Use my passkey' }).click();
    await desk.waitFor('verified');

    // The phone is lost: the desktop removes it, and the phone is a stranger again. (The passkey
    // is bound to this authenticator, so the desktop is still the one device that holds it.)
    await desk.page.getByRole('link', { name: 'Your devices and passkeys' }).click();
    await desk.waitFor('device-list');
    assert.equal(await desk.page.locator('.devices li').count(), 2);
    const phoneRow = desk.page.locator('.devices li').filter({ hasNotText: 'this device' });
    await phoneRow.getByRole('button', { name: /^Remove/ }).click();
    await desk.page.locator('.devices li').nth(1).waitFor({ state: 'detached' });
    await phone.goto(link);
    await p.waitFor('password');
    assert.deepEqual(desk.page.consoleErrors ?? [], []);
    await deskContext.close();
    await phone.context().close();
  });

  test('an account that requires passkeys: the signer, verified, adds one on the device page before the document', async () => {
    const accountId = `dev-req-${Math.random().toString(36).slice(2)}`;
    const { url, password } = await admin.passwordAgreement({ accountId, account: { policy: { devices: { passkeys: 'required' } } } });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const s = new SigningPage(await context.newPage());
    await virtualAuthenticator(s.page);
    await s.open(onLocalhost(url));
    await s.waitFor('password');
    await s.submitPassword(password);
    await s.waitFor('device-list');
    await s.page.getByText('Your sender asks for a passkey on this device').waitFor();
    assert.equal(await s.page.getByRole('link', { name: 'Continue to the document' }).count(), 0);
    assert.deepEqual(await s.axeViolations(), [], 'axe on the passkey demand');
    await noSidewaysScroll(s.page, 'the passkey demand');
    await s.page.getByRole('button', { name: 'Add a passkey for this device' }).click();
    await s.page.getByRole('status').filter({ hasText: 'Passkey added' }).waitFor();
    await s.page.getByRole('link', { name: 'Continue to the document' }).click();
    await s.waitFor('verified');
    await context.close();
  });

  test('a signer who lost their devices recovers on a new one with the recovery code and an e-mail code', async () => {
    const accountId = `dev-rec-${Math.random().toString(36).slice(2)}`;
    const email = `${accountId}@example.com`;
    const { url, password } = await admin.passwordAgreement({
      accountId, account: { policy: { devices: { recovery: true } } }, recipient: { email },
    });
    const link = onLocalhost(url);
    const first = await browser.newContext({ locale: 'en-US' });
    const desk = new SigningPage(await first.newPage());
    await desk.open(link);
    await desk.waitFor('password');
    await desk.submitPassword(password);
    await desk.waitFor('verified');
    const shown = (await desk.page.getByTestId('recovery-code').locator('strong').textContent()).trim();
    assert.match(shown, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the verified screen with its recovery code');
    await first.close();

    // Every device lost: a new phone.
    const phone = await phonePage(browser, 'en-US', { isMobile: true });
    const p = new SigningPage(phone);
    await phone.goto(`${new URL(link).origin}/device/#${link.split('#')[1]}`);
    await p.waitFor('device-sign-in');
    await phone.getByRole('button', { name: 'Lost your devices? Use your recovery code' }).click();
    await p.waitFor('device-recover');
    assert.deepEqual(await p.axeViolations(), [], 'axe on the recovery code step');
    await noSidewaysScroll(phone, 'the recovery');
    const field = phone.getByLabel('Recovery code');
    await field.fill('0000-0000-0000-0000');
    await phone.getByRole('button', { name: 'Confirm' }).click();
    await p.alert().filter({ hasText: 'not right' }).waitFor();
    await field.fill(shown.toLowerCase());
    await phone.getByRole('button', { name: 'Confirm' }).click();
    await phone.getByRole('status').filter({ hasText: 'We sent a code to' }).waitFor();
    await phone.getByLabel('Code from the e-mail').fill(await stack.latestCode(email));
    await phone.getByRole('button', { name: 'Confirm' }).click();
    await phone.getByRole('status').filter({ hasText: 'this device is verified now' }).waitFor();
    const renewed = (await phone.getByTestId('recovery-code').locator('strong').textContent()).trim();
    assert.notEqual(renewed, shown);
    assert.deepEqual(await p.axeViolations(), [], 'axe on the new recovery code');
    await phone.getByRole('link', { name: 'Continue to the document' }).click();
    await p.waitFor('verified');
    await phone.context().close();
  });

  for (const [locale, heading, another] of [
    ['de-DE', 'Ihre Geräte', 'Auf einem anderen Gerät weitermachen'],
    ['ru-RU', 'Ваши устройства', 'Продолжить на другом устройстве'],
  ]) {
    test(`the device page in ${locale} at 360 px`, async () => {
      const { url, password } = await admin.passwordAgreement({ accountId: `dev-${locale}` });
      const page = await phonePage(browser, locale);
      const s = new SigningPage(page);
      await s.open(onLocalhost(url));
      await s.waitFor('password');
      await page.locator('input[type=password]').fill(password);
      await page.locator('form button[type=submit]').click();
      await s.waitFor('verified');
      await page.locator('[data-testid=screen-verified] a[href^="/device/"]').click();
      await s.waitFor('device-list');
      assert.equal(await s.heading().textContent(), heading);
      await noSidewaysScroll(page, 'the device list');
      assert.deepEqual(await s.axeViolations(), []);
      await page.getByRole('button', { name: another }).click();
      await s.waitFor('device-offer');
      await noSidewaysScroll(page, 'the offer');
      assert.deepEqual(await s.axeViolations(), []);
      await page.context().close();
    });
  }
  test('the passkey method: a signer who made a passkey on an earlier signing signs a new agreement with it alone, on a phone, in German', async () => {
    const accountId = `pkm-${Math.random().toString(36).slice(2)}`;
    const account = { policy: { methods: { allowed: ['password', 'passkey'], default: 'password' } } };
    // Ada's earlier signing, where her phone made a passkey (here through the API, as its
    // browser would; the phone's authenticator is given the same key below).
    const earlier = await admin.passwordAgreement({ accountId, account });
    const api = recipientApi(stack.origin, earlier.token);
    await answered(await api.password(earlier.password), 200);
    const passkey = new SoftAuthenticator();
    const creation = await answered(await api.passkeyCreation(), 200);
    await answered(await api.passkeyRegister(passkey.create(creation, stack.origin)), 200);

    const created = await admin.createAgreement({
      account_id: accountId,
      title: 'Kaufvertrag',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method: 'passkey' }],
    });
    const phone = await phonePage(browser, 'de-DE', { isMobile: true });
    await virtualAuthenticator(phone, { holding: passkey });
    const p = new SigningPage(phone);
    await p.open(onLocalhost(created.recipients[0].signing_url));
    await p.waitFor('device-sign-in');
    assert.equal(await phone.getByRole('heading', { level: 1 }).textContent(), 'Mit Ihrem Passkey anmelden');
    assert.equal(await phone.getByText('Geräte verloren?').count(), 0, 'no recovery before a first verification');
    await noSidewaysScroll(phone, 'the passkey sign-in');
    assert.deepEqual(await p.axeViolations(), [], 'axe on the passkey sign-in');
    await phone.getByRole('button', { name: 'Meinen Passkey nutzen' }).click();
    await p.waitFor('verified');
    assert.equal(new URL(phone.url()).pathname, '/s');
    const agreement = await admin.agreement(created.id);
    assert.equal(agreement.recipients[0].state, 'verified');
    const verified = (await admin.audit(created.id)).filter((e) => e.type === 'verified');
    assert.deepEqual(verified.map((e) => e.method), ['passkey']);
    await phone.context().close();
  });
});

// Login hand-offs in headless Chromium: the app, the Worker and a real OpenID provider on loopback,
// the signer clicking through the provider's own sign-in page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SigningPage, launch, phonePage } from '../support/browser.mjs';
import { startOidc } from '../support/oidc.mjs';
import { Stack, freePort } from '../support/stack.mjs';

describe('login hand-offs in the browser', () => {
  let oidc;
  let stack;
  let browser;
  let admin;

  before(async () => {
    const port = await freePort();
    oidc = await startOidc({ redirectUris: [`http://127.0.0.1:${port}/api/v1/oauth/callback`] });
    stack = new Stack({ vars: oidc.workerVars() });
    stack.port = port;
    await stack.start();
    admin = stack.admin();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await oidc?.close();
  });

  async function link(method = 'social', policy = {}) {
    await admin.putAccount('acme', {
      name: 'Acme Legal',
      policy: { methods: { allowed: ['social', 'platform_account'], default: method }, ...policy },
    });
    const created = await admin.createAgreement({
      account_id: 'acme',
      title: 'Lease for Flat 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method }],
      continue_url: 'http://127.0.0.1:9/documents/1',
    });
    return created.recipients[0].signing_url;
  }

  async function signInAtProvider(page, user, button = 'Sign in') {
    await page.waitForURL(/\/interaction\//);
    await page.getByLabel('Account').fill(user);
    await page.getByRole('button', { name: button }).click();
  }

  test('link → choose LinkedIn → sign in at the provider → back → verified, name for the signature', async () => {
    const s = new SigningPage(await phonePage(browser));
    await s.open(await link());
    await s.waitFor('providers');
    assert.equal(await s.heading().textContent(), "Sign in to confirm it's you");
    const buttons = await s.page.getByRole('button', { name: /^Continue with / }).allTextContents();
    assert.deepEqual(buttons.map((b) => b.trim()), ['Continue with Google', 'Continue with LinkedIn', 'Continue with Facebook']);
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the providers screen');

    await s.page.getByRole('button', { name: 'Continue with LinkedIn' }).click();
    await signInAtProvider(s.page, 'ada');
    await s.waitFor('verified');
    assert.equal(await s.page.locator('#signature-name').textContent(), 'Your name for the signature: Ada Lovelace');
    const href = await s.page.getByRole('link', { name: 'Continue to the document' }).getAttribute('href');
    assert.match(href, /^http:\/\/127\.0\.0\.1:9\/documents\/1#grant=[\w-]+\.[\w-]+\.[\w-]+$/);
    // A reload finds the link verified and goes on with a fresh grant, the name still shown.
    await s.page.reload();
    await s.waitFor('verified');
    const again = await s.page.getByRole('link', { name: 'Continue to the document' }).getAttribute('href');
    assert.match(again, /#grant=[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.notEqual(again, href, 'a fresh grant');
    assert.equal(await s.page.locator('#signature-name').textContent(), 'Your name for the signature: Ada Lovelace');
    assert.ok(!s.page.url().includes('login='), `the outcome left the address bar: ${s.page.url()}`);
    // The provider's own page may log (its favicon); ours must not.
    assert.deepEqual(s.page.consoleErrors.filter((e) => e.includes(stack.origin)), []);
    await s.page.context().close();
  });

  test('cancelling at the provider, then another account than the recipient\'s: a clear screen each time, then the right one', async () => {
    const s = new SigningPage(await phonePage(browser));
    await s.open(await link('social', { social: { require_email_match: true } }));
    await s.waitFor('providers');
    await s.page.getByRole('button', { name: 'Continue with LinkedIn' }).click();
    await s.page.waitForURL(/\/interaction\//);
    await s.page.getByRole('button', { name: 'Cancel' }).click();
    await s.waitFor('login-failed');
    assert.equal(await s.page.locator('#login-failed-reason').textContent(), 'You cancelled the sign-in at LinkedIn.');
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the login-failed screen');

    await s.page.getByRole('button', { name: 'Try again' }).click();
    await s.waitFor('providers');
    await s.page.getByRole('button', { name: 'Continue with Google' }).click();
    await signInAtProvider(s.page, 'eve');
    await s.waitFor('login-failed');
    assert.equal(await s.page.locator('#login-failed-reason').textContent(),
      'The account you signed in with is not the one this agreement was sent to (ada@example.com). Sign in with that account, or ask the sender.');

    // The provider still has Eve's session; the next hand-off asks it for a fresh sign-in.
    await s.page.getByRole('button', { name: 'Try again' }).click();
    await s.waitFor('providers');
    await s.page.getByRole('button', { name: 'Continue with Google' }).click();
    await signInAtProvider(s.page, 'ada');
    await s.waitFor('verified');

    assert.deepEqual(s.page.consoleErrors.filter((e) => e.includes(stack.origin)), []);
    await s.page.context().close();
  });

  test('the platform account in German: e-mail filled in at the provider, verified', async () => {
    const s = new SigningPage(await phonePage(browser, 'de-DE'));
    await s.open(await link('platform_account'));
    await s.waitFor('providers');
    const button = s.page.getByRole('button', { name: 'Weiter mit Acme Sign' });
    await button.click();
    await s.page.waitForURL(/\/interaction\//);
    assert.equal(await s.page.getByLabel('Account').inputValue(), 'ada', 'login_hint reached the provider');
    await s.page.getByRole('button', { name: 'Sign in' }).click();
    await s.waitFor('verified');
    assert.equal(await s.heading().textContent(), 'Sie sind verifiziert');
    await s.page.context().close();
  });
});

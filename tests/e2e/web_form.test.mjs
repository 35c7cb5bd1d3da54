// Web forms in headless Chromium: a stranger opens a sender's public form link on a phone, says
// who they are, proves the address with the code from the dev outbox, and lands on their own
// signing page at the form's method; a sender previews a form. At 360 px, in German and Russian.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SigningPage, launch, noSidewaysScroll, phonePage } from '../support/browser.mjs';
import { startIdology } from '../support/idology.mjs';
import { Stack } from '../support/stack.mjs';

const SENDER = { name: 'Dr Sam Sender', email: 'sam@clinic.example' };
const POLICY = { methods: { allowed: ['email_code', 'kba'], default: 'email_code' } };
const PASSWORD = 'Harbour2027';

/// Focus moves to the new screen's heading as it appears.
const headingFocused = (page) => page.waitForFunction(() => document.activeElement?.tagName === 'H1');
const focusedId = (page) => page.evaluate(() => document.activeElement?.id);
/// What a field's `aria-describedby` reads out: the texts it names, joined.
const describedBy = (field) => field.evaluate((el) => (el.getAttribute('aria-describedby') ?? '')
  .split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
/// The screen's one alert, in the page from the start (out of sight): its text says each problem once.
const alerted = (s, text) => s.alert().filter({ hasText: text }).waitFor({ state: 'attached' });
/// A refusal (a wrong password or code) is a 4xx the browser logs; nothing else may be.
const unexpected = (page) => page.consoleErrors.filter((e) => !/status of 4\d\d/.test(e));
/// A new address for each signer, so no test shares another's hourly code limit.
const newAddress = (who) => `${who}-${Math.random().toString(36).slice(2)}@example.com`;

describe('web forms in the browser', () => {
  let idology;
  let stack;
  let browser;
  let admin;

  before(async () => {
    // The KBA form's signer lands on the knowledge questions, as a KBA link's does.
    idology = await startIdology();
    stack = new Stack({ vars: idology.workerVars() });
    await stack.start();
    admin = stack.admin();
    browser = await launch();
    await admin.putAccount('clinic', { name: 'Clinic', policy: POLICY });
  });
  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await idology?.close();
  });

  /// A form of `accountId`'s, created as the sender's platform does: `{ id, url, … }`.
  async function createForm(body, accountId = 'clinic') {
    const { status, body: created } = await admin.send('POST', `/accounts/${accountId}/web-forms`, {
      title: 'Einwilligung zur Behandlung', sender: SENDER, method: 'email_code', ...body,
    });
    assert.equal(status, 201, JSON.stringify(created));
    return created;
  }

  test('a stranger on a phone in German: name, address, form password, the code from the e-mail; verified on the signing page', async () => {
    const form = await createForm({ password: PASSWORD, password_confirmation: PASSWORD });
    assert.match(form.url, new RegExp(`^${stack.origin}/f/#[A-Za-z0-9_-]+$`));
    const token = new URL(form.url).hash.slice(1);
    const s = new SigningPage(await phonePage(browser, 'de-DE', { isMobile: true }));
    const { page } = s;
    await s.open(form.url);
    await s.waitFor('form-entry');
    await headingFocused(page);
    assert.equal(await s.heading().textContent(), 'Einwilligung zur Behandlung');
    assert.equal(new URL(page.url()).hash, '', 'the token left the address');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('signgate.form')), token);
    const sender = page.getByRole('link', { name: SENDER.email });
    assert.equal(await sender.getAttribute('href'), `mailto:${SENDER.email}`);
    await page.getByText('Von Dr Sam Sender').waitFor();
    await page.getByText('Wir senden einen Code an diese Adresse, um zu bestätigen, dass sie Ihnen gehört.').waitFor();
    // A reload in the same tab opens the form again, from this tab's storage.
    await page.reload();
    await s.waitFor('form-entry');

    const name = page.getByLabel('Ihr vollständiger Name', { exact: true });
    const email = page.getByLabel('E-Mail-Adresse', { exact: true });
    const password = page.getByLabel('Formular-Passwort', { exact: true });
    assert.deepEqual(
      [await name.getAttribute('autocomplete'), await email.getAttribute('autocomplete'), await email.getAttribute('type'),
        await password.getAttribute('type')],
      ['name', 'email', 'email', 'password'],
    );
    const violations = { entry: await s.axeViolations() };
    await noSidewaysScroll(page, 'the entry screen');

    // Nothing typed: every field says what it needs, in German, and the first takes the focus. One
    // alert says it all, once; each field names its own problem.
    const proceed = page.getByRole('button', { name: 'Weiter', exact: true });
    assert.equal(await s.alert().count(), 1, 'the alert is in the page before anything goes wrong');
    await proceed.click();
    const needs = ['Bitte geben Sie Ihren Namen ein.', 'Bitte geben Sie Ihre E-Mail-Adresse ein.',
      'Bitte geben Sie das Formular-Passwort ein.'];
    await alerted(s, needs.join(' '));
    assert.equal(await s.alert().count(), 1, 'one alert for the three problems');
    for (const [field, need] of [[name, needs[0]], [email, needs[1]], [password, needs[2]]]) {
      assert.ok((await describedBy(field)).includes(need), need);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
    }
    assert.equal(await focusedId(page), 'form-name');
    violations['entry with errors'] = await s.axeViolations();

    const address = newAddress('ada');
    await name.fill('Ada Lovelace');
    await email.fill(address);
    await password.fill('Wrong1234');
    await proceed.click();
    await alerted(s, /^Das Passwort ist nicht richtig\. Noch \d Versuche?\.$/);
    assert.match(await describedBy(password), /Das Passwort ist nicht richtig\. Noch \d Versuche?\./);
    assert.equal(await password.inputValue(), '', 'the wrong password is cleared');
    assert.equal(await focusedId(page), 'form-password');
    assert.equal(await name.inputValue(), 'Ada Lovelace', 'the name stays');
    assert.equal((await stack.outbox()).filter((m) => m.to === address).length, 0, 'no code for a wrong password');

    await password.fill(PASSWORD);
    await proceed.click();
    await s.waitFor('form-code');
    await headingFocused(page);
    assert.equal(await s.heading().textContent(), 'Bestätigen Sie Ihre E-Mail-Adresse');
    await page.getByText(/^Wir haben einen Code an Ihre E-Mail-Adresse a…@example\.com gesendet\./).waitFor();
    assert.match(await page.locator('#code-expiry').textContent(), /^Der Code läuft in \d+:\d\d ab\.$/);
    // The tab keeps what a reload needs, never who the signer is.
    const kept = await page.evaluate(() => sessionStorage.getItem('signgate.form.entry'));
    assert.ok(kept && !kept.includes(address) && !kept.includes('Ada Lovelace'), kept);
    assert.equal(await page.getByTestId('preview-code').count(), 0, 'a real code is never on the screen');
    const field = page.getByLabel('6-stelliger Code', { exact: true });
    assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await field.getAttribute('inputmode'), 'numeric');
    violations.code = await s.axeViolations();
    await noSidewaysScroll(page, 'the code screen');

    const code = await stack.latestCode(address);
    await field.fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Bestätigen', exact: true }).click();
    await alerted(s, /^Der Code ist nicht richtig\./);
    assert.match(await describedBy(field), /^Der Code ist nicht richtig\./);
    assert.equal(await field.inputValue(), '', 'the wrong code is cleared');
    violations['code with error'] = await s.axeViolations();
    // The phone put the tab away while the signer read their mail: the code screen comes back.
    await page.reload();
    await s.waitFor('form-code');
    await field.fill(code);
    await page.getByRole('button', { name: 'Bestätigen', exact: true }).click();

    await page.waitForURL((url) => url.pathname === '/s', { timeout: 15000 });
    await s.waitFor('verified');
    assert.equal(await s.heading().textContent(), 'Sie sind verifiziert');
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('signgate.form.entry')), null, 'the entry is forgotten');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('signgate.form')), null, 'and the form\'s token');
    assert.deepEqual(violations, { entry: [], 'entry with errors': [], code: [], 'code with error': [] });
    assert.deepEqual(unexpected(page), []);
    await page.context().close();
  });

  test('a KBA form, German by the switcher: after the code, the knowledge questions', async () => {
    const form = await createForm({ title: 'Kontoeröffnung', method: 'kba' });
    const s = new SigningPage(await phonePage(browser, 'en-US'));
    const { page } = s;
    await s.open(form.url);
    await s.waitFor('form-entry');
    await page.getByText('We will send a code to this address to confirm it is yours.').waitFor();
    assert.equal(await page.getByLabel('Form password', { exact: true }).count(), 0, 'no password asked');
    await page.getByLabel('Language').selectOption('de');
    await page.getByLabel('Ihr vollständiger Name', { exact: true }).waitFor();
    assert.equal(await s.heading().textContent(), 'Kontoeröffnung', 'the title is the sender\'s, in no language of ours');

    const address = newAddress('ada.kba');
    await page.getByLabel('Ihr vollständiger Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('E-Mail-Adresse', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'Weiter', exact: true }).click();
    await s.waitFor('form-code');
    await page.getByLabel('6-stelliger Code', { exact: true }).fill(await stack.latestCode(address));
    await page.getByRole('button', { name: 'Bestätigen', exact: true }).click();

    await page.waitForURL((url) => url.pathname === '/s', { timeout: 15000 });
    await s.waitFor('kba');
    assert.equal(await s.heading().textContent(), 'Bestätigen Sie Ihre Identität');
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.deepEqual(unexpected(page), []);
    await page.context().close();
  });

  test('without the e-mail check, the entry goes straight on to the method', async () => {
    await admin.putAccount('clinic-open', { name: 'Clinic', policy: { ...POLICY, web_forms: { email_check: false } } });
    const form = await createForm({ method: 'kba' }, 'clinic-open');
    const s = new SigningPage(await phonePage(browser, 'en-US'));
    const { page } = s;
    await s.open(form.url);
    await s.waitFor('form-entry');
    assert.equal(await page.getByText('We will send a code to this address').count(), 0);
    const address = newAddress('bo');
    await page.getByLabel('Your full name', { exact: true }).fill('Bo Builder');
    await page.getByLabel('E-mail address', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/s', { timeout: 15000 });
    await s.waitFor('kba');
    assert.equal((await stack.outbox()).filter((m) => m.to === address).length, 0, 'no code was sent');
    await page.context().close();
  });

  test('a disabled form, a made-up link and none at all say the same', async () => {
    const form = await createForm({});
    const disabled = await admin.send('POST', `/accounts/clinic/web-forms/${form.id}/disable`);
    assert.equal(disabled.status, 200);
    const texts = [];
    for (const url of [form.url, `${stack.origin}/f/#${'A'.repeat(86)}`, `${stack.origin}/f/#garbage`]) {
      const s = new SigningPage(await phonePage(browser, 'en-US'));
      await s.open(url);
      await s.waitFor('form-invalid');
      assert.equal(await s.heading().textContent(), 'This link does not work');
      texts.push(await s.screen('form-invalid').textContent());
      if (texts.length === 1) assert.deepEqual(await s.axeViolations(), [], 'axe on the invalid link');
      await s.page.context().close();
    }
    assert.equal(new Set(texts).size, 1, 'every bad link reads the same');
  });

  test('a sender previews a form in Russian at 360 px: the banner, the code on screen, then the method\'s preview', async () => {
    const form = await createForm({ title: 'Заявление', method: 'kba', password: PASSWORD, password_confirmation: PASSWORD });
    const { status, body } = await admin.send('POST', '/previews', { account_id: 'clinic', web_form_id: form.id, language: 'ru' });
    assert.equal(status, 201, JSON.stringify(body));
    assert.match(body.preview_url, new RegExp(`^${stack.origin}/f/\\?lang=ru#p1\\.`));
    const sentBefore = (await stack.outbox()).length;
    // A browser in English: the preview link's language wins, here and on the signing page.
    const s = new SigningPage(await phonePage(browser, 'en-US', { isMobile: true }));
    const { page } = s;
    await s.open(body.preview_url);
    await s.waitFor('form-entry');
    const banner = page.getByRole('complementary', { name: 'Предпросмотр' });
    assert.equal(await banner.textContent(), 'Предпросмотр: ничего не отправляется и ничего не засчитывается.');
    assert.equal(await s.heading().textContent(), 'Заявление');
    await page.getByText('Предпросмотр: здесь подойдёт любой пароль из букв и цифр').waitFor();
    const violations = { entry: await s.axeViolations() };
    await noSidewaysScroll(page, 'the previewed entry screen');

    await page.getByLabel('Имя и фамилия', { exact: true }).fill('Ада Лавлейс');
    await page.getByLabel('Адрес электронной почты', { exact: true }).fill('ada@example.com');
    await page.getByLabel('Пароль формы', { exact: true }).fill('Anything123');
    await page.getByRole('button', { name: 'Продолжить', exact: true }).click();
    await s.waitFor('form-code');
    assert.equal(await s.heading().textContent(), 'Подтвердите адрес электронной почты');
    const shown = page.getByTestId('preview-code');
    assert.match(await shown.textContent(), /^Предпросмотр: этот код получил бы подписант: \d{6}$/);
    const code = (await shown.locator('strong').textContent()).trim();
    violations.code = await s.axeViolations();
    await noSidewaysScroll(page, 'the previewed code screen');

    const field = page.getByLabel('Код из 6 цифр', { exact: true });
    await field.fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Подтвердить', exact: true }).click();
    await alerted(s, /^Код неверный\./);
    await field.fill(code);
    await page.getByRole('button', { name: 'Подтвердить', exact: true }).click();

    await page.waitForURL((url) => url.pathname === '/s', { timeout: 15000 });
    await s.waitFor('kba');
    assert.equal(await s.heading().textContent(), 'Подтвердите свою личность');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
    assert.equal(await banner.count(), 1, 'the banner stays on the method\'s preview');
    assert.deepEqual(violations, { entry: [], code: [] });
    assert.equal((await stack.outbox()).length, sentBefore, 'nothing was sent');
    assert.deepEqual(unexpected(page), []);
    await page.context().close();
  });
});

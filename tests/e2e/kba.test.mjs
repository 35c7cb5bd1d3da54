// Knowledge questions in headless Chromium: the app, the Worker and the local IDology stand-in,
// on a phone-sized screen, the signer using the keyboard only where it matters most.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, noSidewaysScroll, phonePage, SigningPage } from '../support/browser.mjs';
import { IDENTITIES, startIdology } from '../support/idology.mjs';
import { Stack } from '../support/stack.mjs';

const ADA = IDENTITIES['ada lovelace 62701'];
/// The right choice for every question the stand-in may ask Ada, by its prompt.
const RIGHT = new Map([...ADA.questions, ...ADA.challenge].map((q) => [q.prompt, q.right]));
const DETAILS = { address: '12 Analytical Way', city: 'Springfield', state: 'IL', zip: '62701', born: '1985-12-10' };
const LABELS = {
  en: { address: 'Street address', city: 'City', state: 'State', zip: 'ZIP code', born: 'Date of birth' },
  de: { address: 'Straße und Hausnummer', city: 'Ort', state: 'Bundesstaat', zip: 'Postleitzahl (ZIP)', born: 'Geburtsdatum' },
};

/// Focus moves to the new screen's heading as it appears.
const headingFocused = (page) => page.waitForFunction(() => document.activeElement?.tagName === 'H1');
const focusedId = (page) => page.evaluate(() => document.activeElement?.id);

/// What the page keeps in the browser's storage: the signer's details must never be there.
async function assertNothingStored(page) {
  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
  for (const personal of ['Analytical', 'Springfield', '62701', '1985', 'SANGAMON']) {
    assert.ok(!stored.includes(personal), `${personal} is not kept in the browser: ${stored}`);
  }
}

/// Fills in the form with the mouse-free shortcuts a test has (not the keyboard-only path).
async function fillDetails(page, labels, details = DETAILS) {
  const field = (name) => page.getByLabel(labels[name], { exact: true });
  await field('address').fill(details.address);
  await field('city').fill(details.city);
  await field('state').selectOption(details.state);
  await field('zip').fill(details.zip);
  await field('born').fill(details.born);
}

/// Answers every question on the screen with the keyboard only: Tab into each radio group, Space
/// for its first choice or the arrow keys to another, Tab to the button, Enter. The first `wrong`
/// questions get a wrong choice.
async function answerByKeyboard(page, button, wrong = 0) {
  await headingFocused(page);
  const groups = page.locator('fieldset');
  const count = await groups.count();
  for (let i = 0; i < count; i++) {
    const group = groups.nth(i);
    const prompt = (await group.locator('legend').textContent()).trim();
    const choices = (await group.locator('label').allTextContents()).map((c) => c.trim());
    const right = choices.indexOf(RIGHT.get(prompt));
    assert.ok(right >= 0, `the right answer to “${prompt}” is among ${choices}`);
    const pick = i < wrong ? (right + 1) % choices.length : right;
    await page.keyboard.press('Tab');
    const radios = group.getByRole('radio');
    assert.ok(await radios.first().evaluate((r) => r === document.activeElement), `Tab reaches “${prompt}”`);
    if (pick === 0) await page.keyboard.press('Space');
    for (let k = 0; k < pick; k++) await page.keyboard.press('ArrowDown');
    assert.ok(await radios.nth(pick).isChecked(), `choice ${pick} of “${prompt}” is taken`);
  }
  await page.keyboard.press('Tab');
  const submit = page.getByRole('button', { name: button, exact: true });
  assert.ok(await submit.evaluate((b) => b === document.activeElement), 'Tab reaches the button');
  await page.keyboard.press('Enter');
}

describe('knowledge questions in the browser', () => {
  let idology;
  let stack;
  let browser;
  let admin;

  before(async () => {
    idology = await startIdology();
    stack = new Stack({ vars: idology.workerVars() });
    await stack.start();
    admin = stack.admin();
    await admin.putAccount('acme', {
      name: 'Acme Legal',
      policy: { methods: { allowed: ['password', 'kba'], default: 'kba' } },
    });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await idology?.close();
  });

  async function link(name = 'Ada Lovelace') {
    const created = await admin.createAgreement({
      account_id: 'acme',
      title: 'Lease for Flat 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{ name, email: 'ada@example.com', method: 'kba' }],
      continue_url: 'http://127.0.0.1:9/documents/1',
    });
    return created.recipients[0].signing_url;
  }

  async function signer(locale = 'en-US') {
    return new SigningPage(await phonePage(browser, locale));
  }

  test('keyboard only at 360 px: details → three questions → verified; axe-clean, no sideways scroll, nothing stored', async () => {
    const s = await signer();
    const { page } = s;
    await s.open(await link());
    await s.waitFor('kba');
    assert.equal(await s.heading().textContent(), 'Confirm your identity');
    await headingFocused(page);
    await page.getByText('signgate does not keep them.').waitFor();
    assert.equal(await page.getByText('3 tries left.').count(), 1, 'the tries are shown before the first try');
    const autofill = await page.locator('form input, form select')
      .evaluateAll((fields) => fields.map((f) => f.getAttribute('autocomplete')));
    assert.deepEqual(autofill,
      ['given-name', 'family-name', 'address-line1', 'address-level2', 'address-level1', 'postal-code', 'bday', 'off']);
    const ssn = page.getByLabel('Last 4 digits of your SSN (optional)', { exact: true });
    assert.equal(await ssn.getAttribute('inputmode'), 'numeric');
    assert.equal(await ssn.getAttribute('maxlength'), '4');
    assert.equal(await page.getByLabel('ZIP code', { exact: true }).getAttribute('inputmode'), 'numeric');
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the form');
    await noSidewaysScroll(page, 'the form');

    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'first_name');
    assert.equal(await page.getByLabel('First name', { exact: true }).inputValue(), 'Ada', 'the name comes from the agreement');
    await page.keyboard.press('Tab');
    assert.equal(await page.getByLabel('Last name', { exact: true }).inputValue(), 'Lovelace');
    await page.keyboard.press('Tab');
    await page.keyboard.type(DETAILS.address);
    await page.keyboard.press('Tab');
    await page.keyboard.type(DETAILS.city);
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'state');
    await page.keyboard.type(DETAILS.state); // a closed select's type-ahead
    assert.equal(await page.getByLabel('State', { exact: true }).inputValue(), 'IL');
    await page.keyboard.press('Tab');
    await page.keyboard.type(DETAILS.zip);
    await page.keyboard.press('Tab');
    await page.keyboard.type('12101985'); // month, day and year, as en-US orders them
    assert.equal(await page.getByLabel('Date of birth', { exact: true }).inputValue(), DETAILS.born);
    // Chromium's date field may hold the focus for its picker button: on until the next field.
    for (let i = 0; i < 3 && (await focusedId(page)) === 'date_of_birth'; i++) await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'ssn_last4', 'the optional SSN is left empty');
    await page.keyboard.press('Tab');
    assert.ok(await page.getByRole('button', { name: 'Continue', exact: true }).evaluate((b) => b === document.activeElement));
    await page.keyboard.press('Enter');

    await s.waitFor('kba-questions');
    assert.equal(await s.heading().textContent(), 'Answer these questions');
    assert.match(await page.locator('#kba-time').textContent(), /^Time left: (5:00|4:[0-5]\d)$/);
    assert.equal(await page.locator('fieldset').count(), 3);
    assert.equal(await page.getByText('3 tries left.').count(), 1);
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the questions');
    await noSidewaysScroll(page, 'the questions');
    await answerByKeyboard(page, 'Submit answers');

    await s.waitFor('verified');
    assert.equal(await s.heading().textContent(), "You're verified");
    const href = await page.getByRole('link', { name: 'Continue to the document' }).getAttribute('href');
    assert.match(href, /^http:\/\/127\.0\.0\.1:9\/documents\/1#grant=[\w-]+\.[\w-]+\.[\w-]+$/);
    await assertNothingStored(page);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });

  test('in German: one wrong answer asks two more questions, both right verify', async () => {
    const s = await signer('de-DE');
    await s.open(await link());
    await s.waitFor('kba');
    assert.equal(await s.heading().textContent(), 'Bestätigen Sie Ihre Identität');
    assert.equal(await s.page.getByLabel('Vorname', { exact: true }).inputValue(), 'Ada');
    await fillDetails(s.page, LABELS.de);
    await s.page.getByRole('button', { name: 'Weiter', exact: true }).click();

    await s.waitFor('kba-questions');
    assert.equal(await s.heading().textContent(), 'Beantworten Sie diese Fragen');
    assert.match(await s.page.locator('#kba-time').textContent(), /^Verbleibende Zeit: (5:00|4:[0-5]\d)$/);
    assert.equal(await s.page.getByText('Noch 3 Versuche.').count(), 1);
    await answerByKeyboard(s.page, 'Antworten senden', 1);

    await s.page.getByRole('heading', { name: 'Noch zwei Fragen' }).waitFor();
    assert.equal(await s.page.locator('fieldset').count(), 2, 'two follow-up questions, and nothing says which answer was wrong');
    assert.equal(await s.page.getByRole('alert').count(), 0);
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the follow-up questions');
    await answerByKeyboard(s.page, 'Antworten senden');

    await s.waitFor('verified');
    assert.equal(await s.heading().textContent(), 'Sie sind verifiziert');
    await assertNothingStored(s.page);
    await s.page.context().close();
  });

  test('two wrong answers fail the try: back to the form with the details kept and the tries left', async () => {
    const s = await signer();
    await s.open(await link());
    await s.waitFor('kba');
    await fillDetails(s.page, LABELS.en);
    await s.page.getByRole('button', { name: 'Continue', exact: true }).click();
    await s.waitFor('kba-questions');
    await answerByKeyboard(s.page, 'Submit answers', 2);

    await s.waitFor('kba');
    const alert = s.alert();
    await alert.waitFor();
    assert.equal((await alert.textContent()).trim(),
      'Not all answers were right. 2 tries left. Submit your details again for new questions.');
    const field = (name) => s.page.getByLabel(LABELS.en[name], { exact: true });
    assert.equal(await field('address').inputValue(), DETAILS.address, 'the details come back from memory');
    assert.equal(await field('state').inputValue(), DETAILS.state);
    assert.equal(await field('born').inputValue(), DETAILS.born);
    const submit = s.page.getByRole('button', { name: 'Continue', exact: true });
    assert.equal(await submit.getAttribute('aria-describedby'), await alert.getAttribute('id'));
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the form with the error');
    await assertNothingStored(s.page);

    await submit.click();
    await s.waitFor('kba-questions');
    await s.page.getByText('2 tries left.').waitFor();
    assert.deepEqual(s.page.consoleErrors.filter((e) => !/status of 403/.test(e)), []);
    await s.page.context().close();
  });

  test('someone the provider cannot find: the method is not available, the sender is told, whom to ask', async () => {
    const s = await signer();
    await s.open(await link('Nobody Known'));
    await s.waitFor('kba');
    assert.equal(await s.page.getByLabel('First name', { exact: true }).inputValue(), 'Nobody');
    assert.equal(await s.page.getByLabel('Last name', { exact: true }).inputValue(), 'Known');
    await fillDetails(s.page, LABELS.en, { ...DETAILS, zip: '99999' });
    await s.page.getByRole('button', { name: 'Continue', exact: true }).click();

    await s.waitFor('kba-unavailable');
    assert.equal(await s.heading().textContent(), 'This check is not available for you');
    await s.page.getByText('The sender has been told').waitFor();
    const contact = s.page.getByRole('link', { name: 'Contact Sam Sender' });
    assert.equal(await contact.getAttribute('href'), 'mailto:sam@acme.example');
    assert.deepEqual(await s.axeViolations(), [], 'axe violations on the not-available screen');
    await noSidewaysScroll(s.page, 'the not-available screen');
    assert.deepEqual(s.page.consoleErrors.filter((e) => !/status of 409/.test(e)), []);
    await s.page.context().close();
  });
});

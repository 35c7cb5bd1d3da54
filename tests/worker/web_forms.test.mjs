// Web forms under workerd, the sender's side: the admin API creates, lists and disables an
// account's forms; a form's public link opens its first screen; a disabled or unknown link looks
// the same to an outsider; the policy's e-mail check is read as it is now.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Stack } from '../support/stack.mjs';

const SENDER = { name: 'Dr Sam Sender', email: 'sam@clinic.example' };
const POLICY = { methods: { allowed: ['password', 'email_code', 'kba'], default: 'password' } };

describe('web forms under workerd', () => {
  let stack;
  let admin;

  before(async () => {
    stack = new Stack();
    await stack.start();
    admin = stack.admin();
  });
  after(async () => stack?.dispose());

  const newAccount = async (policy = POLICY, extra = {}) => {
    const id = `wf-${Math.random().toString(36).slice(2)}`;
    await admin.putAccount(id, { name: 'Clinic', policy, ...extra });
    return id;
  };
  const createForm = (accountId, body) => admin.send('POST', `/accounts/${accountId}/web-forms`, {
    title: 'Consent to treatment', sender: SENDER, method: 'email_code', ...body,
  });
  /// The form's first screen, as a browser opening its link asks for it: `{ status, body }`.
  const open = async (token) => {
    const res = await fetch(`${stack.origin}/api/v1/form`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  };
  const tokenOf = (url) => new URL(url).hash.slice(1);

  test('a sender creates a form: its link is shown once, opens its first screen, and the form is listed without it', async () => {
    const accountId = await newAccount();
    const created = await createForm(accountId, { password: 'Harbour2027', password_confirmation: 'Harbour2027' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { url, ...summary } = created.body;
    assert.match(url, new RegExp(`^${stack.origin}/f#[A-Za-z0-9_-]{86}$`));
    assert.deepEqual(
      [summary.title, summary.sender, summary.method, summary.password, summary.enabled],
      ['Consent to treatment', SENDER, 'email_code', true, true],
    );
    assert.ok(!JSON.stringify(created.body).includes('Harbour2027'), 'the password is never answered');

    const view = await open(tokenOf(url));
    assert.equal(view.status, 200, JSON.stringify(view.body));
    assert.deepEqual(view.body, {
      title: 'Consent to treatment', sender: SENDER, password: true, email_check: true, method: 'email_code',
    });

    const second = await createForm(accountId, { title: 'Application', method: 'kba' });
    const listed = await admin.request('GET', `/accounts/${accountId}/web-forms`);
    assert.deepEqual(listed.forms.map((f) => [f.title, f.method, f.password]), [
      ['Consent to treatment', 'email_code', true], ['Application', 'kba', false],
    ]);
    assert.ok(!JSON.stringify(listed).includes(tokenOf(url)), 'the link is not listed');
    assert.equal((await open(tokenOf(second.body.url))).body.method, 'kba');
  });

  test('the policy\'s e-mail check is read as it is now; a form password is not affected by it', async () => {
    const accountId = await newAccount();
    const { body } = await createForm(accountId, { password: 'Harbour2027', password_confirmation: 'Harbour2027' });
    assert.equal((await open(tokenOf(body.url))).body.email_check, true);
    await admin.putAccount(accountId, { name: 'Clinic', policy: { ...POLICY, web_forms: { email_check: false } } });
    const view = (await open(tokenOf(body.url))).body;
    assert.deepEqual([view.email_check, view.password], [false, true]);
    // A group's forms follow the group's policy.
    await admin.putAccount(accountId, {
      name: 'Clinic', policy: POLICY, groups: { research: { ...POLICY, web_forms: { email_check: false } } },
    });
    const grouped = await createForm(accountId, { group: 'research' });
    assert.equal(grouped.body.group, 'research');
    assert.equal((await open(tokenOf(grouped.body.url))).body.email_check, false);
    assert.equal((await open(tokenOf(body.url))).body.email_check, true);
  });

  test('a disabled form and a link never made look the same to an outsider', async () => {
    const accountId = await newAccount();
    const { body } = await createForm(accountId);
    const disabled = await admin.send('POST', `/accounts/${accountId}/web-forms/${body.id}/disable`);
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.enabled, false);
    const gone = await open(tokenOf(body.url));
    // Another secret for the same account's forms, and one for no object at all.
    const objectId = Buffer.from(tokenOf(body.url), 'base64url').subarray(0, 32);
    const guessed = await open(Buffer.concat([objectId, randomBytes(32)]).toString('base64url'));
    const nowhere = await open(randomBytes(64).toString('base64url'));
    assert.equal(gone.status, 404);
    assert.deepEqual(guessed, gone);
    assert.deepEqual(nowhere, gone);
    assert.deepEqual(await open('not-a-token'), gone);
    assert.equal((await admin.request('GET', `/accounts/${accountId}/web-forms`)).forms[0].enabled, false);
    assert.equal((await admin.send('POST', `/accounts/${accountId}/web-forms/nope/disable`)).status, 404);
  });

  test('what the sender asks for is checked, every problem named; nothing is made on a refusal', async () => {
    const accountId = await newAccount();
    const password = await createForm(accountId, { method: 'password' });
    assert.equal(password.status, 400);
    assert.match(password.body.message, /method: a web form cannot lead to "password"/);
    const notAllowed = await createForm(accountId, { method: 'social' });
    assert.match(notAllowed.body.message, /method: the account's policy does not allow the method "social"/);
    const several = await createForm(accountId, {
      title: '', sender: { name: 'Sam', email: 'nobody' }, password: 'Harbour2027',
    });
    assert.equal(several.status, 400);
    for (const field of ['title', 'sender', 'password_confirmation']) {
      assert.match(several.body.message, new RegExp(field));
    }
    assert.match((await createForm(accountId, { group: 'nope' })).body.message, /group: the account has no group/);
    assert.equal((await createForm(accountId, { unknown: 1 })).status, 400);
    assert.equal((await createForm('no-such-account')).status, 404);
    assert.equal((await admin.send('GET', '/accounts/no-such-account/web-forms')).status, 404);
    assert.deepEqual((await admin.request('GET', `/accounts/${accountId}/web-forms`)).forms, []);
  });
});

// Web forms under workerd. The sender's side: the admin API creates, lists and disables an
// account's forms; a form's public link opens its first screen; a disabled or unknown link looks
// the same to an outsider; the policy's e-mail check is read as it is now. The signer's side: an
// entry proves its address with a code from the dev outbox (unless the policy turns that off) and
// becomes its own agreement, with its trail and webhook; the form password rests the form; sends
// are capped per address, client and form; nothing typed reaches another entry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { listener } from '../support/listener.mjs';
import { Stack, answered, newJar, randomIp, refused } from '../support/stack.mjs';

const SENDER = { name: 'Dr Sam Sender', email: 'sam@clinic.example' };
const POLICY = { methods: { allowed: ['password', 'email_code', 'kba'], default: 'password' } };

const ofType = (events, type) => events.filter((e) => e.type === type);

describe('web forms under workerd', () => {
  let stack;
  let admin;
  let hooks;

  before(async () => {
    hooks = await listener();
    stack = new Stack();
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await hooks?.close();
    await stack?.dispose();
  });

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
    assert.match(url, new RegExp(`^${stack.origin}/f/#[A-Za-z0-9_-]{86}$`));
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

  /// A signer's browser on a form: its entry calls, from one client address, with its cookies.
  const signer = (formToken, { ip = randomIp() } = {}) => {
    const jar = newJar();
    const post = async (route, bearer, body) => {
      const res = await fetch(`${stack.origin}/api/v1/form${route}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'cf-connecting-ip': ip,
        },
        body: JSON.stringify(body),
      });
      jar.take(res);
      return res;
    };
    return {
      jar,
      enter: (entry) => post('/entry', formToken, entry),
      resend: (entryToken) => post('/entry/send', entryToken, { channel: 'email', language: 'de' }),
      code: (entryToken, code) => post('/entry/code', entryToken, { code }),
      /// The signing link's view, as this browser (its cookies) sees it.
      view: async (signingUrl) => answered(await fetch(`${stack.origin}/api/v1/recipient`, {
        headers: { authorization: `Bearer ${tokenOf(signingUrl)}`, cookie: jar.header() },
      }), 200),
    };
  };
  const address = () => `someone-${Math.random().toString(36).slice(2)}@example.org`;
  const withHooks = (policy = POLICY) => newAccount(policy, { webhook_url: `${hooks.origin}/hooks` });
  const hookFor = (agreementId, type) => hooks.next((d) => {
    const body = JSON.parse(d.body);
    return body.agreement_id === agreementId && body.type === type;
  }).then((d) => JSON.parse(d.body));
  const entryHook = (email) => hooks.next((d) => {
    const body = JSON.parse(d.body);
    return body.type === 'web_form.entry' && body.signer?.email === email;
  }).then((d) => JSON.parse(d.body));

  test('a stranger proves their address with a code, then meets the method in an agreement of their own, audited, the platform told', async () => {
    const accountId = await withHooks();
    const { body: form } = await createForm(accountId, { method: 'kba' });
    const email = address();
    const browser = signer(tokenOf(form.url));
    const entered = await answered(await browser.enter({ name: 'Ada Stranger', email, language: 'de' }), 200);
    assert.equal(entered.signing_url, undefined, 'no agreement before the address is proven');
    assert.deepEqual([entered.code.channel, entered.code.digits], ['email', 6]);
    assert.ok(!entered.code.destination.includes(email.split('@')[0]), 'the address is masked');
    const message = (await stack.outbox()).find((m) => m.to === email);
    assert.match(message.subject, /Consent to treatment/);
    assert.match(message.body, /Dr Sam Sender/);
    assert.match(message.subject, /Ihr Code/, 'in the language the signer reads');

    // A second code waits for the entry's cooldown, as on any code link.
    await refused(await browser.resend(entered.entry_token), 429, 'resend_too_soon');
    const code = await stack.latestCode(email);
    const wrong = code === '000000' ? '111111' : '000000';
    const miss = await refused(await browser.code(entered.entry_token, wrong), 403, 'wrong_code');
    assert.ok(miss.tries_left > 0);
    const done = await answered(await browser.code(entered.entry_token, code), 200);
    assert.match(done.signing_url, new RegExp(`^${stack.origin}/s#`));
    assert.equal(done.entry_token, undefined);

    const hook = await entryHook(email);
    assert.deepEqual([hook.web_form_id, hook.signer, hook.account_id], [form.id, { name: 'Ada Stranger', email }, accountId]);
    const agreement = await admin.agreement(hook.agreement_id);
    assert.equal(agreement.web_form_id, form.id);
    assert.equal(agreement.title, 'Consent to treatment');
    assert.deepEqual(agreement.recipients.map((r) => [r.id, r.name, r.email, r.method, r.state]), [
      [hook.recipient_id, 'Ada Stranger', email, 'kba', 'pending'],
    ]);
    const events = await admin.audit(hook.agreement_id);
    assert.deepEqual(ofType(events, 'web_form_entry').map((e) => [e.web_form_id, e.email_proven]), [[form.id, true]]);
    const view = await browser.view(done.signing_url);
    assert.deepEqual([view.state, view.method, view.recipient_email], ['pending', 'kba', email]);

    // The entry is used up; the same person signing up again is an agreement of its own.
    await refused(await browser.code(entered.entry_token, code), 404, 'invalid_link');
    const again = await answered(await browser.enter({ name: 'Ada Stranger', email }), 200);
    const done2 = await answered(await browser.code(again.entry_token, await stack.latestCode(email)), 200);
    assert.notEqual(tokenOf(done2.signing_url), tokenOf(done.signing_url));
    const second = await hooks.next((d) => {
      const body = JSON.parse(d.body);
      return body.type === 'web_form.entry' && body.signer?.email === email && body.agreement_id !== hook.agreement_id;
    });
    assert.notEqual(JSON.parse(second.body).recipient_id, hook.recipient_id);
  });

  test('on an e-mail-code form the entry\'s code is the verification, in the browser that entered it', async () => {
    const accountId = await withHooks();
    const { body: form } = await createForm(accountId, { method: 'email_code' });
    const email = address();
    const browser = signer(tokenOf(form.url));
    const entered = await answered(await browser.enter({ name: 'Bo', email }), 200);
    const done = await answered(await browser.code(entered.entry_token, await stack.latestCode(email)), 200);
    assert.equal((await browser.view(done.signing_url)).state, 'verified');
    const { agreement_id: agreementId, recipient_id: recipientId } = await entryHook(email);
    const verified = await hookFor(agreementId, 'recipient.verified');
    assert.deepEqual([verified.recipient_id, verified.method], [recipientId, 'email_code']);
    assert.equal((await admin.agreement(agreementId)).recipients[0].state, 'verified');
    // Another browser with the link is asked for a code of its own, as on any e-mail-code link.
    const elsewhere = signer(tokenOf(form.url));
    assert.equal((await elsewhere.view(done.signing_url)).state, 'pending');
  });

  test('with the policy\'s e-mail check off an entry is an agreement at once, and the form password is still asked', async () => {
    const accountId = await withHooks({ ...POLICY, web_forms: { email_check: false } });
    const { body: form } = await createForm(accountId, {
      method: 'kba', password: 'Harbour2027', password_confirmation: 'Harbour2027',
    });
    const email = address();
    const browser = signer(tokenOf(form.url));
    const missing = await refused(await browser.enter({ name: 'Cy', email }), 400, 'invalid_request');
    assert.match(missing.message, /password: this form asks for its password/);
    const wrong = await refused(await browser.enter({ name: 'Cy', email, password: 'Harbour2028' }), 403, 'wrong_password');
    assert.equal(wrong.tries_left, 4);
    const done = await answered(await browser.enter({ name: 'Cy', email, password: 'Harbour2027' }), 200);
    assert.match(done.signing_url, /\/s#/);
    assert.equal(done.entry_token, undefined);
    const hook = await entryHook(email);
    const events = await admin.audit(hook.agreement_id);
    assert.deepEqual(ofType(events, 'web_form_entry').map((e) => e.email_proven), [false]);
    assert.ok(!(await stack.outbox()).some((m) => m.to === email), 'no code was sent');
    const problems = await refused(await browser.enter({ name: ' ', email: 'nobody', password: 'Harbour2027' }), 400, 'invalid_request');
    assert.match(problems.message, /name.*; email/);
  });

  test('wrong form passwords rest the form for a while; nothing is sent or made meanwhile, and other forms are untouched', async () => {
    const accountId = await newAccount();
    const { body: form } = await createForm(accountId, { password: 'Harbour2027', password_confirmation: 'Harbour2027' });
    const { body: other } = await createForm(accountId, { password: 'Lighthouse9', password_confirmation: 'Lighthouse9' });
    const email = address();
    // From many clients: the form's count is the form's, not a client's.
    for (const left of [4, 3, 2, 1]) {
      const wrong = await refused(await signer(tokenOf(form.url)).enter({ name: 'Eve', email, password: `Guess${left}xyz` }), 403, 'wrong_password');
      assert.equal(wrong.tries_left, left);
    }
    const rests = await refused(await signer(tokenOf(form.url)).enter({ name: 'Eve', email, password: 'Guess0xyz' }), 429, 'form_resting');
    assert.ok(rests.retry_after_secs > 14 * 60 && rests.retry_after_secs <= 15 * 60, JSON.stringify(rests));
    // Even the right password waits: the rest is the form's.
    await refused(await signer(tokenOf(form.url)).enter({ name: 'Eve', email, password: 'Harbour2027' }), 429, 'form_resting');
    assert.ok(!(await stack.outbox()).some((m) => m.to === email), 'nothing was sent');
    const elsewhere = await answered(await signer(tokenOf(other.url)).enter({ name: 'Eve', email, password: 'Lighthouse9' }), 200);
    assert.ok(elsewhere.entry_token);
    const listed = await admin.request('GET', `/accounts/${accountId}/web-forms`);
    assert.deepEqual(listed.forms.map((f) => f.enabled), [true, true], 'resting disables nothing for good');
  });

  test('e-mail codes are capped per address, per client and per form, each per hour', async () => {
    // A second between codes, so a resend is allowed by the entry's own wait.
    const accountId = await newAccount({ ...POLICY, email_code: { resend: { cooldown_seconds: 1, max_per_hour: 20 } } });
    const fresh = async () => tokenOf((await createForm(accountId)).body.url);
    const entry = (token, email, ip) => signer(token, { ip }).enter({ name: 'Flo', email });

    const byAddress = await fresh();
    const victim = address();
    for (let i = 0; i < 5; i++) await answered(await entry(byAddress, victim, randomIp()), 200);
    const capped = await refused(await entry(byAddress, victim, randomIp()), 429, 'resend_too_soon');
    assert.ok(capped.retry_after_secs > 3500, JSON.stringify(capped));
    assert.equal((await stack.outbox()).filter((m) => m.to === victim).length, 5);

    const byClient = await fresh();
    const ip = randomIp();
    const first = await answered(await entry(byClient, address(), ip), 200);
    await new Promise((r) => setTimeout(r, 1100));
    // A resend is a send: it counts on the same caps.
    await answered(await signer(byClient, { ip }).resend(first.entry_token), 200);
    for (let i = 0; i < 8; i++) await answered(await entry(byClient, address(), ip), 200);
    await refused(await entry(byClient, address(), ip), 429, 'resend_too_soon');
    await new Promise((r) => setTimeout(r, 1100));
    await refused(await signer(byClient, { ip }).resend(first.entry_token), 429, 'resend_too_soon');
    await answered(await entry(byClient, address(), randomIp()), 200);

    const byForm = await fresh();
    for (let i = 0; i < 60; i++) await answered(await entry(byForm, address(), randomIp()), 200);
    await refused(await entry(byForm, address(), randomIp()), 429, 'resend_too_soon');
    // Another form of the account counts on its own.
    await answered(await entry(await fresh(), address(), randomIp()), 200);
  });

  test('a disabled form ends its entries, and no made-up token reaches an entry', async () => {
    const accountId = await newAccount();
    const { body: form } = await createForm(accountId);
    const email = address();
    const browser = signer(tokenOf(form.url));
    const { entry_token: entryToken } = await answered(await browser.enter({ name: 'Gil', email }), 200);
    const code = await stack.latestCode(email);
    const objectId = Buffer.from(entryToken, 'base64url').subarray(0, 32);
    const forged = Buffer.concat([objectId, randomBytes(32)]).toString('base64url');
    await refused(await browser.code(forged, code), 404, 'invalid_link');
    await refused(await browser.code(tokenOf(form.url), code), 404, 'invalid_link');
    await refused(await browser.resend(forged), 404, 'invalid_link');
    assert.equal((await open(entryToken)).status, 404, 'an entry\'s token opens no form');
    // Another form's entry token is no key to this one either.
    const { body: otherForm } = await createForm(accountId);
    const other = signer(tokenOf(otherForm.url));
    const { entry_token: otherToken } = await answered(await other.enter({ name: 'Hal', email: address() }), 200);
    await refused(await other.code(otherToken, code), 403, 'wrong_code');

    await admin.send('POST', `/accounts/${accountId}/web-forms/${form.id}/disable`);
    await refused(await browser.code(entryToken, code), 404, 'invalid_link');
    await refused(await browser.enter({ name: 'Gil', email }), 404, 'invalid_link');
  });

  test('an address collects so many wrong codes a day, whatever the entries: a new entry does not buy new guesses', async () => {
    const accountId = await newAccount();
    const { body: form } = await createForm(accountId);
    const email = address();
    const browser = signer(tokenOf(form.url));
    const first = await answered(await browser.enter({ name: 'Ivy', email }), 200);
    const second = await answered(await browser.enter({ name: 'Ivy', email }), 200);
    const wrongFor = async (entryToken) => {
      for (let i = 0; i < 10; i++) {
        const res = await browser.code(entryToken, '000000'.slice(0, 5) + String(i));
        assert.ok([403, 409].includes(res.status), `${res.status}`);
      }
    };
    // Ten wrong on each entry void its codes; together they are the address's share for the day.
    await wrongFor(first.entry_token);
    await wrongFor(second.entry_token);
    const third = await refused(await browser.enter({ name: 'Ivy', email }), 429, 'throttled');
    assert.ok(third.retry_after_secs > 23 * 3600, JSON.stringify(third));
    await refused(await browser.code(second.entry_token, await stack.latestCode(email)), 429, 'throttled');
    // Another address is not held back.
    await answered(await browser.enter({ name: 'Jo', email: address() }), 200);
  });

  test('with the e-mail check off, a passkey form says nothing about whether an address holds a passkey', async () => {
    const policy = { methods: { allowed: ['password', 'passkey'], default: 'password' }, web_forms: { email_check: false } };
    const accountId = await newAccount(policy);
    const { body: form } = await createForm(accountId, { method: 'passkey' });
    const done = await answered(await signer(tokenOf(form.url)).enter({ name: 'Kim', email: address() }), 200);
    assert.match(done.signing_url, /\/s#/);
  });

  test('a sender previews a form: its own page, the code on screen, then the method\'s preview; nothing made, sent or counted', async () => {
    const accountId = await withHooks();
    const { body: form } = await createForm(accountId, {
      method: 'kba', password: 'Harbour2027', password_confirmation: 'Harbour2027',
    });
    const created = await admin.send('POST', '/previews', { account_id: accountId, web_form_id: form.id, language: 'de' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.preview_url, new RegExp(`^${stack.origin}/f/\\?lang=de#p1\\.`));
    const token = tokenOf(created.body.preview_url);
    const call = (route, body) => fetch(`${stack.origin}/api/v1/preview/form${route}`, body === undefined
      ? { headers: { authorization: `Bearer ${token}` } }
      : { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.deepEqual(await answered(await call(''), 200), {
      title: 'Consent to treatment', sender: SENDER, password: true, email_check: true, method: 'kba',
    });
    const email = address();
    assert.match((await refused(await call('/entry', { name: 'Lu', email }), 400, 'invalid_request')).message, /password/);
    // The sender does not know the form password's hash: any well-formed one goes on.
    const entered = await answered(await call('/entry', { name: 'Lu', email, password: 'anything' }), 200);
    assert.equal(entered.entry_token, token);
    const code = entered.code.preview_code;
    assert.match(code, /^\d{6}$/);
    await refused(await call('/entry/code', { code: code === '000000' ? '111111' : '000000' }), 403, 'wrong_code');
    const done = await answered(await call('/entry/code', { code }), 200);
    assert.equal(done.signing_url, `${stack.origin}/s#${token}`);
    assert.ok(!(await stack.outbox()).some((m) => m.to === email), 'nothing was sent');
    // A preview is no real link, and a method's preview no form's.
    assert.equal((await open(token)).status, 404);
    const methodPreview = await admin.request('POST', '/previews', { account_id: accountId, method: 'kba' });
    const res = await fetch(`${stack.origin}/api/v1/preview/form`, { headers: { authorization: `Bearer ${tokenOf(methodPreview.preview_url)}` } });
    assert.equal(res.status, 404);
  });
});

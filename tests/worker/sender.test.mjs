// The sender's side under workerd: changing a recipient's method after sending, replacing a
// recipient, policies that are refused when they cannot be met, and the paged audit trail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Stack, recipientApi } from '../support/stack.mjs';

const count = (events, type) => events.filter((e) => e.type === type).length;
let lastIp = 0;
const freshIp = () => `203.0.113.${++lastIp}`;

const POLICY = {
  methods: { allowed: ['password', 'phone', 'email_code', 'social'], default: 'phone' },
  phone: { default_country_code: '49', resend: { cooldown_seconds: 1, max_per_hour: 20 } },
  email_code: { resend: { cooldown_seconds: 1, max_per_hour: 20 } },
};

describe("the sender's side under workerd", () => {
  const stack = new Stack();
  let admin;

  before(async () => {
    await stack.start();
    admin = stack.admin();
  });
  after(() => stack.dispose());

  async function phoneLink({ policy = POLICY, accountId = 'acme', account = {}, recipients = [] } = {}) {
    const created = await admin.codeAgreement({ method: 'phone', accountId, account: { policy, ...account }, recipients });
    return { ...created, api: recipientApi(stack.origin, created.token, { ip: freshIp() }) };
  }

  async function json(res) {
    return { status: res.status, body: await res.json() };
  }

  test('a method change mid-flow voids the live code, restores the tries and is audited', async () => {
    const { api, agreementId, recipientId, to } = await phoneLink();
    assert.equal((await api.sendCode('sms')).status, 200);
    const oldCode = await stack.latestCode(to);
    for (let i = 0; i < 2; i++) assert.equal((await api.code('000000')).status, 403);
    assert.equal((await (await api.view()).json()).tries_left, 3);

    // Same method, a new number: the sender corrects a typo after sending.
    const changed = await admin.changeMethod(agreementId, recipientId, {
      method: 'phone', phone: '0171 5550199', by: { name: 'Olga Admin', email: 'olga@acme.example' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.method, 'phone');
    assert.equal(changed.body.phone_last4, '0199');
    assert.equal(changed.body.tries_left, 5);
    assert.equal(changed.body.failures, 0);

    // The code sent before is void: entering it is no verdict and no try.
    const stale = await json(await api.code(oldCode));
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.equal(stale.body.code, 'no_code');
    const view = await (await api.view()).json();
    assert.equal(view.tries_left, 5);
    assert.equal(view.phone_last4, '0199');
    assert.equal(view.codes.expires_in_secs, null);

    // A new code goes to the new number only, and it works.
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await api.sendCode('sms')).status, 200);
    const newest = (await stack.outbox())[0];
    assert.equal(newest.to, '+491715550199');
    const verified = await json(await api.code(await stack.latestCode('+491715550199')));
    assert.equal(verified.status, 200, JSON.stringify(verified.body));

    const events = await admin.audit(agreementId);
    const change = events.find((e) => e.type === 'method_changed');
    assert.deepEqual(
      { ...change, at: undefined },
      { at: undefined, recipient_id: recipientId, type: 'method_changed', from: 'phone', to: 'phone',
        by: { name: 'Olga Admin', email: 'olga@acme.example' }, phone: '…0199' },
    );
    // Never the number itself, old or new.
    assert.ok(!JSON.stringify(events).includes('5550199'));
    assert.ok(!JSON.stringify(events).includes(to.slice(-7)));
  });

  test('phone → password: the code screen is told the method changed, the password works', async () => {
    const { api, agreementId, recipientId, to } = await phoneLink();
    assert.equal((await api.sendCode('sms')).status, 200);
    const code = await stack.latestCode(to);
    const changed = await admin.changeMethod(agreementId, recipientId, {
      method: 'password', password: 'Harbour2027', password_confirmation: 'Harbour2027',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    // What the old screens send now: refused as the wrong method, so the app loads the link anew.
    for (const res of [await api.code(code), await api.sendCode('sms')]) {
      const { status, body } = await json(res);
      assert.equal(status, 409);
      assert.equal(body.code, 'wrong_method');
    }
    const view = await (await api.view()).json();
    assert.equal(view.method, 'password');
    assert.equal(view.tries_left, 5);
    assert.equal(view.phone_last4, null);
    assert.equal((await api.password('Harbour2027')).status, 200);
    const events = await admin.audit(agreementId);
    const change = events.find((e) => e.type === 'method_changed');
    // Without `by`, the change is the agreement's sender's.
    assert.deepEqual(change.by, { name: 'Sam Sender', email: 'sam@acme.example' });
    assert.equal(change.phone, undefined);
    assert.ok(!JSON.stringify(events).includes('Harbour2027'));
  });

  test('changes the policy does not allow are refused with the reason, and change nothing', async () => {
    const { agreementId, recipientId, api } = await phoneLink();
    const cases = [
      [{ method: 'kba' }, /does not allow the method "kba"/],
      [{ method: 'email_link' }, /second factor/],
      [{ method: 'phone' }, /needs the recipient's phone number/],
      [{ method: 'phone', phone: '12' }, /^phone: /],
      [{ method: 'phone', phone: '+491715550100', password: 'Harbour2027' }, /only the password method takes a password/],
      [{ method: 'phone', phone: '+491715550100', by: { name: '', email: 'nobody' } }, /by\.name.*by\.email/],
    ];
    for (const [change, reason] of cases) {
      const { status, body } = await admin.changeMethod(agreementId, recipientId, change);
      assert.equal(status, 400, JSON.stringify(change));
      assert.equal(body.code, 'invalid_request');
      assert.match(body.message, reason, JSON.stringify(change));
    }
    // Nothing of the refused changes happened.
    assert.equal((await (await api.view()).json()).method, 'phone');
    assert.equal(count(await admin.audit(agreementId), 'method_changed'), 0);

    // Senders may not change the method of external recipients; internal ones have their own set.
    const strict = {
      ...POLICY,
      methods: { allowed: ['phone', 'password'], default: 'phone', senders_may_change: false },
      internal_methods: { allowed: ['password', 'email_code'], default: 'email_code', senders_may_change: true },
    };
    const locked = await phoneLink({
      policy: strict, accountId: 'strict', account: { internal_domains: ['acme.example'] },
      recipients: [{ name: 'Ian Inside', email: 'ian@acme.example', method: 'email_code' }],
    });
    const password = { method: 'password', password: 'Harbour2027', password_confirmation: 'Harbour2027' };
    const external = await admin.changeMethod(locked.agreementId, locked.recipientId, password);
    assert.equal(external.status, 400);
    assert.match(external.body.message, /senders may not change the method; the policy's default is "phone"/);
    const ian = locked.created.recipients[1];
    assert.equal(ian.internal, true);
    const refusedPhone = await admin.changeMethod(locked.agreementId, ian.id, { method: 'phone', phone: '+491715550100' });
    assert.equal(refusedPhone.status, 400);
    assert.match(refusedPhone.body.message, /does not allow the method "phone"/);
    const typedOnce = await admin.changeMethod(locked.agreementId, ian.id, { method: 'password', password: 'Harbour2027' });
    assert.match(typedOnce.body.message, /password_confirmation: type the password a second time/);
    const differing = await admin.changeMethod(locked.agreementId, ian.id, { ...password, password_confirmation: 'Harbour2028' });
    assert.match(differing.body.message, /the two passwords differ/);
    const ok = await admin.changeMethod(locked.agreementId, ian.id, password);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.method, 'password');

    // Bad addresses and bodies.
    const change = { method: 'phone', phone: '+491715550100' };
    const unknownRecipient = await admin.changeMethod(agreementId, 'f'.repeat(64), change);
    assert.equal(unknownRecipient.status, 404);
    const foreign = await admin.changeMethod(agreementId, locked.recipientId, change);
    assert.equal(foreign.status, 404, 'a recipient of another agreement is not found here');
    const unknownField = await admin.changeMethod(agreementId, recipientId, { ...change, pin: 1 });
    assert.equal(unknownField.status, 400);
    const wrongVerb = await admin.send('GET', `/agreements/${agreementId}/recipients/${recipientId}/method`);
    assert.equal(wrongVerb.status, 405);
  });

  test('verified and cancelled recipients cannot be changed or replaced', async () => {
    const verified = await admin.passwordAgreement();
    const api = recipientApi(stack.origin, verified.token);
    assert.equal((await api.password(verified.password)).status, 200);
    const change = { method: 'phone', phone: '+491715550100' };
    const afterVerified = await admin.changeMethod(verified.agreementId, verified.recipientId, change);
    assert.equal(afterVerified.status, 409);
    assert.equal(afterVerified.body.code, 'already_verified');
    const replaceVerified = await admin.replaceRecipient(verified.agreementId, verified.recipientId,
      { name: 'Bo', email: 'bo@example.com', method: 'phone', phone: '+491715550100' });
    assert.equal(replaceVerified.status, 409);

    const cancelled = await admin.passwordAgreement();
    const wrong = recipientApi(stack.origin, cancelled.token);
    for (let i = 0; i < 5; i++) await wrong.password('Wrong1234');
    const afterCancel = await admin.changeMethod(cancelled.agreementId, cancelled.recipientId, change);
    assert.equal(afterCancel.status, 409);
    assert.equal(afterCancel.body.code, 'cancelled');
    assert.equal((await wrong.view()).status, 200);
    assert.equal((await (await wrong.view()).json()).state, 'cancelled');
  });

  test('replacing a recipient: the old link dies at once, the new person gets their own', async () => {
    const { api: oldApi, agreementId, recipientId, token: oldToken } = await phoneLink();
    assert.equal((await oldApi.sendCode('sms')).status, 200);

    // A phone method needs the new person's number: the old one is never carried over.
    const withoutNumber = await admin.replaceRecipient(agreementId, recipientId,
      { name: 'Boris Delegate', email: 'boris@example.org', method: 'phone' });
    assert.equal(withoutNumber.status, 400);
    assert.match(withoutNumber.body.message, /recipient\.phone: the phone method needs/);
    const badPerson = await admin.replaceRecipient(agreementId, recipientId,
      { name: '', email: 'not an address', method: 'phone', phone: '+491715550177' });
    assert.equal(badPerson.status, 400);
    assert.match(badPerson.body.message, /recipient\.name.*recipient\.email/);
    assert.equal((await oldApi.view()).status, 200, 'refused replacements leave the old link working');

    const replaced = await admin.replaceRecipient(agreementId, recipientId,
      { name: 'Борис Делегатов', email: 'boris@example.org', method: 'phone', phone: '+49 171 5550177' },
      { name: 'Sam Sender', email: 'sam@acme.example' });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.id, recipientId);
    assert.equal(replaced.body.name, 'Борис Делегатов');
    const newToken = replaced.body.signing_url.split('#')[1];
    assert.notEqual(newToken, oldToken);

    // The old link is dead for everything, at once.
    for (const res of [await oldApi.view(), await oldApi.sendCode('sms'), await oldApi.code('123456')]) {
      const { status, body } = await json(res);
      assert.equal(status, 404);
      assert.equal(body.code, 'invalid_link');
    }
    const newApi = recipientApi(stack.origin, newToken, { ip: freshIp() });
    const view = await (await newApi.view()).json();
    assert.equal(view.recipient_name, 'Борис Делегатов');
    assert.equal(view.recipient_email, 'boris@example.org');
    assert.equal(view.phone_last4, '0177');
    assert.equal(view.tries_left, 5);
    // A new person starts without the old one's sends: no cooldown from them.
    assert.equal(view.codes.next_send_in_secs, 0);
    assert.equal((await newApi.sendCode('sms')).status, 200);
    assert.equal((await newApi.code(await stack.latestCode('+491715550177'))).status, 200);

    const status = await admin.agreement(agreementId);
    assert.equal(status.recipients[0].name, 'Борис Делегатов');
    assert.equal(status.recipients[0].state, 'verified');
    const events = await admin.audit(agreementId);
    const replacement = events.find((e) => e.type === 'recipient_replaced');
    assert.equal(replacement.from.name, 'Ada Lovelace');
    assert.deepEqual(replacement.to, { name: 'Борис Делегатов', email: 'boris@example.org' });
    assert.equal(replacement.phone, '…0177');
    assert.ok(events.indexOf(replacement) < events.findIndex((e) => e.type === 'verified'));
  });

  test('a policy no recipient could satisfy is refused when it is saved', async () => {
    const emailAlone = await admin.send('PUT', '/accounts/unsatisfiable', {
      name: 'Unsatisfiable',
      policy: { require_second_factor: true, internal_methods: { allowed: ['email_link'], default: 'email_link' } },
    });
    assert.equal(emailAlone.status, 400);
    assert.match(emailAlone.body.message, /policy\.internal_methods: none of the allowed methods can be used \(the account requires a second factor/);
    const group = await admin.send('PUT', '/accounts/unsatisfiable', {
      name: 'Unsatisfiable', groups: { legal: { methods: { allowed: [], default: 'password' } } },
    });
    assert.equal(group.status, 400);
    assert.match(group.body.message, /legal\.methods: no method is allowed/);
    assert.equal((await admin.send('GET', '/accounts/unsatisfiable')).status, 404, 'nothing was saved');
  });

  test('the audit trail comes in pages that put together are the whole trail', async () => {
    // E-mail codes: every wrong entry is an event, and every tenth voids the code (one more).
    const policy = { methods: { allowed: ['email_code'], default: 'email_code' }, email_code: { resend: { cooldown_seconds: 1, max_per_hour: 20 } } };
    await admin.putAccount('paged', { name: 'Paged', policy });
    const tag = Math.random().toString(36).slice(2);
    const addresses = ['ada', 'bo', 'cy'].map((name) => `${name}-${tag}@example.com`);
    const created = await admin.createAgreement({
      account_id: 'paged',
      title: 'Lease',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: addresses.map((email) => ({ name: email.split('-')[0], email, method: 'email_code' })),
    });
    const agreementId = created.id;
    const apis = created.recipients.map((r) => recipientApi(stack.origin, r.signing_url.split('#')[1]));
    // Interleaved across the three recipients' objects, so pages merge several sources.
    for (let round = 0; round < 4; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, 1100));
      const wrong = [];
      for (const [i, api] of apis.entries()) {
        assert.equal((await api.sendCode('email')).status, 200);
        const code = await stack.latestCode(addresses[i]);
        wrong.push(code === '000000' ? '111111' : '000000');
      }
      for (let n = 0; n < 10; n++) {
        for (const [i, api] of apis.entries()) await api.code(wrong[i]);
      }
    }

    const whole = await admin.request('GET', `/agreements/${agreementId}/audit?limit=500`);
    assert.equal(whole.next_cursor, null);
    assert.ok(whole.events.length > 140, `${whole.events.length} events`);
    assert.equal(new Set(whole.events.map((e) => e.recipient_id)).size, 4, 'three recipients and the agreement');
    for (const limit of [1, 7, 100]) {
      const paged = await admin.audit(agreementId, { limit });
      assert.deepEqual(paged, whole.events, `pages of ${limit}`);
    }
    const first = await admin.request('GET', `/agreements/${agreementId}/audit`);
    assert.equal(first.events.length, Math.min(100, whole.events.length));
    const times = whole.events.map((e) => e.at);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));

    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'cursor=1.2.3', 'cursor=1.2.3.4.5', 'cursor=x', 'page=2']) {
      const { status, body } = await admin.send('GET', `/agreements/${agreementId}/audit?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.code, 'invalid_request', query);
    }
  });
});

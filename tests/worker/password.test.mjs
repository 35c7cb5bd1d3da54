// The password method end to end against the real Workers runtime (workerd via wrangler dev).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { listener } from '../support/listener.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

/// Verifies an HS256 JWT the way the platform would, with Node's own crypto.
function verifyGrant(grant, key) {
  const [header, payload, signature] = grant.split('.');
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  assert.equal(signature, expected, 'grant signature');
  assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url')), { alg: 'HS256', typ: 'JWT' });
  return JSON.parse(Buffer.from(payload, 'base64url'));
}

const count = (events, type) => events.filter((e) => e.type === type).length;

describe('password method under workerd', () => {
  const stack = new Stack();
  let admin;
  let hooks;

  before(async () => {
    await stack.start();
    admin = stack.admin();
    hooks = await listener();
  });
  after(async () => {
    await hooks?.close();
    await stack.dispose();
  });

  test('the view shows the method, the sender and 5 tries', async () => {
    const { token } = await admin.passwordAgreement();
    const res = await recipientApi(stack.origin, token).view();
    assert.equal(res.status, 200);
    const view = await res.json();
    assert.equal(view.state, 'pending');
    assert.equal(view.method, 'password');
    assert.equal(view.tries_left, 5);
    assert.deepEqual(view.sender, { name: 'Sam Sender', email: 'sam@acme.example' });
    assert.equal(view.agreement_title, 'Lease for Flat 4B');
  });

  test('opening a link is audited once per minute, whatever the reloads', async () => {
    const { token, agreementId } = await admin.passwordAgreement();
    const api = recipientApi(stack.origin, token);
    for (let i = 0; i < 5; i++) assert.equal((await api.view()).status, 200);
    const opened = (await admin.audit(agreementId)).filter((e) => e.type === 'link_opened');
    assert.equal(opened.length, 1);
    assert.equal(opened[0].method_shown, 'password');
  });

  test('the right password after 4 wrong ones verifies and returns a grant the platform can check', async () => {
    const { token, agreementId, recipientId, password } = await admin.passwordAgreement();
    const api = recipientApi(stack.origin, token);
    for (let left = 4; left >= 1; left--) {
      const res = await api.password('Wrong1234');
      assert.equal(res.status, 403);
      const body = await res.json();
      assert.equal(body.code, 'wrong_password');
      assert.equal(body.tries_left, left);
    }
    const res = await api.password(password);
    assert.equal(res.status, 200);
    const { grant, grant_expires_at } = await res.json();
    const claims = verifyGrant(grant, stack.secrets.GRANT_SIGNING_KEY);
    assert.equal(claims.sub, recipientId);
    assert.equal(claims.agreement_id, agreementId);
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(claims.exp, grant_expires_at);
    assert.ok(claims.exp - claims.iat <= 300, 'the grant is short-lived');

    assert.equal((await (await api.view()).json()).state, 'verified');
    const again = await api.password(password);
    assert.equal(again.status, 409);
    assert.equal((await again.json()).code, 'already_verified');

    const status = await admin.agreement(agreementId);
    assert.equal(status.state, 'verified');
    assert.equal(status.recipients[0].failures, 4);
    const events = await admin.audit(agreementId);
    assert.equal(count(events, 'verification_failed'), 4);
    assert.equal(count(events, 'verified'), 1);
    assert.ok(!JSON.stringify(events).includes(password), 'the audit never holds the password');
  });

  test('5 wrong passwords cancel the agreement, refuse the right one, and the sender is told by a signed webhook', async () => {
    const { token, agreementId, recipientId, password } = await admin.passwordAgreement({
      accountId: 'hooked',
      account: { webhook_url: `${hooks.origin}/hooks/signgate` },
    });
    const api = recipientApi(stack.origin, token);
    for (let i = 0; i < 4; i++) assert.equal((await api.password('Wrong1234')).status, 403);
    const last = await api.password('Wrong1234');
    assert.equal(last.status, 409);
    assert.deepEqual(await last.json(), {
      code: 'cancelled',
      message: 'This agreement has been cancelled. The sender has been told.',
      tries_left: 0,
    });

    const right = await api.password(password);
    assert.equal(right.status, 409, 'the right password is refused once cancelled');
    const wrong = await api.password('Wrong1234');
    assert.deepEqual(await right.json(), await wrong.json(), 'a cancelled link says nothing about the password');

    const view = await (await api.view()).json();
    assert.equal(view.state, 'cancelled');
    assert.equal(view.agreement_title, null, 'a cancelled link reveals only whom to contact');

    const status = await admin.agreement(agreementId);
    assert.equal(status.state, 'cancelled');
    assert.equal(status.cancel_reason, 'too_many_failed_attempts');

    const delivery = await hooks.next((d) => JSON.parse(d.body).agreement_id === agreementId);
    const payload = JSON.parse(delivery.body);
    assert.equal(payload.type, 'agreement.cancelled');
    assert.equal(payload.recipient_id, recipientId);
    assert.equal(payload.reason, 'too_many_failed_attempts');
    const header = delivery.headers['signgate-signature'];
    const [, t, v1] = header.match(/^t=(\d+),v1=([0-9a-f]{64})$/);
    const expected = createHmac('sha256', stack.secrets.WEBHOOK_SECRET).update(`${t}.${delivery.body}`).digest('hex');
    assert.equal(v1, expected, 'the webhook signature verifies');
    assert.ok(Math.abs(Date.now() / 1000 - Number(t)) < 120, 'the signed timestamp is current');

    const events = await admin.audit(agreementId);
    assert.equal(count(events, 'verification_failed'), 5);
    assert.equal(count(events, 'agreement_cancelled'), 1);
    assert.equal(count(events, 'attempt_refused'), 1, 'the two refusals are one event, and a count');
  });

  test('a verified signer who reloads or comes back gets a fresh grant in the browser that verified: audited, ten an hour, never elsewhere or for a pending or cancelled link', async () => {
    const { token, agreementId, recipientId, password } = await admin.passwordAgreement();
    const api = recipientApi(stack.origin, token);
    assert.equal((await api.freshGrant()).status, 409, 'not verified yet');
    const first = await (await api.password(password)).json();
    const fresh = [];
    for (let i = 0; i < 10; i++) {
      const res = await api.freshGrant();
      assert.equal(res.status, 200);
      fresh.push(await res.json());
    }
    const claims = verifyGrant(fresh[0].grant, stack.secrets.GRANT_SIGNING_KEY);
    assert.deepEqual([claims.sub, claims.agreement_id, claims.amr], [recipientId, agreementId, ['pwd']]);
    assert.equal(new Set([first.grant, ...fresh.map((f) => f.grant)]).size, 11, 'each grant is new');
    const capped = await api.freshGrant();
    assert.equal(capped.status, 429);
    const cap = await capped.json();
    assert.equal(cap.code, 'throttled');
    assert.ok(cap.retry_after_secs > 3500 && cap.retry_after_secs <= 3600, JSON.stringify(cap));
    assert.equal(count(await admin.audit(agreementId), 'grant_reissued'), 10);

    // The same link forwarded to another browser (no verification cookie): no grant.
    const forwarded = await recipientApi(stack.origin, token).freshGrant();
    assert.equal(forwarded.status, 409);
    assert.equal((await forwarded.json()).code, 'conflict');

    const other = await admin.passwordAgreement();
    const otherApi = recipientApi(stack.origin, other.token);
    for (let i = 0; i < 5; i++) await otherApi.password('Wrong1234');
    assert.equal((await (await otherApi.freshGrant()).json()).code, 'cancelled');
    const forged = `${token.slice(0, 43)}${token[43] === 'A' ? 'B' : 'A'}${token.slice(44)}`;
    assert.equal((await recipientApi(stack.origin, forged).freshGrant()).status, 404);
  });

  test('one address checking passwords and codes is throttled at 60 a minute, whichever links it holds', async () => {
    const ip = '203.0.113.60';
    const password = recipientApi(stack.origin, (await admin.passwordAgreement()).token, { ip });
    const code = recipientApi(stack.origin, (await admin.codeAgreement({ method: 'email_code' })).token, { ip });
    // Entries the objects answer without counting (not letters and digits; no code was sent), so
    // only the per-IP throttle can refuse them. It counts in fixed windows of a minute: a window
    // may end while this runs, so the first refusal comes after 60 to 120 entries, never sooner.
    let firstRefusal = null;
    for (let i = 1; i <= 125 && firstRefusal === null; i++) {
      const res = i % 2 ? await password.password('not a password!') : await code.code('000000');
      if (res.status === 429) {
        firstRefusal = i;
        assert.deepEqual(await res.json(), {
          code: 'throttled', message: 'Too many requests from your network. Please wait a minute.', retry_after_secs: 60,
        });
      } else {
        assert.ok([409, 422].includes(res.status), `${res.status}`);
      }
    }
    assert.ok(firstRefusal > 60 && firstRefusal <= 121, `first refusal at entry ${firstRefusal}`);
    const elsewhere = recipientApi(stack.origin, (await admin.passwordAgreement()).token);
    assert.equal((await elsewhere.password('Wrong1234')).status, 403, 'another address is not affected');
  });

  test('200 concurrent wrong passwords count exactly 5, and the agreement is cancelled', async () => {
    const { token, agreementId, password } = await admin.passwordAgreement();
    // From 200 addresses: the per-IP throttle does not help here, the object's count must.
    const api = recipientApi(stack.origin, token, { ip: 'each' });
    const responses = await Promise.all(Array.from({ length: 200 }, () => api.password('Wrong1234')));
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 403).length, 4, 'four wrong answers with tries left');
    assert.equal(statuses.filter((s) => s === 409).length, 196, 'the fifth cancels; every later one is refused');
    assert.ok(statuses.every((s) => s < 500));

    const events = await admin.audit(agreementId);
    assert.equal(count(events, 'verification_failed'), 5, 'exactly 5 failures counted');
    // The 195 refusals are one event now and a count when the hour is up, not 195 events.
    assert.equal(count(events, 'attempt_refused'), 1);
    assert.equal(count(events, 'agreement_cancelled'), 1);
    const status = await admin.agreement(agreementId);
    assert.equal(status.state, 'cancelled');
    assert.equal(status.recipients[0].failures, 5);
    assert.equal((await api.password(password)).status, 409);
  });

  /// One agreement, two password recipients (Ada: Sunrise2026, Bob: Moonrise2026).
  async function twoSigners() {
    await admin.putAccount('pair', { name: 'Pair' });
    const created = await admin.createAgreement({
      account_id: 'pair',
      title: 'Two signers',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [
        { name: 'Ada', email: 'ada@example.com', method: 'password', password: 'Sunrise2026' },
        { name: 'Bob', email: 'bob@example.com', method: 'password', password: 'Moonrise2026' },
      ],
    });
    const [ada, bob] = created.recipients.map((r) => recipientApi(stack.origin, r.signing_url.split('#')[1]));
    return { created, ada, bob };
  }

  test("one recipient's lock cancels the agreement for every recipient", async () => {
    const { created, ada, bob } = await twoSigners();
    for (let i = 0; i < 5; i++) await ada.password('Wrong1234');
    assert.equal((await (await bob.view()).json()).state, 'cancelled', "the other recipient's link is cancelled");
    const refused = await bob.password('Moonrise2026');
    assert.equal(refused.status, 409);
    assert.equal((await refused.json()).code, 'cancelled');
    const status = await admin.agreement(created.id);
    assert.deepEqual(status.recipients.map((r) => r.state), ['cancelled', 'cancelled']);
    assert.equal(status.recipients[1].failures, 0, "Bob's refused entry was never counted");
  });

  test('a right password racing the cancellation either wins before it or is refused, never after', async () => {
    for (let round = 0; round < 5; round++) {
      const { created, ada, bob } = await twoSigners();
      for (let i = 0; i < 4; i++) await ada.password('Wrong1234');
      const [, bobAnswer] = await Promise.all([ada.password('Wrong1234'), bob.password('Moonrise2026')]);
      const events = await admin.audit(created.id);
      const cancelledAt = events.findIndex((e) => e.type === 'agreement_cancelled');
      const bobVerifiedAt = events.findIndex((e) => e.type === 'verified' && e.recipient_id === created.recipients[1].id);
      assert.ok(cancelledAt >= 0);
      if (bobAnswer.status === 200) {
        assert.ok(bobVerifiedAt >= 0 && bobVerifiedAt < cancelledAt, 'a grant only for a verification before the cancellation');
      } else {
        assert.equal(bobAnswer.status, 409);
        assert.equal(bobVerifiedAt, -1, 'a refused recipient is never recorded as verified');
      }
    }
  });

  test('restarting the runtime keeps counts and state', async () => {
    const pending = await admin.passwordAgreement();
    const cancelled = await admin.passwordAgreement();
    const pendingApi = recipientApi(stack.origin, pending.token);
    for (let i = 0; i < 3; i++) await pendingApi.password('Wrong1234');
    const cancelledApi = recipientApi(stack.origin, cancelled.token);
    for (let i = 0; i < 5; i++) await cancelledApi.password('Wrong1234');

    await stack.restart();

    const view = await (await recipientApi(stack.origin, pending.token).view()).json();
    assert.equal(view.tries_left, 2);
    const res = await recipientApi(stack.origin, pending.token).password('Wrong1234');
    assert.equal((await res.json()).tries_left, 1);
    const refused = await recipientApi(stack.origin, cancelled.token).password(cancelled.password);
    assert.equal(refused.status, 409);
    assert.equal((await admin.agreement(cancelled.agreementId)).state, 'cancelled');
  });
});

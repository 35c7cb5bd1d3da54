// Webhooks on a bad day: a receiver that fails for longer than the retries last, an account
// without a webhook URL, and an agreement object that stops right after writing a cancellation.
// The stacks here make "a day of retries" last a few seconds (DEV_WEBHOOK_GIVE_UP_SECONDS).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listener } from '../support/listener.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ofType = (events, type) => events.filter((e) => e.type === type);

/// Cancels the agreement by five wrong passwords.
async function cancel(token, origin) {
  const api = recipientApi(origin, token);
  for (let i = 0; i < 5; i++) await api.password('Wrong1234');
}

/// Polls `check` until it returns something truthy, or fails after `ms`.
async function eventually(check, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`not so after ${ms} ms: ${check}`);
    await sleep(250);
  }
}

describe('webhooks that cannot be delivered', () => {
  const stack = new Stack({ vars: { DEV_WEBHOOK_GIVE_UP_SECONDS: '3' } });
  let admin;
  let hooks;

  before(async () => {
    hooks = await listener({ status: 503 });
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await hooks?.close();
    await stack.dispose();
  });

  test('a failing receiver is retried with backoff, then the event is undeliverable, listed and can be re-sent', async () => {
    hooks.status = 503;
    const { token, agreementId } = await admin.passwordAgreement({
      accountId: 'failing-receiver', account: { webhook_url: `${hooks.origin}/hooks` },
    });
    await cancel(token, stack.origin);
    const forThis = (d) => JSON.parse(d.body).agreement_id === agreementId;

    const { deliveries: [undeliverable] } = await eventually(async () => {
      const listed = await admin.request('GET', `/agreements/${agreementId}/webhooks`);
      return listed.deliveries[0]?.state === 'undeliverable' && listed;
    });
    assert.equal(undeliverable.event.type, 'agreement.cancelled');
    assert.equal(undeliverable.next_attempt_at, null);
    assert.equal(undeliverable.last_error, 'the receiver answered 503');
    const tries = hooks.requests.filter(forThis);
    assert.ok(tries.length >= 3, `tried ${tries.length} times`);
    assert.equal(undeliverable.attempts, tries.length);
    assert.equal(new Set(tries.map((t) => t.headers['signgate-event-id'])).size, 1, 'one event, tried again');
    const events = await admin.audit(agreementId);
    assert.equal(ofType(events, 'webhook_failed').length, tries.length);
    assert.deepEqual(ofType(events, 'webhook_undeliverable').map(({ type, event, attempts }) => ({ type, event, attempts })), [
      { type: 'webhook_undeliverable', event: 'agreement.cancelled', attempts: tries.length },
    ]);

    // The platform mends its receiver and asks again.
    hooks.status = 204;
    const resent = await admin.send('POST', `/agreements/${agreementId}/webhooks/${undeliverable.event.id}/resend`);
    assert.equal(resent.status, 200);
    assert.equal(resent.body.state, 'retrying');
    await eventually(() => hooks.requests.filter(forThis).length > tries.length);
    const delivered = hooks.requests.filter(forThis).at(-1);
    assert.equal(delivered.headers['signgate-event-id'], undeliverable.event.id);
    await eventually(async () => (await admin.request('GET', `/agreements/${agreementId}/webhooks`)).deliveries.length === 0);
    const after = await admin.audit(agreementId);
    assert.equal(ofType(after, 'webhook_resent').length, 1);
    assert.equal(ofType(after, 'webhook_delivered').length, 1);

    const unknown = await admin.send('POST', `/agreements/${agreementId}/webhooks/${'0'.repeat(32)}/resend`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'not_found');
  });

  test('an account without a webhook URL: the event is kept as undeliverable and audited, and goes out once there is one', async () => {
    hooks.status = 204;
    const { token, agreementId } = await admin.passwordAgreement({ accountId: 'no-receiver' });
    await cancel(token, stack.origin);
    const listed = await eventually(async () => {
      const { deliveries } = await admin.request('GET', `/agreements/${agreementId}/webhooks`);
      return deliveries[0]?.state === 'undeliverable' && deliveries[0];
    });
    assert.equal(listed.last_error, 'the account has no webhook URL');
    const audited = ofType(await admin.audit(agreementId), 'webhook_undeliverable');
    assert.equal(audited[0].reason, 'the account has no webhook URL');

    await admin.putAccount('no-receiver', { name: 'Acme Legal', webhook_url: `${hooks.origin}/late` });
    assert.equal((await admin.send('POST', `/agreements/${agreementId}/webhooks/${listed.event.id}/resend`)).status, 200);
    const delivery = await hooks.next((d) => d.url === '/late' && JSON.parse(d.body).agreement_id === agreementId);
    assert.equal(JSON.parse(delivery.body).id, listed.event.id);
  });
});

describe('an agreement object that stops right after writing its cancellation', () => {
  const stack = new Stack({ vars: { DEV_FAULT: 'agreement_cancel_written' } });
  let admin;
  let hooks;

  before(async () => {
    hooks = await listener();
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await hooks?.close();
    await stack.dispose();
  });

  test('the sender is still told, once, and every link is locked', async () => {
    await admin.putAccount('crashy', { name: 'Crashy', webhook_url: `${hooks.origin}/hooks` });
    const created = await admin.createAgreement({
      account_id: 'crashy',
      title: 'Two signers',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [
        { name: 'Ada', email: 'ada@example.com', method: 'password', password: 'Sunrise2026' },
        { name: 'Bob', email: 'bob@example.com', method: 'password', password: 'Moonrise2026' },
      ],
    });
    const [ada, bob] = created.recipients.map((r) => r.signing_url.split('#')[1]);
    await cancel(ada, stack.origin);
    // The agreement failed after its write; Ada's object tells it again (its alarm, 10 s later).
    const delivery = await hooks.next((d) => JSON.parse(d.body).agreement_id === created.id, 40_000);
    assert.equal(JSON.parse(delivery.body).type, 'agreement.cancelled');
    const bobView = await eventually(async () => {
      const view = await (await recipientApi(stack.origin, bob).view()).json();
      return view.state === 'cancelled' && view;
    });
    assert.equal(bobView.state, 'cancelled');
    const events = await admin.audit(created.id);
    assert.equal(ofType(events, 'agreement_cancelled').length, 1);
    await sleep(1000);
    assert.equal(hooks.requests.filter((d) => JSON.parse(d.body).agreement_id === created.id).length, 1, 'told once');
  });
});

describe('refusals of a hammered link, with a window of seconds', () => {
  const stack = new Stack({ vars: { DEV_REFUSAL_WINDOW_SECONDS: '2' } });
  let admin;

  before(async () => {
    await stack.start();
    admin = stack.admin();
  });
  after(() => stack.dispose());

  test('the first refusal is written at once, the rest as one count when the window ends', async () => {
    const { token, agreementId } = await admin.passwordAgreement();
    await cancel(token, stack.origin);
    const api = recipientApi(stack.origin, token, { ip: 'each' });
    for (let i = 0; i < 20; i++) assert.equal((await api.password('Wrong1234')).status, 409);
    const counted = await eventually(async () => {
      const events = await admin.audit(agreementId);
      return ofType(events, 'refusals_repeated').length > 0 && events;
    });
    assert.equal(ofType(counted, 'attempt_refused').length, 1);
    const [repeated] = ofType(counted, 'refusals_repeated');
    assert.deepEqual([repeated.method, repeated.reason, repeated.count], ['password', 'cancelled', 19]);
  });
});

describe('a delivery whose account settings cannot be read', () => {
  const stack = new Stack({ vars: { DEV_FAULT: 'webhook_settings_unreadable', DEV_WEBHOOK_GIVE_UP_SECONDS: '30' } });
  let admin;
  let hooks;

  before(async () => {
    hooks = await listener();
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await hooks?.close();
    await stack.dispose();
  });

  test('is a failed try, audited and retried, and the event still goes out', async () => {
    const { token, agreementId } = await admin.passwordAgreement({
      accountId: 'unreadable', account: { webhook_url: `${hooks.origin}/hooks` },
    });
    await cancel(token, stack.origin);
    const delivery = await hooks.next((d) => JSON.parse(d.body).agreement_id === agreementId);
    assert.equal(JSON.parse(delivery.body).type, 'agreement.cancelled');
    const events = await admin.audit(agreementId);
    const [failed] = ofType(events, 'webhook_failed');
    assert.match(failed.error, /^the account's settings could not be read/);
    assert.equal(ofType(events, 'webhook_delivered').length, 1);
  });
});

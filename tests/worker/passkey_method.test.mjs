// The passkey method under workerd: a sender asks a signer for a passkey they made on an earlier
// signing for the same account (Documenso's account passkeys), answered by a WebAuthn
// authenticator in Node (tests/support/authenticator.mjs). Given only to a signer who holds one;
// the first sign-in verifies through the agreement; answers that do not hold use tries and the
// last cancels; a revoked device's passkey serves no more; another account's passkeys never count.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SoftAuthenticator } from '../support/authenticator.mjs';
import { Stack, answered as json, recipientApi, refused } from '../support/stack.mjs';

const ofType = (events, type) => events.filter((e) => e.type === type);
const POLICY = { methods: { allowed: ['password', 'passkey'], default: 'password' } };
const SENDER = { name: 'Sam Sender', email: 'sam@acme.example' };

describe('the passkey method under workerd', () => {
  let stack;
  let admin;

  before(async () => {
    stack = new Stack();
    await stack.start();
    admin = stack.admin();
  });
  after(async () => stack?.dispose());

  const newAccount = async (policy = POLICY) => {
    const id = `pm-${Math.random().toString(36).slice(2)}`;
    await admin.putAccount(id, { name: 'Acme Legal', policy });
    return id;
  };

  /// `email`'s agreement with `method` under `accountId`: `{ status, body }` as the admin API answers.
  const offer = (accountId, email, method = 'passkey') => admin.send('POST', '/agreements', {
    account_id: accountId,
    title: 'Lease for Flat 4B',
    sender: SENDER,
    recipients: [{ name: 'Ada Lovelace', email, method, ...(method === 'password' ? { password: 'Sunrise2026' } : {}) }],
  });

  const linkOf = (created) => ({
    agreementId: created.id,
    recipientId: created.recipients[0].id,
    token: created.recipients[0].signing_url.split('#')[1],
  });

  /// Ada signs once with a password under `accountId` and makes a passkey with `authenticator`.
  async function holder(accountId, authenticator, email = 'ada@example.com') {
    const first = linkOf((await offer(accountId, email, 'password')).body);
    const desk = recipientApi(stack.origin, first.token);
    await json(await desk.password('Sunrise2026'), 200);
    const options = await json(await desk.passkeyCreation(), 200);
    await json(await desk.passkeyRegister(authenticator.create(options, stack.origin)), 200);
    return { ...first, desk };
  }

  async function signIn(api, authenticator, tweak = {}) {
    const options = await json(await api.passkeyRequest(), 200);
    return api.passkeySignIn(authenticator.get(options, stack.origin, tweak));
  }

  test('only a signer who holds a passkey with the account gets the method; it alone verifies them, through the agreement', async () => {
    const accountId = await newAccount({ ...POLICY, devices: { recovery: true } });
    const none = await offer(accountId, 'ada@example.com');
    assert.equal(none.status, 400);
    assert.match(none.body.message, /recipients\[0\]\.method: ada@example\.com holds no passkey with this account/);

    const authenticator = new SoftAuthenticator();
    await holder(accountId, authenticator);
    // The address as the sender types it, in any case.
    const created = await offer(accountId, 'ADA@Example.com');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { agreementId, token } = linkOf(created.body);

    const browser = recipientApi(stack.origin, token);
    const view = await json(await browser.view(), 200);
    assert.deepEqual([view.state, view.method, view.tries_left], ['pending', 'passkey', 5]);
    await refused(await browser.password('Sunrise2026'), 409, 'wrong_method');
    const options = await json(await browser.passkeyRequest(), 200);
    assert.deepEqual(options.allow_credentials, [authenticator.credentialId.toString('base64url')]);
    const res = await browser.passkeySignIn(authenticator.get(options, stack.origin));
    const verified = await json(res, 200);
    const claims = JSON.parse(Buffer.from(verified.grant.split('.')[1], 'base64url'));
    assert.deepEqual(claims.amr, ['hwk']);
    // The device page goes on to the signing page, whose grant brings the recovery code to show.
    assert.equal(verified.recovery_code, undefined, 'not lost on the device page');
    assert.match(res.headers.get('set-cookie') ?? '', /signgate_verified=.*HttpOnly/);
    assert.equal(typeof (await json(await browser.freshGrant(), 200)).recovery_code, 'string');
    assert.equal((await json(await browser.view(), 200)).state, 'verified');
    // A wrong answer from the signer's own device is refused, and cannot lock their link.
    const impostor = new SoftAuthenticator();
    impostor.credentialId = authenticator.credentialId;
    const notCounted = await refused(await signIn(browser, impostor), 403, 'passkey_refused');
    assert.equal(notCounted.tries_left, undefined);
    assert.equal((await json(await browser.view(), 200)).tries_left, 5);
    assert.equal((await admin.agreement(agreementId)).recipients[0].state, 'verified');

    // The same passkey in another browser (a synced one, a second profile) joins it.
    const laptop = recipientApi(stack.origin, token);
    assert.equal((await json(await laptop.view(), 200)).state, 'pending');
    await json(await signIn(laptop, authenticator), 200);
    await json(await laptop.freshGrant(), 200);
    const events = await admin.audit(agreementId);
    assert.deepEqual(ofType(events, 'verified').map((e) => e.method), ['passkey']);
    assert.deepEqual(ofType(events, 'verified_on_another_device').map((e) => e.method), ['passkey']);

    // Another account knows none of Ada's passkeys.
    const other = await newAccount();
    assert.equal((await offer(other, 'ada@example.com')).status, 400);
  });

  test('answers that do not hold use a try each, and the last cancels the agreement; a stale challenge uses none', async () => {
    const accountId = await newAccount();
    const authenticator = new SoftAuthenticator();
    await holder(accountId, authenticator);
    const { agreementId, token } = linkOf((await offer(accountId, 'ada@example.com')).body);
    const browser = recipientApi(stack.origin, token);

    // Another key under the passkey's id: only the signature tells.
    const impostor = new SoftAuthenticator();
    impostor.credentialId = authenticator.credentialId;
    const forged = await refused(await signIn(browser, impostor), 403, 'passkey_refused');
    assert.equal(forged.tries_left, 4);
    // A passkey the signer never registered here.
    assert.equal((await refused(await signIn(browser, new SoftAuthenticator()), 403, 'passkey_refused')).tries_left, 3);
    // Another site's answer.
    const options = await json(await browser.passkeyRequest(), 200);
    const elsewhere = await refused(await browser.passkeySignIn(authenticator.get(options, 'https://evil.example')), 403, 'passkey_refused');
    assert.equal(elsewhere.tries_left, 2);
    // A replayed answer: its challenge is spent, and no try is used.
    const stale = await refused(await browser.passkeySignIn(authenticator.get(options, stack.origin)), 403, 'passkey_refused');
    assert.equal(stale.tries_left, undefined);
    assert.equal((await json(await browser.view(), 200)).tries_left, 2);

    await refused(await signIn(browser, impostor), 403, 'passkey_refused');
    const last = await refused(await signIn(browser, impostor), 409, 'cancelled');
    assert.equal(last.tries_left, 0);
    await refused(await browser.passkeyRequest(), 409, 'cancelled');
    assert.equal((await admin.agreement(agreementId)).state, 'cancelled');
    const failed = ofType(await admin.audit(agreementId), 'verification_failed');
    assert.deepEqual(failed.map((e) => [e.method, e.tries_left]), [
      ['passkey', 4], ['passkey', 3], ['passkey', 2], ['passkey', 1], ['passkey', 0],
    ]);
  });

  test('one counter for the account: a passkey whose counter went back is refused on any agreement, by the method or as a device\'s own', async () => {
    const accountId = await newAccount();
    const authenticator = new SoftAuthenticator();
    const home = await holder(accountId, authenticator);
    const later = linkOf((await offer(accountId, 'ada@example.com')).body);
    // As the home device's own passkey, in a browser without its cookie: the account counts too.
    await json(await signIn(recipientApi(stack.origin, home.token), authenticator, { counter: 7 }), 200);
    const clone = await refused(await signIn(recipientApi(stack.origin, later.token), authenticator, { counter: 4 }), 403, 'passkey_refused');
    assert.match(clone.message, /counter went back/);
    assert.equal(clone.tries_left, 4);
    await json(await signIn(recipientApi(stack.origin, later.token), authenticator, { counter: 8 }), 200);
    // And back: the method saw 8, so 8 again as the device's own is a copy.
    await refused(await signIn(recipientApi(stack.origin, home.token), authenticator, { counter: 8 }), 403, 'passkey_refused');
    const suspected = ofType(await admin.audit(home.agreementId), 'passkey_clone_suspected');
    assert.equal(suspected.length, 1);
  });

  test('a revoked device\'s passkey serves the method no more, nor does one a revoked device verified with', async () => {
    const accountId = await newAccount();
    const kept = new SoftAuthenticator();
    const lost = new SoftAuthenticator();
    await holder(accountId, kept);
    const work = await holder(accountId, lost);
    const pending = linkOf((await offer(accountId, 'ada@example.com')).body);
    const another = linkOf((await offer(accountId, 'ada@example.com')).body);

    // The work laptop is lost: the signer removes it from their list.
    const { devices } = await json(await work.desk.devices(), 200);
    await json(await work.desk.revokeDevice(devices[0].id), 200);
    const browser = recipientApi(stack.origin, pending.token);
    const options = await json(await browser.passkeyRequest(), 200);
    assert.deepEqual(options.allow_credentials, [kept.credentialId.toString('base64url')]);
    await refused(await browser.passkeySignIn(lost.get(options, stack.origin)), 403, 'passkey_refused');

    // The other passkey verifies; then that device turns out not to be Ada's (an admin revokes
    // it): the passkey it verified with goes too, and Ada holds none.
    await json(await signIn(browser, kept), 200);
    await admin.revokeDevices(pending.agreementId, pending.recipientId);
    const none = await offer(accountId, 'ada@example.com');
    assert.equal(none.status, 400, JSON.stringify(none.body));
    const left = await refused(await recipientApi(stack.origin, another.token).passkeyRequest(), 409, 'conflict');
    assert.match(left.message, /no passkey for this sender any more/);
  });

  test('the sender may change a signer to the passkey method, or hand the part on, only where the signer holds one; the policy must allow passkeys', async () => {
    const accountId = await newAccount();
    const { agreementId, recipientId } = linkOf((await offer(accountId, 'bob@example.com', 'password')).body);
    const changed = await admin.changeMethod(agreementId, recipientId, { method: 'passkey' });
    assert.equal(changed.status, 400);
    assert.match(changed.body.message, /bob@example\.com holds no passkey/);
    await holder(accountId, new SoftAuthenticator(), 'bob@example.com');
    assert.equal((await admin.changeMethod(agreementId, recipientId, { method: 'passkey' })).status, 200);

    const replaced = await admin.replaceRecipient(agreementId, recipientId, { name: 'Cy', email: 'cy@example.com', method: 'passkey' });
    assert.equal(replaced.status, 400);
    assert.match(replaced.body.message, /recipient\.method: cy@example\.com holds no passkey/);

    // An agreement made while the account had no passkeys keeps that policy.
    const before = await newAccount({ methods: { allowed: ['password'], default: 'password' }, devices: { passkeys: 'off' } });
    const made = linkOf((await offer(before, 'bob@example.com', 'password')).body);
    await admin.putAccount(before, { name: 'Acme Legal', policy: POLICY });
    await holder(before, new SoftAuthenticator(), 'bob@example.com');
    const stale = await admin.changeMethod(made.agreementId, made.recipientId, { method: 'passkey' });
    assert.equal(stale.status, 400);
    assert.match(stale.body.message, /made when the account had no passkeys/);

    const off = await admin.send('PUT', `/accounts/${accountId}`, {
      name: 'Acme Legal', policy: { ...POLICY, devices: { passkeys: 'off' } },
    });
    assert.equal(off.status, 400);
    assert.match(off.body.message, /passkey method is allowed but devices\.passkeys is off/);
  });
});

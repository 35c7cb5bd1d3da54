// Passkeys and devices under workerd, with a WebAuthn authenticator in Node
// (tests/support/authenticator.mjs) answering the worker's options as a browser would: a verified
// browser registers one; the passkey alone verifies a browser without the cookie; replayed,
// foreign, tampered and cloned answers are refused; the signatures are checked for ES256 and
// RS256; the devices are listed and revoked by the signer and through the admin API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SoftAuthenticator } from '../support/authenticator.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

async function json(res, status) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

async function refused(res, status, code) {
  const body = await json(res, status);
  assert.equal(body.code, code, JSON.stringify(body));
  return body;
}

const ofType = (events, type) => events.filter((e) => e.type === type);

describe('passkeys under workerd', () => {
  let stack;
  let admin;

  before(async () => {
    stack = new Stack();
    await stack.start();
    admin = stack.admin();
  });
  after(async () => stack?.dispose());

  /// A password recipient verified in one browser (`desk`); `token` opens the link elsewhere.
  async function verified() {
    const created = await admin.passwordAgreement({ accountId: `pk-${Math.random().toString(36).slice(2)}` });
    const desk = recipientApi(stack.origin, created.token);
    await json(await desk.password(created.password), 200);
    return { ...created, desk };
  }

  /// Registers a passkey made by `authenticator` for the browser `api`.
  async function register(api, authenticator) {
    const options = await json(await api.passkeyCreation(), 200);
    return json(await api.passkeyRegister(authenticator.create(options, stack.origin)), 200);
  }

  async function signIn(api, authenticator, tweak = {}) {
    const options = await json(await api.passkeyRequest(), 200);
    return api.passkeySignIn(authenticator.get(options, stack.origin, tweak));
  }

  test('a verified browser registers a passkey; it alone verifies the device again in a browser without the cookie', async () => {
    const { desk, token, agreementId } = await verified();
    const options = await json(await desk.passkeyCreation(), 200);
    assert.equal(options.rp_id, new URL(stack.origin).hostname);
    assert.deepEqual(options.algorithms, [-7, -257]);
    assert.equal(options.user_display_name, 'Ada Lovelace');
    assert.ok(!options.user_id.includes('Ada'), 'the user handle names nobody');
    const authenticator = new SoftAuthenticator();
    const { device_id: device } = await json(await desk.passkeyRegister(authenticator.create(options, stack.origin)), 200);
    assert.deepEqual((await json(await desk.passkeyCreation(), 200)).exclude_credentials, [
      Buffer.from(authenticator.credentialId).toString('base64url'),
    ]);

    // The same person later, the cookie gone (another browser profile, a cleared one).
    const later = recipientApi(stack.origin, token);
    await refused(await later.freshGrant(), 409, 'conflict');
    const res = await signIn(later, authenticator);
    const verifiedAgain = await json(res, 200);
    const claims = JSON.parse(Buffer.from(verifiedAgain.grant.split('.')[1], 'base64url'));
    assert.deepEqual(claims.amr, ['hwk']);
    assert.match(res.headers.get('set-cookie') ?? '', /signgate_verified=.*HttpOnly/);
    await json(await later.freshGrant(), 200);

    const events = await admin.audit(agreementId);
    assert.deepEqual(ofType(events, 'passkey_registered').map((e) => e.device), [device]);
    const [signedIn] = ofType(events, 'passkey_signed_in');
    assert.notEqual(signedIn.device, device, 'the browser it signed in is a device of its own');
  });

  test('only a verified browser may register one, once per device', async () => {
    const { desk, token } = await verified();
    const stranger = recipientApi(stack.origin, token);
    await refused(await stranger.passkeyCreation(), 409, 'conflict');
    await register(desk, new SoftAuthenticator());
    const options = await json(await desk.passkeyCreation(), 200);
    await refused(await desk.passkeyRegister(new SoftAuthenticator().create(options, stack.origin)), 403, 'passkey_refused');
    // A registration answering another recipient's challenge, or answered twice, is refused.
    const [theirs, mine] = [await verified(), await verified()];
    const foreign = await json(await theirs.desk.passkeyCreation(), 200);
    await refused(await mine.desk.passkeyRegister(new SoftAuthenticator().create(foreign, stack.origin)), 403, 'passkey_refused');
    const once = new SoftAuthenticator().create(await json(await mine.desk.passkeyCreation(), 200), stack.origin);
    await json(await mine.desk.passkeyRegister(once), 200);
    await refused(await mine.desk.passkeyRegister(once), 403, 'passkey_refused');
  });

  test('a replayed, foreign, tampered or unverified answer gets no grant', async () => {
    const { desk, token } = await verified();
    const authenticator = new SoftAuthenticator();
    await register(desk, authenticator);
    const browser = recipientApi(stack.origin, token);

    const options = await json(await browser.passkeyRequest(), 200);
    const answer = authenticator.get(options, stack.origin);
    await json(await browser.passkeySignIn(answer), 200);
    await refused(await browser.passkeySignIn(answer), 403, 'passkey_refused');

    // Another recipient's challenge.
    const other = await verified();
    await register(other.desk, new SoftAuthenticator());
    const theirs = await json(await recipientApi(stack.origin, other.token).passkeyRequest(), 200);
    await refused(await browser.passkeySignIn(authenticator.get(theirs, stack.origin)), 403, 'passkey_refused');

    // Another site's origin or RP id, a signature by another key, no user verification.
    const origin = await json(await browser.passkeyRequest(), 200);
    await refused(await browser.passkeySignIn(authenticator.get(origin, 'https://evil.example')), 403, 'passkey_refused');
    const rp = await json(await browser.passkeyRequest(), 200);
    await refused(await browser.passkeySignIn(authenticator.get(rp, stack.origin, { rpId: 'evil.example' })), 403, 'passkey_refused');
    const forged = await json(await browser.passkeyRequest(), 200);
    // Its own key under the passkey's id, with a counter ahead: only the signature can tell.
    const impostor = new SoftAuthenticator();
    impostor.credentialId = authenticator.credentialId;
    impostor.counter = 1000;
    await refused(await browser.passkeySignIn(impostor.get(forged, stack.origin)), 403, 'passkey_refused');
    const lazy = await json(await browser.passkeyRequest(), 200);
    authenticator.verifyUser = false;
    await refused(await browser.passkeySignIn(authenticator.get(lazy, stack.origin)), 403, 'passkey_refused');
    authenticator.verifyUser = true;
    await refused(await browser.passkeySignIn({ ...answer, signature: 'not base64url!' }), 400, 'invalid_request');
    await json(await signIn(browser, authenticator), 200);
  });

  test('a counter that goes back (a cloned authenticator) is refused and flagged in the audit trail, once its signature holds', async () => {
    const { desk, token, agreementId } = await verified();
    const authenticator = new SoftAuthenticator();
    const { device_id: device } = await register(desk, authenticator);
    const browser = recipientApi(stack.origin, token);
    await json(await signIn(browser, authenticator, { counter: 5 }), 200);
    // A forged answer with a low counter is refused for its signature, and raises no alarm.
    const forger = new SoftAuthenticator();
    forger.credentialId = authenticator.credentialId;
    await refused(await signIn(browser, forger, { counter: 1 }), 403, 'passkey_refused');
    await refused(await signIn(browser, authenticator, { counter: 3 }), 403, 'passkey_refused');
    await json(await signIn(browser, authenticator, { counter: 6 }), 200);
    const events = await admin.audit(agreementId);
    assert.deepEqual(ofType(events, 'passkey_clone_suspected').map((e) => e.device), [device]);
  });

  test('an RS256 passkey registers and signs in', async () => {
    const { desk, token } = await verified();
    const authenticator = new SoftAuthenticator({ alg: 'RS256' });
    await register(desk, authenticator);
    await json(await signIn(recipientApi(stack.origin, token), authenticator), 200);
    const tampered = await json(await desk.passkeyRequest(), 200);
    const answer = authenticator.get(tampered, stack.origin);
    answer.authenticator_data = Buffer.from(answer.authenticator_data, 'base64url').fill(7, 33, 37).toString('base64url');
    await refused(await desk.passkeySignIn(answer), 403, 'passkey_refused');
  });

  test('a link without passkeys, or not verified, offers no sign-in; bad bodies are a 4xx', async () => {
    const { desk } = await verified();
    await refused(await desk.passkeyRequest(), 409, 'conflict');
    const pending = await admin.passwordAgreement({ accountId: 'pk-pending' });
    const api = recipientApi(stack.origin, pending.token);
    await refused(await api.passkeyRequest(), 409, 'conflict');
    await refused(await desk.passkeyRegister({ challenge: 'x' }), 400, 'invalid_request');
    await refused(await desk.passkeySignIn({ nonsense: true }), 400, 'invalid_request');
  });

  test('the signer lists their devices from one of them and revokes one; the admin API lists and revokes them all', async () => {
    const { desk, token, agreementId, recipientId } = await verified();
    const authenticator = new SoftAuthenticator();
    const { device_id: deskId } = await register(desk, authenticator);
    // A second browser, verified by the (synced) passkey: a device of its own.
    const phone = recipientApi(stack.origin, token);
    await json(await signIn(phone, authenticator), 200);

    const seen = await json(await desk.devices(), 200);
    assert.equal(seen.devices.length, 2);
    const mine = seen.devices.find((d) => d.current);
    assert.equal(mine.id, deskId);
    assert.equal(mine.passkey, true);
    const phoneId = seen.devices.find((d) => !d.current).id;
    assert.equal((await json(await phone.devices(), 200)).devices.find((d) => d.current).id, phoneId);
    await refused(await recipientApi(stack.origin, token).devices(), 409, 'conflict');

    // The phone is lost: revoked from the desk, it gets no fresh grant.
    assert.deepEqual(await json(await desk.revokeDevice(phoneId), 200), { revoked: 1 });
    await refused(await phone.freshGrant(), 409, 'conflict');
    await refused(await phone.devices(), 409, 'conflict');
    await refused(await desk.revokeDevice(phoneId), 404, 'not_found');
    await json(await desk.freshGrant(), 200);

    const listed = await admin.devices(agreementId, recipientId);
    assert.deepEqual(listed.body.devices.map((d) => [d.id, d.current]), [[deskId, false]]);
    assert.equal((await admin.revokeDevices(agreementId, recipientId, 'nope')).status, 404);
    assert.deepEqual((await admin.revokeDevices(agreementId, recipientId)).body, { revoked: 1 });
    await refused(await desk.freshGrant(), 409, 'conflict');
    await refused(await desk.passkeyRequest(), 409, 'conflict', 'its passkey went with it');
    const other = await verified();
    assert.equal((await admin.devices(other.agreementId, recipientId)).status, 404, 'another agreement\'s recipient');

    const revoked = ofType(await admin.audit(agreementId), 'devices_revoked');
    assert.deepEqual(revoked.map((e) => [e.devices, e.by]), [[[phoneId], 'signer'], [[deskId], 'admin']]);
  });
});

// Passkeys and devices under workerd, with a WebAuthn authenticator in Node
// (tests/support/authenticator.mjs) answering the worker's options as a browser would: a verified
// browser registers one; the passkey alone verifies a browser without the cookie; replayed,
// foreign, tampered and cloned answers are refused; the signatures are checked for ES256 and
// RS256; the devices are listed and revoked by the signer and through the admin API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SoftAuthenticator } from '../support/authenticator.mjs';
import { Stack, answered, recipientApi, refused } from '../support/stack.mjs';

const json = answered;

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

    // A passkey bound to its authenticator is its device: that device's cookie is renewed.
    assert.equal((await json(await later.devices(), 200)).devices.length, 1);
    await refused(await desk.freshGrant(), 409, 'conflict');

    // A synced passkey may sign in anywhere: the browser is a device of its own.
    const synced = new SoftAuthenticator({ synced: true });
    const tablet = await verified();
    await register(tablet.desk, synced);
    const elsewhere = recipientApi(stack.origin, tablet.token);
    await json(await signIn(elsewhere, synced), 200);
    assert.equal((await json(await elsewhere.devices(), 200)).devices.length, 2);

    const events = await admin.audit(agreementId);
    assert.deepEqual(ofType(events, 'passkey_registered').map((e) => e.device), [device]);
    assert.deepEqual(ofType(events, 'passkey_signed_in').map((e) => e.device), [device]);
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
    const authenticator = new SoftAuthenticator({ synced: true });
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

  test('a verification belongs to the browser that earned it: the link elsewhere verifies again, its wrong entries count', async () => {
    const { desk, token, agreementId, recipientId, password } = await verified();
    assert.equal((await json(await desk.view(), 200)).state, 'verified');

    // The link forwarded to another browser: to be verified there, with the tries the link has left.
    const elsewhere = recipientApi(stack.origin, token);
    const view = await json(await elsewhere.view(), 200);
    assert.deepEqual([view.state, view.method, view.tries_left], ['pending', 'password', 5]);
    await refused(await elsewhere.freshGrant(), 409, 'conflict');
    await refused(await elsewhere.password('Wrong1234'), 403, 'wrong_password');
    assert.equal((await json(await desk.view(), 200)).tries_left, 4, 'one count for the link');

    const again = await json(await elsewhere.password(password), 200);
    assert.equal(again.signature_name, undefined);
    await refused(await elsewhere.password(password), 409, 'already_verified');
    await json(await elsewhere.freshGrant(), 200);
    await json(await desk.freshGrant(), 200);
    assert.equal((await json(await desk.devices(), 200)).devices.length, 2);

    const events = await admin.audit(agreementId);
    assert.equal(ofType(events, 'verified').length, 1, 'the agreement was verified once');
    assert.deepEqual(ofType(events, 'verified_on_another_device').map((e) => e.method), ['password']);
    assert.equal((await admin.agreement(agreementId)).recipients.find((r) => r.id === recipientId).state, 'verified');

    // Its devices revoked, the first browser is a stranger too, and proves itself again.
    await admin.revokeDevices(agreementId, recipientId);
    assert.equal((await json(await desk.view(), 200)).state, 'pending');
    await json(await desk.password(password), 200);
  });

  test('a code method sends a new code to a browser that was not verified, and only that browser gets the grant', async () => {
    const created = await admin.codeAgreement({
      method: 'email_code',
      accountId: `pk-${Math.random().toString(36).slice(2)}`,
      account: {
        policy: {
          methods: { allowed: ['email_code'], default: 'email_code' },
          email_code: { resend: { cooldown_seconds: 1, max_per_hour: 20 } },
        },
      },
    });
    const desk = recipientApi(stack.origin, created.token);
    await json(await desk.sendCode('email'), 200);
    await json(await desk.code(await stack.latestCode(created.to)), 200);
    await refused(await desk.sendCode('email'), 409, 'already_verified');

    const phone = recipientApi(stack.origin, created.token);
    assert.equal((await json(await phone.view(), 200)).state, 'pending');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the resend cooldown
    await json(await phone.sendCode('email'), 200);
    const grant = await json(await phone.code(await stack.latestCode(created.to)), 200);
    assert.deepEqual(JSON.parse(Buffer.from(grant.grant.split('.')[1], 'base64url')).amr, ['otp']);
    await json(await phone.freshGrant(), 200);
    await refused(await recipientApi(stack.origin, created.token).freshGrant(), 409, 'conflict');
  });

  test('pairing: the first browser confirms the code the second shows; the link works once and only for the browser that claimed it', async () => {
    const { desk, token, agreementId } = await verified();
    const stranger = recipientApi(stack.origin, token);
    await refused(await stranger.pairingOffer(), 409, 'conflict');

    const offer = await json(await desk.pairingOffer(), 200);
    assert.equal(offer.expires_in_secs, 300);
    const link = new URL(offer.link);
    assert.equal(link.origin + link.pathname, `${stack.origin}/device/`);
    const [linkToken, pair] = link.hash.slice(1).split('&pair=');
    assert.equal(linkToken, token);
    assert.deepEqual(await json(await desk.pairingStatus(), 200), { expires_in_secs: 300 });
    await refused(await desk.pairingConfirm('123456'), 409, 'conflict');

    await refused(await stranger.pairingClaim(`${pair.slice(0, -1)}${pair.at(-1) === 'A' ? 'B' : 'A'}`), 404, 'invalid_link');
    const phone = recipientApi(stack.origin, token);
    const claimed = await json(await phone.pairingClaim(pair), 200);
    assert.match(claimed.code, /^\d{6}$/);
    assert.ok(claimed.expires_in_secs > 280 && claimed.expires_in_secs <= 300, 'what is left of the offer\'s five minutes');
    await refused(await stranger.pairingClaim(pair), 404, 'invalid_link', 'claimed once');
    assert.equal((await json(await phone.pairingStatus(), 200)).code, claimed.code);
    await refused(await stranger.pairingStatus(), 409, 'conflict');
    const waiting = await json(await desk.pairingStatus(), 200);
    assert.equal(waiting.code, undefined, 'the code is only on the claiming screen');
    assert.equal(typeof waiting.claimed_by.browser, 'string');

    // Claimed is not paired: nothing until the first browser confirms.
    assert.equal((await json(await phone.view(), 200)).state, 'pending');
    await refused(await phone.freshGrant(), 409, 'conflict');
    await refused(await phone.pairingConfirm(claimed.code), 409, 'conflict');
    const wrong = claimed.code === '000000' ? '111111' : '000000';
    assert.equal((await refused(await desk.pairingConfirm(wrong), 403, 'wrong_code')).tries_left, 2);

    const devices = await json(await desk.pairingConfirm(claimed.code), 200);
    assert.equal(devices.devices.length, 2);
    assert.equal((await json(await phone.view(), 200)).state, 'verified');
    await json(await phone.freshGrant(), 200);
    await refused(await desk.pairingConfirm(claimed.code), 409, 'conflict', 'confirmed once');
    await refused(await stranger.freshGrant(), 409, 'conflict');
    const paired = ofType(await admin.audit(agreementId), 'device_paired');
    assert.equal(paired.length, 1);
    assert.equal(paired[0].device, devices.devices.find((d) => !d.current).id);
  });

  test('pairing: three wrong codes void it, and a new offer replaces the last', async () => {
    const { desk, token } = await verified();
    const first = new URL((await json(await desk.pairingOffer(), 200)).link).hash.split('&pair=')[1];
    const second = new URL((await json(await desk.pairingOffer(), 200)).link).hash.split('&pair=')[1];
    const phone = recipientApi(stack.origin, token);
    await refused(await phone.pairingClaim(first), 404, 'invalid_link');
    const { code } = await json(await phone.pairingClaim(second), 200);
    const wrong = code === '000000' ? '111111' : '000000';
    for (const left of [2, 1, 0]) {
      assert.equal((await refused(await desk.pairingConfirm(wrong), 403, 'wrong_code')).tries_left, left);
    }
    await refused(await desk.pairingConfirm(code), 409, 'conflict');
    await refused(await phone.freshGrant(), 409, 'conflict');
    await refused(await phone.pairingConfirm(code), 409, 'conflict');
    await refused(await recipientApi(stack.origin, token).pairingClaim('x'.repeat(43)), 404, 'invalid_link');
  });
});

// A recipient's devices under workerd, beyond passkeys and pairing (tests/worker/passkeys.test.mjs):
// a device added beside others is announced to each of them and to the sender; "this was not me"
// removes it and tells the sender; the account's device policy turns passkeys off or requires
// them, and turns pairing off; recovery takes the recovery code and an e-mail code, in one browser,
// each with its own limit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SoftAuthenticator } from '../support/authenticator.mjs';
import { listener } from '../support/listener.mjs';
import { Stack, answered, recipientApi, refused } from '../support/stack.mjs';

const json = answered;

describe('devices under workerd', () => {
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
    await stack?.dispose();
    await hooks?.close();
  });

  /// A password recipient under `devices` (the account's device policy); `desk` verified first.
  async function recipient(devices = {}, { verify = true } = {}) {
    const accountId = `dev-${Math.random().toString(36).slice(2)}`;
    const email = `${accountId}@example.com`;
    const created = await admin.passwordAgreement({
      accountId,
      account: { webhook_url: `${hooks.origin}/hooks/${accountId}`, policy: { devices } },
      recipient: { email },
    });
    const desk = recipientApi(stack.origin, created.token);
    if (verify) created.verified = await json(await desk.password(created.password), 200);
    created.email = email;
    const webhooks = (type) => hooks.requests
      .filter((r) => r.url === `/hooks/${accountId}`)
      .map((r) => JSON.parse(r.body))
      .filter((event) => event.type === type);
    const webhook = async (type, predicate = () => true) => JSON.parse((await hooks.next((r) => {
      if (r.url !== `/hooks/${accountId}`) return false;
      const event = JSON.parse(r.body);
      return event.type === type && predicate(event);
    })).body);
    return { ...created, accountId, desk, webhooks, webhook };
  }

  const ids = async (api) => (await json(await api.devices(), 200)).devices;

  test('a device added beside others is new to each of them until the signer says it was theirs, and the sender hears of it once', async () => {
    const { desk, token, password, recipientId, webhooks, webhook } = await recipient();
    assert.equal((await json(await desk.view(), 200)).new_devices, undefined, 'nothing new beside the first');

    const phone = recipientApi(stack.origin, token);
    await json(await phone.password(password), 200);
    const [phoneDevice] = (await ids(phone)).filter((d) => d.current);
    const added = await webhook('recipient.device_added');
    assert.equal(added.recipient_id, recipientId);
    assert.equal(added.device.id, phoneDevice.id);
    assert.equal(typeof added.device.browser, 'string');

    assert.equal((await json(await desk.view(), 200)).new_devices, true);
    const deskList = await ids(desk);
    assert.deepEqual(deskList.filter((d) => d.new).map((d) => d.id), [phoneDevice.id]);
    assert.ok((await ids(phone)).every((d) => !d.new), 'a device is not new to itself');

    const seen = await json(await desk.devicesSeen(), 200);
    assert.ok(seen.devices.every((d) => !d.new));
    assert.equal((await json(await desk.view(), 200)).new_devices, undefined);
    // A device using its verification again is no news; the first device was never news.
    await json(await phone.freshGrant(), 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(webhooks('recipient.device_added').map((e) => e.device.id), [phoneDevice.id]);
    await refused(await recipientApi(stack.origin, token).devicesSeen(), 409, 'conflict');
  });

  test('"this was not me" removes the device, tells the sender and is audited; only from another device', async () => {
    const { desk, token, password, agreementId, webhook } = await recipient();
    const stranger = recipientApi(stack.origin, token);
    await json(await stranger.password(password), 200);
    const [theirs] = (await ids(desk)).filter((d) => d.new);
    const [mine] = (await ids(desk)).filter((d) => d.current);

    await refused(await desk.disownDevice(mine.id), 409, 'conflict');
    await refused(await stranger.disownDevice(mine.id), 409, 'conflict', 'the stranger was announced nothing');
    await refused(await recipientApi(stack.origin, token).disownDevice(theirs.id), 409, 'conflict');
    assert.deepEqual(await json(await desk.disownDevice(theirs.id), 200), { revoked: 1 });
    await refused(await desk.disownDevice(theirs.id), 409, 'conflict', 'announced no more');

    await refused(await stranger.freshGrant(), 409, 'conflict');
    assert.equal((await json(await stranger.view(), 200)).state, 'pending', 'it must verify again');
    assert.equal((await json(await desk.view(), 200)).new_devices, undefined);
    const disowned = await webhook('recipient.device_disowned');
    assert.equal(disowned.device.id, theirs.id);
    const events = await admin.audit(agreementId);
    assert.deepEqual(events.filter((e) => e.type === 'device_disowned').map((e) => e.device), [theirs.id]);
  });

  test('policy: passkeys off refuse every passkey call, pairing off refuses offers, and the list says so', async () => {
    const { desk } = await recipient({ passkeys: 'off', pairing: false });
    await refused(await desk.passkeyCreation(), 403, 'not_allowed');
    await refused(await desk.passkeyRequest(), 403, 'not_allowed');
    await refused(await desk.pairingOffer(), 403, 'not_allowed');
    const closed = { passkeys: 'off', pairing: false, recovery: false, recovery_revokes_others: false };
    assert.deepEqual((await json(await desk.devices(), 200)).policy, closed);

    const open = await recipient();
    const defaults = { passkeys: 'offered', pairing: true, recovery: false, recovery_revokes_others: false };
    assert.deepEqual((await json(await open.desk.devices(), 200)).policy, defaults);
    await json(await open.desk.pairingOffer(), 200);
    await json(await open.desk.passkeyCreation(), 200);
  });

  test('policy: with passkeys required a verified browser gets no grant until it has a passkey of its own', async () => {
    const { desk, token, password, agreementId } = await recipient({ passkeys: 'required', recovery: true }, { verify: false });
    const res = await desk.password(password);
    assert.equal((await refused(res, 403, 'passkey_required')).recovery_code, undefined);
    assert.match(res.headers.get('set-cookie') ?? '', /signgate_verified=/, 'it is a device: it may add a passkey');
    assert.equal((await admin.agreement(agreementId)).state, 'verified', 'verified: only the grant waits');
    await refused(await desk.freshGrant(), 403, 'passkey_required');
    const list = await json(await desk.devices(), 200);
    assert.equal(list.passkey_wanted, true);
    assert.equal(list.devices.find((d) => d.current).passkey, false);

    const authenticator = new SoftAuthenticator();
    const options = await json(await desk.passkeyCreation(), 200);
    await json(await desk.passkeyRegister(authenticator.create(options, stack.origin)), 200);
    assert.equal((await json(await desk.devices(), 200)).passkey_wanted, undefined);
    // The first grant that reaches the signer brings the recovery code, once.
    assert.match((await json(await desk.freshGrant(), 200)).recovery_code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.equal((await json(await desk.freshGrant(), 200)).recovery_code, undefined);

    // Another browser verifying by password waits too; the passkey's own sign-in does not.
    const laptop = recipientApi(stack.origin, token);
    await refused(await laptop.password(password), 403, 'passkey_required');
    await refused(await laptop.freshGrant(), 403, 'passkey_required');
    const cleared = recipientApi(stack.origin, token);
    const request = await json(await cleared.passkeyRequest(), 200);
    await json(await cleared.passkeySignIn(authenticator.get(request, stack.origin)), 200);
    await json(await cleared.freshGrant(), 200);
  });

  /// A recovery's two factors in `browser`: the recovery code, then the code e-mailed to `email`.
  async function recover(browser, recoveryCode, email) {
    const sent = await json(await browser.recoveryStart(recoveryCode, 'de'), 200);
    return { sent, code: await stack.latestCode(email) };
  }

  const otherThan = (code) => (code === '000000' ? '111111' : '000000');

  test('recovery: the code shown once at the first verification and an e-mail code, in one browser, make it a device', async () => {
    const { desk, token, password, email, verified, agreementId, webhook } = await recipient({ recovery: true });
    const recoveryCode = verified.recovery_code;
    assert.match(recoveryCode, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    const laptop = recipientApi(stack.origin, token);
    assert.equal((await json(await laptop.password(password), 200)).recovery_code, undefined, 'shown once');
    await refused(await desk.recoveryStart(recoveryCode), 409, 'already_verified');

    const lost = recipientApi(stack.origin, token);
    await refused(await lost.recoveryStart('what was it'), 422, 'invalid_code');
    assert.equal((await refused(await lost.recoveryStart('0000-0000-0000-0000'), 403, 'wrong_code')).tries_left, 4);
    await refused(await lost.recoveryFinish('123456'), 409, 'conflict');
    // Read forgivingly: lower case, spaces.
    const { sent, code } = await recover(lost, recoveryCode.toLowerCase().replaceAll('-', ' '), email);
    assert.equal(sent.channel, 'email');
    assert.ok(sent.destination.endsWith('@example.com') && !sent.destination.includes(email.split('@')[0]));
    await refused(await recipientApi(stack.origin, token).recoveryFinish(code), 409, 'conflict');
    assert.equal((await refused(await lost.recoveryFinish(otherThan(code)), 403, 'wrong_code')).tries_left, 4);
    const recovered = await json(await lost.recoveryFinish(code), 200);
    assert.match(recovered.recovery_code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.notEqual(recovered.recovery_code, recoveryCode);
    await json(await lost.freshGrant(), 200);
    await refused(await lost.recoveryFinish(code), 409, 'already_verified');
    await json(await desk.freshGrant(), 200, 'the others stay');
    // The old code is spent: it is a wrong one now.
    await refused(await recipientApi(stack.origin, token).recoveryStart(recoveryCode), 403, 'wrong_code');

    const [device] = (await ids(lost)).filter((d) => d.current);
    assert.equal((await webhook('recipient.device_added', (e) => e.device.id === device.id)).device.id, device.id);
    const events = await admin.audit(agreementId);
    assert.deepEqual(events.filter((e) => e.type === 'device_recovered').map((e) => e.device), [device.id]);
    assert.deepEqual(events.filter((e) => e.type === 'recovery_failed').map((e) => [e.factor, e.tries_left]), [
      ['recovery_code', 4], ['email_code', 4], ['recovery_code', 3],
    ]);
  });

  test('recovery: five wrong recovery codes, or five wrong e-mail codes, close it', async () => {
    const first = await recipient({ recovery: true });
    const lost = recipientApi(stack.origin, first.token);
    for (const left of [4, 3, 2, 1]) {
      assert.equal((await refused(await lost.recoveryStart('0000-0000-0000-0000'), 403, 'wrong_code')).tries_left, left);
    }
    await refused(await lost.recoveryStart('0000-0000-0000-0000'), 403, 'not_allowed');
    await refused(await lost.recoveryStart(first.verified.recovery_code), 403, 'not_allowed');
    await json(await first.desk.freshGrant(), 200, 'nothing else is cancelled');

    const second = await recipient({ recovery: true });
    const phone = recipientApi(stack.origin, second.token);
    const { code } = await recover(phone, second.verified.recovery_code, second.email);
    for (const left of [4, 3, 2, 1]) {
      assert.equal((await refused(await phone.recoveryFinish(otherThan(code)), 403, 'wrong_code')).tries_left, left);
    }
    await refused(await phone.recoveryFinish(otherThan(code)), 403, 'not_allowed');
    await refused(await phone.recoveryFinish(code), 403, 'not_allowed');
    await refused(await phone.freshGrant(), 409, 'conflict');
  });

  test('recovery: off by default (no code, no calls); the policy may revoke every other device', async () => {
    const off = await recipient();
    assert.equal(off.verified.recovery_code, undefined);
    await refused(await recipientApi(stack.origin, off.token).recoveryStart('0000-0000-0000-0000'), 403, 'not_allowed');

    const strict = await recipient({ recovery: true, recovery_revokes_others: true });
    const lost = recipientApi(stack.origin, strict.token);
    const { code } = await recover(lost, strict.verified.recovery_code, strict.email);
    await json(await lost.recoveryFinish(code), 200);
    await json(await lost.freshGrant(), 200);
    await refused(await strict.desk.freshGrant(), 409, 'conflict');
    assert.equal((await ids(lost)).length, 1);
    const revoked = (await admin.audit(strict.agreementId)).filter((e) => e.type === 'devices_revoked');
    assert.deepEqual(revoked.map((e) => e.by), ['recovery']);
  });
});

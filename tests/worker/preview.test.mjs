// The sender's preview under workerd: every method's flow walked to the end with nothing sent,
// nothing counted, nothing audited and no webhook; preview and real tokens never cross.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listener } from '../support/listener.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

const PREVIEW_GRANT = 'preview-only-not-a-grant';
// Providers as a deployment names them; a preview never calls them.
const OAUTH_PROVIDERS = JSON.stringify({
  google: { client_id: 'google-client' },
  linkedin: { client_id: 'linkedin-client' },
  platform: { client_id: 'platform-client', issuer: 'http://127.0.0.1:9' },
});
const POLICY = {
  methods: { allowed: ['password', 'phone', 'email_code', 'social', 'platform_account'], default: 'password' },
  phone: { default_country_code: '49' },
};

/// The preview's side of the recipient API, as the app calls it.
function previewApi(origin, token) {
  const auth = { authorization: `Bearer ${token}` };
  const post = (path, body) => fetch(`${origin}/api/v1/preview/recipient${path}`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return {
    view: () => fetch(`${origin}/api/v1/preview/recipient`, { headers: auth }),
    password: (password) => post('/password', { password }),
    sendCode: (channel) => post('/code/send', { channel, language: 'de' }),
    code: (code) => post('/code', { code }),
    startLogin: (provider) => post('/login/start', { provider }),
    finishLogin: () => post('/login/finish', {}),
    devices: () => fetch(`${origin}/api/v1/preview/recipient/devices`, { headers: auth }),
    devicesSeen: () => post('/devices/seen', {}),
    disownDevice: (id) => post(`/devices/${id}/not-mine`, {}),
    revokeDevice: (id) => fetch(`${origin}/api/v1/preview/recipient/devices/${id}`, { method: 'DELETE', headers: auth }),
    pairingOffer: () => post('/pairing', {}),
    pairingStatus: () => fetch(`${origin}/api/v1/preview/recipient/pairing`, { headers: auth }),
    pairingConfirm: (code) => post('/pairing/confirm', { code }),
    passkey: () => post('/passkey', {}),
  };
}

const json = async (res) => ({ status: res.status, body: await res.json() });

describe('sender previews under workerd', () => {
  let stack;
  let admin;
  let hooks;

  before(async () => {
    hooks = await listener();
    const secrets = Object.fromEntries(['GOOGLE', 'LINKEDIN', 'PLATFORM']
      .map((id) => [`OAUTH_${id}_CLIENT_SECRET`, `${id.toLowerCase()}-secret-of-some-length`]));
    stack = new Stack({ vars: { OAUTH_PROVIDERS, PLATFORM_NAME: 'Acme Sign', ...secrets } });
    await stack.start();
    admin = stack.admin();
    await admin.putAccount('acme', { name: 'Acme Legal', webhook_url: `${hooks.origin}/hooks`, policy: POLICY });
  });
  after(async () => {
    await stack?.dispose();
    await hooks?.close();
  });

  async function recipientOf(method) {
    const created = await admin.createAgreement({
      account_id: 'acme',
      title: 'Lease for Flat 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{
        name: 'Ada Lovelace', email: 'ada@example.com', method,
        ...(method === 'password' ? { password: 'Sunrise2026' } : {}),
        ...(method === 'phone' ? { phone: '+49 170 5550123' } : {}),
      }],
    });
    const [recipient] = created.recipients;
    return { agreementId: created.id, recipientId: recipient.id, token: recipient.signing_url.split('#')[1] };
  }

  async function preview(body) {
    const { status, body: created } = await admin.send('POST', '/previews', body);
    assert.equal(status, 201, JSON.stringify(created));
    const url = new URL(created.preview_url);
    return { ...created, url, token: url.hash.slice(1), api: previewApi(stack.origin, url.hash.slice(1)) };
  }

  /// Everything a preview must leave as it was.
  async function snapshot(agreementId) {
    return {
      status: await admin.agreement(agreementId),
      audit: await admin.audit(agreementId),
      outbox: (await stack.outbox()).length,
      webhooks: hooks.requests.length,
    };
  }

  /// Walks `method`'s whole flow in a preview; answers how it ended.
  async function walk(method, api) {
    const view = await (await api.view()).json();
    assert.equal(view.method, method);
    assert.equal(view.preview, true);
    if (method === 'password') {
      const wrongShape = await json(await api.password('not a password!'));
      assert.equal(wrongShape.status, 422);
      assert.equal(wrongShape.body.code, 'invalid_password');
      return json(await api.password('Anything123'));
    }
    if (method === 'phone' || method === 'email_code') {
      const channel = method === 'phone' ? 'sms' : 'email';
      const sent = await json(await api.sendCode(channel));
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.match(sent.body.preview_code, /^\d{6}$/);
      const wrong = sent.body.preview_code === '000000' ? '111111' : '000000';
      // Tries are shown, never used up: far more wrong codes than a real link allows.
      for (let i = 0; i < 12; i++) {
        const { status, body } = await json(await api.code(wrong));
        assert.equal(status, 403);
        assert.equal(body.code, 'wrong_code');
        assert.equal(body.tries_left, view.tries_left);
      }
      // Sending again shows the same code, at once (no cooldown to wait out).
      assert.equal((await json(await api.sendCode(channel))).body.preview_code, sent.body.preview_code);
      return json(await api.code(sent.body.preview_code));
    }
    const provider = method === 'social' ? 'google' : 'platform';
    assert.ok(view.providers.some((p) => p.id === provider), JSON.stringify(view.providers));
    const started = await json(await api.startLogin(provider));
    assert.equal(started.status, 200);
    assert.equal(started.body.authorization_url, `${stack.origin}/s#login=done`, 'the hand-off is simulated, no provider is called');
    return json(await api.finishLogin());
  }

  for (const method of ['password', 'phone', 'email_code', 'social', 'platform_account']) {
    test(`${method}: a preview walks to the end and the recipient, audit, outbox and webhooks are untouched`, async () => {
      const real = await recipientOf(method);
      const before = await snapshot(real.agreementId);
      const p = await preview({ agreement_id: real.agreementId, recipient_id: real.recipientId, language: 'de' });
      assert.equal(p.method, method);
      assert.equal(p.url.pathname, '/s');
      assert.equal(p.url.search, '?lang=de');
      assert.ok(p.token.startsWith('p1.'));
      assert.ok(p.expires_at - Date.now() / 1000 > 3500 && p.expires_at - Date.now() / 1000 <= 3600);

      const view = await (await p.api.view()).json();
      assert.equal(view.recipient_name, 'Ada Lovelace');
      assert.equal(view.agreement_title, 'Lease for Flat 4B');
      const ended = await walk(method, p.api);
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      assert.equal(ended.body.grant, PREVIEW_GRANT);
      assert.equal(ended.body.continue_url, null);

      assert.deepEqual(await snapshot(real.agreementId), before);
      const realView = await (await recipientApi(stack.origin, real.token).view()).json();
      assert.equal(realView.state, 'pending');
      assert.equal(realView.preview, undefined, 'a real view is never marked as a preview');
    });
  }

  test('a preview of a method under the policy, without an agreement', async () => {
    const p = await preview({ account_id: 'acme', method: 'phone', language: 'ru' });
    const view = await (await p.api.view()).json();
    assert.equal(view.agreement_title, 'Sample agreement');
    assert.equal(view.sender.name, 'Acme Legal');
    assert.equal(view.phone_last4, '0123');
    assert.equal(view.tries_left, 5);
    assert.equal((await walk('phone', p.api)).status, 200);
    const named = await preview({
      account_id: 'acme', method: 'social', title: 'NDA',
      sender: { name: 'Sam', email: 'sam@acme.example' }, recipient: { name: 'Ян', email: 'jan@example.org' },
    });
    const social = await (await named.api.view()).json();
    assert.deepEqual([social.agreement_title, social.recipient_name], ['NDA', 'Ян']);
    assert.deepEqual(social.providers.map((p) => p.id), ['google', 'linkedin']);
    assert.equal(named.url.search, '');
  });

  test('the passkey method previewed: its sign-in ends verified with no authenticator asked and no signer\'s passkey needed', async () => {
    await admin.putAccount('pk-preview', { name: 'Acme', policy: { methods: { allowed: ['password', 'passkey'], default: 'passkey' } } });
    const p = await preview({ account_id: 'pk-preview', method: 'passkey', language: 'ru' });
    const view = await (await p.api.view()).json();
    assert.deepEqual([view.method, view.state, view.tries_left], ['passkey', 'pending', 5]);
    const signedIn = await json(await p.api.passkey());
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.equal(signedIn.body.grant, PREVIEW_GRANT);
    // Another method's steps are not this preview's.
    assert.equal((await json(await p.api.password('Anything123'))).body.code, 'wrong_method');
    const password = await preview({ account_id: 'pk-preview', method: 'password' });
    assert.equal((await json(await password.api.passkey())).body.code, 'wrong_method');
  });

  test('an ID check previewed: photos checked as real ones are, none kept, the sandbox name at the end', async () => {
    await admin.putAccount('id-preview', { name: 'Acme', policy: { methods: { allowed: ['government_id'], default: 'government_id' } } });
    const p = await preview({ account_id: 'id-preview', method: 'government_id' });
    const auth = { authorization: `Bearer ${p.token}` };
    const call = (method, path, body, type = 'application/json') => fetch(`${stack.origin}/api/v1/preview/recipient/id/${path}`, {
      method, headers: { ...auth, ...(body ? { 'content-type': type } : {}) }, body,
    });
    const started = await json(await call('POST', 'start'));
    assert.equal(started.body.stage, 'capturing');
    assert.equal(started.body.capture_token, p.token, 'the preview token is its own capture token');
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);
    const photo = await json(await call('PUT', 'photos/id_card/document_back?live=true', jpeg, 'image/jpeg'));
    assert.deepEqual([photo.status, photo.body.photos], [200, ['document_back']]);
    assert.equal((await call('PUT', 'photos/passport/document_back?live=true', jpeg, 'image/jpeg')).status, 400);
    assert.equal((await call('PUT', 'photos/passport/face?live=true', Buffer.from('GIF89a'), 'image/jpeg')).status, 415);
    assert.equal((await call('PUT', 'photos/passport/face?live=true', Buffer.alloc(10 * 1024 * 1024 + 1, 0xff), 'image/jpeg')).status, 413);
    const handoff = await json(await call('POST', 'handoff', JSON.stringify({ phone: '+15550100' })));
    assert.equal(handoff.body.sent_to, null, 'nothing is sent');
    assert.ok(handoff.body.link.endsWith(`/id/#s=${p.token}`));
    assert.equal((await json(await call('POST', 'submit'))).body.stage, 'passed');
    const finished = await json(await call('POST', 'finish'));
    assert.deepEqual([finished.body.grant, finished.body.signature_name], [PREVIEW_GRANT, 'ALEX EXAMPLE']);
    assert.equal(stack.r2Objects(), 0);
  });

  test('previews the policy or the request does not allow are refused with the reason', async () => {
    const real = await recipientOf('password');
    const refusals = [
      [{ account_id: 'acme', method: 'kba' }, 400, /does not allow the method "kba"/],
      [{ account_id: 'nobody', method: 'phone' }, 400, /no account has this id/],
      [{ account_id: 'acme' }, 400, /either method .* or web_form_id/],
      [{ account_id: 'acme', method: 'phone', web_form_id: 'f1' }, 400, /either method .* or web_form_id/],
      [{ account_id: 'acme', web_form_id: 'no-such-form' }, 404, /no web form with this id/],
      [{ agreement_id: real.agreementId, recipient_id: real.recipientId, method: 'phone' }, 400, /not both/],
      [{ agreement_id: real.agreementId }, 400, /either/],
      [{ agreement_id: real.agreementId, recipient_id: 'f'.repeat(64) }, 404, /no recipient/],
      [{ account_id: 'acme', method: 'phone', language: 'fr' }, 400, /language/],
      [{ account_id: 'acme', method: 'phone', expires_in_secs: 10 }, 400, /expires_in_secs/],
      [{ account_id: 'acme', method: 'phone', recipient: { name: '', email: 'x' } }, 400, /recipient\.name.*recipient\.email/],
    ];
    for (const [body, status, reason] of refusals) {
      const answer = await admin.send('POST', '/previews', body);
      assert.equal(answer.status, status, JSON.stringify(body));
      assert.match(answer.body.message, reason, JSON.stringify(body));
    }
  });

  test('the device page previewed: the sender\'s browser and a sample phone, announced; nothing changes', async () => {
    const real = await recipientOf('password');
    const before = await snapshot(real.agreementId);
    const p = await preview({ agreement_id: real.agreementId, recipient_id: real.recipientId });
    const { status, body: list } = await json(await p.api.devices());
    assert.equal(status, 200);
    assert.deepEqual(list.devices.map((d) => [d.current, !!d.new]), [[true, false], [false, true]]);
    assert.deepEqual(list.policy, { passkeys: 'offered', pairing: true, recovery: false, recovery_revokes_others: false });
    assert.ok(list.devices.every((d) => !d.passkey));
    const phone = list.devices[1].id;
    assert.deepEqual((await json(await p.api.disownDevice(phone))).body, { revoked: 1 });
    assert.deepEqual((await json(await p.api.revokeDevice(phone))).body, { revoked: 1 });
    assert.equal((await json(await p.api.devices())).body.devices.length, 2, 'nothing was removed');
    assert.ok((await json(await p.api.devicesSeen())).body.devices.every((d) => !d.new));
    const offer = await json(await p.api.pairingOffer());
    assert.equal(offer.body.link, `${stack.origin}/device/#${p.token}`, 'the link opens the same preview');
    assert.equal((await json(await p.api.pairingStatus())).body.claimed_by.platform, 'iOS');
    assert.equal((await json(await p.api.pairingConfirm('123456'))).body.devices.length, 2);
    // The real recipient's devices and trail are as they were; its token is refused here.
    assert.deepEqual(await snapshot(real.agreementId), before);
    assert.equal((await json(await previewApi(stack.origin, real.token).devices())).status, 404);
    assert.equal((await json(await recipientApi(stack.origin, p.token).devices())).status, 404);

    await admin.putAccount('closed', { name: 'Closed', policy: { ...POLICY, devices: { pairing: false } } });
    const closed = await preview({ account_id: 'closed', method: 'password' });
    assert.equal((await json(await closed.api.pairingOffer())).body.code, 'not_allowed');
  });

  test('a preview token is refused on the real routes, a real token on the preview routes', async () => {
    const real = await recipientOf('phone');
    const p = await preview({ agreement_id: real.agreementId, recipient_id: real.recipientId });
    const asReal = recipientApi(stack.origin, p.token);
    for (const res of [await asReal.view(), await asReal.sendCode('sms'), await asReal.code('123456'), await asReal.password('Sunrise2026')]) {
      const { status, body } = await json(res);
      assert.equal(status, 404);
      assert.equal(body.code, 'invalid_link');
    }
    const asPreview = previewApi(stack.origin, real.token);
    for (const res of [await asPreview.view(), await asPreview.sendCode('sms'), await asPreview.code('123456')]) {
      const { status, body } = await json(res);
      assert.equal(status, 404);
      assert.equal(body.code, 'invalid_link');
    }
    // A preview token changed anywhere is no token at all, so no one can write their own.
    const [head, payload, tag] = p.token.split('.');
    const forged = JSON.parse(Buffer.from(payload, 'base64url'));
    forged.tries = 1000;
    const tampered = `${head}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${tag}`;
    assert.equal((await previewApi(stack.origin, tampered).view()).status, 404);
    assert.equal((await previewApi(stack.origin, `${head}.${payload}.${tag.slice(1)}`).view()).status, 404);
    // The real link was never touched; its verification is what fires a webhook (the control
    // that the listener would have seen one from a preview).
    const before = hooks.requests.length;
    const code = await (async () => {
      const api = recipientApi(stack.origin, real.token, { ip: '203.0.113.250' });
      assert.equal((await api.sendCode('sms')).status, 200);
      return { api, code: await stack.latestCode('+491705550123') };
    })();
    assert.equal((await code.api.code(code.code)).status, 200);
    await hooks.next((r) => JSON.parse(r.body).type === 'recipient.verified');
    assert.ok(hooks.requests.length > before);
  });
});

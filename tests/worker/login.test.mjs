// Login hand-offs against a real OpenID provider on loopback (oidc-provider), standing in for
// Google, LinkedIn, Facebook (plain OAuth 2.0 via its profile endpoint) and the platform.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callback, login, newJar, startLogin } from '../support/login.mjs';
import { startOidc } from '../support/oidc.mjs';
import { Stack, freePort, recipientApi } from '../support/stack.mjs';

const count = (events, type) => events.filter((e) => e.type === type).length;

/// Every file under `dir`.
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/// Follows the provider's redirects as the signer (Ada) until it sends the browser back to us;
/// answers that URL without visiting it.
async function answerOf(authorizationUrl, jar) {
  let url = authorizationUrl;
  for (let hops = 0; hops < 10; hops++) {
    if (url.includes('/api/v1/oauth/callback')) return url;
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    if (res.status === 200) {
      const uid = new URL(url).pathname.split('/')[2];
      const form = await fetch(new URL(`/interaction/${uid}/login`, url), {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ login: 'ada' }),
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      });
      jar.take(form);
      url = new URL(form.headers.get('location'), url).href;
    } else {
      url = new URL(res.headers.get('location'), url).href;
    }
  }
  throw new Error('the provider did not send the browser back');
}

describe('login hand-offs under workerd', () => {
  let oidc;
  let stack;
  let admin;

  before(async () => {
    const port = await freePort();
    oidc = await startOidc({ redirectUris: [`http://127.0.0.1:${port}/api/v1/oauth/callback`] });
    // Every provider but Yahoo is set up: the policy may allow it, the deployment does not have
    // it. Microsoft's is down (nothing listens at its issuer).
    const vars = oidc.workerVars(['google', 'linkedin', 'facebook', 'microsoft', 'platform', 'x']);
    const providers = JSON.parse(vars.OAUTH_PROVIDERS);
    providers.microsoft.issuer = 'http://127.0.0.1:9';
    stack = new Stack({ vars: { ...vars, OAUTH_PROVIDERS: JSON.stringify(providers) } });
    stack.port = port;
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await stack?.dispose();
    await oidc?.close();
  });

  async function recipient({ method = 'social', email = 'ada@example.com', policy = {}, accountId = 'acme' } = {}) {
    await admin.putAccount(accountId, {
      name: 'Acme Legal',
      policy: { methods: { allowed: ['social', 'platform_account', 'password'], default: method }, ...policy },
    });
    const created = await admin.createAgreement({
      account_id: accountId,
      title: 'Lease for Flat 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada Lovelace', email, method }],
    });
    const token = created.recipients[0].signing_url.split('#')[1];
    return { token, agreementId: created.id, recipientId: created.recipients[0].id, api: recipientApi(stack.origin, token) };
  }

  /// The app collecting the grant, in the browser `jar` (none: another browser with the link).
  const finish = async (token, jar) => {
    const res = await fetch(`${stack.origin}/api/v1/recipient/login/finish`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, ...(jar ? { cookie: jar.header() } : {}) },
    });
    jar?.take(res);
    return res;
  };

  async function failures(agreementId) {
    return (await admin.audit(agreementId)).filter((e) => e.type === 'login_failed').map((e) => e.failure === 'token' ? `token:${e.problem}` : e.failure);
  }

  test('the full code flow: LinkedIn (OpenID Connect) → verified, a grant once, the identity audited', async () => {
    const { token, agreementId, api } = await recipient();
    const view = await (await api.view()).json();
    assert.deepEqual(view.providers, [
      { id: 'google', name: 'Google' }, { id: 'linkedin', name: 'LinkedIn' }, { id: 'facebook', name: 'Facebook' },
    ]);
    const { outcome, authorizationUrl, jar } = await login(stack.origin, token, 'linkedin');
    const asked = new URL(authorizationUrl).searchParams;
    assert.equal(asked.get('code_challenge_method'), 'S256');
    assert.ok(asked.get('state').length >= 43 && asked.get('nonce').length >= 32);
    assert.equal(asked.get('redirect_uri'), `${stack.origin}/api/v1/oauth/callback`);
    assert.equal(outcome, 'done');

    // The same link in another browser finds no grant to collect: it went back to this one.
    assert.equal((await (await finish(token)).json()).code, 'no_login');
    const res = await finish(token, jar);
    assert.equal(res.status, 200);
    const verified = await res.json();
    assert.equal(verified.signature_name, 'Ada Lovelace');
    const [header, payload, signature] = verified.grant.split('.');
    assert.equal(createHmac('sha256', stack.secrets.GRANT_SIGNING_KEY).update(`${header}.${payload}`).digest('base64url'), signature);
    assert.deepEqual(JSON.parse(Buffer.from(payload, 'base64url')).amr, ['fed']);
    assert.equal((await (await finish(token, jar)).json()).code, 'already_verified', 'the grant is collected once');

    const events = await admin.audit(agreementId);
    const proven = events.find((e) => e.type === 'identity_proven');
    assert.deepEqual(
      [proven.provider, proven.subject, proven.name, proven.profile_url],
      ['linkedin', 'ada', 'Ada Lovelace', 'https://social.example/ada'],
    );
    assert.equal(count(events, 'login_started'), 1);
    assert.equal(count(events, 'verified'), 1);
    const status = await admin.agreement(agreementId);
    assert.equal(status.state, 'verified');
    assert.equal(status.recipients[0].signature_name, 'Ada Lovelace');
  });

  test('the link in a second browser signs in again there, and each browser collects only its own grant', async () => {
    const { token, agreementId } = await recipient();
    const desk = await login(stack.origin, token, 'linkedin');
    await finish(token, desk.jar);
    const phone = await login(stack.origin, token, 'linkedin');
    assert.equal(phone.outcome, 'done', 'verified in the first browser is not verified here');
    assert.equal((await (await finish(token, desk.jar)).json()).code, 'already_verified');
    const res = await finish(token, phone.jar);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).signature_name, 'Ada Lovelace');
    const events = await admin.audit(agreementId);
    assert.equal(count(events, 'verified'), 1);
    assert.equal(count(events, 'verified_on_another_device'), 1);
  });

  test('a method change voids a hand-off under way: the provider\'s answer finds it gone', async () => {
    const { token, agreementId, recipientId, api } = await recipient();
    const jar = newJar();
    const started = await startLogin(stack.origin, token, 'linkedin', jar);
    assert.equal(started.status, 200);
    const changed = await admin.changeMethod(agreementId, recipientId,
      { method: 'password', password: 'Harbour2027', password_confirmation: 'Harbour2027' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    // The signer finishes at the provider after the change: the flow is unknown now.
    const answer = await answerOf(started.body.authorization_url, jar);
    assert.equal(await callback(answer, jar), 'expired');
    assert.equal((await finish(token)).status, 409);
    const view = await (await api.view()).json();
    assert.equal(view.state, 'pending');
    assert.equal(view.method, 'password');
    const events = await admin.audit(agreementId);
    assert.equal(count(events, 'verified'), 0);
    assert.equal(count(events, 'identity_proven'), 0);
  });

  const faults = [['signature', 'signature'], ['aud', 'audience'], ['expired', 'expired'], ['nonce', 'nonce'],
    ['iss', 'issuer'], ['alg-none', 'algorithm'], ['hs256', 'algorithm'], ['kid', 'signature']];
  for (const [fault, problem] of faults) {
    test(`an ID token with a bad ${fault} is refused, audited, and nothing is verified`, async () => {
      const { token, agreementId, api } = await recipient();
      oidc.tamperNext(fault);
      assert.equal((await login(stack.origin, token, 'linkedin')).outcome, 'failed');
      assert.deepEqual(await failures(agreementId), [`token:${problem}`]);
      assert.equal((await (await api.view()).json()).state, 'pending');
      assert.equal((await (await finish(token)).json()).code, 'no_login');
      assert.equal(count(await admin.audit(agreementId), 'identity_proven'), 0);
      // The signer can simply try again.
      assert.equal((await login(stack.origin, token, 'linkedin')).outcome, 'done');
    });
  }

  test('a replayed state is refused: the same answer twice at once verifies once', async () => {
    const { token, agreementId } = await recipient();
    // Stop where the provider sends the browser back, and send that answer twice at once, with
    // the browser's cookie: only the recipient's object can tell which came first.
    const jar = newJar();
    const started = await startLogin(stack.origin, token, 'google', jar);
    const answer = await answerOf(started.body.authorization_url, jar);
    const binding = jar.header();
    const both = await Promise.all([0, 1].map(() => fetch(answer, { redirect: 'manual', headers: { cookie: binding } })));
    const outcomes = both.map((r) => r.headers.get('location')).sort();
    assert.deepEqual(outcomes, ['/s#login=done', '/s#login=expired']);
    assert.deepEqual(await failures(agreementId), ['replayed']);
    assert.equal(count(await admin.audit(agreementId), 'verified'), 1);
    const madeUp = new URL(answer);
    madeUp.searchParams.set('state', 'x'.repeat(43));
    assert.equal(await callback(madeUp.href, jar), 'expired');
  });

  test('a silent platform login that brings the wrong account asks for a fresh sign-in next time', async () => {
    const jar = newJar();
    const eve = await recipient({ method: 'social', email: 'eve@evil.example' });
    assert.equal((await login(stack.origin, eve.token, 'google', { user: 'eve', jar })).outcome, 'done');
    // Signed in as Eve at the provider; Ada's platform login comes back as Eve, silently.
    const ada = await recipient({ method: 'platform_account' });
    const silent = await login(stack.origin, ada.token, 'platform', { jar });
    assert.equal(silent.sawSignInPage, false);
    assert.equal(silent.outcome, 'mismatch');
    const again = await login(stack.origin, ada.token, 'platform', { jar, user: 'ada' });
    assert.equal(new URL(again.authorizationUrl).searchParams.get('prompt'), 'login');
    assert.ok(again.sawSignInPage, 'the provider asked who is signing in');
    assert.equal(again.outcome, 'done');
  });

  test('a grant not yet collected is not handed out once the agreement is cancelled', async () => {
    await admin.putAccount('two', { name: 'Two', policy: { methods: { allowed: ['social', 'password'], default: 'social' } } });
    const created = await admin.createAgreement({
      account_id: 'two', title: 'Lease', sender: { name: 'Sam', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada', email: 'ada@example.com' }, { name: 'Bo', email: 'bo@example.com', method: 'password', password: 'Sunrise2026' }],
    });
    const [ada, bo] = created.recipients.map((r) => r.signing_url.split('#')[1]);
    assert.equal((await login(stack.origin, ada, 'google')).outcome, 'done');
    for (let i = 0; i < 5; i++) await recipientApi(stack.origin, bo).password('Wrong1234');
    const late = await finish(ada);
    assert.equal(late.status, 409);
    assert.equal((await late.json()).code, 'cancelled');
  });

  test('a start checks the link before any work for the provider', async () => {
    const { token, api } = await recipient({ accountId: 'down', policy: { social: { providers: ['google', 'microsoft'] } } });
    const down = await startLogin(stack.origin, token, 'microsoft');
    assert.deepEqual([down.status, down.body.code], [502, 'provider_unavailable'], 'a good link meets the provider being down');
    // A link that is not this recipient's, or a cancelled one, is answered as such: the provider
    // is never asked (it would have answered 502).
    const forged = `${token.slice(0, 43)}${token[43] === 'A' ? 'B' : 'A'}${token.slice(44)}`;
    const refused = await startLogin(stack.origin, forged, 'microsoft');
    assert.deepEqual([refused.status, refused.body.code], [404, 'invalid_link']);
    const created = await admin.createAgreement({
      account_id: 'down', title: 'Lease', sender: { name: 'Sam', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada', email: 'ada@example.com', method: 'social' }, { name: 'Bo', email: 'bo@example.com', method: 'password', password: 'Sunrise2026' }],
    });
    const [ada, bo] = created.recipients.map((r) => r.signing_url.split('#')[1]);
    for (let i = 0; i < 5; i++) await recipientApi(stack.origin, bo).password('Wrong1234');
    const cancelled = await startLogin(stack.origin, ada, 'microsoft');
    assert.deepEqual([cancelled.status, cancelled.body.code], [409, 'cancelled']);
    assert.equal((await (await api.view()).json()).state, 'pending');
  });

  test('a second login in another tab of the same browser does not break the first', async () => {
    const { token, agreementId } = await recipient();
    const jar = newJar();
    const first = await startLogin(stack.origin, token, 'google', jar);
    const second = await startLogin(stack.origin, token, 'linkedin', jar);
    assert.equal(second.status, 200);
    // The first tab's hand-off comes back after the second was started: still this browser's.
    const answer = await answerOf(first.body.authorization_url, jar);
    assert.equal(await callback(answer, jar), 'done');
    assert.deepEqual(await failures(agreementId), []);
  });

  test("a login's secrets are kept in the recipient's object, never in KV", async () => {
    const { token } = await recipient();
    const started = await startLogin(stack.origin, token, 'google');
    assert.equal(started.status, 200);
    const kv = filesUnder(path.join(stack.dir, 'state')).filter((f) => f.split(path.sep).includes('kv'));
    for (const file of kv) assert.ok(!readFileSync(file).includes('code_verifier'), `a flow in ${file}`);
    // The state names the object that holds the flow.
    const state = new URL(started.body.authorization_url).searchParams.get('state');
    assert.match(state, /^[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
  });

  test('a hand-off finished in another browser is refused (login CSRF)', async () => {
    const { token, agreementId, api } = await recipient();
    const attempt = await login(stack.origin, token, 'google', { callbackJar: newJar() });
    assert.equal(attempt.outcome, 'expired');
    assert.deepEqual(await failures(agreementId), ['other_browser']);
    // Nor can the right browser use that answer afterwards.
    assert.equal(await callback(attempt.callbackUrl, attempt.jar), 'expired');
    assert.equal((await (await api.view()).json()).state, 'pending');
  });

  test('denied consent ends on its own outcome, audited', async () => {
    const { token, agreementId, api } = await recipient();
    assert.equal((await login(stack.origin, token, 'google', { cancel: true })).outcome, 'denied');
    assert.deepEqual(await failures(agreementId), ['denied']);
    assert.equal((await (await api.view()).json()).state, 'pending');
  });

  test('with the e-mail match on, another or an unverified address is a mismatch', async () => {
    const { token, agreementId, api } = await recipient({ accountId: 'strict', policy: { social: { require_email_match: true } } });
    assert.equal((await login(stack.origin, token, 'google', { user: 'eve' })).outcome, 'mismatch');
    assert.equal((await login(stack.origin, token, 'google', { user: 'mallory' })).outcome, 'mismatch');
    assert.equal((await (await api.view()).json()).state, 'pending');
    const events = await admin.audit(agreementId);
    assert.deepEqual(events.filter((e) => e.type === 'identity_proven').map((e) => e.subject), ['eve', 'mallory']);
    assert.deepEqual(await failures(agreementId), ['mismatch', 'mismatch']);
    assert.equal((await login(stack.origin, token, 'google', { user: 'ada' })).outcome, 'done');
  });

  test('Facebook-style plain OAuth 2.0: the profile endpoint names the signer', async () => {
    const { token, agreementId } = await recipient();
    const { outcome, authorizationUrl, jar } = await login(stack.origin, token, 'facebook');
    assert.equal(new URL(authorizationUrl).searchParams.get('nonce'), null, 'no OpenID nonce without OpenID');
    assert.equal(outcome, 'done');
    const proven = (await admin.audit(agreementId)).find((e) => e.type === 'identity_proven');
    assert.deepEqual([proven.provider, proven.subject, proven.profile_url], ['facebook', 'fb-ada', 'https://social.example/ada']);
    // Facebook's display name is not one a signature may take.
    assert.equal((await (await finish(token, jar)).json()).signature_name, undefined);
  });

  test('platform account: e-mail prefilled, and skipped at the provider when already signed in', async () => {
    const first = await recipient({ method: 'platform_account' });
    const view = await (await first.api.view()).json();
    assert.deepEqual(view.providers, [{ id: 'platform', name: 'Acme Sign' }]);
    const jar = newJar();
    const signIn = await login(stack.origin, first.token, 'platform', { jar });
    const asked = new URL(signIn.authorizationUrl).searchParams;
    assert.equal(asked.get('login_hint'), 'ada@example.com');
    assert.equal(asked.get('prompt'), 'none', 'a silent attempt first');
    assert.ok(signIn.sawSignInPage, 'no session yet: the worker asked again with a prompt');
    assert.equal(signIn.outcome, 'done');

    const second = await recipient({ method: 'platform_account' });
    const again = await login(stack.origin, second.token, 'platform', { jar });
    assert.equal(again.sawSignInPage, false, 'signed in at the platform already: straight back');
    assert.equal(again.outcome, 'done');
  });

  test('providers the policy does not allow or the deployment lacks are refused before anything', async () => {
    const { token, api } = await recipient({ accountId: 'yahoo', policy: { social: { providers: ['google', 'yahoo'] } } });
    assert.deepEqual((await (await api.view()).json()).providers, [{ id: 'google', name: 'Google' }]);
    const notSetUp = await startLogin(stack.origin, token, 'yahoo');
    assert.deepEqual([notSetUp.status, notSetUp.body.code], [503, 'not_configured']);
    const notAllowed = await startLogin(stack.origin, token, 'x');
    assert.deepEqual([notAllowed.status, notAllowed.body.code], [409, 'wrong_method']);
    const unknown = await startLogin(stack.origin, token, '../../admin');
    assert.deepEqual([unknown.status, unknown.body.code], [409, 'wrong_method'], 'an unknown provider is a 4xx');
    const password = await admin.passwordAgreement();
    const wrongMethod = await startLogin(stack.origin, password.token, 'google');
    assert.deepEqual([wrongMethod.status, wrongMethod.body.code], [409, 'wrong_method']);
    assert.equal((await callback(`${stack.origin}/api/v1/oauth/callback`, newJar())), 'expired');
  });
});

// A real OpenID provider on loopback (the OpenID-certified `oidc-provider` package), standing in
// for Google, LinkedIn, Microsoft and the e-sign platform in development and tests, with a plain
// OAuth 2.0 profile endpoint (`/me`, Facebook-style) for the providers without OpenID Connect.
//
// Test users sign in on a small login page (any of USERS, no password: it is a stand-in). Tests
// can make the next token answer faulty (`tamperNext`) to prove the Worker refuses it.
//
//   node tests/support/oidc.mjs [port] [redirect_uri]   runs it for `cargo xtask dev`
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

export const USERS = {
  ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', profile: 'https://social.example/ada' },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob Builder' },
  eve: { email: 'eve@evil.example', email_verified: true, name: 'Eve Mallory' },
  // Claims Ada's address without having confirmed it.
  mallory: { email: 'ada@example.com', email_verified: false, name: 'Not Ada' },
};

/// The provider ids the local provider stands in for, each a client of its own.
export const CLIENTS = ['google', 'linkedin', 'microsoft', 'platform', 'facebook', 'x'];
export const clientSecret = (id) => `local-${id}-secret-0123456789`;
const OAUTH2_ONLY = new Set(['facebook', 'x']);

/// In-memory storage: this provider is a stand-in that lives as long as the test or dev run.
const stores = new Map();
class MemoryAdapter {
  constructor(name) { this.name = name; }
  key(id) { return `${this.name}:${id}`; }
  async upsert(id, payload, expiresIn) {
    stores.set(this.key(id), { payload, until: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.uid) stores.set(`uid:${payload.uid}`, this.key(id));
    if (payload.userCode) stores.set(`userCode:${payload.userCode}`, this.key(id));
  }
  async find(id) {
    const found = stores.get(this.key(id));
    return found && found.until > Date.now() ? found.payload : undefined;
  }
  async findByUid(uid) { const key = stores.get(`uid:${uid}`); return key && stores.get(key)?.payload; }
  async findByUserCode(code) { const key = stores.get(`userCode:${code}`); return key && stores.get(key)?.payload; }
  async consume(id) { const found = stores.get(this.key(id)); if (found) found.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { stores.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const [key, value] of stores) if (value?.payload?.grantId === grantId) stores.delete(key);
  }
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startOidc({ port = 0, redirectUris }) {
  const server = createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'local-1', use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: CLIENTS.map((id) => ({
      client_id: `${id}-client`,
      client_secret: clientSecret(id),
      client_name: id,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: id === 'facebook' ? 'client_secret_post' : 'client_secret_basic',
    })),
    jwks: { keys: [signingKey] },
    findAccount: (_ctx, id) => USERS[id] && { accountId: id, claims: () => ({ sub: id, ...USERS[id] }) },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'profile'] },
    scopes: ['openid', 'email', 'profile'],
    // Names and addresses in the ID token itself, as Google and LinkedIn send them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // First-party, as Google is for its own sign-in and the platform for its users: no consent
    // page, so a signed-in user with `prompt=none` comes straight back.
    loadExistingGrant: async (ctx) => {
      const { client, session, params, provider: op } = ctx.oidc;
      const existing = session?.grantIdFor(client.clientId);
      if (existing) {
        const grant = await op.Grant.find(existing);
        if (grant) return grant;
      }
      if (!session?.accountId) return undefined;
      const grant = new op.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(params.scope);
      await grant.save();
      return grant;
    },
    pkce: { required: () => true },
        cookies: { keys: ['local-only-not-a-secret'] },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    adapter: MemoryAdapter,
    ttl: {
      AccessToken: 600, AuthorizationCode: 60, ClientCredentials: 600, Grant: 3600, IdToken: 600,
      Interaction: 600, Session: 3600,
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider:', error));

  // Faults for the next token answer only: the Worker must refuse each of them.
  let tamper = null;
  const resign = (idToken, change) => {
    const [header, payload] = idToken.split('.');
    const claims = { ...JSON.parse(Buffer.from(payload, 'base64url')), ...change };
    const input = `${header}.${b64(claims)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const faults = {
    // Claims changed after signing: the signature no longer holds.
    signature: (t) => { const [h, p, s] = t.split('.'); return `${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url')), name: 'Mallory' })}.${s}`; },
    aud: (t) => resign(t, { aud: 'someone-else' }),
    expired: (t) => resign(t, { iat: now() - 7200, exp: now() - 3600 }),
    nonce: (t) => resign(t, { nonce: 'not-the-nonce' }),
    iss: (t) => resign(t, { iss: 'https://evil.example' }),
    // Algorithm confusion: unsigned, or HMAC with the client's own secret (which OpenID allows,
    // and which a client must not accept when it expects the provider's key).
    'alg-none': (t) => { const [, p] = t.split('.'); return `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`; },
    hs256: (t, clientSecretValue) => {
      const [, p] = t.split('.');
      const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${p}`;
      return `${input}.${createHmac('sha256', clientSecretValue).update(input).digest('base64url')}`;
    },
    // Signed by a key the provider never published.
    kid: (t) => {
      const [, p] = t.split('.');
      const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'stranger' })}.${p}`;
      return `${input}.${createSign('RSA-SHA256').update(input).sign(strangerKey).toString('base64url')}`;
    },
  };
  provider.use(async (ctx, next) => {
    await next();
    if (tamper && ctx.path === '/token' && ctx.body?.id_token) {
      const client = ctx.oidc?.client?.clientId ?? '';
      ctx.body = { ...ctx.body, id_token: faults[tamper](ctx.body.id_token, clientSecret(client.replace(/-client$/, ''))) };
      tamper = null;
    }
  });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      if (url.pathname.startsWith('/interaction/')) return await interaction(provider, req, res, url);
      if (url.pathname === '/me') return await profile(provider, req, res);
      return callback(req, res);
    } catch (error) {
      console.error('local OpenID provider:', error);
      res.writeHead(500).end(String(error));
    }
  });

  return {
    issuer,
    /// Make the next ID token faulty: one of the `faults` above.
    tamperNext(kind) {
      if (!faults[kind]) throw new Error(`no such fault: ${kind}`);
      tamper = kind;
    },
    /// `OAUTH_PROVIDERS` and the client secrets for a Worker using this provider.
    workerVars(ids = CLIENTS) {
      const providers = Object.fromEntries(ids.map((id) => [id, OAUTH2_ONLY.has(id)
        ? {
          client_id: `${id}-client`,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          profile_endpoint: `${issuer}/me`,
          // Like Facebook, it gives out only confirmed addresses.
          profile: { subject: '/id', name: '/name', email: '/email', link: '/link', emails_verified: true },
          scope: 'profile email',
        }
        : { client_id: `${id}-client`, issuer }]));
      return {
        OAUTH_PROVIDERS: JSON.stringify(providers),
        PLATFORM_NAME: 'Acme Sign',
        ...Object.fromEntries(ids.map((id) => [`OAUTH_${id.toUpperCase()}_CLIENT_SECRET`, clientSecret(id)])),
      };
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/// The provider's own sign-in page: pick a test user, or cancel (access_denied).
async function interaction(provider, req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const { uid, params } = details;
  const action = url.pathname.split('/')[3];
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'login') {
    const login = (await readForm(req)).get('login');
    if (USERS[login]) {
      // Another account than the one signed in: end that session here, as "switch account" does
      // at real providers (oidc-provider would otherwise detour through its logout page).
      if (details.session?.accountId && details.session.accountId !== login) {
        const old = await provider.Session.find(details.session.cookie);
        await old?.destroy();
        delete details.session;
        await details.save(details.exp - Math.floor(Date.now() / 1000));
      }
      const grant = new provider.Grant({ accountId: login, clientId: params.client_id });
      grant.addOIDCScope(params.scope);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res,
        { login: { accountId: login }, consent: { grantId } }, { mergeWithLastSubmission: false });
    }
  }
  const hinted = Object.entries(USERS).find(([, u]) => u.email === params.login_hint)?.[0] ?? '';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local sign-in</title>
<main><h1>Sign in to continue to signgate</h1>
<p>Local OpenID provider standing in for ${escape(params.client_id.replace(/-client$/, ''))}. Accounts: ${Object.keys(USERS).join(', ')}.</p>
<form method="post" action="/interaction/${uid}/login">
<label for="login">Account</label> <input id="login" name="login" autocomplete="username" value="${escape(hinted)}">
<button type="submit">Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form></main>`);
}

/// A Facebook-style profile for the plain OAuth 2.0 path: `GET /me` with the access token.
async function profile(provider, req, res) {
  const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
  const grant = token && await provider.AccessToken.find(token);
  const user = grant && USERS[grant.accountId];
  if (!user) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
    id: `fb-${grant.accountId}`, name: user.name, email: user.email_verified ? user.email : undefined,
    link: `https://social.example/${grant.accountId}`,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 9090);
  const redirect = process.argv[3] ?? 'http://127.0.0.1:8787/api/v1/oauth/callback';
  const oidc = await startOidc({ port, redirectUris: [redirect] });
  // First the Worker's settings for `wrangler dev --var`, then an empty line (xtask reads these).
  for (const [name, value] of Object.entries(oidc.workerVars())) console.log(`${name}:${value}`);
  console.log('');
  console.log(`local OpenID provider at ${oidc.issuer} (users: ${Object.keys(USERS).join(', ')})`);
}

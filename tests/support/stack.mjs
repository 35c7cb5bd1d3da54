// The real stack for tests: the built Worker under `wrangler dev` (local workerd, KV, Durable
// Objects), isolated per test file: its own config directory, secrets and persisted state.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Ctrl-C or a CI timeout: exit normally, so the 'exit' hooks below stop every runtime we started.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function randomSecret() {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}

/// A wrangler config next to its own .dev.vars, pointing at the built worker and app.
/// Codes go to the dev outbox unless a test sets CODE_DELIVERY to something else. `editToml` may
/// change the config (the rate limiter's numbers, say).
function writeConfig(dir, secrets, extraVars, editToml) {
  const toml = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
    .replace(/^main = ".*"$/m, `main = "${path.join(ROOT, 'worker/build/worker/shim.mjs')}"`)
    .replace(/^directory = ".*"$/m, `directory = "${path.join(ROOT, 'dist')}"`);
  writeFileSync(path.join(dir, 'wrangler.toml'), editToml(toml));
  const vars = { ...secrets, DEV_ALLOW_LOOPBACK_HTTP: 'true', CODE_DELIVERY: 'outbox', ...extraVars };
  // JSON values (OAUTH_PROVIDERS) go in single quotes, which .dev.vars takes literally.
  const line = ([k, v]) => (/^[[{]/.test(v) ? `${k}='${v}'` : `${k}=${v}`);
  writeFileSync(path.join(dir, '.dev.vars'), Object.entries(vars).map(line).join('\n') + '\n');
}

export class Stack {
  constructor({ vars = {}, editToml = (toml) => toml } = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'signgate-stack-'));
    this.secrets = {
      ADMIN_API_KEY: randomSecret(),
      PASSWORD_PEPPER: randomSecret(),
      GRANT_SIGNING_KEY: randomSecret(),
      WEBHOOK_SECRET: randomSecret(),
    };
    writeConfig(this.dir, this.secrets, vars, editToml);
    this.log = '';
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port ??= await freePort();
    this.child = spawn(
      WRANGLER,
      ['dev', '--local', '--ip', '127.0.0.1', '--port', String(this.port), '--show-interactive-dev-session=false',
        '--config', path.join(this.dir, 'wrangler.toml'), '--persist-to', path.join(this.dir, 'state')],
      {
        cwd: this.dir,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    // Its own process group (so stop() takes workerd down with it), which also means it would
    // outlive a crashed test process: end it when this process ends, however that happens.
    const pid = this.child.pid;
    process.once('exit', () => { try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ } });
    const keep = (chunk) => { this.log = (this.log + chunk).slice(-20000); };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    const exited = new Promise((_, reject) => this.child.once('exit', (code) =>
      reject(new Error(`wrangler exited (${code}) before it was ready:\n${this.log}`))));
    await Promise.race([waitForHealth(this.origin), exited]);
    return this;
  }

  /// Stops the runtime the way a crash or deploy would: the whole process group, at once.
  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    try { process.kill(-this.child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await gone;
    clearTimeout(timer);
  }

  async restart() {
    await this.stop();
    return this.start();
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  admin() {
    return new Admin(this.origin, this.secrets.ADMIN_API_KEY);
  }

  /// How many objects the local R2 bucket `bucket` holds (its blobs on disk).
  r2Objects(bucket = 'signgate-id-photos') {
    const blobs = path.join(this.dir, 'state', 'v3', 'r2', bucket, 'blobs');
    return existsSync(blobs) ? readdirSync(blobs).length : 0;
  }

  /// What the dev outbox holds, newest first.
  async outbox() {
    const res = await fetch(`${this.origin}/dev/outbox.json`);
    if (!res.ok) throw new Error(`dev outbox → ${res.status}`);
    return (await res.json()).messages;
  }

  /// The code in the newest message to `to` (the SMS's WebOTP line, the e-mail's code line).
  async latestCode(to) {
    const message = (await this.outbox()).find((m) => m.to === to);
    if (!message) throw new Error(`no message to ${to} in the dev outbox`);
    return codeIn(message);
  }
}

/// The JSON body of `res`, asserting its status.
export async function answered(res, status) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

/// A refusal: its status and error code asserted; the body.
export async function refused(res, status, code) {
  const body = await answered(res, status);
  assert.equal(body.code, code, JSON.stringify(body));
  return body;
}

/// The code a message carries.
export function codeIn(message) {
  const found = message.channel === 'sms'
    ? message.body.match(/#(\d+)$/)
    : message.channel === 'voice'
      ? message.body.match(/: ((?:\d, )+\d)\./)?.map((m) => m.replaceAll(', ', ''))
      : message.body.match(/^ {4}(\d+)$/m);
  if (!found) throw new Error(`no code in ${JSON.stringify(message)}`);
  return found[1];
}

export async function waitForHealth(origin, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${origin}/api/health`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the stack at ${origin} did not become healthy in ${timeoutMs} ms`);
}

/// The e-sign platform's side: the admin API.
export class Admin {
  constructor(origin, key) {
    this.origin = origin;
    this.key = key;
  }

  /// The answer as it is, refusals included: `{ status, body }`.
  async send(method, route, body) {
    const res = await fetch(`${this.origin}/admin/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  }

  async request(method, route, body) {
    const { status, body: json } = await this.send(method, route, body);
    if (status >= 300) throw new Error(`${method} ${route} → ${status}: ${JSON.stringify(json)}`);
    return json;
  }

  /// The sender changes a recipient's method after sending (`change`: `{ method, password, … }`).
  changeMethod(agreementId, recipientId, change) {
    return this.send('PUT', `/agreements/${agreementId}/recipients/${recipientId}/method`, change);
  }

  /// The sender hands a recipient's part to someone else (`recipient`: name, email, method, …).
  replaceRecipient(agreementId, recipientId, recipient, by) {
    return this.send('POST', `/agreements/${agreementId}/recipients/${recipientId}/replace`,
      by ? { recipient, by } : { recipient });
  }

  /// A recipient's devices, and revoking one (`device`) or all: `{ status, body }`.
  devices(agreementId, recipientId) {
    return this.send('GET', `/agreements/${agreementId}/recipients/${recipientId}/devices`);
  }

  revokeDevices(agreementId, recipientId, device) {
    return this.send('DELETE', `/agreements/${agreementId}/recipients/${recipientId}/devices${device ? `/${device}` : ''}`);
  }

  /// A recipient's Signer Identity Reports (government ID): `{ status, body }`.
  identityReports(agreementId, recipientId) {
    return this.send('GET', `/agreements/${agreementId}/recipients/${recipientId}/identity-reports`);
  }

  eraseIdentityReports(agreementId, recipientId) {
    return this.send('DELETE', `/agreements/${agreementId}/recipients/${recipientId}/identity-reports`);
  }

  /// One photo of a report, as the raw response.
  identityReportPhoto(agreementId, recipientId, reportId, shot) {
    return fetch(
      `${this.origin}/admin/v1/agreements/${agreementId}/recipients/${recipientId}/identity-reports/${reportId}/photos/${shot}`,
      { headers: { authorization: `Bearer ${this.key}` } },
    );
  }

  putAccount(id, account) {
    return this.request('PUT', `/accounts/${id}`, account);
  }

  createAgreement(agreement) {
    return this.request('POST', '/agreements', agreement);
  }

  agreement(id) {
    return this.request('GET', `/agreements/${id}`);
  }

  /// The whole trail, page after page.
  async audit(id, { limit } = {}) {
    const events = [];
    let cursor;
    do {
      const query = new URLSearchParams({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
      const page = await this.request('GET', `/agreements/${id}/audit?${query}`);
      events.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    return events;
  }

  /// An account and an agreement with one password recipient; returns what a test needs.
  async passwordAgreement({ accountId = 'acme', account = {}, password = 'Sunrise2026', recipient = {} } = {}) {
    await this.putAccount(accountId, { name: 'Acme Legal', ...account });
    const created = await this.createAgreement({
      account_id: accountId,
      title: 'Lease for Flat 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method: 'password', password, ...recipient }],
    });
    const url = created.recipients[0].signing_url;
    return { agreementId: created.id, recipientId: created.recipients[0].id, url, token: url.split('#')[1], password };
  }

  /// An account and an agreement with one recipient of a code method (`phone` or `email_code`).
  async codeAgreement({ method = 'phone', accountId = 'acme', account = {}, recipient = {}, recipients = [] } = {}) {
    await this.putAccount(accountId, { name: 'Acme Legal', ...account });
    const email = recipient.email ?? `signer-${Math.random().toString(36).slice(2)}@example.com`;
    const phone = method === 'phone' ? (recipient.phone ?? `+49170${Math.floor(1e6 + Math.random() * 9e6)}`) : undefined;
    const created = await this.createAgreement({
      account_id: accountId,
      title: 'Lease for Flat 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [{ name: 'Ada Lovelace', method, ...recipient, email, phone }, ...recipients],
    });
    const url = created.recipients[0].signing_url;
    return {
      agreementId: created.id,
      recipientId: created.recipients[0].id,
      url,
      token: url.split('#')[1],
      // Where its codes go, as the outbox names it.
      to: method === 'phone' ? phone.replace(/[^+\d]/g, '') : email,
      created,
    };
  }
}

/// A browser's cookie jar: what `Set-Cookie` sets (and `Max-Age=0` takes away), sent back as one
/// `Cookie` header. Paths are not told apart: every cookie of the API is under /api/v1.
export class Jar {
  constructor() { this.cookies = new Map(); }
  take(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() { return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; '); }
}

export function newJar() {
  return new Jar();
}

/// A client address from 198.18.0.0/15, the range RFC 2544 sets aside for tests.
export function randomIp() {
  const n = Math.floor(Math.random() * 65536);
  return `198.18.${n >> 8}.${n & 255}`;
}

/// The app's side: the recipient API with a link token.
/// `ip` stands in for the client's address (locally the runtime passes `CF-Connecting-IP` through;
/// on Cloudflare the edge sets it): by default one of its own for each signer, so tests do not
/// share the per-IP throttles by accident; `'each'` gives every request another, as a botnet would.
export function recipientApi(origin, token, { ip = randomIp() } = {}) {
  const address = () => (ip === 'each' ? randomIp() : ip);
  // This signer's browser's cookies.
  const jar = new Jar();
  const base = () => ({
    authorization: `Bearer ${token}`,
    'cf-connecting-ip': address(),
    ...(jar.cookies.size ? { cookie: jar.header() } : {}),
  });
  const fetch = async (url, init) => {
    const res = await globalThis.fetch(url, init);
    jar.take(res);
    return res;
  };
  return {
    view: () => fetch(`${origin}/api/v1/recipient`, { headers: base() }),
    password: (password) => fetch(`${origin}/api/v1/recipient/password`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    }),
    sendCode: (channel, language, headers = {}) => fetch(`${origin}/api/v1/recipient/code/send`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(language ? { channel, language } : { channel }),
    }),
    freshGrant: () => fetch(`${origin}/api/v1/recipient/grant`, { method: 'POST', headers: base() }),
    /// Passkeys: options to make one (a verified browser), the registration, options to sign
    /// in, the sign-in (`body`: what tests/support/authenticator.mjs answers).
    passkeyCreation: () => fetch(`${origin}/api/v1/recipient/passkey/register/options`, { method: 'POST', headers: base() }),
    passkeyRegister: (body) => fetch(`${origin}/api/v1/recipient/passkey/register`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    /// Pairing: the offer (a verified browser), its status from either side, the claim (the
    /// other browser, with the link's `pair` secret), the confirmation with the claimant's code.
    pairingOffer: () => fetch(`${origin}/api/v1/recipient/pairing`, { method: 'POST', headers: base() }),
    pairingStatus: () => fetch(`${origin}/api/v1/recipient/pairing`, { headers: base() }),
    pairingClaim: (secret) => fetch(`${origin}/api/v1/recipient/pairing/claim`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify({ secret }),
    }),
    pairingConfirm: (code) => fetch(`${origin}/api/v1/recipient/pairing/confirm`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    }),
    /// The signer's devices, from one of them; revoking one.
    devices: () => fetch(`${origin}/api/v1/recipient/devices`, { headers: base() }),
    revokeDevice: (id) => fetch(`${origin}/api/v1/recipient/devices/${id}`, { method: 'DELETE', headers: base() }),
    /// "This was not me" about a device announced as new; the announced ones were the signer's.
    disownDevice: (id) => fetch(`${origin}/api/v1/recipient/devices/${id}/not-mine`, { method: 'POST', headers: base() }),
    devicesSeen: () => fetch(`${origin}/api/v1/recipient/devices/seen`, { method: 'POST', headers: base() }),
    /// Recovery: the recovery code (an e-mail code is sent), then that e-mail code.
    recoveryStart: (recoveryCode, language) => fetch(`${origin}/api/v1/recipient/recovery`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify(language ? { recovery_code: recoveryCode, language } : { recovery_code: recoveryCode }),
    }),
    recoveryFinish: (code) => fetch(`${origin}/api/v1/recipient/recovery/code`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    }),
    passkeyRequest: () => fetch(`${origin}/api/v1/recipient/passkey/options`, { method: 'POST', headers: base() }),
    passkeySignIn: (body) => fetch(`${origin}/api/v1/recipient/passkey`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    /// Government ID: begin (or join) a session; collect the grant of a passed check.
    idStart: () => fetch(`${origin}/api/v1/recipient/id/start`, { method: 'POST', headers: base() }),
    idFinish: (captureToken) => fetch(`${origin}/api/v1/recipient/id/finish`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify({ capture_token: captureToken }),
    }),
    /// KBA: the signer's data (`subject`), then a round's answers (`{ round, answers }`).
    kbaStart: (subject) => fetch(`${origin}/api/v1/recipient/kba/start`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify(subject),
    }),
    kbaAnswers: (body) => fetch(`${origin}/api/v1/recipient/kba/answers`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    code: (code) => fetch(`${origin}/api/v1/recipient/code`, {
      method: 'POST',
      headers: { ...base(), 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    }),
  };
}

/// The ID check's calls made with a capture credential (the desktop's or the phone's).
export function captureApi(origin, captureToken, { ip = randomIp() } = {}) {
  const headers = (extra = {}) => ({ authorization: `Bearer ${captureToken}`, 'cf-connecting-ip': ip, ...extra });
  return {
    token: captureToken,
    handoff: (body = {}) => fetch(`${origin}/api/v1/id/handoff`, {
      method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body),
    }),
    photo: (document, shot, jpeg, { live = 'true', type = 'image/jpeg' } = {}) => fetch(
      `${origin}/api/v1/id/photos/${document}/${shot}${live === null ? '' : `?live=${live}`}`,
      { method: 'PUT', headers: headers({ 'content-type': type }), body: jpeg, duplex: 'half' },
    ),
    submit: () => fetch(`${origin}/api/v1/id/submit`, { method: 'POST', headers: headers() }),
    status: () => fetch(`${origin}/api/v1/id/status`, { headers: headers() }),
  };
}

/// The phone opens a hand-off link's token.
export function openHandoff(origin, handoffToken, { ip = randomIp() } = {}) {
  return fetch(`${origin}/api/v1/id/handoff/open`, {
    method: 'POST', headers: { authorization: `Bearer ${handoffToken}`, 'cf-connecting-ip': ip },
  });
}

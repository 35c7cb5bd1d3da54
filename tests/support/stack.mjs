// The real stack for tests: the built Worker under `wrangler dev` (local workerd, KV, Durable
// Objects), isolated per test file: its own config directory, secrets and persisted state.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
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
function writeConfig(dir, secrets, extraVars) {
  const toml = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
    .replace(/^main = ".*"$/m, `main = "${path.join(ROOT, 'worker/build/worker/shim.mjs')}"`)
    .replace(/^directory = ".*"$/m, `directory = "${path.join(ROOT, 'dist')}"`);
  writeFileSync(path.join(dir, 'wrangler.toml'), toml);
  const vars = { ...secrets, DEV_ALLOW_LOOPBACK_HTTP: 'true', ...extraVars };
  writeFileSync(path.join(dir, '.dev.vars'), Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}

export class Stack {
  constructor({ vars = {} } = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'signgate-stack-'));
    this.secrets = {
      ADMIN_API_KEY: randomSecret(),
      PASSWORD_PEPPER: randomSecret(),
      GRANT_SIGNING_KEY: randomSecret(),
      WEBHOOK_SECRET: randomSecret(),
    };
    writeConfig(this.dir, this.secrets, vars);
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
}

async function waitForHealth(origin, timeoutMs = 60000) {
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

  async request(method, route, body) {
    const res = await fetch(`${this.origin}/admin/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${route} → ${res.status}: ${JSON.stringify(json)}`);
    return json;
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

  async audit(id) {
    return (await this.request('GET', `/agreements/${id}/audit`)).events;
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
}

/// The app's side: the recipient API with a link token.
export function recipientApi(origin, token) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    view: () => fetch(`${origin}/api/v1/recipient`, { headers: auth }),
    password: (password) => fetch(`${origin}/api/v1/recipient/password`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    }),
  };
}

// What an attacker or a buggy client sees: bad input gets a clear 4xx, never a 5xx, and changes
// nothing; every answer carries the security headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Stack, recipientApi } from '../support/stack.mjs';

describe('bad input and security headers', () => {
  const stack = new Stack();
  let admin;
  let agreement;

  before(async () => {
    await stack.start();
    admin = stack.admin();
    agreement = await admin.passwordAgreement();
  });
  after(() => stack.dispose());

  const post = (path, { token = agreement.token, body, type = 'application/json', headers = {} } = {}) =>
    fetch(`${stack.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type, ...headers },
      body,
    });

  async function expectError(res, status, code) {
    assert.equal(res.status, status, `status for ${code}`);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assert.equal(body.code, code);
    assert.ok(body.message.length > 10, 'a human message');
    return body;
  }

  async function unchanged() {
    const status = await admin.agreement(agreement.agreementId);
    assert.equal(status.state, 'pending');
    assert.equal(status.recipients[0].failures, 0, 'nothing was counted');
  }

  test('malformed JSON, wrong types, unknown fields, wrong media type, oversized bodies: 4xx, nothing counted', async () => {
    const route = '/api/v1/recipient/password';
    await expectError(await post(route, { body: '{"password": ' }), 400, 'malformed_json');
    await expectError(await post(route, { body: 'null' }), 400, 'invalid_request');
    await expectError(await post(route, { body: '{"password": 12345678}' }), 400, 'invalid_request');
    await expectError(await post(route, { body: '{"password": "Wrong1234", "admin": true}' }), 400, 'invalid_request');
    await expectError(await post(route, { body: '{}' }), 400, 'invalid_request');
    await expectError(await post(route, { body: 'password=x', type: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    await expectError(await post(route, { body: JSON.stringify({ password: 'a'.repeat(10000) }) }), 413, 'body_too_large');
    const invalid = await expectError(await post(route, { body: '{"password": "with space 1"}' }), 422, 'invalid_password');
    assert.equal(invalid.tries_left, 5, 'an impossible password is not counted');
    await expectError(await post(route, { body: '{"password": ""}' }), 422, 'invalid_password');
    await unchanged();
  });

  /// A chunked body that never ends: JSON whitespace, 16 KB every 20 ms, forever.
  const endless = () => new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 20));
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
    },
  });

  test('a body without a length that never ends is refused once it passes the cap, not read to its end', { timeout: 60_000 }, async () => {
    // Only a reader that counts while it reads can answer at all: one that reads to the end waits
    // forever (and this test times out).
    for (const [method, path, key, cap] of [
      ['POST', '/api/v1/recipient/password', agreement.token, 4 * 1024],
      ['PUT', '/admin/v1/accounts/acme', admin.key, 256 * 1024],
    ]) {
      const res = await fetch(`${stack.origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: endless(),
        duplex: 'half',
      });
      const body = await expectError(res, 413, 'body_too_large');
      assert.equal(body.message, `The body must be at most ${cap} bytes.`);
    }
    await unchanged();
  });

  test('unknown, damaged and missing tokens are all the same invalid link', async () => {
    // The same recipient id with another secret: valid base64, so it reaches the digest check.
    const other = agreement.token.slice(0, 43) + 'A'.repeat(43);
    const answers = [];
    for (const token of ['', 'x', 'A'.repeat(86), other, agreement.token.slice(0, -1)]) {
      const view = await fetch(`${stack.origin}/api/v1/recipient`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      answers.push(await expectError(view, 404, 'invalid_link'));
      answers.push(await expectError(await post('/api/v1/recipient/password', { token, body: '{"password":"Sunrise2026"}' }), 404, 'invalid_link'));
    }
    assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, 'one answer for every kind of bad token');
    await unchanged();
  });

  test('a verified link cannot be used again, and changes nothing', async () => {
    const used = await admin.passwordAgreement();
    const api = recipientApi(stack.origin, used.token);
    assert.equal((await api.password(used.password)).status, 200);
    await expectError(await api.password(used.password), 409, 'already_verified');
    await expectError(await api.password('Wrong1234'), 409, 'already_verified');
    const status = await admin.agreement(used.agreementId);
    assert.equal(status.state, 'verified');
    assert.equal(status.recipients[0].failures, 0);
  });

  test('the admin API needs the key, compares it exactly, and checks what it is given', async () => {
    const noKey = await fetch(`${stack.origin}/admin/v1/agreements/${agreement.agreementId}`);
    await expectError(noKey, 401, 'unauthorized');
    for (const key of ['wrong', stack.secrets.ADMIN_API_KEY.slice(0, -1), `${stack.secrets.ADMIN_API_KEY}x`]) {
      const res = await fetch(`${stack.origin}/admin/v1/agreements`, { headers: { authorization: `Bearer ${key}` } });
      await expectError(res, 401, 'unauthorized');
    }
    const create = (body) => fetch(`${stack.origin}/admin/v1/agreements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const good = {
      account_id: 'acme', title: 'T', sender: { name: 'S', email: 's@acme.example' },
      recipients: [{ name: 'R', email: 'r@example.com', method: 'password', password: 'Sunrise2026' }],
    };
    const weak = await expectError(await create({ ...good, recipients: [{ ...good.recipients[0], password: 'short' }] }), 400, 'invalid_request');
    assert.match(weak.message, /at least 8 characters/);
    const symbols = await expectError(await create({ ...good, recipients: [{ ...good.recipients[0], password: 'Sunrise-2026!' }] }), 400, 'invalid_request');
    assert.match(symbols.message, /only the letters/);
    await expectError(await create({ ...good, account_id: 'nobody' }), 400, 'invalid_request');
    const several = await expectError(await create({ ...good, title: '', sender: { name: 'S', email: 'nope' } }), 400, 'invalid_request');
    assert.match(several.message, /title.*sender\.email/, 'every problem is listed');
    await expectError(await create({ ...good, recipients: [{ ...good.recipients[0], method: 'kba', password: undefined }] }), 400, 'invalid_request');
    await expectError(await create({ ...good, recipients: [] }), 400, 'invalid_request');
    const res = await create(good);
    assert.equal(res.status, 201);
    const created = await res.json();
    assert.ok(!JSON.stringify(created).includes('Sunrise2026'), 'the password is write-only');
    assert.match(created.recipients[0].signing_url, /^http:\/\/127\.0\.0\.1:\d+\/s#[A-Za-z0-9_-]{86}$/);

    const putAccount = (body) => fetch(`${stack.origin}/admin/v1/accounts/acme`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const badLimit = await expectError(await putAccount({ name: 'Acme', policy: { password: { max_tries: 0 } } }), 400, 'invalid_request');
    assert.match(badLimit.message, /between 1 and 100/);
    for (const webhook_url of ['ftp://example.com/hook', 'http://platform.example/hook', 'http://127.0.0.1:1@evil.example/']) {
      const res = await expectError(await putAccount({ name: 'Acme', webhook_url }), 400, 'invalid_request');
      assert.match(res.message, /webhook_url/);
    }
    const fragment = await expectError(await create({ ...good, continue_url: 'https://platform.example/doc#x' }), 400, 'invalid_request');
    assert.match(fragment.message, /continue_url/);
    // Malformed ids, and well-formed ids of something else (a recipient), are both unknown agreements.
    for (const id of ['ffff', agreement.recipientId]) {
      const res = await fetch(`${stack.origin}/admin/v1/agreements/${id}`, {
        headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}` },
      });
      await expectError(res, 404, 'not_found');
    }
    const longId = await fetch(`${stack.origin}/admin/v1/accounts/${'a'.repeat(600)}`, {
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}` },
    });
    await expectError(longId, 404, 'not_found');
  });

  test('wrong methods and unknown API paths are JSON errors', async () => {
    await expectError(await fetch(`${stack.origin}/api/v1/recipient/password`), 405, 'method_not_allowed');
    await expectError(await fetch(`${stack.origin}/api/v1/nothing`), 404, 'not_found');
  });

  test('every answer carries the security headers; the app is served for /s with CSP that allows wasm', async () => {
    const answers = {
      app: await fetch(`${stack.origin}/s`),
      api: await fetch(`${stack.origin}/api/health`),
      error: await fetch(`${stack.origin}/api/v1/recipient`),
      admin: await fetch(`${stack.origin}/admin/v1/agreements`),
    };
    for (const [name, res] of Object.entries(answers)) {
      const h = res.headers;
      const csp = h.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/, name);
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/, name);
      assert.match(csp, /frame-ancestors 'none'/, name);
      assert.doesNotMatch(csp, /unsafe-inline/, name);
      assert.equal(h.get('referrer-policy'), 'no-referrer', name);
      assert.equal(h.get('x-content-type-options'), 'nosniff', name);
      assert.match(h.get('strict-transport-security') ?? '', /max-age=\d{8}/, name);
    }
    assert.equal(answers.app.status, 200);
    assert.match(answers.app.headers.get('content-type'), /text\/html/);
    assert.match(await answers.app.text(), /<script type="module" src="\/boot-[0-9a-f]{16}\.js"><\/script>/);
    assert.equal(answers.api.headers.get('cache-control'), 'no-store');
  });
});

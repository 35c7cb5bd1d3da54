// The published contract, checked by a fuzzer: schemathesis (pinned in
// tests/support/schemathesis-requirements.txt, installed by `cargo xtask setup` into .tools/venv)
// reads /openapi.json from the running stack and sends requests it generates for every operation,
// valid and not, with the admin key, a signing link and a preview link so it gets past
// authentication. Every answer must be no server error and fit the contract (status, content type,
// body schema).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Stack, recipientApi } from '../support/stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schemathesis = path.join(root, '.tools/venv/bin/schemathesis');
/// At least this many requests in all; the fuzzing phase makes up to this many per operation.
const MIN_REQUESTS = 1000;
const EXAMPLES_PER_OPERATION = 50;
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, cwd: root });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the API contract under schemathesis', () => {
  const stack = new Stack();
  let admin;

  before(async () => {
    await stack.start();
    admin = stack.admin();
  });
  after(() => stack.dispose());

  test('the contract is served, and describes every operation', async () => {
    const res = await fetch(`${stack.origin}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const contract = await res.json();
    assert.equal(contract.openapi, '3.1.0');
    assert.ok(Object.keys(contract.paths).length >= 20);
  });

  test(`schemathesis: at least ${MIN_REQUESTS} generated requests, no server error, no answer outside the contract`, { timeout: 20 * 60_000 }, async () => {
    const { token } = await admin.passwordAgreement({ account: { policy: { password: { max_tries: 'unlimited' } } } });
    // The admin operations' own agreement, with an undelivered webhook (the account has no URL).
    const target = await admin.passwordAgreement();
    await recipientApi(stack.origin, target.token).password(target.password);
    const { deliveries } = await admin.request('GET', `/agreements/${target.agreementId}/webhooks`);
    const preview = await admin.request('POST', '/previews', { account_id: 'acme', method: 'email_code' });
    const previewToken = preview.preview_url.split('#')[1];
    const { code, output } = await run(schemathesis, [
      '--config-file', path.join(root, 'tests/support/schemathesis.toml'),
      '--no-color',
      'run', `${stack.origin}/openapi.json`,
      '--checks', CHECKS.join(','),
      '--max-examples', String(EXAMPLES_PER_OPERATION),
      '--seed', '20261130',
      '--request-timeout', '30',
      '--suppress-health-check', 'all',
    ], {
      SIGNGATE_ADMIN_KEY: stack.secrets.ADMIN_API_KEY,
      SIGNGATE_LINK_TOKEN: token,
      SIGNGATE_PREVIEW_TOKEN: previewToken,
      SIGNGATE_AGREEMENT_ID: target.agreementId,
      SIGNGATE_RECIPIENT_ID: target.recipientId,
      SIGNGATE_EVENT_ID: deliveries[0]?.event.id ?? 'none',
    });
    const summary = output.trim().split('\n').filter((line) => /test cases|passed|failed|error/i.test(line)).slice(-6);
    // The summary in the test output, for the record.
    console.log(`schemathesis:\n${summary.join('\n')}`);
    if (process.env.SIGNGATE_SCHEMATHESIS_VERBOSE) console.log(output);
    assert.equal(code, 0, output.slice(-6000));
    const requests = Number(output.match(/(\d+) generated/)?.[1] ?? 0);
    assert.ok(requests >= MIN_REQUESTS, `${requests} requests:\n${output.slice(-3000)}`);
  });
});

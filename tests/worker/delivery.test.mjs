// The real delivery adapters (a Twilio-style SMS/voice API and an HTTP mail API), pointed at a
// local listener that records what the Worker sends and answers as the service would.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { listener } from '../support/listener.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

const POLICY = {
  methods: { allowed: ['phone', 'email_code'], default: 'phone' },
  phone: { default_country_code: '49', resend: { cooldown_seconds: 1, max_per_hour: 20 } },
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('delivery adapters', () => {
  let service;
  let stack;
  let admin;

  before(async () => {
    service = await listener({ status: 201, body: '{"sid":"SM1"}' });
    stack = new Stack({
      vars: {
        CODE_DELIVERY: 'provider',
        TWILIO_API_BASE: service.origin,
        TWILIO_ACCOUNT_SID: 'AC0123456789',
        TWILIO_AUTH_TOKEN: 'twilio-test-token',
        TWILIO_FROM: '+15550001111',
        EMAIL_API_URL: `${service.origin}/emails`,
        EMAIL_API_KEY: 'mail-test-key',
        EMAIL_FROM: 'signgate <codes@acme.example>',
      },
    });
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await stack?.dispose();
    await service?.close();
  });

  // Each test looks only at the requests it caused.
  beforeEach(() => { service.requests.length = 0; });

  const link = async (method, recipient = {}) => {
    const created = await admin.codeAgreement({ method, account: { policy: POLICY }, recipient });
    return { ...created, api: recipientApi(stack.origin, created.token) };
  };

  test('SMS: a form POST to Messages.json with Basic credentials, ending in the WebOTP line', async () => {
    const { api } = await link('phone', { phone: '+49 170 5550123' });
    const res = await api.sendCode('sms', 'en');
    assert.equal(res.status, 200, await res.clone().text());
    const request = await service.next((r) => r.url.endsWith('/Messages.json'));
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/2010-04-01/Accounts/AC0123456789/Messages.json');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('AC0123456789:twilio-test-token').toString('base64')}`);
    const form = new URLSearchParams(request.body);
    assert.equal(form.get('To'), '+491705550123');
    assert.equal(form.get('From'), '+15550001111');
    const code = form.get('Body').match(/#(\d{6})$/)[1];
    assert.equal(form.get('Body').split('\n').at(-1), `@127.0.0.1 #${code}`);
    assert.equal((await api.code(code)).status, 200, 'the code the carrier got is the one that works');
  });

  test('voice: a call with TwiML that reads the digits twice in the signer\'s language', async () => {
    const { api } = await link('phone');
    assert.equal((await api.sendCode('voice', 'ru')).status, 200);
    const request = await service.next((r) => r.url.endsWith('/Calls.json'));
    const twiml = new URLSearchParams(request.body).get('Twiml');
    assert.match(twiml, /^<Response><Say language="ru-RU">Ваш код signgate: (\d, ){5}\d\.<\/Say><Pause length="2"\/><Say language="ru-RU">/);
    const digits = twiml.match(/: ((?:\d, )+\d)\./)[1];
    assert.equal(twiml.split(digits).length, 3);
    assert.equal((await api.code(digits.replaceAll(', ', ''))).status, 200);
  });

  test('e-mail: a JSON POST with a bearer key and a plain-text body', async () => {
    const { api, to } = await link('email_code');
    assert.equal((await api.sendCode('email', 'de')).status, 200);
    const request = await service.next((r) => r.url === '/emails');
    assert.equal(request.headers.authorization, 'Bearer mail-test-key');
    assert.equal(request.headers['content-type'], 'application/json');
    const mail = JSON.parse(request.body);
    assert.deepEqual(Object.keys(mail).sort(), ['from', 'subject', 'text', 'to']);
    assert.equal(mail.from, 'signgate <codes@acme.example>');
    assert.deepEqual(mail.to, [to]);
    assert.equal(mail.subject, 'Ihr Code für „Lease for Flat 4B“');
    const code = mail.text.match(/^ {4}(\d{6})$/m)[1];
    assert.equal((await api.code(code)).status, 200);
  });

  test('a carrier refusal: 502 to the signer, the code withdrawn, the audit without the number', async () => {
    const { api, agreementId } = await link('phone', { phone: '+49 170 5559876' });
    service.status = 400;
    try {
      const res = await api.sendCode('sms');
      assert.equal(res.status, 502);
      assert.equal((await res.json()).code, 'delivery_failed');
    } finally {
      service.status = 201;
    }
    const view = await (await api.view()).json();
    assert.equal(view.codes.expires_in_secs, null, 'no code is left to guess');
    const failed = (await admin.audit(agreementId)).find((e) => e.type === 'code_delivery_failed');
    assert.equal(failed.channel, 'sms');
    assert.match(failed.error, /HTTP 400/);
    assert.ok(!JSON.stringify(failed).includes('5559876'));
    await sleep(1100);
    assert.equal((await api.sendCode('sms')).status, 200, 'the signer can try again');
  });

  test('the dev outbox is off unless enabled', async () => {
    assert.equal((await fetch(`${stack.origin}/dev/outbox`)).status, 404);
    assert.equal((await fetch(`${stack.origin}/dev/outbox.json`)).status, 404);
  });
});

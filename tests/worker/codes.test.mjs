// One-time codes (SMS, voice call, e-mail) against the real Workers runtime, with the dev outbox
// standing in for the carrier and the mail service.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Stack, codeIn, recipientApi } from '../support/stack.mjs';

const count = (events, type) => events.filter((e) => e.type === type).length;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let lastIp = 0;
/// A client address of its own for each link, so tests do not share the per-IP throttle.
const freshIp = () => `198.51.100.${++lastIp}`;

const CODE_POLICY = {
  methods: { allowed: ['password', 'phone', 'email_code'], default: 'phone' },
  phone: { default_country_code: '49', resend: { cooldown_seconds: 1, max_per_hour: 20 } },
  email_code: { resend: { cooldown_seconds: 1, max_per_hour: 20 } },
};

function grantClaims(grant) {
  return JSON.parse(Buffer.from(grant.split('.')[1], 'base64url'));
}

/// Every file the runtime keeps state in.
function storageFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...storageFiles(full));
    else files.push(full);
  }
  return files;
}

/// Whether `code` is in `file` on its own (not inside a longer number or hex string: timestamps,
/// ids and digests hold digits by chance). Durable Objects store strings as one-byte or UTF-16
/// text, so both are searched, the latter at both byte alignments.
function holds(file, code) {
  const bytes = readFileSync(file);
  const texts = [bytes.toString('latin1'), bytes.toString('utf16le'), bytes.subarray(1).toString('utf16le')];
  const alone = new RegExp(`(?<![0-9a-fA-F])${code}(?![0-9a-fA-F])`);
  return texts.some((text) => alone.test(text));
}

describe('one-time codes under workerd', () => {
  const stack = new Stack();
  let admin;

  before(async () => {
    await stack.start();
    admin = stack.admin();
  });
  after(() => stack.dispose());

  async function link(method, { policy = {}, recipient = {} } = {}) {
    const created = await admin.codeAgreement({
      method,
      account: { policy: { ...CODE_POLICY, ...policy } },
      recipient,
    });
    return { ...created, api: recipientApi(stack.origin, created.token, { ip: freshIp() }) };
  }

  async function send(api, channel, language) {
    const res = await api.sendCode(channel, language);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  }

  test('SMS: send → code from the outbox → verified, with only the last four digits shown', async () => {
    // A national number: the account's default country code (49) makes it +491705551234.
    const { api, agreementId } = await link('phone', { recipient: { phone: '0170 555-1234' } });
    const view = await (await api.view()).json();
    assert.equal(view.method, 'phone');
    assert.equal(view.phone_last4, '1234');
    assert.deepEqual(view.codes, { digits: 6, expires_in_secs: null, channel: null, next_send_in_secs: 0 });

    const sent = await send(api, 'sms', 'en');
    assert.equal(sent.destination, '…1234');
    assert.equal(sent.expires_in_secs, 600);
    const [message] = await stack.outbox();
    assert.equal(message.to, '+491705551234');
    const code = codeIn(message);
    assert.match(code, /^\d{6}$/);
    // The SMS ends with the WebOTP line for the app's host.
    assert.equal(message.body.split('\n').at(-1), `@127.0.0.1 #${code}`);
    assert.match(message.body, new RegExp(`^Your signgate code is ${code}\\. It expires in 10 minutes\\.`));

    const reloaded = await (await api.view()).json();
    assert.equal(reloaded.codes.channel, 'sms');
    assert.ok(reloaded.codes.expires_in_secs > 590 && reloaded.codes.expires_in_secs <= 600);

    const res = await api.code(`${code.slice(0, 3)} ${code.slice(3)}`);
    assert.equal(res.status, 200);
    assert.deepEqual(grantClaims((await res.json()).grant).amr, ['sms']);
    // Used once: the same code again is refused.
    assert.equal((await (await api.code(code)).json()).code, 'already_verified');

    const events = await admin.audit(agreementId);
    const codeSent = events.find((e) => e.type === 'code_sent');
    assert.deepEqual([codeSent.channel, codeSent.destination], ['sms', '…1234']);
    assert.equal(count(events, 'verified'), 1);
    const status = await admin.agreement(agreementId);
    assert.equal(status.state, 'verified');
    assert.equal(status.recipients[0].phone_last4, '1234');
    // Nothing the worker answers holds the whole number.
    for (const answer of [view, reloaded, sent, events, status]) {
      assert.ok(!JSON.stringify(answer).includes('5551234'), JSON.stringify(answer));
    }
  });

  test('voice call and e-mail: the message is in the signer\'s language and the code works', async () => {
    const phone = await link('phone');
    await send(phone.api, 'voice', 'de');
    const [call] = await stack.outbox();
    assert.equal(call.channel, 'voice');
    assert.equal(call.body.match(/language="de-DE"/g).length, 2);
    const spoken = codeIn(call);
    assert.equal(call.body.split(spoken.split('').join(', ')).length, 3, 'the digits are read twice');
    const res = await phone.api.code(spoken);
    assert.equal(res.status, 200);
    assert.deepEqual(grantClaims((await res.json()).grant).amr, ['tel']);

    const mail = await link('email_code');
    const sent = await send(mail.api, 'email', 'ru');
    assert.match(sent.destination, /^s…@example\.com$/);
    const [email] = await stack.outbox();
    assert.equal(email.to, mail.to);
    assert.equal(email.subject, 'Ваш код для «Lease for Flat 4B»');
    const verified = await mail.api.code(codeIn(email));
    assert.equal(verified.status, 200);
    assert.deepEqual(grantClaims((await verified.json()).grant).amr, ['otp']);
  });

  test('at most three codes are valid: the oldest is voided, an older valid one still works', async () => {
    const { api, to } = await link('email_code');
    const codes = [];
    for (let i = 0; i < 4; i++) {
      if (i) await sleep(1100);
      await send(api, 'email');
      codes.push(await stack.latestCode(to));
    }
    assert.equal(new Set(codes).size, 4, 'every send makes a new code');
    const voided = await api.code(codes[0]);
    assert.equal(voided.status, 403, 'the first code was pushed out by the fourth');
    assert.equal((await voided.json()).code, 'wrong_code');
    const older = await api.code(codes[1]);
    assert.equal(older.status, 200, 'the second code is still valid');
  });

  test('ten wrong e-mail entries void every code; nothing is cancelled and a new code works', async () => {
    const { api, to, agreementId } = await link('email_code');
    await send(api, 'email');
    await sleep(1100);
    await send(api, 'email');
    const code = await stack.latestCode(to);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 9; left >= 1; left--) {
      const res = await api.code(wrong);
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { code: 'wrong_code', message: 'That code is not right.', tries_left: left });
    }
    const tenth = await api.code(wrong);
    assert.equal(tenth.status, 403);
    assert.equal((await tenth.json()).code, 'codes_voided');
    const right = await api.code(code);
    assert.equal(right.status, 409, 'the right code is void now');
    assert.equal((await right.json()).code, 'no_code');
    const view = await (await api.view()).json();
    assert.equal(view.state, 'pending');
    assert.equal(view.codes.expires_in_secs, null);

    await sleep(1100);
    await send(api, 'email');
    assert.equal((await (await api.view()).json()).tries_left, 10);
    assert.equal((await api.code(await stack.latestCode(to))).status, 200);
    const events = await admin.audit(agreementId);
    assert.equal(count(events, 'verification_failed'), 10);
    assert.equal(count(events, 'codes_voided'), 1);
    assert.equal(count(events, 'agreement_cancelled'), 0);
  });

  test('five wrong phone entries cancel the agreement; then nothing more is sent or checked', async () => {
    const { api, to, agreementId } = await link('phone');
    await send(api, 'sms');
    const code = await stack.latestCode(to);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      assert.equal((await (await api.code(wrong)).json()).tries_left, left);
    }
    const fifth = await api.code(wrong);
    assert.equal(fifth.status, 409);
    assert.deepEqual(await fifth.json(), {
      code: 'cancelled', message: 'This agreement has been cancelled. The sender has been told.', tries_left: 0,
    });
    const right = await api.code(code);
    assert.equal((await right.json()).code, 'cancelled', 'even the right code is refused now');
    await sleep(1100);
    const resend = await api.sendCode('sms');
    assert.equal(resend.status, 409);
    assert.equal((await resend.json()).code, 'cancelled');
    const status = await admin.agreement(agreementId);
    assert.equal(status.state, 'cancelled');
    assert.equal(status.cancel_reason, 'too_many_failed_attempts');
    assert.equal(count(await admin.audit(agreementId), 'verification_failed'), 5);
  });

  test('200 concurrent wrong entries: exactly the limit is counted (phone 5, e-mail 10)', async () => {
    for (const [method, channel, limit] of [['phone', 'sms', 5], ['email_code', 'email', 10]]) {
      const { api, to, agreementId, token } = await link(method);
      await send(api, channel);
      const code = await stack.latestCode(to);
      const wrong = code === '000000' ? '111111' : '000000';
      const botnet = recipientApi(stack.origin, token, { ip: 'each' });
      const answers = await Promise.all(Array.from({ length: 200 }, () => botnet.code(wrong).then((r) => r.json())));
      const tally = {};
      for (const a of answers) {
        const key = a.tries_left === 0 ? `${a.code} (last)` : a.code;
        tally[key] = (tally[key] ?? 0) + 1;
      }
      // The last counted entry cancels (phone) or voids every code (e-mail); the rest find
      // nothing left to check.
      const expected = method === 'phone'
        ? { wrong_code: 4, 'cancelled (last)': 1, cancelled: 195 }
        : { wrong_code: 9, 'codes_voided (last)': 1, no_code: 190 };
      assert.deepEqual(tally, expected, method);
      assert.equal(count(await admin.audit(agreementId), 'verification_failed'), limit, method);
      const state = (await admin.agreement(agreementId)).state;
      assert.equal(state, method === 'phone' ? 'cancelled' : 'pending');
    }
  });

  test('many live codes buy no more guesses: 4 live codes and "unlimited" tries lock after 25 entries, not 100', async () => {
    const { api, agreementId, to } = await link('phone', {
      policy: {
        phone: {
          default_country_code: '49', code_digits: 5, max_valid_codes: 4, max_tries: 'unlimited',
          resend: { cooldown_seconds: 1, max_per_hour: 20 },
        },
      },
    });
    for (let i = 0; i < 4; i++) {
      if (i > 0) await sleep(1100);
      await send(api, 'sms');
    }
    const sent = (await stack.outbox()).filter((m) => m.to === to).map(codeIn);
    const wrong = ['00000', '11111', '22222', '33333', '44444'].find((c) => !sent.includes(c));
    // Each wrong entry is compared with the 4 live codes: 4 of the recipient's 100 guesses.
    assert.equal((await (await api.view()).json()).tries_left, 25);
    let last;
    for (let i = 1; i <= 25; i++) {
      last = await (await api.code(wrong)).json();
      if (i < 25) assert.deepEqual([last.code, last.tries_left], ['wrong_code', 25 - i], `entry ${i}`);
    }
    assert.deepEqual([last.code, last.tries_left], ['cancelled', 0]);
    assert.equal((await admin.agreement(agreementId)).state, 'cancelled');
  });

  test('resending waits for the cooldown and stops at the hourly cap; the answer says when', async () => {
    const { api } = await link('phone', {
      policy: { phone: { default_country_code: '49', resend: { cooldown_seconds: 2, max_per_hour: 3 } } },
    });
    const first = await send(api, 'sms');
    assert.equal(first.next_send_in_secs, 2);
    const tooSoon = await api.sendCode('sms');
    assert.equal(tooSoon.status, 429);
    const refusal = await tooSoon.json();
    assert.equal(refusal.code, 'resend_too_soon');
    assert.ok(refusal.retry_after_secs >= 1 && refusal.retry_after_secs <= 2, JSON.stringify(refusal));
    await sleep(2100);
    await send(api, 'voice');
    await sleep(2100);
    const third = await send(api, 'sms');
    assert.ok(third.next_send_in_secs > 3500, 'the view of the cap is given with the last allowed send');
    await sleep(2100);
    const capped = await api.sendCode('sms');
    assert.equal(capped.status, 429);
    const cap = await capped.json();
    assert.equal(cap.code, 'resend_too_soon');
    assert.ok(cap.retry_after_secs > 3500 && cap.retry_after_secs <= 3600, JSON.stringify(cap));
    const viewWait = (await (await api.view()).json()).codes.next_send_in_secs;
    assert.ok(Math.abs(viewWait - cap.retry_after_secs) <= 1, `${viewWait} vs ${cap.retry_after_secs}`);
  });

  test('one client address cannot pump codes through many links', async () => {
    // The limiter counts 20 sends a minute per address in fixed windows: a window may end while
    // this runs, so the first refusal comes after 20 to 40 sends, never before the 21st.
    const ip = '203.0.113.77';
    let firstRefusal = null;
    for (let i = 1; i <= 45 && firstRefusal === null; i++) {
      const { token } = await admin.codeAgreement({ method: 'email_code', account: { policy: CODE_POLICY } });
      const res = await recipientApi(stack.origin, token, { ip }).sendCode('email');
      if (res.status === 429) {
        firstRefusal = i;
        assert.deepEqual(await res.json(), {
          code: 'throttled', message: 'Too many requests from your network. Please wait a minute.', retry_after_secs: 60,
        });
      } else {
        assert.equal(res.status, 200);
      }
    }
    assert.ok(firstRefusal > 20 && firstRefusal <= 41, `first refusal at send ${firstRefusal}`);
    // Another address is not affected.
    const other = await link('email_code');
    assert.equal((await other.api.sendCode('email')).status, 200);
  });

  test('bad input is refused before anything is counted or sent', async () => {
    const { api, agreementId } = await link('phone');
    const noToken = await fetch(`${stack.origin}/api/v1/recipient/code/send`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"channel":"sms"}',
    });
    assert.equal(noToken.status, 404, 'no token: an invalid link');
    const unknownChannel = await api.sendCode('pigeon');
    assert.equal(unknownChannel.status, 400);
    const wrongChannel = await api.sendCode('email');
    assert.equal(wrongChannel.status, 409);
    assert.equal((await wrongChannel.json()).code, 'wrong_method');
    await send(api, 'sms');
    for (const entry of ['', '12345', '1234567', 'abcdef', '12 34 5x', '١٢٣٤٥٦', '9'.repeat(5000)]) {
      const res = await api.code(entry);
      const body = await res.json();
      assert.ok([413, 422].includes(res.status), `${entry.slice(0, 10)} → ${res.status}`);
      if (res.status === 422) {
        assert.equal(body.code, 'invalid_code');
        assert.equal(body.tries_left, 5, 'not counted');
      }
    }
    assert.equal(count(await admin.audit(agreementId), 'verification_failed'), 0);

    const password = await admin.passwordAgreement();
    const passwordApi = recipientApi(stack.origin, password.token, { ip: freshIp() });
    assert.equal((await (await passwordApi.code('123456')).json()).code, 'wrong_method');
    assert.equal((await (await passwordApi.sendCode('sms')).json()).code, 'wrong_method');

    const create = (recipient) => fetch(`${stack.origin}/admin/v1/agreements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        account_id: 'acme', title: 'T', sender: { name: 'S', email: 's@acme.example' },
        recipients: [{ name: 'R', email: 'r@example.com', ...recipient }],
      }),
    }).then(async (r) => [r.status, (await r.json()).message]);
    const [noPhoneStatus, noPhone] = await create({ method: 'phone' });
    assert.equal(noPhoneStatus, 400);
    assert.match(noPhone, /recipients\[0\]\.phone: the phone method needs/);
    assert.match((await create({ method: 'phone', phone: '+49 170 CALL ME' }))[1], /only digits/);
    assert.match((await create({ method: 'phone', phone: '+49 1' }))[1], /too short/);
    assert.match((await create({ method: 'email_code', phone: '+491701234567' }))[1], /only the phone and government-ID methods take a phone number/);
    const account = await fetch(`${stack.origin}/admin/v1/accounts/bad`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bad', policy: { phone: { default_country_code: '0049', code_digits: 4 } } }),
    });
    assert.equal(account.status, 400);
    const problems = (await account.json()).message;
    assert.match(problems, /country code/);
    assert.match(problems, /5 to 8 digits/);
  });

  test('no code is stored in plaintext: the runtime\'s storage holds only digests', async () => {
    const sent = [];
    for (const [method, channel] of [['phone', 'sms'], ['phone', 'voice'], ['email_code', 'email']]) {
      const { api, to } = await link(method);
      await send(api, channel);
      sent.push(await stack.latestCode(to));
    }
    const all = storageFiles(path.join(stack.dir, 'state'));
    // The dev outbox keeps what it would have sent, codes included: it proves the search finds a
    // stored code. Everything else must not hold one.
    const outbox = all.filter((f) => f.includes('DevOutboxObject'));
    const [sms, , email] = sent; // the call's script spells its code out digit by digit
    assert.ok([sms, email].every((code) => outbox.some((f) => holds(f, code))), 'the search finds codes where they are');
    const files = all.filter((f) => !f.includes('DevOutboxObject'));
    assert.ok(files.some((f) => f.includes('kv')) && files.some((f) => f.includes('RecipientObject')), files.join('\n'));
    for (const file of files) {
      for (const code of sent) assert.ok(!holds(file, code), `${code} found in ${file}`);
    }
  });

  test('an admin reset voids e-mail verifications: the signer verifies again', async () => {
    const { api, to, agreementId } = await link('email_code');
    await send(api, 'email');
    assert.equal((await api.code(await stack.latestCode(to))).status, 200);
    assert.equal((await (await api.view()).json()).state, 'verified');
    const reset = await fetch(`${stack.origin}/admin/v1/accounts/acme/reset-verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}` },
    });
    assert.equal(reset.status, 200);
    const view = await (await api.view()).json();
    assert.equal(view.state, 'pending', 'the reset voids the verification: verify again');
    assert.equal((await admin.agreement(agreementId)).state, 'pending');
    const expired = (await admin.audit(agreementId)).find((e) => e.type === 'verification_expired');
    assert.equal(expired.reason, 'reset');
    await sleep(1100);
    await send(api, 'email');
    assert.equal((await api.code(await stack.latestCode(to))).status, 200);
    assert.equal((await admin.agreement(agreementId)).state, 'verified');
  });

  test('visits to a verified link while another signer cancels the agreement do not undo it', async () => {
    const created = await admin.codeAgreement({
      method: 'email_code',
      account: { policy: CODE_POLICY },
      recipients: [{ name: 'Bo', email: 'bo@example.com', method: 'phone', phone: '+491705550999' }],
    });
    const verified = recipientApi(stack.origin, created.token, { ip: freshIp() });
    await send(verified, 'email');
    assert.equal((await verified.code(await stack.latestCode(created.to))).status, 200);
    const other = recipientApi(stack.origin, created.created.recipients[1].signing_url.split('#')[1], { ip: freshIp() });
    await send(other, 'sms');
    const code = await stack.latestCode('+491705550999');
    const wrong = code === '000000' ? '111111' : '000000';
    const visits = Array.from({ length: 40 }, () => verified.view());
    const entries = Array.from({ length: 5 }, () => other.code(wrong));
    await Promise.all([...visits, ...entries]);
    const status = await admin.agreement(created.agreementId);
    assert.equal(status.state, 'cancelled');
    assert.deepEqual(status.recipients.map((r) => r.state), ['cancelled', 'cancelled']);
    assert.equal((await (await verified.view()).json()).state, 'cancelled');
  });
});

describe('code expiry (lifetime shortened by configuration)', () => {
  const stack = new Stack({ vars: { DEV_CODE_LIFETIME_SECONDS: '2' } });
  before(() => stack.start());
  after(() => stack.dispose());

  test('an expired code is refused and not counted; a new one works', async () => {
    const admin = stack.admin();
    const { token, to, agreementId } = await admin.codeAgreement({ method: 'phone', account: { policy: CODE_POLICY } });
    const api = recipientApi(stack.origin, token, { ip: freshIp() });
    const sent = await (await api.sendCode('sms')).json();
    assert.equal(sent.expires_in_secs, 2);
    const code = await stack.latestCode(to);
    await sleep(2200);
    const late = await api.code(code);
    assert.equal(late.status, 409);
    assert.equal((await late.json()).code, 'no_code');
    assert.equal((await (await api.view()).json()).codes.expires_in_secs, null);
    assert.equal(count(await admin.audit(agreementId), 'verification_failed'), 0);
    assert.equal((await api.sendCode('sms')).status, 200);
    assert.equal((await api.code(await stack.latestCode(to))).status, 200);
  });
});

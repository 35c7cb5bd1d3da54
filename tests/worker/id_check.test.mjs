// The government-ID check under workerd, with local R2 and the Veriff stand-in (which reads the
// licence barcodes for real): a full check, the phone hand-off, each failure, the try limit,
// concurrency, the window, uploads refused with nothing stored, photos gone after every ending,
// and the provider's webhook as a signal only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { aamvaText, licenceBack, plainJpeg } from '../support/id_images.mjs';
import { listener } from '../support/listener.mjs';
import { Stack, captureApi, openHandoff, recipientApi } from '../support/stack.mjs';
import { SANDBOX, startVeriff } from '../support/veriff.mjs';

const FRONT = plainJpeg(640, 400, 200);
const FACE = plainJpeg(480, 640, 150);
const ofType = (events, type) => events.filter((e) => e.type === type);

async function expectError(res, status, code) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.code, code, JSON.stringify(body));
  return body;
}

/// An oversized upload is refused with a 413, or, when the worker answers before the client has
/// sent it all, by the connection closing under the rest (a race a client on a fast link can
/// lose): either way it is not taken. What was stored is checked by the caller.
async function refusedOversized(send) {
  let res;
  try {
    res = await send();
  } catch (error) {
    if (error.cause?.code === 'ECONNRESET' || error.cause?.code === 'EPIPE') return;
    throw error;
  }
  await expectError(res, 413, 'body_too_large');
}

async function ok(res) {
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/// Photographs a licence (its barcode `text`) and the selfies through `capture`.
async function photographLicence(capture, text = aamvaText()) {
  await ok(await capture.photo('driving_licence', 'document_front', FRONT));
  await ok(await capture.photo('driving_licence', 'document_back', licenceBack(text)));
  await ok(await capture.photo('driving_licence', 'face', FACE));
  return ok(await capture.photo('driving_licence', 'face_turned', FACE));
}

async function photographPassport(capture) {
  await ok(await capture.photo('passport', 'document_front', FRONT));
  await ok(await capture.photo('passport', 'face', FACE));
  return ok(await capture.photo('passport', 'face_turned', FACE, { live: 'false' }));
}

/// Polls the session's status until it leaves `checking`.
async function decided(capture) {
  for (let i = 0; i < 50; i++) {
    const status = await ok(await capture.status());
    if (status.stage !== 'checking') return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no decision');
}


describe('government ID under workerd with the Veriff stand-in and local R2', () => {
  let veriff;
  let hooks;
  let stack;
  let admin;

  before(async () => {
    veriff = await startVeriff();
    hooks = await listener();
    stack = new Stack({ vars: veriff.workerVars() });
    await stack.start();
    veriff.webhookTo(`${stack.origin}/api/v1/webhooks/veriff`);
    admin = stack.admin();
  });
  after(async () => {
    await stack?.dispose();
    await veriff?.close();
    await hooks?.close();
  });

  async function recipient({ name = 'Ada Lovelace', governmentId = {}, phone } = {}) {
    const accountId = `id-${Math.random().toString(36).slice(2)}`;
    await admin.putAccount(accountId, {
      name: 'Acme Bank',
      webhook_url: `${hooks.origin}/hooks/${accountId}`,
      policy: { methods: { allowed: ['government_id', 'password'], default: 'government_id' }, government_id: governmentId },
    });
    const created = await admin.createAgreement({
      account_id: accountId,
      title: 'Loan agreement',
      sender: { name: 'Sam Sender', email: 'sam@bank.example' },
      recipients: [{ name, email: 'ada@example.com', method: 'government_id', ...(phone ? { phone } : {}) }],
    });
    const token = created.recipients[0].signing_url.split('#')[1];
    const api = recipientApi(stack.origin, token);
    return { agreementId: created.id, accountId, recipientId: created.recipients[0].id, api, token };
  }

  async function begun(api) {
    const status = await ok(await api.idStart());
    assert.equal(status.stage, 'capturing');
    assert.ok(status.capture_token);
    return captureApi(stack.origin, status.capture_token);
  }

  test('a licence read from its barcode verifies; the name on it is locked into the signature; the photos are gone', async () => {
    const { api, agreementId, token } = await recipient();
    const before = stack.r2Objects();
    const desk = await begun(api);
    const photographed = await photographLicence(desk);
    assert.deepEqual(photographed.photos.sort(), ['document_back', 'document_front', 'face', 'face_turned']);
    assert.equal(stack.r2Objects(), before + 4, 'the four photos wait in R2');
    const submitted = await ok(await desk.submit());
    const status = submitted.stage === 'checking' ? await decided(desk) : submitted;
    assert.equal(status.stage, 'passed');
    assert.equal(stack.r2Objects(), before, 'deleted when the check ended');
    // A forwarded link in another browser finds the check passed, but may not collect its grant.
    const forwarded = recipientApi(stack.origin, token);
    const seen = await ok(await forwarded.idStart());
    assert.equal(seen.stage, 'passed');
    await expectError(await forwarded.idFinish(seen.capture_token), 409, 'no_id_session');
    await expectError(await forwarded.idFinish('not-a-token'), 400, 'invalid_request');
    const res = await api.idFinish(desk.token);
    const verified = await ok(res);
    assert.equal(verified.signature_name, 'ADA KING LOVELACE');
    const claims = JSON.parse(Buffer.from(verified.grant.split('.')[1], 'base64url'));
    assert.deepEqual(claims.amr, ['government_id']);
    assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly/);
    const [veriffSession] = [...veriff.sessions.values()].slice(-1);
    assert.deepEqual(veriffSession.media.map((m) => m.context), ['document-front', 'document-back', 'face', 'face-pre']);
    const events = await admin.audit(agreementId);
    const text = JSON.stringify(events);
    const submittedEvent = ofType(events, 'id_check_submitted')[0];
    assert.equal(submittedEvent.reference, veriffSession.id);
    assert.equal(submittedEvent.document, 'driving_licence');
    assert.equal(submittedEvent.live, true);
    assert.equal(ofType(events, 'id_check_ended')[0].name, 'ADA KING LOVELACE');
    for (const secret of ['D1234562', '1985', 'data:image']) assert.ok(!text.includes(secret), `the audit holds ${secret}`);
    const agreement = await admin.agreement(agreementId);
    assert.equal(agreement.recipients[0].signature_name, 'ADA KING LOVELACE');
    const reports = await admin.identityReports(agreementId, agreement.recipients[0].id);
    assert.deepEqual(reports.body, { reports: [] }, 'reports are off by default: none kept');
    assert.equal(ofType(events, 'id_report_kept').length, 0);
  });

  test('an account that keeps reports gets each decided check\'s report with its photos, to read and erase (audited)', async () => {
    const { api, agreementId, recipientId } = await recipient({
      name: 'Ada Lovelace',
      governmentId: { keep_identity_report: true, identity_report_days: 7 },
    });
    const before = stack.r2Objects();
    // A failed try first: its report says which of our checks failed.
    veriff.sandbox({ firstName: 'GRACE', lastName: 'HOPPER' });
    const first = await begun(api);
    await photographPassport(first);
    await ok(await first.submit());
    assert.equal((await decided(first)).failure, 'name_mismatch');
    veriff.sandbox({});
    const desk = await begun(api);
    await photographLicence(desk);
    await ok(await desk.submit());
    assert.equal((await decided(desk)).stage, 'passed');
    const keptAt = Date.now();
    assert.equal(stack.r2Objects(), before + 3 + 1 + 4 + 1, 'each report and its photos; the checks\' own photos gone');

    const { status, body } = await admin.identityReports(agreementId, recipientId);
    assert.equal(status, 200);
    const [failed, passed] = body.reports;
    assert.equal(failed.passed, false);
    assert.equal(failed.failure, 'name_mismatch');
    assert.deepEqual(failed.checks.at(-1), { check: 'name_matches', result: 'failed' });
    assert.equal(failed.live, false, 'the passport\'s second selfie came from the camera app');
    assert.equal(passed.passed, true);
    assert.equal(passed.document, 'driving_licence');
    assert.equal(passed.signature_name, 'ADA KING LOVELACE');
    assert.equal(passed.agreement_id, agreementId);
    assert.equal(passed.recipient_name, 'Ada Lovelace');
    assert.equal(passed.provider, 'veriff');
    assert.equal(passed.reference, [...veriff.sessions.values()].at(-1).id);
    assert.equal(passed.extracted.number, 'D1234562');
    assert.equal(passed.extracted.date_of_birth, '1985-12-10');
    assert.equal(passed.extracted.expiry, '2030-12-10');
    assert.equal(passed.extracted.issuer, 'USA');
    assert.deepEqual(passed.checks.map((c) => [c.check, c.result]), [
      ['provider_approved', 'passed'], ['document_kind', 'passed'], ['machine_readable', 'passed'], ['number_agrees', 'passed'],
      ['not_expired', 'passed'], ['name_matches', 'passed'],
    ]);
    assert.deepEqual(passed.photos, ['document_front', 'document_back', 'face', 'face_turned']);
    const week = 7 * 86_400_000;
    assert.ok(Math.abs(passed.erase_at - (keptAt + week)) < 60_000, 'erased after the account\'s 7 days');

    const photo = await admin.identityReportPhoto(agreementId, recipientId, passed.id, 'document_front');
    assert.equal(photo.status, 200);
    assert.equal(photo.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await photo.arrayBuffer()), Buffer.from(FRONT), 'the photo as taken');
    for (const [report, shot] of [[passed.id, 'selfie'], [failed.id, 'document_back'], ['nope', 'face']]) {
      const res = await admin.identityReportPhoto(agreementId, recipientId, report, shot);
      await expectError(res, 404, 'not_found');
    }
    const other = await recipient();
    assert.equal((await admin.identityReports(other.agreementId, recipientId)).status, 404, 'another agreement\'s recipient');

    const events = await admin.audit(agreementId);
    assert.deepEqual(ofType(events, 'id_report_kept').map((e) => e.report), [failed.id, passed.id]);
    for (const secret of ['D1234562', '1985']) assert.ok(!JSON.stringify(events).includes(secret), `the audit holds ${secret}`);

    const erased = await admin.eraseIdentityReports(agreementId, recipientId);
    assert.equal(erased.status, 200);
    assert.deepEqual(erased.body, { erased: 2 });
    assert.equal(stack.r2Objects(), before, 'reports and photos gone from R2');
    assert.deepEqual((await admin.identityReports(agreementId, recipientId)).body, { reports: [] });
    const gone = await admin.identityReportPhoto(agreementId, recipientId, passed.id, 'document_front');
    await expectError(gone, 404, 'not_found');
    const [erasure] = ofType(await admin.audit(agreementId), 'id_reports_erased');
    assert.deepEqual(erasure.reports, [failed.id, passed.id]);
    assert.equal(erasure.by, 'on_request');
  });

  test('the desktop hands off to a phone by SMS: the link works once; the desktop follows the phone', async () => {
    const { api } = await recipient({ phone: '+15550100123' });
    const desk = await begun(api);
    const sent = await ok(await desk.handoff({ language: 'de' }));
    assert.equal(sent.sent_to, '…0123');
    const qr = await ok(await desk.handoff({ sms: false }));
    assert.equal(qr.sent_to, null, 'a link for the QR code only');
    assert.notEqual(qr.link, sent.link);
    assert.ok(sent.expires_in_secs > 290 && sent.expires_in_secs <= 300);
    const sms = (await stack.outbox()).find((m) => m.to === '+15550100123');
    assert.ok(sms.body.includes(sent.link), sms.body);
    assert.match(sms.body, /Ausweis/);
    await expectError(await openHandoff(stack.origin, sent.link.split('#h=')[1]), 404, 'invalid_link');
    const handoffToken = qr.link.split('#h=')[1];
    assert.equal((await expectError(await desk.handoff({}), 429, 'resend_too_soon')).code, 'resend_too_soon');
    const opened = await ok(await openHandoff(stack.origin, handoffToken));
    assert.ok(opened.capture_token);
    await expectError(await openHandoff(stack.origin, handoffToken), 404, 'invalid_link');
    const phone = captureApi(stack.origin, opened.capture_token);
    assert.equal((await ok(await desk.status())).phone_opened, true);
    await photographPassport(phone);
    const followed = await ok(await desk.status());
    assert.deepEqual(followed.photos.sort(), ['document_front', 'face', 'face_turned']);
    assert.equal(followed.document, 'passport');
    await ok(await phone.submit());
    assert.equal((await decided(desk)).stage, 'passed');
    assert.equal((await ok(await api.idFinish(desk.token))).signature_name, 'ADA LOVELACE');
    await expectError(await phone.photo('passport', 'face', FACE), 409, 'already_verified');
  });

  test('each failure says what to do, counts one try, and deletes the photos', async () => {
    const cases = [
      [{ status: 'declined', reasonCode: 103 }, null, 'face_mismatch'],
      [{ status: 'resubmission_requested', reasonCode: 204 }, null, 'photo_unclear'],
      [{ status: 'declined', reasonCode: 106 }, null, 'not_verified'],
      [{ status: 'approved' }, { validUntil: '2020-01-01' }, 'document_expired'],
      [{ status: 'approved' }, { firstName: 'GRACE', lastName: 'HOPPER' }, 'name_mismatch'],
      [{ status: 'approved' }, { number: 'L898902C3', mrz: 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7508122F1204159ZE184226B<<<<<10' }, 'document_unreadable'],
    ];
    const { api } = await recipient({ name: 'Ada Lovelace', governmentId: { max_tries: 10 } });
    let triesLeft = 10;
    for (const [outcome, sandbox, failure] of cases) {
      veriff.sandbox(sandbox ?? {});
      veriff.script(outcome);
      const desk = await begun(api);
      const before = stack.r2Objects();
      await photographPassport(desk);
      await ok(await desk.submit());
      const status = await decided(desk);
      triesLeft -= 1;
      assert.equal(status.stage, 'failed', failure);
      assert.equal(status.failure, failure);
      assert.equal(status.tries_left, triesLeft);
      assert.equal(stack.r2Objects(), before, `${failure}: photos deleted`);
      assert.ok(!JSON.stringify(status).match(/score|reason/), 'no provider internals');
    }
    veriff.sandbox({});
  });

  test('the fifth failure cancels the agreement and tells the sender; concurrent submissions reach the provider once', async () => {
    const { api, accountId } = await recipient();
    for (let i = 0; i < 4; i++) {
      veriff.script({ status: 'declined', reasonCode: 103 });
      const desk = await begun(api);
      await photographPassport(desk);
      await ok(await desk.submit());
      assert.equal((await decided(desk)).tries_left, 4 - i);
    }
    veriff.script({ status: 'declined', reasonCode: 103 }, { status: 'approved' });
    const desk = await begun(api);
    await photographPassport(desk);
    const sessionsBefore = veriff.sessions.size;
    const answers = await Promise.all(Array.from({ length: 20 }, () => desk.submit()));
    const statuses = answers.map((r) => r.status);
    assert.equal(veriff.sessions.size, sessionsBefore + 1, 'one check reached the provider');
    assert.ok(statuses.includes(200), statuses.join(','));
    await expectError(await api.idStart(), 409, 'cancelled');
    await hooks.next((r) => r.url === `/hooks/${accountId}` && JSON.parse(r.body).type === 'agreement.cancelled');
  });

  test('uploads: oversized, not a JPEG or not needed are refused with nothing stored; bad input is a 4xx', async () => {
    const { api } = await recipient();
    const desk = await begun(api);
    const before = stack.r2Objects();
    // One byte over the 4 MB cap.
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0xff);
    big.set([0xff, 0xd8, 0xff]);
    await refusedOversized(() => desk.photo('passport', 'document_front', big));
    // Without a length: streamed, cut off at the cap.
    const stream = new ReadableStream({
      start(controller) { for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(1024 * 1024).fill(0xff)); controller.close(); },
    });
    await refusedOversized(() => desk.photo('passport', 'document_front', stream));
    await expectError(await desk.photo('passport', 'document_front', Buffer.from('GIF89a....')), 415, 'unsupported_media_type');
    await expectError(await desk.photo('passport', 'document_front', FRONT, { type: 'image/png' }), 415, 'unsupported_media_type');
    await expectError(await desk.photo('passport', 'document_back', FRONT), 400, 'invalid_request');
    await expectError(await desk.photo('visa', 'document_front', FRONT), 404, 'not_found');
    await expectError(await desk.photo('passport', 'selfie', FRONT), 404, 'not_found');
    await expectError(await desk.photo('passport', 'face', FACE, { live: null }), 400, 'invalid_request');
    await expectError(await desk.submit(), 409, 'photos_not_ready');
    await expectError(await desk.handoff({ phone: 'call me' }), 400, 'invalid_request');
    await expectError(await desk.handoff({ phone: '+15550100', extra: 1 }), 400, 'invalid_request');
    await expectError(await captureApi(stack.origin, 'x'.repeat(86)).status(), 404, 'invalid_link');
    await expectError(await openHandoff(stack.origin, 'nonsense'), 404, 'invalid_link');
    assert.equal(stack.r2Objects(), before, 'nothing was stored');
    const status = await ok(await desk.status());
    assert.deepEqual(status.photos, []);
    assert.equal(status.tries_left, 5, 'nothing counted');
  });

  test('the webhook is a signal: a forged one is refused, a genuine one has the decision read back', async () => {
    const { api, agreementId } = await recipient();
    veriff.holdDecisions();
    const desk = await begun(api);
    await photographPassport(desk);
    assert.equal((await ok(await desk.submit())).stage, 'checking');
    const forged = JSON.stringify({ status: 'success', verification: { id: 'x', vendorData: 'y.z', status: 'approved' } });
    const res = await fetch(`${stack.origin}/api/v1/webhooks/veriff`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-hmac-signature': 'ab'.repeat(32) }, body: forged,
    });
    await expectError(res, 401, 'unauthorized');
    veriff.release();
    for (let i = 0; i < 50 && !ofType(await admin.audit(agreementId), 'id_check_ended').length; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ofType(await admin.audit(agreementId), 'id_check_ended').length, 1, 'decided by the webhook, without a poll');
    assert.equal(veriff.webhooks.sent.at(-1).status, 200);
    assert.equal((await ok(await desk.status())).stage, 'passed');
  });

  test('only the ID page may use the camera, and show its own photos', async () => {
    const idPage = await fetch(`${stack.origin}/id/`);
    assert.equal(idPage.status, 200);
    assert.match(idPage.headers.get('permissions-policy'), /(^|, )camera=\(self\)/);
    assert.match(idPage.headers.get('content-security-policy'), /img-src 'self' data: blob:/);
    for (const other of ['/s', '/api/health', '/']) {
      const res = await fetch(`${stack.origin}${other}`);
      assert.match(res.headers.get('permissions-policy'), /(^|, )camera=\(\)/, other);
      assert.doesNotMatch(res.headers.get('content-security-policy'), /blob:/, other);
    }
  });

  test('a sender who changes the method ends the check: its photos go', async () => {
    const { api, agreementId, recipientId } = await recipient();
    const before = stack.r2Objects();
    const desk = await begun(api);
    await photographPassport(desk);
    assert.equal(stack.r2Objects(), before + 3);
    const changed = await admin.changeMethod(agreementId, recipientId, { method: 'password', password: 'Sunrise2026', password_confirmation: 'Sunrise2026' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(stack.r2Objects(), before, 'deleted with the method');
    await expectError(await desk.photo('passport', 'face', FACE), 409, 'wrong_method');
  });

  test('a phone whose session ended learns how it ended, not the next session\'s progress', async () => {
    const { api } = await recipient();
    veriff.script({ status: 'declined', reasonCode: 103 });
    const desk = await begun(api);
    const sent = await ok(await desk.handoff({ sms: false }));
    const opened = await ok(await openHandoff(stack.origin, sent.link.split('#h=')[1]));
    const phone = captureApi(stack.origin, opened.capture_token);
    await photographPassport(phone);
    await ok(await phone.submit());
    assert.equal((await decided(phone)).failure, 'face_mismatch');
    const again = await begun(api);
    await ok(await again.photo('passport', 'document_front', FRONT));
    const told = await ok(await phone.status());
    assert.equal(told.stage, 'failed');
    assert.equal(told.failure, 'face_mismatch');
    assert.deepEqual(told.photos, [], 'not the new session\'s photos');
  });

  test('a provider that keeps failing is asked three times in a session, no more', async () => {
    const { api } = await recipient();
    const desk = await begun(api);
    await photographPassport(desk);
    const sessions = veriff.sessions.size;
    for (let i = 0; i < 3; i++) {
      veriff.failNext('http500');
      await expectError(await desk.submit(), 502, 'provider_unavailable');
    }
    const calls = veriff.calls.length;
    const refused = await expectError(await desk.submit(), 502, 'provider_unavailable');
    assert.match(refused.message, /failed several times/);
    assert.equal(veriff.calls.length, calls, 'the provider was not asked a fourth time');
    assert.equal(veriff.sessions.size, sessions);
    assert.equal((await ok(await desk.status())).tries_left, 5, 'no try counted');
  });

  test('a provider that fails counts nothing and keeps the photos for another submission', async () => {
    const { api } = await recipient();
    const desk = await begun(api);
    await photographPassport(desk);
    veriff.failNext('http500');
    await expectError(await desk.submit(), 502, 'provider_unavailable');
    const status = await ok(await desk.status());
    assert.equal(status.stage, 'capturing');
    assert.equal(status.tries_left, 5);
    await ok(await desk.submit());
    assert.equal((await decided(desk)).stage, 'passed');
  });
});

describe('the ID check window, shortened for the test', () => {
  let veriff;
  let stack;

  before(async () => {
    veriff = await startVeriff();
    stack = new Stack({
      vars: { ...veriff.workerVars(), DEV_ID_SESSION_SECONDS: '3', DEV_ID_REPORT_RETENTION_SECONDS: '4' },
    });
    await stack.start();
  });
  after(async () => {
    await stack?.dispose();
    await veriff?.close();
  });

  test('a session left unfinished ends by the alarm: a failed try, photos deleted, its links dead', async () => {
    const admin = stack.admin();
    await admin.putAccount('window', { name: 'Acme', policy: { methods: { allowed: ['government_id'], default: 'government_id' } } });
    const created = await admin.createAgreement({
      account_id: 'window', title: 'Lease', sender: { name: 'Sam', email: 'sam@example.com' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method: 'government_id', phone: '+15550100999' }],
    });
    const api = recipientApi(stack.origin, created.recipients[0].signing_url.split('#')[1]);
    const started = await ok(await api.idStart());
    const desk = captureApi(stack.origin, started.capture_token);
    const sent = await ok(await desk.handoff({}));
    await ok(await desk.photo('passport', 'document_front', FRONT));
    assert.equal(stack.r2Objects(), 1);
    await new Promise((r) => setTimeout(r, 4500));
    assert.equal(stack.r2Objects(), 0, 'the alarm deleted the photo');
    await expectError(await openHandoff(stack.origin, sent.link.split('#h=')[1]), 404, 'invalid_link');
    const status = await ok(await desk.status());
    assert.equal(status.stage, 'failed');
    assert.equal(status.failure, 'out_of_time');
    assert.equal(status.tries_left, 4);
    await expectError(await desk.photo('passport', 'face', FACE), 409, 'no_id_session');
  });

  test('a report is erased when the account\'s retention ends, by the alarm, in the audit trail', async () => {
    const admin = stack.admin();
    await admin.putAccount('retention', {
      name: 'Acme',
      policy: { methods: { allowed: ['government_id'], default: 'government_id' }, government_id: { keep_identity_report: true } },
    });
    const created = await admin.createAgreement({
      account_id: 'retention', title: 'Lease', sender: { name: 'Sam', email: 'sam@example.com' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method: 'government_id' }],
    });
    const [{ id: recipientId, signing_url: url }] = created.recipients;
    const api = recipientApi(stack.origin, url.split('#')[1]);
    const desk = captureApi(stack.origin, (await ok(await api.idStart())).capture_token);
    await photographPassport(desk);
    await ok(await desk.submit());
    assert.equal((await decided(desk)).stage, 'passed');
    const kept = await admin.identityReports(created.id, recipientId);
    assert.equal(kept.body.reports.length, 1);
    assert.equal(stack.r2Objects(), 4, 'the report and its three photos');
    await new Promise((r) => setTimeout(r, 5500));
    assert.equal(stack.r2Objects(), 0, 'erased from R2 by the alarm');
    assert.deepEqual((await admin.identityReports(created.id, recipientId)).body, { reports: [] });
    const [erasure] = ofType(await admin.audit(created.id), 'id_reports_erased');
    assert.deepEqual(erasure, { ...erasure, reports: [kept.body.reports[0].id], by: 'retention' });
  });
});

// Knowledge-based authentication under workerd, against the local IDology stand-in: Adobe's
// scoring (3, or 2 then 2 more; strict 4, or 3 then 2), the try limit, not eligible, replays,
// concurrency, bad input and the provider's faults.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IDENTITIES, THIN_FILE, startIdology } from '../support/idology.mjs';
import { listener } from '../support/listener.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

const ADA = IDENTITIES['ada lovelace 62701'];
const SUBJECT = {
  first_name: 'Ada', last_name: 'Lovelace', address: '12 Analytical Way', city: 'Springfield',
  state: 'IL', zip: '62701', date_of_birth: '1985-12-10',
};
const ofType = (events, type) => events.filter((e) => e.type === type);

/// Answers `round` with the right choices, except the first `wrong` questions.
function answersTo(round, wrong = 0) {
  const all = [...ADA.questions, ...ADA.challenge];
  return {
    round: round.round,
    answers: round.questions.map((q, i) => {
      const right = all.find((known) => known.type === q.id).right;
      return { question_id: q.id, choice: i < wrong ? q.choices.find((c) => c !== right) : right };
    }),
  };
}

describe('KBA under workerd with the IDology stand-in', () => {
  let idology;
  let hooks;
  let stack;
  let admin;

  before(async () => {
    idology = await startIdology();
    hooks = await listener();
    stack = new Stack({ vars: idology.workerVars() });
    await stack.start();
    admin = stack.admin();
  });
  after(async () => {
    await stack?.dispose();
    await idology?.close();
    await hooks?.close();
  });

  /// `ip: 'each'`: every request from another address, so the per-IP throttle stays out of the way.
  async function recipient({ kba = {}, accountId = `kba-${Math.random().toString(36).slice(2)}`, name = 'Ada Lovelace', ip } = {}) {
    await admin.putAccount(accountId, {
      name: 'Acme Bank',
      webhook_url: `${hooks.origin}/hooks/${accountId}`,
      policy: { methods: { allowed: ['kba', 'password'], default: 'kba' }, kba },
    });
    const created = await admin.createAgreement({
      account_id: accountId,
      title: 'Loan agreement',
      sender: { name: 'Sam Sender', email: 'sam@bank.example' },
      recipients: [{ name, email: 'ada@example.com', method: 'kba' }],
    });
    const token = created.recipients[0].signing_url.split('#')[1];
    return { agreementId: created.id, accountId, token, api: recipientApi(stack.origin, token, ip ? { ip } : {}) };
  }

  async function started(api, subject = SUBJECT) {
    const res = await api.kbaStart(subject);
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  }

  async function expectError(res, status, code) {
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code);
    return body;
  }

  test('questions are asked once: another browser gets no new set, and joins by pairing with the first', async () => {
    const { api: desk, token } = await recipient();
    assert.equal((await desk.kbaAnswers(answersTo(await started(desk)))).status, 200);
    const phone = recipientApi(stack.origin, token);
    assert.equal((await (await phone.view()).json()).state, 'verified');
    await expectError(await phone.kbaStart(SUBJECT), 409, 'already_verified');
    await expectError(await phone.freshGrant(), 409, 'conflict');

    const { link } = await (await desk.pairingOffer()).json();
    const { code } = await (await phone.pairingClaim(link.split('&pair=')[1])).json();
    assert.equal((await desk.pairingConfirm(code)).status, 200);
    const fresh = await phone.freshGrant();
    assert.equal(fresh.status, 200);
    const { signature_name: name, grant } = await fresh.json();
    assert.equal(name, 'Ada Lovelace', 'the name the questions locked');
    assert.deepEqual(JSON.parse(Buffer.from(grant.split('.')[1], 'base64url')).amr, ['kba']);
  });

  test('three right answers verify, the grant says kba, and the audit keeps the reference but no personal data', async () => {
    const { api, agreementId } = await recipient();
    const round = await started(api);
    assert.equal(round.questions.length, 3);
    assert.equal(round.follow_up, false);
    assert.equal(round.tries_left, 3);
    assert.ok(round.expires_in_secs > 0 && round.expires_in_secs <= 300);
    assert.ok(round.questions.every((q) => q.choices.includes('None of the above')));
    const res = await api.kbaAnswers(answersTo(round));
    assert.equal(res.status, 200);
    const { verified, follow_up } = await res.json();
    assert.equal(follow_up, undefined);
    const claims = JSON.parse(Buffer.from(verified.grant.split('.')[1], 'base64url'));
    assert.deepEqual(claims.amr, ['kba']);
    assert.match(res.headers.get('set-cookie') ?? '', /signgate_verified=/, 'the browser that verified may ask for fresh grants');
    const events = await admin.audit(agreementId);
    const [kbaStarted] = ofType(events, 'kba_started');
    assert.equal(kbaStarted.provider, 'idology');
    assert.match(kbaStarted.reference, /^\d+$/);
    assert.equal(kbaStarted.questions, 3);
    assert.equal(kbaStarted.name, 'Ada Lovelace', 'whom the provider found');
    assert.equal(verified.signature_name, 'Ada Lovelace');
    assert.deepEqual(ofType(events, 'kba_round').map(({ follow_up, questions, passed }) => ({ follow_up, questions, passed })),
      [{ follow_up: false, questions: 3, passed: true }]);
    assert.equal(ofType(events, 'verified')[0].method, 'kba');
    const trail = JSON.stringify(events);
    for (const personal of ['Analytical', '1985', '62701', 'SANGAMON', 'Springfield']) {
      assert.ok(!trail.includes(personal), `${personal} is not in the audit trail`);
    }
    const status = await admin.agreement(agreementId);
    assert.equal(status.recipients[0].state, 'verified');
  });

  test('exactly one wrong asks two follow-ups: both right verify, one wrong fails the try without saying which', async () => {
    const { api } = await recipient();
    const round = await started(api);
    const first = await (await api.kbaAnswers(answersTo(round, 1))).json();
    assert.equal(first.verified, undefined);
    assert.equal(first.follow_up.follow_up, true);
    assert.deepEqual(first.follow_up.questions.map((q) => q.id), ADA.challenge.map((q) => q.type));
    const done = await (await api.kbaAnswers(answersTo(first.follow_up))).json();
    assert.ok(done.verified.grant);

    const other = await recipient();
    const again = await started(other.api);
    const followUps = (await (await other.api.kbaAnswers(answersTo(again, 1))).json()).follow_up;
    const failed = await expectError(await other.api.kbaAnswers(answersTo(followUps, 1)), 403, 'wrong_answers');
    assert.equal(failed.tries_left, 2);
    assert.doesNotMatch(failed.message, /street|person|county|question \d/i, 'which answer was wrong is never said');
  });

  test('two wrong of three fail the try at once; the last failed try cancels the agreement and tells the sender', async () => {
    const { api, agreementId, accountId } = await recipient({ kba: { max_tries: 2 } });
    const round = await started(api);
    const failed = await expectError(await api.kbaAnswers(answersTo(round, 2)), 403, 'wrong_answers');
    assert.equal(failed.tries_left, 1);
    const last = await started(api);
    const cancelled = await expectError(await api.kbaAnswers(answersTo(last, 3)), 409, 'cancelled');
    assert.equal(cancelled.tries_left, 0);
    await expectError(await api.kbaStart(SUBJECT), 409, 'cancelled');
    const hook = await hooks.next((r) => r.url === `/hooks/${accountId}` && JSON.parse(r.body).type === 'agreement.cancelled');
    assert.equal(JSON.parse(hook.body).method, 'kba');
    const events = await admin.audit(agreementId);
    assert.deepEqual(ofType(events, 'verification_failed').map((e) => e.tries_left), [1, 0]);
    assert.equal(ofType(events, 'agreement_cancelled').length, 1);
  });

  test('strict: four questions; exactly three right asks two more; two right fails', async () => {
    idology.askQuestions(4);
    try {
      const { api } = await recipient({ kba: { strict: true } });
      const round = await started(api);
      assert.equal(round.questions.length, 4);
      const first = await (await api.kbaAnswers(answersTo(round, 1))).json();
      assert.equal(first.follow_up.questions.length, 2);
      assert.ok((await (await api.kbaAnswers(answersTo(first.follow_up))).json()).verified);

      const other = await recipient({ kba: { strict: true } });
      await expectError(await other.api.kbaAnswers(answersTo(await started(other.api), 2)), 403, 'wrong_answers');
      // The default rules cannot score four questions: the provider is set up wrong for them.
      const lax = await recipient();
      await expectError(await lax.api.kbaStart(SUBJECT), 502, 'provider_unavailable');
    } finally {
      idology.askQuestions(3);
    }
  });

  test('a signer the provider cannot find, or cannot ask, is told the method is not available, once, and the sender is told', async () => {
    for (const [first, last, zip] of [['Nobody', 'Known', '99999'], THIN_FILE.split(' ')]) {
      const { api, agreementId, accountId } = await recipient({ name: `${first} ${last}` });
      const before = idology.calls.length;
      const refused = await expectError(await api.kbaStart({ ...SUBJECT, first_name: first, last_name: last, zip }), 409, 'not_eligible');
      assert.match(refused.message, /contact/i);
      await expectError(await api.kbaStart({ ...SUBJECT, first_name: first, last_name: last, zip }), 409, 'not_eligible');
      assert.equal(idology.calls.length, before + 1, 'no second lookup of the same person');
      const hook = await hooks.next((r) => r.url === `/hooks/${accountId}` && JSON.parse(r.body).type === 'recipient.method_unavailable');
      assert.equal(JSON.parse(hook.body).method, 'kba');
      const events = await admin.audit(agreementId);
      assert.equal(ofType(events, 'kba_not_eligible').length, 1);
      assert.equal(ofType(events, 'verification_failed').length, 0, 'not being found is no failed try');
      // The sender gives them another way.
      const status = await admin.agreement(agreementId);
      assert.equal(status.state, 'pending');
    }
  });

  test('a replayed answer set is refused and not scored again', async () => {
    const { api } = await recipient();
    const round = await started(api);
    const answers = answersTo(round, 2);
    await expectError(await api.kbaAnswers(answers), 403, 'wrong_answers');
    const scoredBefore = idology.calls.filter((c) => c.path === '/api/idliveq-answers.svc').length;
    await expectError(await api.kbaAnswers(answers), 409, 'no_questions');
    assert.equal(idology.calls.filter((c) => c.path === '/api/idliveq-answers.svc').length, scoredBefore);
    const view = await (await api.view()).json();
    assert.equal(view.tries_left, 2, 'the replay cost nothing and gained nothing');
  });

  test('200 concurrent submissions of one round score exactly one try', async () => {
    const { api, agreementId } = await recipient({ ip: 'each' });
    const round = await started(api);
    const before = idology.calls.filter((c) => c.path === '/api/idliveq-answers.svc').length;
    const answers = answersTo(round, 2);
    const results = await Promise.all(Array.from({ length: 200 }, () => api.kbaAnswers(answers)));
    const codes = await Promise.all(results.map(async (r) => (await r.json()).code));
    assert.equal(codes.filter((c) => c === 'wrong_answers').length, 1);
    assert.equal(codes.filter((c) => c === 'no_questions').length, 199);
    assert.equal(idology.calls.filter((c) => c.path === '/api/idliveq-answers.svc').length, before + 1);
    const events = await admin.audit(agreementId);
    assert.equal(ofType(events, 'kba_round').length, 1);
    assert.equal(ofType(events, 'verification_failed').length, 1);
  });

  test('bad input is a clear 4xx that counts nothing and loses nothing', async () => {
    const { api } = await recipient();
    const problems = await expectError(await api.kbaStart({ ...SUBJECT, state: 'XX', zip: '1', date_of_birth: '2999-01-01' }), 400, 'invalid_request');
    for (const field of ['state', 'zip', 'date_of_birth']) assert.match(problems.message, new RegExp(field));
    await expectError(await api.kbaStart({ ...SUBJECT, ssn: '123-45-6789' }), 400, 'invalid_request');
    // A forwarded link: its holder cannot pass with their own identity.
    const lookups = idology.calls.length;
    const someoneElse = await expectError(await api.kbaStart({ ...SUBJECT, first_name: 'Eve', last_name: 'Smith' }), 400, 'invalid_request');
    assert.match(someoneElse.message, /Ada Lovelace/);
    assert.equal(idology.calls.length, lookups, 'no lookup of anyone but the recipient');
    const round = await started(api);
    const right = answersTo(round);
    const bad = [
      { ...right, answers: right.answers.slice(1) },
      { ...right, answers: [...right.answers.slice(1), right.answers[1]] },
      { ...right, answers: [{ ...right.answers[0], question_id: 'made.up' }, ...right.answers.slice(1)] },
      { ...right, answers: [] },
      { ...right, answers: [{ ...right.answers[0], choice: '' }, ...right.answers.slice(1)] },
      { round: right.round },
      { ...right, extra: true },
    ];
    for (const body of bad) {
      const res = await api.kbaAnswers(body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    await expectError(await api.kbaAnswers({ ...right, round: 'not-this-one' }), 409, 'no_questions');
    // The round is still open and still scores.
    const res = await api.kbaAnswers(right);
    assert.equal(res.status, 200);
  });

  test('provider faults: a failed scoring leaves the round to be sent again; the provider timing out fails the try; starting over abandons the open round', async () => {
    const { api, agreementId } = await recipient();
    const round = await started(api);
    idology.failNext('http500');
    await expectError(await api.kbaAnswers(answersTo(round)), 502, 'provider_unavailable');
    idology.failNext('timeout');
    const expired = await expectError(await api.kbaAnswers(answersTo(round)), 409, 'questions_expired');
    assert.equal(expired.tries_left, 2);
    await started(api);
    const abandoned = await expectError(await api.kbaStart(SUBJECT), 409, 'questions_expired');
    assert.equal(abandoned.tries_left, 1);
    idology.failNext('http500');
    await expectError(await api.kbaStart(SUBJECT), 502, 'provider_unavailable');
    const last = await started(api);
    assert.equal(last.tries_left, 1);
    assert.ok((await (await api.kbaAnswers(answersTo(last))).json()).verified);
    const events = await admin.audit(agreementId);
    assert.equal(ofType(events, 'verification_failed').length, 2);
    assert.equal(ofType(events, 'kba_round').filter((e) => e.timed_out).length, 2);
  });

  test('a KBA link with no provider set up says so; a preview asks sample questions with nothing sent', async () => {
    const { accountId } = await recipient();
    const created = await admin.request('POST', '/previews', { account_id: accountId, method: 'kba' });
    const token = created.preview_url.split('#')[1];
    const preview = (path, body) => fetch(`${stack.origin}/api/v1/preview/recipient${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const before = idology.calls.length;
    const round = await (await preview('/kba/start', SUBJECT)).json();
    assert.equal(round.questions.length, 3);
    assert.equal((await preview('/kba/start', { ...SUBJECT, zip: 'x' })).status, 400);
    const answered = await (await preview('/kba/answers', {
      round: round.round, answers: round.questions.map((q) => ({ question_id: q.id, choice: q.choices[0] })),
    })).json();
    assert.equal(answered.verified.grant, 'preview-only-not-a-grant');
    assert.equal(idology.calls.length, before, 'a preview asks no provider');
  });
});

describe('KBA without a provider', () => {
  let stack;
  before(async () => { stack = await new Stack().start(); });
  after(async () => { await stack?.dispose(); });

  test('starting says the method is not set up here, and counts nothing', async () => {
    const admin = stack.admin();
    await admin.putAccount('bank', { name: 'Bank', policy: { methods: { allowed: ['kba'], default: 'kba' } } });
    const created = await admin.createAgreement({
      account_id: 'bank', title: 'Loan', sender: { name: 'Sam', email: 'sam@bank.example' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method: 'kba' }],
    });
    const api = recipientApi(stack.origin, created.recipients[0].signing_url.split('#')[1]);
    const res = await api.kbaStart(SUBJECT);
    assert.equal(res.status, 503);
    assert.equal((await res.json()).code, 'not_configured');
    assert.equal((await (await api.view()).json()).tries_left, 3);
  });
});

// The IDology stand-in itself: it must answer as the real API does (tests/support/idology-api.md),
// or the Worker's adapter would be tested against a fiction.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IDENTITIES, PASSWORD, THIN_FILE, USERNAME, startIdology } from './idology.mjs';

const ada = IDENTITIES['ada lovelace 62701'];

describe('the IDology stand-in', () => {
  let standIn;
  before(async () => { standIn = await startIdology(); });
  after(() => standIn.close());

  const post = async (path, fields) => {
    const res = await fetch(`${standIn.origin}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: USERNAME, password: PASSWORD, ...fields }),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const tag = (text, name) => [...text.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]);
  const answers = (questions, wrong = 0) => Object.fromEntries(questions.flatMap((q, i) => [
    [`question${i + 1}Type`, q.type],
    [`question${i + 1}Answer`, i < wrong ? 'None of the above' : q.right],
  ]));
  const subject = { firstName: 'Ada', lastName: 'Lovelace', address: '12 Analytical Way', city: 'Springfield', state: 'IL', zip: '62701', dobMonth: '12', dobYear: '1985' };

  test('found: questions with choices and None of the above; answers scored as result.questions.N.incorrect', async () => {
    const found = await post('idiq.svc', subject);
    assert.equal(found.status, 200);
    assert.match(found.type, /xml/);
    assert.match(found.text, /^<\?xml version="1.0"\?>\n<response>/);
    const [id] = tag(found.text, 'id-number');
    assert.deepEqual(tag(found.text, 'type'), ada.questions.slice(0, 3).map((q) => q.type));
    assert.ok(tag(found.text, 'answer').includes('None of the above'));
    const scored = await post('idliveq-answers.svc', { idNumber: id, ...answers(ada.questions.slice(0, 3), 1) });
    assert.deepEqual(tag(scored.text, 'key').at(-1), 'result.questions.1.incorrect');
    const challenge = await post('idliveq-challenge.svc', { idNumber: id });
    assert.deepEqual(tag(challenge.text, 'type'), ada.challenge.map((q) => q.type));
    const last = await post('idliveq-challenge-answers.svc', { idNumber: id, ...answers(ada.challenge) });
    assert.equal(tag(last.text, 'key').at(-1), 'result.challenge.0.incorrect');
    assert.equal(tag(last.text, 'answers-received')[0], '5');
    assert.equal((await post('idliveq-answers.svc', { idNumber: id, ...answers(ada.questions.slice(0, 3)) })).text.includes('<error>'), true, 'a session is answered once');
  });

  test('not found, not eligible, a wrong login, and the scripted faults', async () => {
    const nobody = await post('idiq.svc', { ...subject, firstName: 'Nobody' });
    assert.deepEqual(tag(nobody.text, 'eligible-for-questions'), ['false']);
    assert.ok(nobody.text.includes('<key>result.no.match</key>'));
    const [first, last, zip] = THIN_FILE.split(' ');
    const thin = await post('idiq.svc', { ...subject, firstName: first, lastName: last, zip });
    assert.ok(thin.text.includes('<idliveq-error><key>id.not.eligible.for.questions</key>'));
    const refused = await fetch(`${standIn.origin}/api/idiq.svc`, { method: 'POST', body: new URLSearchParams({ username: 'x', password: 'y' }) });
    assert.ok((await refused.text()).includes('<error>Invalid username and password</error>'));
    standIn.failNext('http500');
    assert.equal((await post('idiq.svc', subject)).status, 500);
    const [id] = tag((await post('idiq.svc', subject)).text, 'id-number');
    standIn.failNext('timeout');
    const late = await post('idliveq-answers.svc', { idNumber: id, ...answers(ada.questions.slice(0, 3)) });
    assert.ok(late.text.includes('<key>result.timeout</key>'));
    assert.ok(standIn.calls.every((c) => !JSON.stringify(c).includes('Lovelace')), 'no personal data kept in the log of calls');
  });
});

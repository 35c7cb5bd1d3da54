// A local stand-in for IDology's ExpectID IQ (knowledge-based authentication), speaking its API
// as public clients use it (tests/support/idology-api.md): form POSTs to /api/idiq.svc,
// /api/idliveq-answers.svc, /api/idliveq-challenge.svc and /api/idliveq-challenge-answers.svc,
// answered in XML. A few test identities with their question sets; the right answer to every
// question is known here, so tests can answer right or wrong on purpose. Faults a test can script:
// the next call fails (HTTP 500 or a refused login), or the time to answer runs out.
//
//   node tests/support/idology.mjs [port]   runs it for `cargo xtask dev`
import { createServer } from 'node:http';

export const USERNAME = 'signgate-local';
export const PASSWORD = 'local-idology-password';

/// Who the stand-in finds, by first and last name and ZIP; each has four questions (strict mode
/// asks all four), two challenge questions, and the right choice of each.
export const IDENTITIES = {
  'ada lovelace 62701': {
    questions: [
      { type: 'current.county', prompt: 'In which county have you lived?', choices: ['PICKENS', 'SANGAMON', 'FRANKLIN', 'MIAMI'], right: 'SANGAMON' },
      { type: 'prior.street', prompt: 'On which street have you lived?', choices: ['ELM ST', 'OAK AVE', 'ANALYTICAL WAY', 'PINE RD'], right: 'ANALYTICAL WAY' },
      { type: 'purchased.property.from', prompt: 'From whom did you buy a property?', choices: ['BABBAGE CHARLES', 'SMITH JOHN', 'DOE JANE', 'ROE RICHARD'], right: 'BABBAGE CHARLES' },
      { type: 'year.of.birth', prompt: 'In which year were you born?', choices: ['1983', '1984', '1985', '1986'], right: '1985' },
    ],
    challenge: [
      { type: 'street.name', prompt: 'Which street goes with your address number 12?', choices: ['ANALYTICAL WAY', 'ROBBIE VW', 'MAIN ST', 'FIRST AVE'], right: 'ANALYTICAL WAY' },
      { type: 'person.known', prompt: 'Which of these people do you know?', choices: ['MARY SOMERVILLE', 'ALAN TURING', 'GRACE HOPPER', 'None of the above'], right: 'MARY SOMERVILLE' },
    ],
  },
};
/// Found in the records, but not eligible for questions (a thin file).
export const THIN_FILE = 'bob thin 10001';

const NONE = 'None of the above';
const xml = (body) => `<?xml version="1.0"?>\n<response>${body}</response>`;
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const keyed = (name, key, message = key) => `<${name}><key>${key}</key><message>${escape(message)}</message></${name}>`;

function questionsXml(questions) {
  return `<questions>${questions.map((q) => `<question><prompt>${escape(q.prompt)}</prompt><type>${q.type}</type>${
    [...q.choices, ...(q.choices.includes(NONE) ? [] : [NONE])].map((c) => `<answer>${escape(c)}</answer>`).join('')
  }</question>`).join('')}</questions>`;
}

/// `questionsAsked`: how many questions the account is set up to ask first (IDology sets this per
/// account; 4 for signgate's strict mode).
export async function startIdology({ port = 0, questionsAsked = 3 } = {}) {
  const sessions = new Map();
  let nextId = 5_342_889;
  let fault = null;
  const calls = [];

  function answer(path, form) {
    if (form.get('username') !== USERNAME || form.get('password') !== PASSWORD) {
      return xml('<error>Invalid username and password</error>');
    }
    if (path === '/api/idiq.svc') {
      const who = `${form.get('firstName') ?? ''} ${form.get('lastName') ?? ''} ${form.get('zip') ?? ''}`.toLowerCase().trim();
      const id = String(nextId++);
      if (who === THIN_FILE) {
        return xml(`<id-number>${id}</id-number>${keyed('idliveq-error', 'id.not.eligible.for.questions', 'Not Eligible For Questions')}`);
      }
      const identity = IDENTITIES[who];
      if (!identity) {
        return xml(`<id-number>${id}</id-number>${keyed('summary-result', 'id.failure', 'Unable to Locate ID')}${keyed('results', 'result.no.match', 'ID Not Located')}<eligible-for-questions>false</eligible-for-questions>`);
      }
      const asked = identity.questions.slice(0, questionsAsked);
      sessions.set(id, { identity, asked, stage: 'first', deadline: Date.now() + 5 * 60_000 });
      return xml(`<id-number>${id}</id-number>${keyed('summary-result', 'id.success', 'Match Found')}${keyed('results', 'result.match', 'ID Located')}${questionsXml(asked)}`);
    }
    const id = form.get('idNumber');
    const session = sessions.get(id);
    if (!session) return xml('<error>Invalid idNumber</error>');
    const wrongOf = (questions) => questions.filter((q, i) => {
      const n = i + 1;
      return form.get(`question${n}Type`) !== q.type || form.get(`question${n}Answer`) !== q.right;
    }).length;
    const timedOut = fault === 'timeout' || Date.now() > session.deadline;
    if (fault === 'timeout') fault = null;
    if (path === '/api/idliveq-answers.svc' && session.stage === 'first') {
      session.stage = 'answered';
      if (timedOut) return xml(`<id-number>${id}</id-number><answers-received>0</answers-received>${keyed('idliveq-result', 'result.timeout')}`);
      session.wrong = wrongOf(session.asked);
      return xml(`<id-number>${id}</id-number>${keyed('results', 'result.match', 'Pass')}<answers-received>${session.asked.length}</answers-received>${keyed('idliveq-result', `result.questions.${session.wrong}.incorrect`)}`);
    }
    if (path === '/api/idliveq-challenge.svc' && session.stage === 'answered') {
      session.stage = 'challenge';
      return xml(`<id-number>${id}</id-number>${keyed('results', 'result.match', 'Pass')}${keyed('idliveq-result', `result.questions.${session.wrong}.incorrect`)}${questionsXml(session.identity.challenge)}`);
    }
    if (path === '/api/idliveq-challenge-answers.svc' && session.stage === 'challenge') {
      session.stage = 'done';
      if (timedOut) return xml(`<id-number>${id}</id-number><answers-received>0</answers-received>${keyed('idliveq-challenge-result', 'result.timeout')}`);
      const wrong = wrongOf(session.identity.challenge);
      return xml(`<id-number>${id}</id-number><answers-received>${session.asked.length + 2}</answers-received>${keyed('idliveq-result', `result.questions.${session.wrong}.incorrect`)}${keyed('idliveq-challenge-result', `result.challenge.${wrong}.incorrect`)}`);
    }
    return xml('<error>This call does not fit the session</error>');
  }

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const path = new URL(req.url, 'http://stand-in').pathname;
      const form = new URLSearchParams(body);
      calls.push({ path, fields: [...form.keys()] });
      if (fault === 'http500') {
        fault = null;
        res.writeHead(500).end('Internal Server Error');
        return;
      }
      if (req.method !== 'POST' || !path.endsWith('.svc')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(answer(path, form));
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    /// The Worker's settings for this stand-in.
    workerVars: () => ({ IDOLOGY_API_BASE: `${origin}/api`, IDOLOGY_USERNAME: USERNAME, IDOLOGY_PASSWORD: PASSWORD }),
    /// The next call fails: `'http500'`, or the answers come too late (`'timeout'`).
    failNext(kind) { fault = kind; },
    /// From now on the account asks `n` questions first (as an account set up for 4 would).
    askQuestions(n) { questionsAsked = n; },
    /// What was called, with the field names sent (never their values: they are personal data).
    calls,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const standIn = await startIdology({ port: Number(process.argv[2] ?? 0) });
  for (const [name, value] of Object.entries(standIn.workerVars())) console.log(`${name}:${value}`);
  console.log('');
  console.log(`local IDology stand-in at ${standIn.origin} (identities: Ada Lovelace, ZIP 62701)`);
}

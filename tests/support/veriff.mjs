// A local stand-in for Veriff's direct-upload API (tests/support/veriff-api.md): sessions,
// one upload per photo, the submission, the decision (read back, and sent to a webhook), every
// request checked for its X-AUTH-CLIENT and its X-HMAC-SIGNATURE as Veriff checks them.
//
// It decides from what it can really read: the PDF417 barcode on the back of a licence, decoded
// with a real barcode reader (ZXing) and read as AAMVA. What it cannot read (a face, liveness,
// fraud; a passport page without OCR) comes from its sandbox identity or from an outcome a test
// scripts. Faults a test can script: the next call fails with HTTP 500; decisions held back.
//
//   node tests/support/veriff.mjs [port] [webhook URL]   runs it for `cargo xtask dev`
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import zx from '@zxing/library';
import jpeg from 'jpeg-js';

export const API_KEY = 'signgate-local-veriff-key';
export const SHARED_SECRET = 'local-veriff-shared-secret';
const CONTEXTS = new Set(['document-front', 'document-back', 'face', 'face-pre', 'document-and-face', 'document-front-pre', 'document-back-pre']);
/// Veriff's own limit on one image, as base64.
const MAX_BASE64 = 24 * 1024 * 1024;

/// The person the sandbox approves when no barcode says otherwise: the dev stack's signer, on the
/// kind of document the session was created for (`type` set here overrides it).
export const SANDBOX = { firstName: 'ADA', lastName: 'LOVELACE', type: null, number: 'L898902C3', validUntil: '2031-04-15', mrz: null };

const sign = (text) => createHmac('sha256', SHARED_SECRET).update(text).digest('hex');
const signed = (text, header) => {
  const want = Buffer.from(sign(text));
  const got = Buffer.from(String(header ?? '').toLowerCase());
  return want.length === got.length && timingSafeEqual(want, got);
};

/// The PDF417 barcode in `image` (JPEG bytes), or null.
export function readBarcode(image) {
  try {
    const { data, width, height } = jpeg.decode(image, { useTArray: true, maxMemoryUsageInMB: 256 });
    const luminance = new Uint8ClampedArray(width * height);
    for (let i = 0; i < luminance.length; i++) {
      luminance[i] = (data[i * 4] * 299 + data[i * 4 + 1] * 587 + data[i * 4 + 2] * 114) / 1000;
    }
    const bitmap = new zx.BinaryBitmap(new zx.HybridBinarizer(new zx.RGBLuminanceSource(luminance, width, height)));
    return new zx.PDF417Reader().decode(bitmap).getText();
  } catch {
    return null;
  }
}

/// The AAMVA fields Veriff would report from a licence's barcode.
function fromAamva(text) {
  const field = (id) => text.split(/[\n\r]/).map((line) => line.replace(/^.*?DL(?=DAQ)/, ''))
    .find((line) => line.startsWith(id))?.slice(3).trim() ?? null;
  const usDate = (value) => (value && /^\d{8}$/.test(value) ? `${value.slice(4)}-${value.slice(0, 2)}-${value.slice(2, 4)}` : null);
  return {
    person: { firstName: [field('DAC'), field('DAD')].filter(Boolean).join(' ') || null, lastName: field('DCS'), dateOfBirth: usDate(field('DBB')) },
    document: { type: 'DRIVERS_LICENSE', number: field('DAQ'), country: 'US', validUntil: usDate(field('DBA')) },
    additionalVerifiedData: { barcode: text },
  };
}

export async function startVeriff({ port = 0, webhookUrl = null } = {}) {
  const sessions = new Map();
  const calls = [];
  let fault = null;
  let hold = false;
  const scripted = [];
  let sandbox = { ...SANDBOX };
  const webhooks = { url: webhookUrl, sent: [], enabled: true };

  function decide(session) {
    const base = {
      id: session.id, attemptId: randomUUID(), vendorData: session.vendorData, endUserId: null,
      decisionTime: new Date().toISOString(), acceptanceTime: session.createdAt,
      reason: null, reasonCode: null, riskLabels: [], comments: [],
    };
    const back = session.media.find((m) => m.context === 'document-back');
    const barcode = back ? readBarcode(back.bytes) : null;
    const read = barcode ? fromAamva(barcode) : {
      person: { firstName: sandbox.firstName, lastName: sandbox.lastName, dateOfBirth: '1985-12-10' },
      document: { type: sandbox.type ?? session.documentType ?? 'PASSPORT', number: sandbox.number, country: 'GB', validUntil: sandbox.validUntil },
      additionalVerifiedData: sandbox.mrz ? { mrz: sandbox.mrz } : {},
    };
    const outcome = scripted.shift() ?? { status: 'approved' };
    const codes = { approved: 9001, declined: 9102, resubmission_requested: 9103, expired: 9104, abandoned: 9104, review: 9121 };
    return { ...base, ...read, status: outcome.status, code: codes[outcome.status], reasonCode: outcome.reasonCode ?? null, reason: outcome.reasonCode ? `reason ${outcome.reasonCode}` : null };
  }

  async function sendWebhook(session) {
    if (!webhooks.url || !webhooks.enabled) return;
    const body = JSON.stringify({ status: 'success', verification: session.decision, technicalData: { ip: '127.0.0.1' } });
    try {
      const res = await fetch(webhooks.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-client': API_KEY, 'x-hmac-signature': sign(body) }, body });
      webhooks.sent.push({ session: session.id, status: res.status });
    } catch (error) {
      webhooks.sent.push({ session: session.id, error: String(error) });
    }
  }

  function answer(method, path, body, headers) {
    const fail = (status, code, message) => [status, { status: 'fail', code, message }];
    if (headers['x-auth-client'] !== API_KEY) return fail(401, '1801', 'Mandatory X-AUTH-CLIENT header containing the API key is missing from the request.');
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'v1' || parts[1] !== 'sessions') return fail(404, '1004', 'Not found');
    const id = parts[2];
    const signedText = method === 'GET' || method === 'DELETE' ? id : body;
    if (!(method === 'POST' && parts.length === 2) && !signed(signedText, headers['x-hmac-signature'])) {
      return fail(401, '1818', 'Signature "x-hmac-signature" does not match the payload.');
    }
    let json = {};
    if (method !== 'GET') {
      try { json = JSON.parse(body); } catch { return fail(400, '1102', 'Mandatory parameters are missing from the request.'); }
    }
    if (method === 'POST' && parts.length === 2) {
      const session = {
        id: randomUUID(), vendorData: json.verification?.vendorData ?? null, documentType: json.verification?.document?.type ?? null,
        status: 'created', media: [], createdAt: new Date().toISOString(), decision: null,
      };
      sessions.set(session.id, session);
      return [201, { status: 'success', verification: { id: session.id, url: `http://stand-in/v/${session.id}`, vendorData: session.vendorData, host: 'http://stand-in', status: 'created', sessionToken: 'local' } }];
    }
    const session = sessions.get(id);
    if (!session) return fail(404, '1003', 'Session not found');
    if (method === 'POST' && parts[3] === 'media') {
      if (session.status !== 'created') return fail(409, '1304', 'Media cannot be added to a submitted session');
      const { context, content } = json.image ?? {};
      if (!CONTEXTS.has(context)) return fail(400, '1402', `Unknown context ${context}`);
      const base64 = String(content ?? '').replace(/^data:image\/[a-z]+;base64,/, '');
      if (!base64 || base64.length > MAX_BASE64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) return fail(400, '1401', 'Image data not in base64 format');
      const bytes = Buffer.from(base64, 'base64');
      session.media.push({ context, bytes });
      return [201, { status: 'success', image: { context, id: randomUUID(), name: context, timestamp: null, size: bytes.length, mimetype: 'image/jpeg', url: `http://stand-in/v1/media/${randomUUID()}`, sessionId: id } }];
    }
    if (method === 'PATCH' && parts.length === 3) {
      if (session.status !== 'created' || json.verification?.status !== 'submitted') return fail(400, '1304', 'Cannot transition to this status');
      session.status = 'submitted';
      if (!hold) {
        session.decision = decide(session);
        setTimeout(() => sendWebhook(session), 50);
      }
      return [200, { status: 'success', verification: { id, url: `http://stand-in/v/${id}`, vendorData: session.vendorData, host: 'http://stand-in', status: 'submitted', sessionToken: 'local' } }];
    }
    if (method === 'GET' && parts[3] === 'decision') {
      return [200, { status: 'success', verification: session.decision, technicalData: { ip: '127.0.0.1' } }];
    }
    return fail(404, '1004', 'Not found');
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url, 'http://stand-in').pathname;
      calls.push({ method: req.method, path });
      if (fault === 'http500') {
        fault = null;
        res.writeHead(500).end('Internal Server Error');
        return;
      }
      const [status, json] = answer(req.method, path, Buffer.concat(chunks).toString(), req.headers);
      const body = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'x-hmac-signature': sign(body) }).end(body);
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    workerVars: () => ({ VERIFF_API_BASE: origin, VERIFF_API_KEY: API_KEY, VERIFF_SHARED_SECRET: SHARED_SECRET }),
    /// Where decisions are sent (the worker's /api/v1/webhooks/veriff); `enabled: false` leaves
    /// the worker to poll.
    webhookTo(url, { enabled = true } = {}) { webhooks.url = url; webhooks.enabled = enabled; },
    webhooks,
    /// The next decisions, in order: `{ status, reasonCode }` (face, liveness and fraud cannot be
    /// read from the pictures, so tests say them).
    script(...outcomes) { scripted.push(...outcomes); },
    /// Who the sandbox finds on a document without a readable barcode.
    sandbox(identity) { sandbox = { ...SANDBOX, ...identity }; },
    /// Submissions wait undecided until `release()`.
    holdDecisions() { hold = true; },
    release() {
      hold = false;
      for (const session of sessions.values()) {
        if (session.status === 'submitted' && !session.decision) {
          session.decision = decide(session);
          sendWebhook(session);
        }
      }
    },
    failNext(kind) { fault = kind; },
    sessions,
    calls,
    sign,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const standIn = await startVeriff({ port: Number(process.argv[2] ?? 0), webhookUrl: process.argv[3] ?? null });
  for (const [name, value] of Object.entries(standIn.workerVars())) console.log(`${name}:${value}`);
  console.log('');
  console.log(`local Veriff stand-in at ${standIn.origin} (sandbox: ${SANDBOX.firstName} ${SANDBOX.lastName}; licence barcodes read)`);
}

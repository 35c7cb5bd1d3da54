// The audit report under workerd: the HTML page and the PDF, read back by an independent PDF
// reader (Mozilla's pdf.js), with local times in the account's time zone and a Cyrillic name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { Stack, recipientApi } from '../support/stack.mjs';

/// Every line of text pdf.js finds in `bytes`, page after page.
async function pdfText(bytes) {
  const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, disableFontFace: true, verbosity: 0 }).promise;
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => item.str + (item.hasEOL ? '\n' : '')).join(''));
  }
  // Wrapped lines joined again: a sentence may break anywhere a line does.
  return { pages: doc.numPages, text: pages.join('\n').replace(/\s*\n\s*/g, ' ') };
}

describe('the audit report under workerd', () => {
  const stack = new Stack();
  let admin;
  let agreement;

  before(async () => {
    await stack.start();
    admin = stack.admin();
    await admin.putAccount('acme', {
      name: 'Acme Legal',
      time_zone: 'Europe/Berlin',
      policy: { methods: { allowed: ['password', 'phone'], default: 'phone' }, phone: { default_country_code: '49' } },
    });
    const created = await admin.createAgreement({
      account_id: 'acme',
      title: 'Аренда квартиры 4B',
      sender: { name: 'Sam Sender', email: 'sam@acme.example' },
      recipients: [
        { name: 'Борис Петров', email: 'boris@example.org', method: 'phone', phone: '+49 170 5550123' },
        { name: 'Ada <Lovelace>', email: 'ada@example.com', method: 'password', password: 'Sunrise2026' },
      ],
    });
    agreement = created;
    const boris = recipientApi(stack.origin, created.recipients[0].signing_url.split('#')[1], { ip: '203.0.113.9' });
    assert.equal((await boris.sendCode('sms')).status, 200);
    assert.equal((await boris.code('000000')).status, 403);
    const ada = recipientApi(stack.origin, created.recipients[1].signing_url.split('#')[1]);
    assert.equal((await ada.password('Wrong1234')).status, 403);
    const changed = await admin.changeMethod(created.id, created.recipients[1].id,
      { method: 'phone', phone: '+49 171 5550999', by: { name: 'Olga Admin', email: 'olga@acme.example' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
  });
  after(() => stack.dispose());

  test('the PDF holds the agreement, each recipient, every event and the final state, readable', async () => {
    const res = await fetch(`${stack.origin}/admin/v1/agreements/${agreement.id}/report.pdf`, {
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const bytes = Buffer.from(await res.arrayBuffer());
    const { text } = await pdfText(bytes);
    for (const expected of [
      'Audit report: Аренда квартиры 4B',
      'Борис Петров <boris@example.org>',
      'Ada <Lovelace> <ada@example.com>',
      'Code sent by SMS to …0123',
      'Wrong entry (phone code (SMS or call)): 1 in a row, 4 tries left',
      'Wrong entry (password): 1 in a row, 4 tries left',
      'Method changed from password to phone code (SMS or call) (…0999) by Olga Admin <olga@acme.example>',
      'pending: not every recipient has verified',
      'Europe/Berlin',
    ]) {
      assert.ok(text.includes(expected), `"${expected}" in:\n${text}`);
    }
    // Times in UTC and in Berlin's zone (an hour ahead in November).
    const utc = text.match(/(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2}) UTC\s+·\s+(\d{4}-\d{2}-\d{2}), (\d{2}):(\d{2}):(\d{2}) (\S+)/);
    assert.ok(utc, text);
    assert.equal((Number(utc[6]) - Number(utc[2]) + 24) % 24, 1, utc[0]);
    // Never a whole number, a code or a password.
    for (const secret of ['5550123', '5550999', 'Sunrise2026', 'Wrong1234']) assert.ok(!text.includes(secret), secret);
    // One font, a subset of the glyphs used: the six-letter tag, and far less than the whole font.
    const raw = bytes.toString('latin1');
    assert.match(raw, /\/BaseFont \/[A-Z]{6}\+DejaVuSans/);
    const embedded = Number(raw.match(/\/Length1 (\d+)/)[1]);
    assert.ok(embedded < 40000, `${embedded} bytes of font`);
  });

  test('the HTML page says the same, escaped, under a policy that allows no script', async () => {
    const res = await fetch(`${stack.origin}/admin/v1/agreements/${agreement.id}/report`, {
      headers: { authorization: `Bearer ${stack.secrets.ADMIN_API_KEY}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(res.headers.get('content-security-policy'), /^default-src 'none'; style-src 'unsafe-inline'/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const page = await res.text();
    assert.ok(page.includes('Борис Петров &lt;boris@example.org&gt;'));
    assert.ok(page.includes('Ada &lt;Lovelace&gt;'));
    assert.ok(!page.includes('<Lovelace>'));
    assert.ok(page.includes('Code sent by SMS to …0123'));
    assert.ok(page.includes('Method changed from password to phone code'));
    assert.equal((page.match(/<tr><td>/g) ?? []).length, (await admin.audit(agreement.id)).length);
  });

  test('unknown agreements, bad time zones and missing keys are refused', async () => {
    const unknown = await admin.send('GET', `/agreements/${'a'.repeat(64)}/report.pdf`);
    assert.equal(unknown.status, 404);
    const noKey = await fetch(`${stack.origin}/admin/v1/agreements/${agreement.id}/report`);
    assert.equal(noKey.status, 401);
    const badZone = await admin.send('PUT', '/accounts/zoned', { name: 'Zoned', time_zone: 'Mars/Olympus' });
    assert.equal(badZone.status, 400);
    assert.match(badZone.body.message, /time_zone: "Mars\/Olympus" is not an IANA time zone/);
    assert.equal((await admin.send('PUT', '/accounts/zoned', { name: 'Zoned', time_zone: 'Asia/Tokyo' })).status, 200);
  });
});

// `cargo xtask dev` runs this once wrangler is starting: waits for the stack, seeds a demo account
// and one agreement per method that runs end to end, and prints the signing links.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Admin, ROOT, waitForHealth } from './stack.mjs';

const origin = process.argv[2] ?? 'http://127.0.0.1:8787';
const vars = Object.fromEntries(readFileSync(path.join(ROOT, '.dev.vars'), 'utf8').split('\n')
  .filter((line) => line.includes('=')).map((line) => line.split(/=(.*)/s).slice(0, 2)));

await waitForHealth(origin, 120000);

const admin = new Admin(origin, vars.ADMIN_API_KEY);
const account = {
  name: 'Demo Account',
  policy: {
    methods: { allowed: ['password', 'phone', 'email_code', 'social', 'platform_account', 'kba', 'government_id', 'passkey'], default: 'password' },
    phone: { default_country_code: '49' },
    // So a developer can read what an account that keeps reports gets (a week here).
    government_id: { keep_identity_report: true, identity_report_days: 7 },
    // So a developer meets the recovery code and can recover in a new browser.
    devices: { recovery: true },
  },
};
const password = await admin.passwordAgreement({ accountId: 'demo', account, password: 'Sunrise2026' });
const phone = await admin.codeAgreement({ method: 'phone', accountId: 'demo', account, recipient: { phone: '+49 170 5550123' } });
const email = await admin.codeAgreement({ method: 'email_code', accountId: 'demo', account, recipient: { email: 'ada@example.com' } });
const agreementFor = (method) => admin.createAgreement({
  account_id: 'demo',
  title: 'Lease for Flat 4B',
  sender: { name: 'Sam Sender', email: 'sam@acme.example' },
  recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method }],
});
const loginLink = async (method) => (await agreementFor(method)).recipients[0].signing_url;
const social = await loginLink('social');
const platform = await loginLink('platform_account');
const kba = await loginLink('kba');
const idAgreement = await agreementFor('government_id');
const governmentId = idAgreement.recipients[0].signing_url;
const idReports = `${origin}/admin/v1/agreements/${idAgreement.id}/recipients/${idAgreement.recipients[0].id}/identity-reports`;
// What the sender sees before sending: the e-mail-code screens in German, nothing sent or counted.
const preview = (await admin.request('POST', '/previews', { account_id: 'demo', method: 'email_code', language: 'de' })).preview_url;
const webForm = await admin.request('POST', '/accounts/demo/web-forms', {
  title: 'Consent to data processing',
  sender: { name: 'Sam Sender', email: 'sam@acme.example' },
  method: 'kba',
  password: 'Harbour2027',
  password_confirmation: 'Harbour2027',
});
const webFormPreview = (await admin.request('POST', '/previews', { account_id: 'demo', web_form_id: webForm.id })).preview_url;
console.log(`
  signgate is running at ${origin}

  Password:     ${password.url}
                password ${password.password}   (5 tries; a wrong one counts)
  Passkeys:     ${password.url.replace('//127.0.0.1:', '//localhost:')}
                the same link on localhost (a passkey needs a host name, not an IP): once verified,
                "Your devices and passkeys" adds a passkey and pairs a second browser (open its
                link in another browser or a private window, type the code it shows); keep the
                recovery code shown once verified: in a new private window, the device page's
                "Lost your devices?" takes it and a code from ${origin}/dev/outbox
  Passkey method: once Ada has a passkey (above), a new agreement may ask for it alone; open its
                signing_url on localhost:
    curl -X POST ${origin}/admin/v1/agreements -H "authorization: Bearer $ADMIN_API_KEY" \\
      -H 'content-type: application/json' -d '{"account_id":"demo","title":"Renewal",
      "sender":{"name":"Sam","email":"sam@acme.example"},
      "recipients":[{"name":"Ada Lovelace","email":"ada@example.com","method":"passkey"}]}'
  SMS or call:  ${phone.url}
  E-mail code:  ${email.url}
                codes are not sent: read them at ${origin}/dev/outbox
  Social login: ${social}
  Platform:     ${platform}
                both go to a local OpenID provider: sign in as ada (bob, eve, mallory also exist)
  KBA:          ${kba}
                questions from a local IDology stand-in: Ada Lovelace, 12 Analytical Way,
                Springfield, IL 62701, born 1985-12-10. Right answers: SANGAMON, ANALYTICAL WAY,
                BABBAGE CHARLES (follow-ups: ANALYTICAL WAY, MARY SOMERVILLE); 3 tries
  Government ID: ${governmentId}
                on a desktop: send the phone link (the SMS is in ${origin}/dev/outbox) or use the
                QR code; on a phone-sized browser: straight to the camera. A local Veriff stand-in
                checks the photos: it reads a US licence's barcode, else finds Ada Lovelace.
                The demo account keeps Signer Identity Reports (7 days); after a check:
    curl -H "authorization: Bearer $ADMIN_API_KEY" ${idReports}
  Preview:      ${preview}
                the sender's preview (e-mail code, German): the code shows on screen, nothing counts
  Web form:     ${webForm.url}
                one public link for anyone: type any name and address, form password Harbour2027,
                the code from ${origin}/dev/outbox, then the KBA questions (as Ada, above)
                its preview: ${webFormPreview}

  Audit report: ${origin}/admin/v1/agreements/${password.agreementId}/report (.pdf), with the admin key

  Admin API key: in .dev.vars (ADMIN_API_KEY). Agreement state:
    curl -H "authorization: Bearer $ADMIN_API_KEY" ${origin}/admin/v1/agreements/${password.agreementId}

  Stop with Ctrl-C. State is kept in .wrangler/state between runs.
`);

// `cargo xtask dev` runs this once wrangler is starting: waits for the stack, seeds a demo account
// and an agreement with a password recipient, and prints the signing link and the password.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Admin, ROOT } from './stack.mjs';

const origin = process.argv[2] ?? 'http://127.0.0.1:8787';
const vars = Object.fromEntries(readFileSync(path.join(ROOT, '.dev.vars'), 'utf8').split('\n')
  .filter((line) => line.includes('=')).map((line) => line.split(/=(.*)/s).slice(0, 2)));

const deadline = Date.now() + 120000;
for (;;) {
  try {
    if ((await fetch(`${origin}/api/health`)).ok) break;
  } catch { /* not up yet */ }
  if (Date.now() > deadline) throw new Error(`no answer from ${origin} after two minutes`);
  await new Promise((r) => setTimeout(r, 300));
}

const admin = new Admin(origin, vars.ADMIN_API_KEY);
const demo = await admin.passwordAgreement({ accountId: 'demo', account: { name: 'Demo Account' }, password: 'Sunrise2026' });
console.log(`
  signgate is running at ${origin}

  Signing link:  ${demo.url}
  Password:      ${demo.password}   (5 tries; a wrong one counts)

  Admin API key: in .dev.vars (ADMIN_API_KEY). Agreement state:
    curl -H "authorization: Bearer $ADMIN_API_KEY" ${origin}/admin/v1/agreements/${demo.agreementId}

  Stop with Ctrl-C. State is kept in .wrangler/state between runs.
`);

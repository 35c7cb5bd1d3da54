// Drives a login hand-off without a browser: the app's start call, the provider's sign-in page
// (a test user, or Cancel), and the redirects back to the Worker's callback, carrying cookies the
// way a browser would (one jar: cookies are per host, and everything runs on 127.0.0.1).

import { Jar, newJar, randomIp } from './stack.mjs';

/// Starts a login; answers the start response and what the next steps need.
/// Each start comes from an address of its own (locally the runtime passes `CF-Connecting-IP`
/// through), so tests do not run into the per-IP throttle together.
export async function startLogin(origin, token, provider, jar = new Jar()) {
  const res = await fetch(`${origin}/api/v1/recipient/login/start`, {
    method: 'POST',
    // As the app's same-origin fetch does, with the browser's cookies for the path.
    headers: {
      authorization: `Bearer ${token}`, 'content-type': 'application/json', 'cf-connecting-ip': randomIp(), cookie: jar.header(),
    },
    body: JSON.stringify({ provider }),
  });
  jar.take(res);
  const body = await res.json();
  return { status: res.status, body, jar };
}

async function get(url, jar) {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(res);
  return res;
}

/// A whole hand-off as a browser makes it: sign in as `user` (or `cancel: true`) when the provider
/// shows its page, follow every redirect, and stop where the Worker sends the app
/// (`/s#login=<outcome>`). Answers the outcome, the (last) callback URL to try a replay, and
/// whether the sign-in page was shown at all.
export async function login(origin, token, provider, { user = 'ada', cancel = false, jar = new Jar(), callbackJar } = {}) {
  const started = await startLogin(origin, token, provider, jar);
  if (started.status !== 200) throw new Error(`login/start → ${started.status}: ${JSON.stringify(started.body)}`);
  const callbackPrefix = `${origin}/api/v1/oauth/callback`;
  let url = started.body.authorization_url;
  let callbackUrl;
  let sawSignInPage = false;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(callbackPrefix)) {
      callbackUrl = url;
      const res = await get(url, callbackJar ?? jar);
      const location = res.headers.get('location') ?? '';
      const outcome = location.match(/^\/s#login=(\w+)$/)?.[1];
      if (outcome) return { outcome, callbackUrl, jar, authorizationUrl: started.body.authorization_url, sawSignInPage };
      url = new URL(location, url).href;
      continue;
    }
    const res = await get(url, jar);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location'), url).href;
      continue;
    }
    if (res.status !== 200 || !new URL(url).pathname.startsWith('/interaction/')) {
      throw new Error(`stuck at ${url} (${res.status}): ${(await res.text()).replace(/\s+/g, ' ').slice(0, 600)}`);
    }
    sawSignInPage = true;
    const uid = new URL(url).pathname.split('/')[2];
    const form = await fetch(new URL(`/interaction/${uid}/${cancel ? 'abort' : 'login'}`, url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: user }),
    });
    jar.take(form);
    url = new URL(form.headers.get('location'), url).href;
  }
  throw new Error('too many redirects');
}

/// Visits the Worker's callback; answers the outcome in `/s#login=<outcome>`.
export async function callback(url, jar) {
  const res = await get(url, jar);
  const location = res.headers.get('location') ?? '';
  const found = location.match(/^\/s#login=(\w+)$/);
  if (res.status !== 303 || !found) throw new Error(`callback → ${res.status} ${location}`);
  return found[1];
}

export { newJar };

// A local HTTP listener standing in for a service the Worker calls: the sender's platform
// (webhooks), a carrier's API, a mail API. It records every request and answers with `status`.
import { createServer } from 'node:http';

export async function listener({ status = 204, body = '' } = {}) {
  const requests = [];
  let notify = () => {};
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => { text += c; });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: text });
      res.writeHead(listening.status, body ? { 'content-type': 'application/json' } : {}).end(body);
      notify();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const listening = {
    status,
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    /// The first request matching `predicate`, waiting for it if need be.
    async next(predicate = () => true, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = requests.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching request in ${timeoutMs} ms: ${JSON.stringify(requests)}`);
        await new Promise((r) => { notify = r; setTimeout(r, 200); });
      }
    },
    close: () => new Promise((r) => server.close(r)),
  };
  return listening;
}

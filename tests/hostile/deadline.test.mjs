// Servers that never answer, or stop half-way, against the package in Node, whose attempts run
// under undici's dispatcher (pkg-template/undici.js) rather than a signal: `timeoutMs` and the
// caller's `signal` end the call on time and really stop the request (the server sees its
// connection closed), the client keeps working after, calls side by side end each on their own,
// a `fetch` that does not go through undici (a mock) still times out, and nothing keeps the
// process alive once the calls are done.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, platform, refused, runChild } from './helpers.mjs';

const kz = kaizala();
let p;
/** Per path: when the server saw the request, and when its connection closed. */
const seen = new Map();
const held = new Set();

before(async () => {
  p = await platform((rec, res) => {
    const path = rec.url.split('?')[0].replace(/^\/inc-000\/v1\//, '');
    const mark = () => {
      const s = { at: Date.now(), closed: undefined };
      seen.set(path, s);
      res.socket.once('close', () => { s.closed = Date.now(); });
      held.add(res);
      return s;
    };
    switch (path) {
      case 'groups': return json(res, 200, { groups: [{ groupId: 'g1', groupName: 'Home' }] });
      case 'silent': case 'silent/2':
        // Never answers.
        mark();
        return undefined;
      case 'stalls':
        // The head and part of the body, then nothing.
        mark();
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        res.write('{"groups":[');
        return undefined;
      case 'slow':
        // Answers after 600 ms.
        mark();
        setTimeout(() => json(res, 200, { groups: [] }), 600);
        return undefined;
      default: return false;
    }
  });
});
after(async () => {
  for (const r of held) r.destroy();
  await p.close();
});

/** Waits until the server saw `path`'s connection close (or `ms` passed); answers the record. */
async function closed(path, ms = 3_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = seen.get(path);
    if (s && s.closed) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  return seen.get(path);
}

/**
 * After a call to `path` was ended: the server saw its connection close, and `client` still
 * works (then is freed). Answers the server's record of the request.
 */
async function closedAndWorking(client, path) {
  const s = await closed(path);
  assert.ok(s && s.closed, 'the server still holds the connection');
  assert.equal((await client.listGroups()).groups.length, 1, 'the client works after');
  client.free();
  return s;
}

describe('deadlines and aborts (Node, undici)', () => {
  test('a server that never answers: timeout at timeoutMs, and the connection is closed', async () => {
    const client = new kz.KaizalaClient(options(p, { timeoutMs: 300, maxRetries: 0 }));
    await client.listGroups();
    const t0 = Date.now();
    await refused(client.request('GET', 'silent'), 'timeout', kz);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 2_000, `gave up after ${took} ms`);
    const s = await closedAndWorking(client, 'silent');
    assert.ok(s.closed - s.at < 2_000, `closed ${s.closed - s.at} ms after the request`);
  });

  test('a body that stalls half-way: timeout, and the connection is closed', async () => {
    const client = new kz.KaizalaClient(options(p, { timeoutMs: 300, maxRetries: 0 }));
    await refused(client.request('GET', 'stalls'), 'timeout', kz);
    await closedAndWorking(client, 'stalls');
  });

  test("the caller's signal ends the call at once and closes the connection", async () => {
    const client = new kz.KaizalaClient(options(p, { timeoutMs: 20_000, maxRetries: 0 }));
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 200);
    const t0 = Date.now();
    await refused(client.request('GET', 'silent/2', { signal: ctl.signal }), 'aborted', kz);
    assert.ok(Date.now() - t0 < 2_000, `took ${Date.now() - t0} ms`);
    await closedAndWorking(client, 'silent/2');
  });

  test('calls side by side end each on their own deadline', async () => {
    const quick = new kz.KaizalaClient(options(p, { timeoutMs: 250, maxRetries: 0 }));
    const patient = new kz.KaizalaClient(options(p, { timeoutMs: 5_000, maxRetries: 0 }));
    const t0 = Date.now();
    const [a, b, c] = await Promise.allSettled([
      quick.request('GET', 'slow'),
      patient.request('GET', 'slow'),
      patient.listGroups(),
    ]);
    assert.equal(a.status, 'rejected');
    assert.equal(a.reason.code, 'timeout', a.reason.message);
    assert.equal(b.status, 'fulfilled', b.reason && b.reason.message);
    assert.deepEqual(b.value, { groups: [] });
    assert.equal(c.status, 'fulfilled', c.reason && c.reason.message);
    assert.ok(Date.now() - t0 < 4_000, `took ${Date.now() - t0} ms`);
    // Many calls in a row after a time-out: no attempt inherits an ended one's state.
    for (let i = 0; i < 50; i++) assert.equal((await quick.listGroups()).groups.length, 1);
    quick.free();
    patient.free();
  });
});

describe('in a process of its own', () => {
  test('a fetch that does not go through undici and never answers still times out', async () => {
    const source = `
import { KaizalaClient } from 'kaizala';
const client = new KaizalaClient(JSON.parse(process.env.HOSTILE_OPTIONS));
await client.listGroups();
const inits = [];
globalThis.fetch = (url, init) => { inits.push(init); return new Promise(() => {}); };
const t0 = Date.now();
const code = await client.listGroups().then(() => 'ok', (e) => e.code);
const ms = Date.now() - t0;
// A mock that answers without undici: afterwards the client gives it a signal, as in browsers.
globalThis.fetch = async (url, init) => {
  inits.push(init);
  return new Response('{"groups":[]}', { headers: { 'Content-Type': 'application/json' } });
};
await client.listGroups();
await client.listGroups();
console.log(JSON.stringify({ code, ms, signals: inits.map((i) => i.signal instanceof AbortSignal) }));
`;
    const r = await runChild('hostile-deadline-mock.mjs', source, {
      timeoutMs: 30_000,
      env: { HOSTILE_OPTIONS: JSON.stringify(options(p, { timeoutMs: 300, maxRetries: 0 })) },
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.equal(r.result.code, 'timeout');
    assert.ok(r.result.ms < 2_000, `took ${r.result.ms} ms`);
    assert.deepEqual(r.result.signals, [false, false, true], 'a fetch seen not to use undici gets a signal');
  });

  test("while Node's own fetch is in flight, the deadline timer holds nothing (its socket holds the process)", async () => {
    // A timer referenced while a request is in flight, or referenced and let go per attempt,
    // makes every call dearer; the request's socket already keeps the process open.
    const source = `
import { KaizalaClient } from 'kaizala';
const client = new KaizalaClient(JSON.parse(process.env.HOSTILE_OPTIONS));
await client.listGroups();
const slow = client.request('GET', 'slow');
await new Promise((r) => setTimeout(r, 200));
const during = process.getActiveResourcesInfo();
const answer = await slow;
console.log(JSON.stringify({ during, answer }));
`;
    const r = await runChild('hostile-deadline-unheld.mjs', source, {
      timeoutMs: 30_000,
      env: { HOSTILE_OPTIONS: JSON.stringify(options(p, { timeoutMs: 30_000 })) },
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.deepEqual(r.result.answer, { groups: [] });
    assert.ok(r.result.during.includes('TCPSocketWrap'), r.result.during.join());
    assert.ok(!r.result.during.includes('Timeout'), `a referenced timer during the call: ${r.result.during.join()}`);
  });

  test('nothing keeps the process alive once the calls are done', async () => {
    const source = `
import { KaizalaClient } from 'kaizala';
const client = new KaizalaClient(JSON.parse(process.env.HOSTILE_OPTIONS));
for (let i = 0; i < 5; i++) await client.listGroups();
globalThis.startedExit = Date.now();
process.on('exit', () => console.log(JSON.stringify({ lingered: Date.now() - globalThis.startedExit })));
`;
    const r = await runChild('hostile-deadline-exit.mjs', source, {
      timeoutMs: 60_000,
      env: { HOSTILE_OPTIONS: JSON.stringify(options(p, { timeoutMs: 30_000 })) },
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    // A timer left holding the process would keep it for timeoutMs (30 s).
    assert.ok(r.result.lingered < 5_000, `the process lingered ${r.result.lingered} ms`);
  });
});

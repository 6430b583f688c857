// Answers have a size limit: `maxResponseBytes` (default 16 MiB), Content-Length checked before
// reading, bodies read with a cap, `too_large` past it — without trapping the wasm, ending the
// process or holding the body in memory, and the same client keeps working after. Each case runs
// the client in a child process of its own (a trap there cannot take the test runner down), against
// a server here that streams lazily and stops when the client goes away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { json, options, platform, runChild, streamJson } from './helpers.mjs';

const MB = 1024 * 1024;
/** Content-coded answers, whatever the request asked for: 16 MiB in under 1 MB, and a small one. */
const coded = {
  'gzip/bomb': ['gzip', zlib.gzipSync(Buffer.from(`{"groups":[],"pad":"${'a'.repeat(16 * MB)}"}`)), 200],
  'gzip/plain': ['gzip', zlib.gzipSync(Buffer.from('{"groups":[{"groupId":"g2","groupName":"Zipped"}]}')), 200],
  'deflate/plain': ['deflate', zlib.deflateSync(Buffer.from('{"groups":[{"groupId":"g3","groupName":"Deflated"}]}')), 200],
  'br/plain': ['br', zlib.brotliCompressSync(Buffer.from('{"groups":[{"groupId":"g4","groupName":"Brotli"}]}')), 200],
  'gzip/error': ['gzip', zlib.gzipSync(Buffer.from(`{"errorCode":"E1","message":"no${' such'.repeat(MB)}"}`)), 404],
  'gzip/broken': ['gzip', Buffer.from('not gzip at all'), 200],
};
/** Lenient: a client that holds a 300 MB body grows by far more than this. */
const MAX_GROWTH_MB = 200;

let p;
/** Bytes the server wrote per path, and whether the client went away before the end. */
const streams = new Map();
const held = [];

before(async () => {
  p = await platform((rec, res) => {
    const path = rec.url.split('?')[0].replace(/^\/inc-000\/v1\//, '');
    const stream = (o) => streams.set(path, streamJson(res, o));
    switch (path) {
      case 'groups': return json(res, 200, { groups: [{ groupId: 'g1', groupName: 'Home' }] });
      case 'huge/declared': return stream({ size: 300 * MB });
      case 'huge/endless': return stream({ declare: false, endless: true });
      case 'huge/17mib': return stream({ size: 17 * MB });
      case 'huge/error': return stream({ status: 500, size: 300 * MB });
      case 'fits/1mib': return stream({ size: 1 * MB });
      case 'huge/liar': {
        // Says 300 MB, sends a hundred bytes, and keeps the connection open.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(300 * MB) });
        res.write(`{"groups":[],"pad":"${'x'.repeat(80)}`);
        held.push(res);
        return undefined;
      }
      case 'small/500': return stream({ size: 500, declare: false });
      case 'small/2000': return stream({ size: 2000, declare: false });
      case 'small/2000-declared': return stream({ size: 2000 });
      default: {
        const c = coded[path];
        if (!c) return false;
        res.writeHead(c[2], { 'Content-Type': 'application/json', 'Content-Encoding': c[0], 'Content-Length': c[1].length });
        return void res.end(c[1]);
      }
    }
  });
});
after(async () => {
  for (const r of held) r.destroy();
  await p.close();
});

/**
 * Runs `calls` (request paths) in a child on one client made with `extra` options; answers per
 * path `{ok, code, isKaizalaError, message, growthMB}` and whether listGroups worked after each.
 */
async function inChild(name, calls, extra = {}) {
  const source = `
import { KaizalaClient, KaizalaError } from 'kaizala';
const client = new KaizalaClient(JSON.parse(process.env.HOSTILE_OPTIONS));
const rss = () => process.memoryUsage().rss;
await client.listGroups();
const out = {};
for (const path of JSON.parse(process.env.HOSTILE_CALLS)) {
  const base = rss();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, rss()); }, 5);
  const t0 = Date.now();
  let r;
  try {
    const v = await client.request('GET', path);
    r = { ok: true, length: JSON.stringify(v).length };
  } catch (e) {
    r = { ok: false, code: e && e.code, isKaizalaError: e instanceof KaizalaError, name: e && e.name,
      message: String(e && e.message).slice(0, 300) };
  }
  clearInterval(timer);
  peak = Math.max(peak, rss());
  r.ms = Date.now() - t0;
  r.growthMB = Math.round((peak - base) / 1048576);
  r.worksAfter = await client.listGroups().then((g) => g.groups.length === 1, (e) => 'listGroups failed: ' + e.message);
  out[path] = r;
}
console.log(JSON.stringify(out));
`;
  const run = await runChild(`hostile-size-${name}.mjs`, source, {
    timeoutMs: 60_000,
    env: { HOSTILE_OPTIONS: JSON.stringify(options(p, extra)), HOSTILE_CALLS: JSON.stringify(calls) },
  });
  assert.equal(run.code, 0, `the process ended with ${run.code ?? run.signal}:\n${run.stderr.slice(-3000)}`);
  assert.ok(run.result, `no result:\n${run.stdout.slice(-2000)}`);
  return run.result;
}

function refusedTooLarge(r, what) {
  assert.equal(r.ok, false, `${what} was accepted`);
  assert.equal(r.isKaizalaError, true, `${what}: not a KaizalaError but ${r.name}: ${r.message}`);
  assert.equal(r.code, 'too_large', `${what}: ${r.code}: ${r.message}`);
  assert.ok(r.growthMB < MAX_GROWTH_MB, `${what}: memory grew by ${r.growthMB} MB`);
  assert.equal(r.worksAfter, true, `${what}: the client did not keep working (${r.worksAfter})`);
}

describe('huge answers', () => {
  test('200 with a 300 MB JSON body (declared): too_large, memory bounded, the process lives on', async () => {
    const r = await inChild('declared', ['huge/declared'], { timeoutMs: 60_000 });
    refusedTooLarge(r['huge/declared'], 'a 300 MB body');
    assert.ok(streams.get('huge/declared').sent() < 100 * MB, `the client read on: ${streams.get('huge/declared').sent()} bytes sent`);
  });

  test('200 with an endless chunked body: too_large, and the client stops reading', async () => {
    const r = await inChild('endless', ['huge/endless'], { maxRetries: 0 });
    refusedTooLarge(r['huge/endless'], 'an endless body');
    const s = streams.get('huge/endless');
    assert.ok(s.stopped(), 'the client went away');
    assert.ok(s.sent() < 100 * MB, `${s.sent()} bytes sent`);
  });

  test('a huge Content-Length with a small body: too_large from the header, without waiting for the body', async () => {
    const r = await inChild('liar', ['huge/liar'], { maxRetries: 0 });
    refusedTooLarge(r['huge/liar'], 'a 300 MB Content-Length');
    assert.ok(r['huge/liar'].ms < 5_000, `took ${r['huge/liar'].ms} ms`);
  });

  test('the default limit is 16 MiB: 17 MiB is refused, 1 MiB is read', async () => {
    const r = await inChild('default', ['huge/17mib', 'fits/1mib']);
    refusedTooLarge(r['huge/17mib'], 'a 17 MiB body');
    assert.equal(r['fits/1mib'].ok, true, r['fits/1mib'].message);
  });

  test('maxResponseBytes sets the limit, declared or not', async () => {
    const r = await inChild('option', ['small/2000', 'small/2000-declared', 'small/500'], { maxResponseBytes: 1024 });
    refusedTooLarge(r['small/2000'], 'a 2000-byte chunked body over 1024');
    refusedTooLarge(r['small/2000-declared'], 'a 2000-byte declared body over 1024');
    assert.equal(r['small/500'].ok, true, r['small/500'].message);
  });

  test('content-coded answers in Node: unpacked within maxResponseBytes, too_large past it', async () => {
    assert.ok(coded['gzip/bomb'][1].length < MB, `the compressed body is ${coded['gzip/bomb'][1].length} bytes`);
    const r = await inChild('coded', Object.keys(coded), { maxRetries: 0, maxResponseBytes: MB });
    refusedTooLarge(r['gzip/bomb'], 'a gzip body that unpacks to 16 MiB');
    for (const path of ['gzip/plain', 'deflate/plain', 'br/plain']) {
      assert.equal(r[path].ok, true, `${path}: ${r[path].message}`);
      assert.ok(r[path].length > 30, path);
    }
    // An error answer that unpacks past the error cap is judged by its status.
    assert.equal(r['gzip/error'].ok, false);
    assert.equal(r['gzip/error'].code, 'not_found', r['gzip/error'].message);
    assert.ok(r['gzip/error'].message.length < 1000);
    assert.equal(r['gzip/broken'].ok, false, 'a body that is not of its coding was accepted');
    assert.equal(r['gzip/broken'].isKaizalaError, true, r['gzip/broken'].message);
    for (const path of Object.keys(coded)) assert.equal(r[path].worksAfter, true, `${path}: ${r[path].worksAfter}`);
  });

  test('an error status with a 300 MB body: a KaizalaError, memory bounded, the process lives on', async () => {
    const r = (await inChild('error', ['huge/error'], { maxRetries: 0 }))['huge/error'];
    assert.equal(r.ok, false);
    assert.equal(r.isKaizalaError, true, `${r.name}: ${r.message}`);
    assert.ok(['too_large', 'server'].includes(r.code), r.code);
    assert.ok(r.growthMB < MAX_GROWTH_MB, `memory grew by ${r.growthMB} MB`);
    assert.ok(r.message.length < 1000);
    assert.equal(r.worksAfter, true);
  });
});

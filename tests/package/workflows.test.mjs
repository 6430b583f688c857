// Organisation workflows through the packed package in Node: the webhook receiver example against
// real (and duplicated) deliveries, CSV member import and export, named connections.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { ROOT, clientOptions, emulatorUrl, installedProject, seed } from './helpers.mjs';

let s;
let project;
let kz;

before(async () => {
  s = await seed();
  project = installedProject();
  kz = createRequire(path.join(project.dir, 'package.json'))('kaizala');
});

const dev = async (p, body) => {
  const r = await fetch(`${emulatorUrl()}/_emulator/${p}`, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return r.json();
};

/** Lines of a child's stream, with a way to wait for a line that matches. */
function lines(stream) {
  const all = [];
  const waiters = [];
  let buf = '';
  stream.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      all.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      for (const w of [...waiters]) w();
    }
  });
  const until = (pred, what, ms = 10_000) => new Promise((ok, fail) => {
    const check = () => {
      const hit = all.filter(pred);
      if (hit.length) {
        waiters.splice(waiters.indexOf(check), 1);
        clearTimeout(t);
        ok(hit);
      }
    };
    const t = setTimeout(() => fail(new Error(`waited for ${what}; got:\n${all.join('\n')}`)), ms);
    waiters.push(check);
    check();
  });
  return { all, until };
}

/**
 * Sends a POST to `url` over a raw socket: the headers, then `body` (strings or Buffers, written as
 * the socket takes them) — and never the rest, so a server that waits for the end of the body never
 * answers. Resolves with the status the server answered meanwhile; rejects after `ms` without one.
 */
function postWithoutEnd(url, headers, body, ms = 3000) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let answer = '';
    const done = (f, v) => {
      clearTimeout(timer);
      socket.destroy();
      f(v);
    };
    const timer = setTimeout(() => done(reject, new Error(`no answer within ${ms} ms while the body was still coming`)), ms);
    socket.on('error', () => {});
    socket.on('data', (d) => {
      answer += d;
      const m = answer.match(/^HTTP\/1\.1 (\d{3})/);
      if (m) done(resolve, Number(m[1]));
    });
    socket.on('close', () => done(reject, new Error(`closed without an answer: ${JSON.stringify(answer)}`)));
    const head = Object.entries({ host: u.host, ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
    socket.write(`POST ${u.pathname} HTTP/1.1\r\n${head}\r\n\r\n`);
    const pieces = [...body];
    const pump = () => {
      while (pieces.length) if (!socket.write(pieces.shift())) return void socket.once('drain', pump);
    };
    pump();
  });
}

describe('examples/webhook-receiver.mjs', () => {
  test('registers itself, prints each event once though one came twice, and removes its webhook on SIGTERM', async () => {
    // Run from inside the consumer project, so `import('kaizala')` is the packed tarball.
    const file = path.join(project.dir, 'webhook-receiver.mjs');
    fs.copyFileSync(path.join(ROOT, 'examples/webhook-receiver.mjs'), file);
    const callBackToken = `cb-${Date.now().toString(36)}`;
    const child = spawn(process.execPath, [file, emulatorUrl()], {
      cwd: project.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAIZALA_CALLBACK_TOKEN: callBackToken },
    });
    const out = lines(child.stdout);
    const err = lines(child.stderr);
    const exited = new Promise((ok) => child.on('exit', (code, signal) => ok({ code, signal })));
    try {
      const [ready] = await out.until((l) => l.includes('registered'), 'the registration line');
      const webhookId = ready.match(/webhook (\S+) registered/)[1];
      const receiver = ready.match(/listening on (\S+);/)[1];
      assert.deepEqual(await dev('duplicates', { count: 1, webhookId }), { result: true });
      const client = new kz.KaizalaClient(clientOptions(s));
      const hooks = await client.listWebhooks({ objectId: s.mainGroupId, objectType: 'Group' });
      assert.ok(hooks.webhooks.some((h) => h.id === webhookId && h.active), 'the webhook is registered and active');
      const stamp = Date.now().toString(36);
      await client.sendMessage(s.mainGroupId, `first ${stamp}`);
      await client.sendMessage(s.mainGroupId, `second ${stamp}`);
      const events = await out.until((l) => l.includes(`second ${stamp}`), 'the second event');
      await err.until((l) => l.startsWith('duplicate delivery of'), 'the duplicate notice');
      const mine = out.all.filter((l) => l.includes(stamp));
      assert.equal(mine.length, 2, `each event printed once:\n${out.all.join('\n')}`);
      assert.match(mine[0], /^TextMessageCreated \S+ .*: first /);
      assert.ok(events.length === 1);
      const dupId = err.all.find((l) => l.startsWith('duplicate delivery of')).split(' ')[3];
      assert.ok(mine[0].includes(dupId), 'the duplicate was the first event');
      // A delivery without the callback token is refused; a validation GET is answered.
      const forged = await fetch(receiver, { method: 'POST', headers: { 'kz-callback-token': 'guess' }, body: '{}' });
      assert.equal(forged.status, 401);
      // The token is checked before the body is read: refused at once, though the body never ends.
      assert.equal(await postWithoutEnd(receiver, { 'kz-callback-token': 'guess', 'content-length': 10_000_000 }, ['{"x":']), 401);
      assert.equal(await postWithoutEnd(receiver, { 'content-length': 10_000_000 }, ['{"x":']), 401);
      // With the token, a body past 1 MiB is refused (413) without reading on: declared…
      assert.equal(await postWithoutEnd(receiver, { 'kz-callback-token': callBackToken, 'content-length': 5 * 1024 * 1024 }, ['{"x":']), 413);
      // …or sent in chunks, cut off once past the limit.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const chunks = Array.from({ length: 24 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
      assert.equal(await postWithoutEnd(receiver, { 'kz-callback-token': callBackToken, 'transfer-encoding': 'chunked' }, chunks), 413);
      // A delivery with the token and a body of the right size is read.
      const odd = await fetch(receiver, { method: 'POST', headers: { 'kz-callback-token': callBackToken }, body: '{}' });
      assert.equal(odd.status, 400, 'read, and refused as no event');
      const v = await fetch(`${receiver}?validationToken=v-123`);
      assert.equal(await v.text(), 'v-123');
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
      const after = await client.listWebhooks({ objectId: s.mainGroupId, objectType: 'Group' });
      assert.ok(!after.webhooks.some((h) => h.id === webhookId), 'the webhook was removed');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('member uploads and exports', () => {
  test('a CSV Blob goes in under the default rate limiter; the export lists the group', async () => {
    const client = new kz.KaizalaClient({ ...clientOptions(s), rateLimit: undefined });
    const { groupId } = await client.createGroup({ name: `pkg import ${Date.now()}`, welcomeMessage: 'hi' });
    const run = String(Date.now() % 100_000).padStart(5, '0');
    const rows = ['Phone Number,Name,City'];
    for (let i = 0; i < 300; i++) rows.push(`+9176${run}${String(i).padStart(4, '0')},"Member ${i}, Jr",Pune`);
    rows.push('+91 12,Bad,Pune', `+9176${run}0000,Repeat,Pune`);
    const progress = [];
    const since = (await dev('requests')).requests.length;
    const record = await client.importMembers(groupId, new Blob([rows.join('\r\n')], { type: 'text/csv' }), {
      batchSize: 50, fileName: 'pune.csv', onProgress: (p) => progress.push(p),
    });
    assert.equal(record.status, 'CompletedWithErrors');
    assert.deepEqual([record.total, record.added, record.duplicates, record.failed], [302, 300, 1, 1]);
    assert.equal(record.fileName, 'pune.csv');
    // A cell starting with + that is not a number in E.164 is kept from running as a formula.
    assert.equal(record.errorLogCsv, 'row,mobileNumber,reason\r\n302,\'+91 12,"not a mobile number in E.164 (+, then 8 to 15 digits)"\r\n');
    assert.deepEqual(progress.at(-1), { done: 302, total: 302, failed: 1 });
    assert.equal(progress.length, 1 + 6);
    const log = (await dev('requests')).requests.slice(since);
    assert.ok(log.every((r) => r.status !== 429), 'no 429 under the limiter');
    assert.equal(log.filter((r) => r.method === 'PUT' && r.path.endsWith('/members')).length, 6);
    const csv = await client.exportMembers(groupId);
    const exported = csv.trimEnd().split('\r\n');
    const { members } = await client.listMembers(groupId);
    assert.equal(exported.length, 1 + members.length);
    assert.equal(members.length, 301, 'the creator and the 300');
    for (const m of members) assert.ok(csv.includes(`,${m.mobileNumber},`), m.mobileNumber);
    await assert.rejects(client.importMembers(groupId, 42), (e) => e instanceof kz.KaizalaError && e.field === 'csv');
  });

  test('named connections in one storage, listed without tokens', async () => {
    const map = new Map();
    const storage = {
      getItem: (k) => (map.has(k) ? map.get(k) : null),
      setItem: (k, v) => void map.set(k, String(v)),
      removeItem: (k) => void map.delete(k),
      keys: () => map.keys(),
    };
    const a = new kz.KaizalaClient(clientOptions(s, { storage, connection: 'sales', refreshToken: s.groupRefreshToken }));
    const b = new kz.KaizalaClient(clientOptions(s, { storage, connection: 'admin' }));
    await a.listGroups();
    await b.listGroups();
    const list = kz.KaizalaClient.connections(storage);
    assert.deepEqual(list.map((c) => c.name), ['admin', 'sales']);
    const text = JSON.stringify(list);
    for (const secret of [s.groupRefreshToken, s.userRefreshToken, s.applicationSecret]) assert.ok(!text.includes(secret));
    const resumed = new kz.KaizalaClient({ applicationId: s.applicationId, applicationSecret: s.applicationSecret,
      authUrl: s.authUrl, storage, connection: 'sales', rateLimit: false });
    assert.ok((await resumed.listGroups()).groups.length > 0);
    assert.equal(kz.KaizalaClient.removeConnection('sales', storage), 1);
    assert.deepEqual(kz.KaizalaClient.connections(storage).map((c) => c.name), ['admin']);
  });
});

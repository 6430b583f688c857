// CSV member uploads without I/O: records read from text given piece by piece in bounded memory,
// files written so a spreadsheet opening them runs no formula, what a row of a member file says, and
// an upload's two passes, progress and record. scripts/build-pkg.sh puts this file into
// web/workflows.js before workflows.js, which sends what `csvUploads(KaizalaError)` plans.

function csvUploads(KaizalaError) {
  // The most a batch holds.
  const MAX_BATCH_SIZE = 1000;
  // Errors, and members, an upload record lists (its counts cover every row).
  const MAX_LISTED = 1000;
  // The most of one record kept (characters, and fields); a longer record is a row error.
  const MAX_RECORD = 64 * 1024;
  const MAX_FIELDS = 1024;
  // The most of a row's number, as written, that the error log repeats.
  const MAX_WRITTEN = 64;
  // Header names (lower-cased, letters and digits only) taken as the number, and as the name.
  const NUMBER_HEADERS = ['mobilenumber', 'mobile', 'mobileno', 'phonenumber', 'phone', 'phoneno', 'number',
    'msisdn', 'cellphone', 'cell'];
  const NAME_HEADERS = ['name', 'fullname', 'membername', 'displayname', 'username'];
  const NOT_E164 = 'not a mobile number in E.164 (+, then 8 to 15 digits)';

  const isNullish = (v) => v === undefined || v === null;
  const isE164 = (s) => /^\+[1-9][0-9]{7,14}$/.test(s);
  const fail = (operation, code, message, field) =>
    new KaizalaError(`${operation}: ${message}`, { code, operation, field });
  const invalid = (operation, field, problem) => fail(operation, 'invalid_input', `${field} ${problem}`, field);

  // ---- CSV text both ways ------------------------------------------------------------------

  const QUOTE = 34, COMMA = 44, LF = 10, CR = 13;
  const START = 0, UNQUOTED = 1, QUOTED = 2, QUOTE_IN_QUOTED = 3;

  /**
   * Reads records from text given piece by piece (RFC 4180: quoted fields, commas and line breaks
   * inside quotes, `""` escapes; CRLF, LF or CR; a byte-order mark). Empty lines are no record.
   * Memory stays within one record: past MAX_RECORD characters or MAX_FIELDS fields its cells are
   * dropped as they come and it is kept as `problem: 'tooLong'`. A quoted field still open at the
   * end makes the last record `problem: 'unclosed'` (with the line it started on).
   */
  class RecordReader {
    constructor() {
      this.state = START;
      this.fields = [];
      this.field = '';
      this.size = 0;
      this.tooLong = false;
      this.inRecord = false;
      this.line = 1;
      this.startLine = 1;
      this.first = true;
    }

    add(text, from, to) {
      if (this.tooLong || to <= from) return;
      this.size += to - from;
      if (this.size > MAX_RECORD) this.drop();
      else this.field += text.slice(from, to);
    }

    drop() {
      this.tooLong = true;
      this.fields = [];
      this.field = '';
    }

    endField() {
      if (!this.tooLong) {
        if (this.fields.length >= MAX_FIELDS) this.drop();
        else this.fields.push(this.field);
      }
      this.field = '';
    }

    endRecord(out, problem) {
      this.endField();
      out.push({ fields: this.fields, problem: this.tooLong && !problem ? 'tooLong' : problem, line: this.startLine });
      this.fields = [];
      this.size = 0;
      this.tooLong = false;
      this.inRecord = false;
      this.state = START;
    }

    /** Reads `text`, appending every record it completes to `out`. */
    push(text, out) {
      let i = 0;
      const n = text.length;
      if (this.first && n > 0) {
        this.first = false;
        if (text.charCodeAt(0) === 0xfeff) i = 1;
      }
      // Where the field text not yet added starts.
      let seg = this.state === UNQUOTED || this.state === QUOTED ? i : -1;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        switch (this.state) {
          case START:
            if (c === LF || c === CR) {
              if (c === LF) this.line++;
              if (this.inRecord) this.endRecord(out, null);
              break;
            }
            if (!this.inRecord) {
              this.inRecord = true;
              this.startLine = this.line;
            }
            if (c === QUOTE) {
              this.state = QUOTED;
              seg = i + 1;
            } else if (c === COMMA) {
              this.endField();
            } else {
              this.state = UNQUOTED;
              seg = i;
            }
            break;
          case UNQUOTED:
            if (c === COMMA || c === LF || c === CR) {
              this.add(text, seg, i);
              seg = -1;
              if (c === COMMA) {
                this.endField();
                this.state = START;
              } else {
                if (c === LF) this.line++;
                this.endRecord(out, null);
              }
            }
            break;
          case QUOTED:
            if (c === QUOTE) {
              this.add(text, seg, i);
              seg = -1;
              this.state = QUOTE_IN_QUOTED;
            } else if (c === LF) {
              this.line++;
            }
            break;
          default: // QUOTE_IN_QUOTED: a doubled quote is one, anything else ends the quoting.
            if (c === QUOTE) {
              this.state = QUOTED;
              seg = i;
            } else if (c === COMMA) {
              this.endField();
              this.state = START;
            } else if (c === LF || c === CR) {
              if (c === LF) this.line++;
              this.endRecord(out, null);
            } else {
              this.state = UNQUOTED;
              seg = i;
            }
        }
      }
      if (seg >= 0) this.add(text, seg, n);
    }

    /** The input ended: appends the last record, if any. */
    finish(out) {
      if (this.state === QUOTED) this.endRecord(out, 'unclosed');
      else if (this.inRecord) this.endRecord(out, null);
    }
  }

  /** Every record of a whole CSV text. */
  function readCsv(text) {
    const r = new RecordReader();
    const out = [];
    r.push(text, out);
    r.finish(out);
    return out;
  }

  /**
   * The cell as written to a CSV file: one a spreadsheet would run as a formula (starting with =,
   * +, -, @, a tab or a carriage return) gets a `'` in front, as OWASP recommends against CSV
   * injection; a phone number in E.164 stays as it is.
   */
  function safeCell(s) {
    return /^[=+\-@\t\r]/.test(s) && !isE164(s) ? `'${s}` : s;
  }

  /** One CSV line (CRLF; a field quoted only when it needs it), every cell through safeCell. */
  function csvRow(cells) {
    return `${cells.map((cell) => {
      const s = safeCell(cell);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    }).join(',')}\r\n`;
  }

  function cellOf(v) {
    if (isNullish(v)) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  /** Every item as a CSV row under `columns` plus any further fields, sorted by name. */
  function exportCsv(items, columns) {
    const extra = new Set();
    for (const it of items) {
      if (it && typeof it === 'object' && !Array.isArray(it)) {
        for (const k of Object.keys(it)) if (!columns.includes(k)) extra.add(k);
      }
    }
    const header = [...columns, ...[...extra].sort()];
    let out = csvRow(header);
    for (const it of items) {
      const o = it && typeof it === 'object' && !Array.isArray(it) ? it : {};
      out += csvRow(header.map((k) => cellOf(Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined)));
    }
    return out;
  }

  // ---- what a row says ---------------------------------------------------------------------

  const headerKey = (h) => h.replace(/[^A-Za-z0-9]/g, '').toLowerCase();

  /** A number as people write it (`+91 109-999 9999`, `0091…`) in E.164, or why it cannot be. */
  function normalizeNumber(raw) {
    let s = raw.replace(/[\s\-.()/]/g, '');
    if (s.startsWith('00')) s = `+${s.slice(2)}`;
    if (s === '') return { error: 'no mobile number' };
    const digits = s.startsWith('+') ? s.slice(1) : s;
    if (digits === '' || !/^[0-9]+$/.test(digits)) return { error: NOT_E164 };
    if (!s.startsWith('+')) return { error: 'no country code (write the number as +<country code><number>)' };
    if (!isE164(s)) return { error: NOT_E164 };
    return { number: s };
  }

  /** The first MAX_WRITTEN characters of `s`, with … when there was more. */
  function clipWritten(s) {
    let out = '';
    let count = 0;
    for (const ch of s) {
      if (count === MAX_WRITTEN) return `${out}…`;
      out += ch;
      count++;
    }
    return out;
  }

  /** Where a file's columns are, from its header row. */
  function columnsOf(op, rec) {
    if (rec.problem === 'unclosed') throw invalid(op, 'csv', 'has a header row that opens a quote and never closes it');
    if (rec.problem === 'tooLong') {
      throw invalid(op, 'csv', `has a header row longer than ${MAX_RECORD / 1024} KiB or with more than ${MAX_FIELDS} columns`);
    }
    const header = rec.fields;
    const keys = header.map(headerKey);
    const find = (names) => {
      for (const name of names) {
        const i = keys.indexOf(name);
        if (i >= 0) return i;
      }
      return -1;
    };
    const number = find(NUMBER_HEADERS);
    if (number < 0) {
      throw invalid(op, 'csv', `has no mobile-number column: the header row must name one mobileNumber, mobile or phone (it reads: ${clipWritten(header.join(', '))})`);
    }
    return { header, number, name: find(NAME_HEADERS) };
  }

  /** A data row's number in E.164 and its key (an integer: at most 15 digits), or its error line. */
  function numberOf(cols, row, rec) {
    const written = (rec.fields[cols.number] || '').trim();
    const error = (reason) => ({ error: { row, mobileNumber: clipWritten(written), reason } });
    if (rec.problem === 'unclosed') {
      return error(`opens a quoted field that is never closed, so the rest of the file (from line ${rec.line} to the end) was read as this one row and none of it was imported; close the quote and upload those rows again`);
    }
    if (rec.problem === 'tooLong') {
      return error(`is longer than ${MAX_RECORD / 1024} KiB or has more than ${MAX_FIELDS} fields (a quote that is never closed?)`);
    }
    if (rec.fields.length > cols.header.length) {
      return error(`has ${rec.fields.length} fields but the header has ${cols.header.length} (a comma in an unquoted field?)`);
    }
    const n = normalizeNumber(written);
    if (n.error) return error(n.error);
    return { number: n.number, key: Number(n.number.slice(1)) };
  }

  function memberOf(cols, row, rec, mobileNumber, outcome) {
    const attributes = {};
    rec.fields.forEach((cell, c) => {
      const value = cell.trim();
      if (c === cols.number || c === cols.name || value === '') return;
      const h = (cols.header[c] || '').trim();
      if (h !== '') attributes[h] = value;
    });
    const name = cols.name >= 0 ? (rec.fields[cols.name] || '').trim() : '';
    return { row, mobileNumber, name: name === '' ? null : name, attributes, outcome };
  }

  const isBlank = (rec) => !rec.problem && rec.fields.every((f) => f.trim() === '');

  // ---- an upload ---------------------------------------------------------------------------

  /**
   * The first pass over a file, before anything is sent: its columns, how many rows it has (at
   * most maxRows), what is known of them without the platform (bad rows), and every usable row's
   * number key (repeats included) in a typed array, 8 bytes a row.
   */
  class Survey {
    constructor(op, maxRows) {
      this.op = op;
      this.maxRows = maxRows;
      this.columns = null;
      this.total = 0;
      this.bad = 0;
      this.keys = new Float64Array(1024);
      this.count = 0;
    }

    take(records) {
      for (const rec of records) {
        if (isBlank(rec)) continue;
        if (!this.columns) {
          this.columns = columnsOf(this.op, rec);
          continue;
        }
        this.total += 1;
        if (this.total > this.maxRows) {
          throw fail(this.op, 'too_large',
            `csv has more than ${this.maxRows} rows (the maxRows option); split the file or raise maxRows`, 'csv');
        }
        const n = numberOf(this.columns, 0, rec);
        if (n.error) {
          this.bad += 1;
          continue;
        }
        if (this.count === this.keys.length) {
          const grown = new Float64Array(this.keys.length * 2);
          grown.set(this.keys);
          this.keys = grown;
        }
        this.keys[this.count++] = n.key;
      }
    }
  }

  /** Where `key` is in the sorted `keys`, or -1. */
  function indexOf(keys, key) {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < keys.length && keys[lo] === key ? lo : -1;
  }

  /** One bulk upload of members into a group, from the second pass over the file to its record. */
  class Upload {
    constructor(survey, fileName, batchSize, now) {
      const op = survey.op;
      if (!survey.columns) {
        throw invalid(op, 'csv', 'is empty: it needs a header row (for example mobileNumber,name) and a row per member');
      }
      if (survey.total === 0) throw invalid(op, 'csv', 'has a header row but no members below it');
      const sorted = survey.keys.subarray(0, survey.count).sort();
      let distinct = 0;
      for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i];
      // The distinct numbers of the file, sorted, and which of them this pass has met (a bit each).
      this.numbers = sorted.slice(0, distinct);
      this.met = new Uint32Array(Math.ceil(distinct / 32));
      this.fileName = fileName;
      this.startedAt = now;
      this.columns = survey.columns;
      this.batchSize = Math.min(Math.max(batchSize, 1), MAX_BATCH_SIZE);
      this.total = survey.total;
      this.existing = new Set();
      // Rows settled, and failed, before anything is sent (bad rows, repeats, numbers already in).
      this.knownDone = survey.bad + (survey.count - distinct);
      this.knownFailed = survey.bad;
      this.index = 0;
      this.headerSeen = false;
      this.batch = [];
      this.members = [];
      this.membersOmitted = 0;
      // The errors of the lowest rows (trimmed to MAX_LISTED now and then, and at the end).
      this.errors = [];
      this.failed = 0;
      this.sentFailed = 0;
      this.added = 0;
      this.already = 0;
      this.duplicates = 0;
      this.stopped = null;
    }

    /** Notes the numbers already in the group (from a listMembers answer): they are not sent. */
    markExisting(listing) {
      const members = listing && Array.isArray(listing.members) ? listing.members : [];
      this.existing = new Set();
      for (const m of members) {
        const n = m && typeof m.mobileNumber === 'string' && m.mobileNumber.startsWith('+') ? m.mobileNumber.slice(1) : '';
        if (/^[0-9]{1,15}$/.test(n)) this.existing.add(Number(n));
      }
      for (const k of this.existing) if (indexOf(this.numbers, k) >= 0) this.knownDone += 1;
    }

    /** Whether an earlier row had this number; notes that this one has. */
    metBefore(key) {
      const i = indexOf(this.numbers, key);
      // A number the first pass did not see (the file changed in between) counts as new.
      if (i < 0) return false;
      const bit = 1 << (i % 32);
      const word = i >>> 5;
      const seen = (this.met[word] & bit) !== 0;
      this.met[word] |= bit;
      return seen;
    }

    error(e) {
      this.failed += 1;
      this.errors.push(e);
      if (this.errors.length >= 2 * MAX_LISTED) this.trimErrors();
    }

    trimErrors() {
      this.errors.sort((a, b) => a.row - b.row);
      this.errors.length = Math.min(this.errors.length, MAX_LISTED);
    }

    /** Takes the records of one piece of the file (second pass); answers the batches they filled. */
    take(records) {
      const full = [];
      for (const rec of records) {
        this.index += 1;
        if (isBlank(rec)) continue;
        if (!this.headerSeen) {
          this.headerSeen = true;
          continue;
        }
        const row = this.index;
        const n = numberOf(this.columns, row, rec);
        if (n.error) {
          this.error(n.error);
          continue;
        }
        let outcome = 'pending';
        if (this.metBefore(n.key)) {
          this.duplicates += 1;
          outcome = 'duplicate';
        } else if (this.existing.has(n.key)) {
          this.already += 1;
          outcome = 'alreadyMember';
        }
        let member = null;
        if (this.members.length < MAX_LISTED) {
          member = memberOf(this.columns, row, rec, n.number, outcome);
          this.members.push(member);
        } else {
          this.membersOmitted += 1;
        }
        if (outcome !== 'pending') continue;
        const p = { row, number: n.number, member };
        if (this.stopped !== null) {
          this.settle([p], this.stopped);
          continue;
        }
        this.batch.push(p);
        if (this.batch.length >= this.batchSize) {
          full.push(this.batch);
          this.batch = [];
        }
      }
      return full;
    }

    /** The file ended: the last batch, if rows are waiting. */
    finish() {
      const b = this.batch;
      this.batch = [];
      return b.length ? b : null;
    }

    /** Records a batch's fate: added (`reason` null), or failed with `reason`. */
    settle(batch, reason) {
      for (const p of batch) {
        let outcome;
        if (reason === null) {
          this.added += 1;
          outcome = 'added';
        } else {
          this.sentFailed += 1;
          this.error({ row: p.row, mobileNumber: p.number, reason });
          outcome = 'failed';
        }
        if (p.member) p.member.outcome = outcome;
      }
    }

    /** No later batch can succeed: every row pending, and every one read from now on, fails. */
    stop(reason) {
      this.stopped = reason;
      this.settle(this.finish() || [], reason);
    }

    progress() {
      return {
        done: Math.min(this.knownDone + this.added + this.sentFailed, this.total),
        total: this.total,
        failed: this.knownFailed + this.sentFailed,
      };
    }

    status() {
      if (this.failed === 0 && this.stopped === null) return 'Completed';
      if (this.added + this.already > 0 && this.stopped === null) return 'CompletedWithErrors';
      return 'Failed';
    }

    listedErrors() {
      this.trimErrors();
      return this.errors.slice();
    }

    errorLogCsv() {
      let out = csvRow(['row', 'mobileNumber', 'reason']);
      for (const e of this.listedErrors()) out += csvRow([String(e.row), e.mobileNumber, e.reason]);
      return out;
    }

    /** The upload's history row, with the first MAX_LISTED errors and members. */
    record(groupId, now) {
      const errors = this.listedErrors();
      return {
        groupId,
        fileName: this.fileName,
        startedAt: new Date(this.startedAt).toISOString(),
        completedAt: new Date(now).toISOString(),
        status: this.status(),
        total: this.total,
        added: this.added,
        alreadyMembers: this.already,
        duplicates: this.duplicates,
        failed: this.failed,
        errorsOmitted: Math.max(this.failed - errors.length, 0),
        errors,
        errorLogCsv: this.errorLogCsv(),
        members: this.members,
        membersOmitted: this.membersOmitted,
      };
    }
  }

  /** What to do when a batch fails: find the refused rows, fail this batch, or fail everything left. */
  function onBatchError(e, batchLen) {
    if (e.code === 'invalid_input' && batchLen > 1) return 'isolate';
    if (['unauthorized', 'forbidden', 'not_found', 'not_signed_in'].includes(e.code)) return 'failAll';
    return 'failBatch';
  }

  return {
    RecordReader, readCsv, safeCell, csvRow, exportCsv, normalizeNumber, Survey, Upload, onBatchError,
    MAX_RECORD, MAX_FIELDS, MAX_BATCH_SIZE,
  };
}

// Organisation workflows over the client's public methods: CSV member imports (importMembers) and
// exports (exportMembers, exportSubscribers), planned by csv.js. scripts/build-pkg.sh makes csv.js
// and this file web/workflows.js, which both entries load on first use (so a browser app that
// never imports members never fetches it). `workflows(KaizalaError, allPages)` answers the three
// calls, each taking the client first.

function workflows(KaizalaError, allPages) {
  const plan = csvUploads(KaizalaError);
  const { RecordReader, Survey, Upload, onBatchError, exportCsv, MAX_BATCH_SIZE } = plan;
  // Members added per addMembers call unless the caller says otherwise.
  const DEFAULT_BATCH_SIZE = 100;
  // Rows a file may hold unless the caller says otherwise (maxRows).
  const DEFAULT_MAX_ROWS = 100000;
  // Characters of a string, and bytes of a Blob, read at a time.
  const TEXT_PIECE = 64 * 1024;
  const BLOB_PIECE = 256 * 1024;
  const MEMBER_COLUMNS = ['id', 'mobileNumber', 'role', 'isProvisioned'];
  const SUBSCRIBER_COLUMNS = ['id', 'mobileNumber', 'name', 'profilePic', 'isProvisioned'];
  // Subscribers per page of an export (the platform's most).
  const SUBSCRIBER_PAGE = 50;

  const isNullish = (v) => v === undefined || v === null;
  const fail = (operation, code, message, field) =>
    new KaizalaError(`${operation}: ${message}`, { code, operation, field });
  const invalid = (operation, field, problem) => fail(operation, 'invalid_input', `${field} ${problem}`, field);

  // ---- the calls ---------------------------------------------------------------------------

  /** A CSV argument read piece by piece: a string, or a Blob/File (its bytes decoded as UTF-8). */
  function sourceOf(op, csv) {
    if (typeof csv === 'string') {
      return {
        name: null,
        async *pieces() {
          for (let at = 0; at < csv.length;) {
            let end = Math.min(at + TEXT_PIECE, csv.length);
            // Never between the two halves of a surrogate pair.
            const c = csv.charCodeAt(end - 1);
            if (end < csv.length && c >= 0xd800 && c < 0xdc00) end -= 1;
            yield csv.slice(at, end);
            at = end;
          }
        },
      };
    }
    if (typeof Blob === 'function' && csv instanceof Blob) {
      return {
        name: typeof csv.name === 'string' ? csv.name : null,
        async *pieces() {
          const decoder = new TextDecoder();
          for (let at = 0; at < csv.size; at += BLOB_PIECE) {
            let bytes;
            try {
              bytes = await csv.slice(at, Math.min(at + BLOB_PIECE, csv.size)).arrayBuffer();
            } catch (e) {
              throw invalid(op, 'csv', 'could not be read');
            }
            yield decoder.decode(bytes, { stream: true });
          }
          yield decoder.decode();
        },
      };
    }
    throw invalid(op, 'csv', 'must be CSV text or a Blob/File');
  }

  /** Every record of a source, a piece's worth at a time. */
  async function* recordsOf(source) {
    const reader = new RecordReader();
    for await (const piece of source.pieces()) {
      const out = [];
      reader.push(piece, out);
      yield out;
    }
    const out = [];
    reader.finish(out);
    yield out;
  }

  function signalOf(op, options) {
    const s = options && typeof options === 'object' ? options.signal : undefined;
    if (isNullish(s)) return undefined;
    if (typeof s !== 'object' || typeof s.aborted !== 'boolean') throw invalid(op, 'signal', 'must be an AbortSignal');
    return s;
  }

  function checkAbort(signal, op) {
    if (signal && signal.aborted) throw fail(op, 'aborted', 'the call was aborted');
  }

  const messageOf = (e) => {
    const m = e && typeof e.message === 'string' ? e.message : String(e);
    const prefix = e && typeof e.operation === 'string' && e.operation ? `${e.operation}: ` : '';
    return prefix && m.startsWith(prefix) ? m.slice(prefix.length) : m;
  };

  /** A failure of a call made on the workflow's behalf, as the workflow's own error. */
  function as(op, e) {
    if (!(e instanceof KaizalaError)) return fail(op, 'invalid_response', messageOf(e));
    const out = new KaizalaError(`${op}: ${messageOf(e)}`, {
      code: e.code, status: e.status, retryAfter: e.retryAfter, operation: op, field: e.field,
      platformCode: e.platformCode,
    });
    return out;
  }

  /** A listing's answer: an object whose `key`, when there, is a list. */
  function listing(op, key, v) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw fail(op, 'invalid_response', 'the answer is not a JSON object');
    if (!isNullish(v[key]) && !Array.isArray(v[key])) {
      throw fail(op, 'invalid_response', `the answer has a ${key} that is not a list`);
    }
    return v;
  }

  /** addMembers for one batch; resolves when the platform took all of them. */
  async function addBatch(client, groupId, batch, call) {
    const v = await client.addMembers(groupId, batch.map((p) => p.number), call);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw fail('addMembers', 'invalid_response', 'the answer is not a JSON object');
    if (v.result === false) throw fail('addMembers', 'server', 'the platform answered that not all of them were added');
  }

  /** Tells the caller's onProgress, if any; what it throws is its own business, not the upload's. */
  function report(onProgress, up) {
    if (!onProgress) return;
    try {
      onProgress(up.progress());
    } catch (e) { /* ignored, as an event listener's would be */ }
  }

  /** Sends one batch (row by row when the platform refuses something in it) and settles it. */
  async function sendBatch(client, groupId, up, batch, call, onProgress) {
    if (up.stopped !== null) {
      up.settle(batch, up.stopped);
      return;
    }
    try {
      await addBatch(client, groupId, batch, call);
      up.settle(batch, null);
    } catch (e) {
      if (e && e.code === 'aborted') throw e;
      const reason = messageOf(e);
      const how = onBatchError(e, batch.length);
      if (how === 'isolate') {
        // One at a time, to find the rows the platform refuses.
        for (const p of batch) {
          if (up.stopped !== null) {
            up.settle([p], up.stopped);
            continue;
          }
          try {
            await addBatch(client, groupId, [p], call);
            up.settle([p], null);
          } catch (e1) {
            if (e1 && e1.code === 'aborted') throw e1;
            const why = messageOf(e1);
            up.settle([p], why);
            if (onBatchError(e1, 1) === 'failAll') up.stop(why);
          }
        }
      } else {
        up.settle(batch, reason);
        if (how === 'failAll') up.stop(reason);
      }
    }
    // A stopped upload reports once, when the rest of the file has been failed too.
    if (up.stopped === null) report(onProgress, up);
  }

  function wholeNumber(op, field, v, lo, hi, problem) {
    if (isNullish(v)) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalid(op, field, problem);
    return v;
  }

  /**
   * importMembers(groupId, csv, {onProgress?, batchSize?, maxRows?, fileName?, signal?}?): the file
   * is read twice, piece by piece — first to check and count it (nothing is sent for a bad file or
   * one past maxRows), then to send it in batches.
   */
  async function importMembers(client, groupId, csv, options) {
    const op = 'importMembers';
    const o = options && typeof options === 'object' ? options : {};
    if (typeof groupId !== 'string') throw invalid(op, 'groupId', 'must be a string');
    if (groupId.trim() === '') throw invalid(op, 'groupId', 'is required and must not be empty');
    if (/[/\\]/.test(groupId)) throw invalid(op, 'groupId', 'must not contain / or \\');
    const signal = signalOf(op, o);
    const onProgress = isNullish(o.onProgress) ? undefined : o.onProgress;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalid(op, 'onProgress', 'must be a function');
    const batchSize = wholeNumber(op, 'batchSize', o.batchSize, 1, MAX_BATCH_SIZE, 'must be a whole number from 1 to 1000')
      ?? DEFAULT_BATCH_SIZE;
    const maxRows = wholeNumber(op, 'maxRows', o.maxRows, 1, Number.MAX_SAFE_INTEGER, 'must be a whole number of at least 1')
      ?? DEFAULT_MAX_ROWS;
    if (!isNullish(o.fileName) && typeof o.fileName !== 'string') throw invalid(op, 'fileName', 'must be a string');
    const source = sourceOf(op, csv);
    const fileName = o.fileName ?? source.name ?? 'members.csv';
    const call = signal ? { signal } : undefined;
    try {
      const survey = new Survey(op, maxRows);
      for await (const records of recordsOf(source)) {
        checkAbort(signal, op);
        survey.take(records);
      }
      const up = new Upload(survey, fileName, batchSize, Date.now());
      // Numbers already in the group are not sent again (and are not errors).
      up.markExisting(listing('listMembers', 'members', await client.listMembers(groupId, call)));
      report(onProgress, up);
      for await (const records of recordsOf(source)) {
        checkAbort(signal, op);
        for (const batch of up.take(records)) await sendBatch(client, groupId, up, batch, call, onProgress);
      }
      const last = up.finish();
      if (last) await sendBatch(client, groupId, up, last, call, onProgress);
      if (up.stopped !== null) report(onProgress, up);
      return up.record(groupId, Date.now());
    } catch (e) {
      throw e instanceof KaizalaError && e.operation === op ? e : as(op, e);
    }
  }

  /** exportMembers(groupId, {signal}?): CSV text `id,mobileNumber,role,isProvisioned`, a row per member. */
  async function exportMembers(client, groupId, options) {
    const op = 'exportMembers';
    const signal = signalOf(op, options);
    try {
      const v = listing('listMembers', 'members', await client.listMembers(groupId, signal ? { signal } : undefined));
      return exportCsv(Array.isArray(v.members) ? v.members : [], MEMBER_COLUMNS);
    } catch (e) {
      throw as(op, e);
    }
  }

  /**
   * exportSubscribers(groupId, {signal}?): CSV text of every subscriber, all pages
   * (`id,mobileNumber,name,profilePic,isProvisioned`); a server that hands back a cursor again or
   * never ends stops it with invalid_response.
   */
  async function exportSubscribers(client, groupId, options) {
    const op = 'exportSubscribers';
    const signal = signalOf(op, options);
    if (typeof groupId !== 'string') throw invalid(op, 'groupId', 'must be a string');
    const call = signal ? { signal } : undefined;
    try {
      const items = [];
      const pages = allPages(client, 'listSubscribers', 'subscribers', async (cursor) => listing('listSubscribers', 'subscribers',
        await client.listSubscribers(groupId, isNullish(cursor) ? { count: SUBSCRIBER_PAGE } : { count: SUBSCRIBER_PAGE, cursor }, call)),
      10000);
      for await (const item of pages) items.push(item);
      return exportCsv(items, SUBSCRIBER_COLUMNS);
    } catch (e) {
      throw as(op, e);
    }
  }

  return {
    importMembers, exportMembers, exportSubscribers,
    // For the package's tests of the CSV logic.
    _internal: plan,
  };
}

// The package's JS layer over the raw wasm-bindgen module, shared by the web and the Node entries.
// scripts/build-pkg.sh puts this file (with connections.js and webhooks.js) into web/api.js, one ES
// module that both web/index.js and node/index.mjs import; each calls `wrap(raw, loadWorkflows)`
// once with the raw module and exports what it returns, plus the webhook functions, which are
// top-level exports so that a bundler drops them from a page that never imports them.
// `loadWorkflows()` promises the module web/workflows.js (made from workflows.js): both entries
// import it on first use only, so a bundle that splits code fetches it only when a workflow is called.

/**
 * The error every refused or failed call rejects with. The wasm binding builds these objects
 * itself (with `code`, `status`, `retryAfter`, `operation`, `field`, `platformCode`) and gives
 * them this prototype, so `instanceof KaizalaError` and `instanceof Error` both hold.
 */
class KaizalaError extends Error {
  constructor(message, details) {
    super(message, details && details.cause !== undefined ? { cause: details.cause } : undefined);
    const d = details || {};
    this.name = 'KaizalaError';
    this.code = typeof d.code === 'string' ? d.code : 'invalid_input';
    this.status = typeof d.status === 'number' ? d.status : 0;
    this.retryAfter = typeof d.retryAfter === 'number' ? d.retryAfter : undefined;
    this.operation = typeof d.operation === 'string' ? d.operation : '';
    this.field = typeof d.field === 'string' ? d.field : undefined;
    this.platformCode = typeof d.platformCode === 'string' ? d.platformCode : undefined;
  }
}
Object.defineProperty(KaizalaError.prototype, 'name', {
  value: 'KaizalaError', writable: true, configurable: true, enumerable: false,
});

const isNullish = (v) => v === undefined || v === null;
const invalid = (operation, field, problem) =>
  new KaizalaError(`${operation}: ${field} ${problem}`, { code: 'invalid_input', operation, field });

function wrap(raw, loadWorkflows) {
  raw.setErrorClass(KaizalaError);

  // Most pages one iterator fetches unless its `maxPages` option says otherwise.
  const MAX_PAGES = 10000;

  // Every item of every page of a cursor-paged call. `call(cursor)` fetches one page (no cursor:
  // the first); the binding's `nextCursor` says where the next page starts, or that there is none.
  // A server that hands back a cursor it already gave, or that never reaches a last page, would
  // keep this going forever: both end it with an `invalid_response` KaizalaError, never silently.
  async function* allPages(client, operation, itemsKey, call, maxPages) {
    let cursor;
    const seen = new Set();
    for (let pages = 1; ; pages++) {
      const page = await call(cursor);
      const items = page && Array.isArray(page[itemsKey]) ? page[itemsKey] : [];
      for (const item of items) yield item;
      const next = client.nextCursor(operation, page);
      if (isNullish(next) || next === '') return;
      const key = String(next);
      if (seen.has(key)) {
        const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
        throw new KaizalaError(
          `${operation}: the server handed back a cursor it had already given ("${shown}", after ${pages} pages); paging stopped`,
          { code: 'invalid_response', operation });
      }
      if (pages >= maxPages) {
        throw new KaizalaError(
          `${operation}: the server still had more after ${maxPages} pages (the maxPages option); paging stopped`,
          { code: 'invalid_response', operation });
      }
      seen.add(key);
      cursor = next;
    }
  }

  // `opts` without `signal` and `maxPages` plus the cursor, `{signal}` as the call's last
  // argument, and the page cap.
  function split(operation, opts) {
    const o = opts && typeof opts === 'object' ? { ...opts } : {};
    const signal = o.signal;
    const maxPages = isNullish(o.maxPages) ? MAX_PAGES : o.maxPages;
    delete o.signal;
    delete o.maxPages;
    if (!Number.isInteger(maxPages) || maxPages < 1) {
      throw new KaizalaError(`${operation}: maxPages must be a whole number of 1 or more`,
        { code: 'invalid_input', operation, field: 'maxPages' });
    }
    return [o, isNullish(signal) ? undefined : { signal }, maxPages];
  }

  // The workflows (workflows.js), loaded once on the first call of one of them.
  let flows;
  function workflowsFor(operation) {
    if (!flows) {
      flows = Promise.resolve()
        .then(() => loadWorkflows())
        .then((m) => m.workflows(KaizalaError, allPages), (e) => {
          flows = undefined;
          throw new KaizalaError(`${operation}: the package's workflows.js could not be loaded (${e && e.message})`,
            { code: 'network', operation, cause: e });
        });
    }
    return flows;
  }

  class KaizalaClient extends raw.KaizalaClient {
    /**
     * Adds the members of a CSV file (text or a Blob/File) to a group in batches and answers the
     * upload record; see workflows.js.
     */
    importMembers(groupId, csv, options) {
      return workflowsFor('importMembers').then((w) => w.importMembers(this, groupId, csv, options));
    }

    /** Every member as CSV text. */
    exportMembers(groupId, options) {
      return workflowsFor('exportMembers').then((w) => w.exportMembers(this, groupId, options));
    }

    /** Every subscriber of a public group, all pages, as CSV text. */
    exportSubscribers(groupId, options) {
      return workflowsFor('exportSubscribers').then((w) => w.exportSubscribers(this, groupId, options));
    }

    /** The connections held in `storage` (default localStorage), sorted by name; never a token. */
    static connections(storage) {
      return connectionsIn(storage);
    }

    /** Forgets connection `name` (its tokens for every connector); returns how many entries went. */
    static removeConnection(name, storage) {
      return removeConnectionFrom(name, storage);
    }
  }

  // Every paged call has an iterator over all its pages (`subscribers(groupId, options)` for
  // `listSubscribers`, …), as the core's operation table (src/operations.rs) describes it: the
  // ids before the options, where a page's items are and which option carries the cursor.
  for (const [operation, iterator, ids, itemsKey, param, numeric] of raw.__paging()) {
    const method = {
      [iterator](...args) {
        const head = args.slice(0, ids);
        const [o, last, max] = split(operation, args[ids]);
        return allPages(this, operation, itemsKey, (cursor) =>
          this[operation](...head, isNullish(cursor) ? o : { ...o, [param]: numeric ? Number(cursor) : cursor }, last), max);
      },
    }[iterator];
    Object.defineProperty(KaizalaClient.prototype, iterator, { value: method, writable: true, configurable: true });
  }
  Object.defineProperty(KaizalaClient, 'name', { value: 'KaizalaClient' });

  // Every promise-returning method (listGroups, sendMessage, …) goes through the binding's one
  // entry point, `__call(index, args)`, in the order `__methods()` lists them. Defined like class
  // methods: not enumerable, named after the method.
  raw.__methods().split(',').forEach((name, index) => {
    const method = { [name](...args) { return this.__call(index, args); } }[name];
    Object.defineProperty(KaizalaClient.prototype, name, { value: method, writable: true, configurable: true });
  });

  // Everything else the binding exports, as it is; the two classes above take their names' places.
  const api = {};
  for (const [name, value] of Object.entries(raw)) {
    // setErrorClass stays internal: the package's KaizalaError is the one registered.
    if (name === 'default' || name === 'initSync' || name === 'setErrorClass' || name.startsWith('__')) continue;
    api[name] = value;
  }
  api.KaizalaClient = KaizalaClient;
  api.KaizalaError = KaizalaError;
  return api;
}

// One HTTP attempt on the JS side: fetch (never following a redirect) under its time-out and the caller's signal, the body read with a size cap; one promise for the wasm to await.

// What an attempt comes back as (`k` of the outcome; fetch.rs reads it). BODY and HEADERS carry
// the Response (`r`); OK, a 2xx's body, only its status (`s`), all the wasm reads of it. BODY and
// OK also carry the text (`t`), BUILD the reason the request could not be made.
const BODY = 0;
const HEADERS = 1;
const TOO_LARGE = 2;
const ABORTED = 3;
const TIMEOUT = 4;
const NETWORK = 5;
const NOT_A_RESPONSE = 6;
const BUILD = 7;
// A redirect that fetch followed anyway (`redirected`), or one a browser hides (`opaqueredirect`).
const HIDDEN = 8;
// A 2xx's BODY.
const OK = 9;

// Everywhere but Node, fetch is started from a microtask of its own, not from under the wasm
// call: in Chromium a fetch made with wasm frames on the stack is dearer (as is anything that
// captures the stack). In Node the step only costs.
const inNode = typeof process === 'object' && !!process && !!process.versions && !!process.versions.node;

// One reason for every attempt: creating an `Error` captures a stack, the dearest step of a call;
// and fetch then rejects with a real `Error`, not the listener's event.
let reason;

const noop = () => {};

/** Stops a body from being downloaded (nothing will read it). */
function cancel(body) {
  try {
    if (body) body.cancel().catch(noop);
  } catch {
    // A locked or broken stream: nothing more to stop.
  }
}

/** Whether a `Content-Length` is a whole number (as Rust's `u64` parse reads one), and which. */
function declaredLength(v) {
  if (v === null) return undefined;
  const s = v.trim();
  return /^\+?[0-9]+$/.test(s) ? Number(s) : undefined;
}

/**
 * The body, chunk by chunk, up to `cap` bytes, as text (UTF-8, bad sequences replaced, a leading
 * byte-order mark dropped, as `Response.text()` does). `null`: it is longer (reading stopped and
 * the stream was cancelled); with `truncate`, its first `cap` bytes instead. Throws when the
 * stream fails (network error, time-out or abort).
 */
async function readCapped(body, cap, truncate) {
  if (!body) return '';
  const reader = body.getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) throw new TypeError('a body chunk is not bytes');
    const room = cap - n;
    if (value.length > room) {
      reader.cancel().catch(noop);
      if (!truncate) return null;
      parts.push(value.subarray(0, room));
      n = cap;
      break;
    }
    parts.push(value);
    n += value.length;
  }
  let bytes = parts.length === 1 ? parts[0] : new Uint8Array(n);
  if (parts.length !== 1) {
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
  }
  return new TextDecoder().decode(bytes);
}

// Attempts in flight (`{at, end, hold}`: the deadline on `performance.now()`'s clock, what ends
// the attempt, given TIMEOUT, and whether it must hold a Node process open), under one timer armed
// for the earliest deadline and left armed when an attempt ends: a timer set and cleared per
// attempt costs more than the rest of the attempt's own work.
const live = new Set();
let timer;
let armedAt = Infinity;
// In Node the timer holds the process open only while an attempt in flight holds it: one whose
// fetch nothing else may hold it for (a mock, a polyfill). Node's own fetch holds it by its socket,
// and a referenced timer, or one referenced and let go per attempt, makes every call dearer.
let holding = 0;

function arm(at) {
  if (timer !== undefined) clearTimeout(timer);
  armedAt = at;
  // A deadline already past fires at once (a negative delay is none); one the timer reaches
  // early is armed again. `timeoutMs` is at most an hour, well within setTimeout's range.
  timer = setTimeout(expire, at - performance.now());
  if (!holding && timer.unref) timer.unref();
}

/** Takes `a` off the attempts in flight (once). */
function drop(a) {
  if (live.delete(a) && a.hold) holding--;
}

/** Ends every attempt past its deadline; arms the timer for the next one. */
function expire() {
  timer = undefined;
  armedAt = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const a of live) {
    if (a.at <= now) {
      drop(a);
      a.end(TIMEOUT);
    } else if (a.at < next) {
      next = a.at;
    }
  }
  if (next !== Infinity) arm(next);
}

/** Ends `a` at `a.at` unless [`unwatch`] comes first. */
function watch(a) {
  live.add(a);
  if (a.at < armedAt) arm(a.at);
  if (a.hold && holding++ === 0 && timer.ref) timer.ref();
}

function unwatch(a) {
  drop(a);
  if (!holding && timer !== undefined && timer.unref) timer.unref();
}

// What runs an attempt where the package's entry knows a cheaper way than a signal to stop a
// request: made by the Node entry (pkg-template/undici.js, undici's dispatcher) from [`watch`]
// and [`unwatch`] (its records say whether they `hold` the process). A runner gets `(init,
// timeoutMs, user, reason, go, url, cap, errorCap)`, may add to `init`, and answers nothing (the
// attempt runs under a signal, [`underSignal`]) or a promise of `go()`'s outcome, or of the same
// outcome reached its own way, that rejects with TIMEOUT (4) or ABORTED (3) when it stopped the
// attempt (with anything else, a network failure).
let runner;

/** Sets the runner: `make(watch, unwatch)` (see above). */
export function __attemptRunner(make) {
  runner = make(watch, unwatch);
}

/**
 * `fetch(url, init)` with the global `fetch` (looked up per call, so polyfills and mocks apply),
 * and the answer read: a 2xx body up to `cap` bytes (a longer one, by its `Content-Length` or as
 * read, is TOO_LARGE), an error answer's up to `errorCap` (the rest is not read), a redirect's
 * not at all. Throws when fetch or the body fails (network error, time-out or abort).
 */
async function exchange(url, init, user, cap, errorCap) {
  if (!inNode) await undefined;
  const f = globalThis.fetch;
  let sent;
  try {
    if (typeof f !== 'function') throw new TypeError('fetch is not a function');
    sent = f(url, init);
  } catch (e) {
    return { k: BUILD, t: `${e && e.name}: ${e && e.message}` };
  }
  const r = await sent;
  if (typeof Response !== 'function' || !(r instanceof Response)) return { k: NOT_A_RESPONSE };
  const status = r.status;
  // A browser's `opaqueredirect` answer is the only one with status 0.
  if ((user && user.aborted) || r.redirected || status === 0
    || status === 301 || status === 302 || status === 303 || status === 307 || status === 308) {
    cancel(r.body);
    return { k: user && user.aborted ? ABORTED : r.redirected || status === 0 ? HIDDEN : HEADERS, r };
  }
  const ok = status >= 200 && status < 300;
  const limit = ok ? cap : Math.min(cap, errorCap);
  const h = r.headers;
  const declared = declaredLength(h.get('content-length'));
  if (ok && declared > limit) {
    cancel(r.body);
    return { k: TOO_LARGE };
  }
  // Where every header is visible (Node; a browser's same-origin answer, of type `basic`), a
  // `Content-Length` within the cap and no content coding bound the body (fetch reads no more,
  // and refuses a message that also says chunked), so it is read in one step. Otherwise (a
  // cross-origin answer hides its content coding, and a small compressed body can unpack to
  // gigabytes) it goes through the capped reader.
  const coding = h.get('content-encoding');
  const t = (inNode || r.type === 'basic') && declared <= limit
    && (coding === null || coding.trim().toLowerCase() === 'identity')
    ? await r.text()
    : await readCapped(r.body, limit, !ok);
  if (user && user.aborted) return { k: ABORTED };
  return t === null ? { k: TOO_LARGE } : ok ? { k: OK, t, s: status } : { k: BODY, r, t };
}

/**
 * One attempt: `init` built from the call's method, header lines (`name\nvalue\n…`, or
 * `undefined` for none), token, content type and body (`text` or a FormData `form`), then
 * [`exchange`] under the runner or [`underSignal`]. A promise that never rejects.
 */
export function kaizalaAttempt(url, method, headerLines, token, type, text, form, noStore, timeoutMs, user, cap, errorCap) {
  if (user && user.aborted) return Promise.resolve({ k: ABORTED });
  // Never followed by fetch: a token, a secret or a body must not be carried to wherever a
  // server points; the policy decides (and in browsers sees only that there was one). Headers as
  // a plain object: fetch checks the values itself (a refused one is the BUILD outcome).
  const headers = {};
  if (headerLines !== undefined) {
    const lines = headerLines.split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  }
  if (token !== undefined) headers.accessToken = token;
  if (type !== undefined) headers['Content-Type'] = type;
  // Every member the attempt may set, set here (an absent one as `undefined`, which fetch reads as
  // absent): each call hands fetch an init of the same shape, which fetch reads faster.
  const init = {
    method,
    redirect: 'manual',
    headers,
    cache: noStore ? 'no-store' : undefined,
    body: text !== undefined ? text : form,
    signal: undefined,
    dispatcher: undefined,
  };
  if (!reason) {
    reason = new Error('the call was aborted');
    reason.name = 'AbortError';
  }
  const go = () => exchange(url, init, user, cap, errorCap);
  const run = runner && runner(init, timeoutMs, user, reason, go, url, cap, errorCap);
  return run
    ? run.then(undefined, (e) => ({ k: user && user.aborted ? ABORTED : e === ABORTED || e === TIMEOUT ? e : NETWORK }))
    : underSignal(init, timeoutMs, user, go);
}

/**
 * `go()` under a controller aborted at the `timeoutMs` deadline or by `user`; the deadline is
 * dropped and the listener removed when the attempt ends. Never rejects.
 */
async function underSignal(init, timeoutMs, user, go) {
  const ctl = new AbortController();
  const abort = () => ctl.abort(reason);
  const a = { at: performance.now() + timeoutMs, end: abort, hold: true };
  watch(a);
  const listen = (how) => {
    try {
      if (user) user[how]('abort', abort);
    } catch {
      // Not an EventTarget: only its `aborted` is read.
    }
  };
  listen('addEventListener');
  try {
    init.signal = ctl.signal;
    return await go();
  } catch {
    // Which signal ended the attempt.
    return { k: user && user.aborted ? ABORTED : ctl.signal.aborted ? TIMEOUT : NETWORK };
  } finally {
    unwatch(a);
    listen('removeEventListener');
  }
}

/**
 * Resolves after `ms` with `true`, or at once with `false` when `user` is (or becomes) aborted;
 * the timer is cleared and the listener removed either way.
 */
export function kaizalaSleep(ms, user) {
  if (user && user.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let timer;
    const done = (slept) => {
      clearTimeout(timer);
      try {
        if (user) user.removeEventListener('abort', woken);
      } catch {
        // Not an EventTarget: only its `aborted` is read.
      }
      resolve(slept);
    };
    const woken = () => done(false);
    timer = setTimeout(() => done(true), ms);
    try {
      if (user) user.addEventListener('abort', woken);
    } catch {
      // As above.
    }
  });
}

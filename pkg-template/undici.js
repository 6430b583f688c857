// The Node entry's runner of HTTP attempts (src/wasm/attempt.js): Node's fetch (undici) under a dispatcher of the client's own instead of a signal; scripts/build-pkg.sh puts it into node/index.mjs.
//
// Node's fetch takes a `dispatcher`. One that hands each request to the global dispatcher learns,
// when the request is connected, the function that aborts it: that stops a request at its
// deadline or at the caller's abort as a signal would, and a signal costs every request more
// (undici ties each request to it, a controller is dear to create, and each leaves a listener
// until the request is collected). Where undici's global dispatcher is not there, and for a
// `fetch` seen not to dispatch through the dispatcher it was given (a mock, a polyfill), the
// attempt runs under a signal as in browsers.

// How a runner tells attempt.js it stopped an attempt (its outcome numbers).
const ABORTED = 3;
const TIMEOUT = 4;

const UNDICI = Symbol.for('undici.globalDispatcher.1');
let foreignFetch;

// Attempts in flight, under one timer armed for the earliest deadline and left armed when an
// attempt ends: a timer set and cleared per attempt costs more than the rest of the attempt's own
// work. The timer holds the process open only while an attempt is in flight, as a timer per
// attempt would.
const live = new Set();
let timer;
let armedAt = Infinity;

function arm(at) {
  if (timer !== undefined) clearTimeout(timer);
  armedAt = at;
  // Within setTimeout's range; a timer that fires before the deadline is armed again.
  timer = setTimeout(expire, Math.min(Math.max(at - performance.now(), 0), 0x7fffffff));
}

/** Ends every attempt past its deadline; arms the timer for the next one. */
function expire() {
  timer = undefined;
  armedAt = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const a of live) {
    if (a.at <= now) a.end(TIMEOUT);
    else if (a.at < next) next = a.at;
  }
  if (next !== Infinity) arm(next);
}

/**
 * One attempt's state. Kept for the next attempt once it ended on its own (at most a few are
 * kept): only the attempt holding a record can end it, and one that was ended (deadline or abort)
 * is never used again, so a late connection of its request cannot reach another attempt.
 */
class Run {
  constructor() {
    // The deadline, on performance.now()'s clock.
    this.at = 0;
    // TIMEOUT or ABORTED once ended.
    this.why = 0;
    // The connected request's abort, and the rejection of the promise the attempt awaits.
    this.stop = undefined;
    this.fail = undefined;
    this.hooked = false;
    this.reason = undefined;
    this.d = { dispatch: (opts, handler) => this.dispatch(opts, handler) };
    this.abort = () => this.end(ABORTED);
  }

  dispatch(opts, handler) {
    const onConnect = handler.onConnect;
    if (typeof onConnect === 'function') {
      const run = this;
      handler.onConnect = function (abort, ...rest) {
        run.hooked = true;
        run.stop = abort;
        const r = onConnect.call(this, abort, ...rest);
        if (run.why) abort(run.reason);
        return r;
      };
    }
    return globalThis[UNDICI].dispatch(opts, handler);
  }

  end(why) {
    if (this.why) return;
    this.why = why;
    live.delete(this);
    if (this.stop) this.stop(this.reason);
    if (this.fail) this.fail(why);
  }
}

const spare = [];
const SPARES = 4;

function listen(user, how, f) {
  try {
    if (user) user[how]('abort', f);
  } catch {
    // Not an EventTarget: only its `aborted` is read.
  }
}

async function run(a, f, user, go) {
  listen(user, 'addEventListener', a.abort);
  try {
    // The attempt ends at its deadline even where the request cannot be stopped yet (not
    // connected) or at all (a fetch that does not dispatch through undici).
    return await new Promise((ok, no) => {
      a.fail = no;
      go().then((out) => {
        if (out.r && !a.hooked) foreignFetch = f;
        ok(out);
      }, no);
    });
  } finally {
    listen(user, 'removeEventListener', a.abort);
    live.delete(a);
    if (live.size === 0 && timer !== undefined) timer.unref();
    a.stop = undefined;
    a.fail = undefined;
    a.hooked = false;
    if (!a.why && spare.length < SPARES) spare.push(a);
  }
}

/** The runner `__attemptRunner` takes (see attempt.js). */
function undiciRunner(init, timeoutMs, user, reason, go) {
  const f = globalThis.fetch;
  if (!globalThis[UNDICI] || f === foreignFetch) return undefined;
  const a = spare.pop() || new Run();
  a.reason = reason;
  a.at = performance.now() + timeoutMs;
  live.add(a);
  if (a.at < armedAt) arm(a.at);
  else if (live.size === 1) timer.ref();
  init.dispatcher = a.d;
  return run(a, f, user, go);
}

// The Node entry's runner of HTTP attempts (src/wasm/attempt.js): Node's fetch (undici) under a dispatcher of the client's own instead of a signal; scripts/build-pkg.sh puts it into node/index.mjs.
//
// Node's fetch takes a `dispatcher`. One that hands each request to the global dispatcher learns,
// when the request is connected, the function that aborts it: that stops a request at its
// deadline or at the caller's abort as a signal would, and a signal costs every request more
// (undici ties each request to it, a controller is dear to create, and each leaves a listener
// until the request is collected). Where undici's global dispatcher is not there, and for a
// `fetch` seen not to dispatch through the dispatcher it was given (a mock, a polyfill), the
// attempt runs under a signal as in browsers.

// How a runner tells attempt.js the caller's signal stopped an attempt (its outcome number; its
// deadlines end an attempt with TIMEOUT, 4).
const ABORTED = 3;

const UNDICI = Symbol.for('undici.globalDispatcher.1');
let foreignFetch;
// The `fetch` last seen to dispatch through the dispatcher it was given: its requests hold the
// process open by their sockets. Any other one's attempts ask attempt.js's timer to hold it, so
// that one which never settles still ends at its deadline.
let directFetch;

/**
 * One attempt's state. Kept for the next attempt once it ended on its own (at most a few are
 * kept): only the attempt holding a record can end it, and one that was ended (deadline or abort)
 * is never used again, so a late connection of its request cannot reach another attempt.
 */
class Run {
  constructor() {
    // The deadline, on performance.now()'s clock.
    this.at = 0;
    // TIMEOUT (4) or ABORTED once ended.
    this.why = 0;
    // The connected request's abort, and the rejection of the promise the attempt awaits.
    this.stop = undefined;
    this.fail = undefined;
    this.hooked = false;
    this.hold = false;
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

function run(a, f, user, go, unwatch) {
  listen(user, 'addEventListener', a.abort);
  // Once, when the attempt settles or is ended (a later settling of `go()` finds it done).
  const done = () => {
    listen(user, 'removeEventListener', a.abort);
    unwatch(a);
    a.stop = undefined;
    a.fail = undefined;
    a.hooked = false;
    if (!a.why && spare.length < SPARES) spare.push(a);
  };
  // The attempt ends at its deadline even where the request cannot be stopped yet (not
  // connected) or at all (a fetch that does not dispatch through undici).
  return new Promise((ok, no) => {
    a.fail = (why) => {
      done();
      no(why);
    };
    go().then((out) => {
      if (a.hooked) directFetch = f;
      // An answer (a Response, or a 2xx's status) that never went through the dispatcher.
      else if (out.r || out.s) foreignFetch = f;
      if (a.fail) done();
      ok(out);
    }, (e) => {
      if (a.fail) done();
      no(e);
    });
  });
}

/** The runner `__attemptRunner` makes (see attempt.js), with attempt.js's deadlines. */
function undiciRunner(watch, unwatch) {
  return (init, timeoutMs, user, reason, go) => {
    const f = globalThis.fetch;
    if (!globalThis[UNDICI] || f === foreignFetch) return undefined;
    const a = spare.pop() || new Run();
    a.reason = reason;
    a.at = performance.now() + timeoutMs;
    a.hold = f !== directFetch;
    watch(a);
    init.dispatcher = a.d;
    return run(a, f, user, go, unwatch);
  };
}

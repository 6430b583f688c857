// The Node entry's runner of HTTP attempts (src/wasm/attempt.js): bodiless GETs straight to undici, the rest through Node's fetch under a dispatcher of the client's own; scripts/build-pkg.sh puts it into node/index.mjs.
//
// While the global `fetch` is still the one there when this module loaded and has been seen to
// dispatch through undici (Node's own), a bodiless GET is sent to undici's global dispatcher
// directly ([`direct`]): the request Node's fetch would send, and the answer read with the same
// caps, without fetch's Request, Response and streams, which are most of a call's cost in Node.
//
// Node's fetch takes a `dispatcher`. One that hands each request to the global dispatcher learns,
// when the request is connected, the function that aborts it: that stops a request at its
// deadline or at the caller's abort as a signal would, and a signal costs every request more
// (undici ties each request to it, a controller is dear to create, and each leaves a listener
// until the request is collected). Where undici's global dispatcher is not there, and for a
// `fetch` seen not to dispatch through the dispatcher it was given (a mock, a polyfill), the
// attempt runs under a signal as in browsers.

// attempt.js's outcomes (`k`) that a direct request answers with (see [`direct`]); ABORTED is also
// how a runner tells attempt.js the caller's signal stopped an attempt (its deadlines end one with
// TIMEOUT, 4).
const BODY = 0;
const HEADERS = 1;
const TOO_LARGE = 2;
const ABORTED = 3;
const NETWORK = 5;
const BUILD = 7;
const OK = 9;

const UNDICI = Symbol.for('undici.globalDispatcher.1');
let foreignFetch;
// The `fetch` last seen to dispatch through the dispatcher it was given: its requests hold the
// process open by their sockets. Any other one's attempts ask attempt.js's timer to hold it, so
// that one which never settles still ends at its deadline.
let directFetch;
// The global `fetch` when this module was loaded: Node's own, unless something replaced it first.
const nodeFetch = globalThis.fetch;

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

/** Ends `a`'s hold on the caller's signal and its deadline; keeps it for the next attempt when it ended on its own. */
function release(a, user, unwatch) {
  listen(user, 'removeEventListener', a.abort);
  unwatch(a);
  a.stop = undefined;
  a.fail = undefined;
  a.hooked = false;
  if (!a.why && spare.length < SPARES) spare.push(a);
}

function run(a, f, user, go, unwatch) {
  listen(user, 'addEventListener', a.abort);
  // Once, when the attempt settles or is ended (a later settling of `go()` finds it done).
  const done = () => release(a, user, unwatch);
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

/** `raw`'s value of the header `name` (lower case), when it has exactly one; else `null`. */
function only(raw, name) {
  let v = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i];
    if (k.length === name.length && k.toString('latin1').toLowerCase() === name) {
      if (v !== null) return undefined;
      v = raw[i + 1].toString('latin1');
    }
  }
  return v;
}

/** A Response of `status` and the raw headers `raw` (for the wasm to read its head), or `null`. */
function head(status, raw) {
  try {
    const h = new Headers();
    for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i].toString('latin1'), raw[i + 1].toString('latin1'));
    return new Response(null, { status, headers: h });
  } catch {
    return null;
  }
}

/** `bytes` unpacked by the content coding `coding` (at most `max` bytes out), or `null` when unknown. */
function unpack(bytes, coding, max) {
  const o = { maxOutputLength: max };
  switch (coding) {
    case 'gzip': case 'x-gzip': return zlib.gunzipSync(bytes, o);
    case 'deflate': try { return zlib.inflateSync(bytes, o); } catch { return zlib.inflateRawSync(bytes, o); }
    case 'br': return zlib.brotliDecompressSync(bytes, o);
    default: return null;
  }
}

const utf8 = new TextDecoder();

/**
 * A bodiless GET sent straight to undici's global dispatcher, which Node's own fetch would hand it
 * to: what attempt.js's `exchange` answers, without fetch's Request, Response and streams. A 2xx
 * body is read up to `cap` bytes (past it, TOO_LARGE), an error answer's up to `errorCap` (the
 * rest is not read), a redirect's not at all; a content coding is unpacked within the same caps.
 * Rejects with TIMEOUT or ABORTED when the run ended it, with anything else for a network failure.
 */
function direct(a, url, headers, user, cap, errorCap, unwatch) {
  listen(user, 'addEventListener', a.abort);
  const at = url.indexOf('/', url.indexOf('//') + 2);
  return new Promise((resolve, reject) => {
    let settled = false;
    const end = (out, e) => {
      if (settled) return;
      settled = true;
      release(a, user, unwatch);
      if (e === undefined) resolve(out);
      else reject(e);
    };
    a.fail = (why) => end(undefined, why);
    let status = 0;
    let raw;
    let limit = cap;
    let coding = null;
    let n = 0;
    const parts = [];
    // Stops the body (nothing will read it) and answers `out`.
    const stop = (out) => {
      const abort = a.stop;
      end(out);
      if (abort) abort(a.reason);
    };
    try {
      globalThis[UNDICI].dispatch({
        origin: url.slice(0, at),
        path: url.slice(at),
        method: 'GET',
        headers: { ...headers, 'accept-encoding': 'identity' },
      }, {
        onConnect(abort) {
          a.stop = abort;
          if (a.why) abort(a.reason);
        },
        onHeaders(s, rawHeaders) {
          status = s;
          raw = rawHeaders;
          if (s < 200) return true;
          if (user && user.aborted) return stop({ k: ABORTED });
          if (s === 301 || s === 302 || s === 303 || s === 307 || s === 308) {
            const r = head(s, raw);
            return stop(r ? { k: HEADERS, r } : { k: NETWORK }), false;
          }
          const ok = s >= 200 && s < 300;
          limit = ok ? cap : Math.min(cap, errorCap);
          // As attempt.js's `declaredLength` reads it.
          const length = only(raw, 'content-length');
          const declared = typeof length === 'string' && /^\s*\+?[0-9]+\s*$/.test(length) ? Number(length) : undefined;
          if (ok && declared > limit) return stop({ k: TOO_LARGE }), false;
          coding = only(raw, 'content-encoding');
          if (coding === undefined) return stop({ k: NETWORK }), false;
          if (coding !== null) coding = coding.trim().toLowerCase();
          if (coding === 'identity' || coding === '') coding = null;
          return true;
        },
        onData(chunk) {
          if (settled) return false;
          const room = limit - n;
          if (chunk.length > room) {
            if (status < 300) return stop({ k: TOO_LARGE }), false;
            parts.push(chunk.subarray(0, room));
            n = limit;
            const abort = a.stop;
            finish();
            if (abort) abort(a.reason);
            return false;
          }
          parts.push(chunk);
          n += chunk.length;
          return true;
        },
        onComplete() {
          finish();
        },
        onError(e) {
          // Ended by the run (its deadline, the caller's abort): that is the outcome.
          end(undefined, a.why || e);
        },
      });
    } catch (e) {
      end({ k: BUILD, t: `${e && e.name}: ${e && e.message}` });
    }
    function finish() {
      if (settled) return;
      if (user && user.aborted) return end({ k: ABORTED });
      let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
      const ok = status >= 200 && status < 300;
      if (coding !== null) {
        try {
          bytes = unpack(bytes, coding, limit);
        } catch (e) {
          // Past the cap (an error answer is then judged by its status alone), or not of its coding.
          if (!(e instanceof RangeError)) return end({ k: NETWORK });
          if (ok) return end({ k: TOO_LARGE });
          bytes = Buffer.alloc(0);
        }
        if (bytes === null) return end({ k: NETWORK });
      }
      const t = utf8.decode(bytes);
      if (ok) return end({ k: OK, t, s: status });
      const r = head(status, raw);
      end(r ? { k: BODY, r, t } : { k: NETWORK });
    }
  });
}

/** The runner `__attemptRunner` makes (see attempt.js), with attempt.js's deadlines. */
function undiciRunner(watch, unwatch) {
  return (init, timeoutMs, user, reason, go, url, cap, errorCap) => {
    const f = globalThis.fetch;
    if (!globalThis[UNDICI] || f === foreignFetch) return undefined;
    const a = spare.pop() || new Run();
    a.reason = reason;
    a.at = performance.now() + timeoutMs;
    // Node's own fetch, seen to dispatch through undici: a bodiless GET goes to undici directly.
    const straight = f === nodeFetch && f === directFetch && init.method === 'GET' && init.body === undefined;
    a.hold = f !== directFetch;
    watch(a);
    if (straight) return direct(a, url, init.headers, user, cap, errorCap, unwatch);
    init.dispatcher = a.d;
    return run(a, f, user, go, unwatch);
  };
}

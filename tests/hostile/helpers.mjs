// Shared by the hostile-server tests: servers of our own on 127.0.0.1 (a fake platform that can be
// told to misbehave, and foreign origins that count what reaches them), the packed package, and a
// child process for the calls that may exhaust memory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { installedProject } from '../package/helpers.mjs';

/** The packed package (pkg/, as `npm install` puts it in a project), loaded once per test file. */
export function kaizala() {
  const { dir } = installedProject();
  return createRequire(path.join(dir, 'package.json'))('kaizala');
}

const hex = (n) => randomBytes(n).toString('hex');

/**
 * An HTTP server on 127.0.0.1 that records every request it receives (method, url, headers and up
 * to 64 KiB of body) and answers with `handler(rec, req, res)`. `close()` ends every connection.
 * With `cors`, pages of any origin may call it (preflights are answered, and recorded too).
 */
export async function serve(handler = (rec, req, res) => res.writeHead(404).end(), { cors = false } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const rec = { method: req.method, url: req.url, headers: req.headers, body: '' };
    requests.push(rec);
    if (cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Expose-Headers', '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE', 'Access-Control-Allow-Headers': '*' }).end();
        return;
      }
    }
    const chunks = [];
    let kept = 0;
    req.on('data', (c) => {
      if (kept < 65536) chunks.push(c);
      kept += c.length;
    });
    req.on('end', () => {
      rec.body = Buffer.concat(chunks).toString('utf8');
      Promise.resolve(handler(rec, req, res)).catch((e) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
        else res.destroy();
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    server,
    /** Everything any request carried (headers, URL, body), as one string. */
    seen: () => requests.map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n'),
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** A JSON answer. */
export function json(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A redirect answer to `location`. */
export function redirect(res, status, location) {
  res.writeHead(status, { Location: location, 'Content-Length': 0 });
  res.end();
}

/**
 * A fake platform on one origin: the auth server (`/v1/accessToken` and the PIN and OAuth calls)
 * and the user's endpoint (`/inc-000/`). `handle(rec, res, ctx)` answers the endpoint's calls
 * (and may answer any other path); `ctx.auth(rec, res)` can be replaced to make the auth server
 * misbehave. Every access token minted is kept in `ctx.minted`; refresh tokens rotate when
 * `rotate` is set.
 */
export async function platform(handle = () => false, { rotate = false, cors = false } = {}) {
  const ctx = {
    applicationId: `app-${hex(4)}`,
    secret: `SECRET-${hex(16)}`,
    refreshToken: `RT-${hex(16)}`,
    refreshTokens: [],
    minted: [],
    auth: null,
  };
  ctx.refreshTokens.push(ctx.refreshToken);
  const mint = (rec, res) => {
    const h = rec.headers;
    if (h.applicationsecret !== ctx.secret || !ctx.refreshTokens.includes(h.refreshtoken)) {
      return json(res, 401, { error: { code: 'Unauthorized', message: 'unknown connector or refresh token' } });
    }
    const accessToken = `AT-${ctx.minted.length}-${hex(16)}`;
    ctx.minted.push(accessToken);
    const body = { accessToken, endpointUrl: `${ctx.origin}/inc-000/`, accessTokenExpiry: Date.now() + 3_600_000 };
    if (rotate) {
      const next = `RT-${hex(16)}`;
      ctx.refreshTokens.push(next);
      body.refreshToken = next;
    }
    return json(res, 200, body);
  };
  const srv = await serve(async (rec, req, res) => {
    const p = rec.url.split('?')[0];
    if (ctx.auth && (p.startsWith('/v1/') || p.startsWith('/api/'))) {
      if ((await ctx.auth(rec, res, ctx)) !== false) return;
    }
    if (p === '/v1/accessToken') return mint(rec, res);
    if ((await handle(rec, res, ctx)) !== false) return;
    json(res, 404, { error: { code: 'NotFound', message: `no route ${rec.method} ${p}` } });
  }, { cors });
  ctx.origin = srv.origin;
  ctx.endpoint = `${srv.origin}/inc-000/`;
  ctx.mint = mint;
  return Object.assign(srv, { ctx });
}

/** Client options for a fake platform: its connector, memory storage, no queue. */
export function options(p, extra = {}) {
  return {
    applicationId: p.ctx.applicationId,
    applicationSecret: p.ctx.secret,
    refreshToken: p.ctx.refreshToken,
    authUrl: `${p.origin}/v1`,
    oauthUrl: `${p.origin}/api/Oauth`,
    storage: 'memory',
    rateLimit: false,
    timeoutMs: 10_000,
    ...extra,
  };
}

/** Resource requests (not token calls, not CORS preflights) a server received. */
export const resourceCalls = (srv) => srv.requests.filter((r) => r.method !== 'OPTIONS' && !r.url.startsWith('/v1/accessToken'));
export const tokenCalls = (srv) => srv.requests.filter((r) => r.method !== 'OPTIONS' && r.url.startsWith('/v1/accessToken'));

/** Asserts `promise` rejects with a KaizalaError of `code`; answers the error. */
export async function refused(promise, code, kz) {
  let err;
  await assert.rejects(promise, (e) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof kz.KaizalaError, `a KaizalaError, not ${err && err.stack}`);
  assert.equal(err.code, code, `code ${err.code}: ${err.message}`);
  return err;
}

/** Every way an error can be shown: message, field, stack, String(), JSON. */
export const shown = (e) => [e.message, e.field, e.stack, String(e), JSON.stringify(e)].join('\n');

/**
 * Writes `source` (an ES module; `import('kaizala')` is the packed package) into the consumer
 * project and runs it with node; resolves with `{code, signal, stdout, stderr, result}`, `result`
 * being the JSON of the last stdout line when there is one. A crash is an answer, not a throw.
 */
export function runChild(name, source, { env = {}, timeoutMs = 120_000, nodeArgs = [] } = {}) {
  const { dir } = installedProject();
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, file], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let result;
      const last = stdout.trim().split('\n').at(-1);
      try {
        result = JSON.parse(last);
      } catch {
        result = undefined;
      }
      resolve({ code, signal, stdout, stderr, result });
    });
  });
}

/**
 * A lazily streamed JSON body of `size` bytes, a list of groups as a platform would send
 * (`{"groups":[{"groupId":"g","groupName":"Group name"},…]}`), written as the socket drains and
 * stopped when the client goes away; `endless` never ends it. `sent()` answers the bytes written.
 */
export function streamJson(res, { status = 200, size = 0, declare = true, endless = false }) {
  const head = '{"groups":[';
  const unit = '{"groupId":"g","groupName":"Group name"},';
  const lastOpen = '{"groupId":"g","groupName":"';
  const lastClose = '"}]}';
  const fixed = head.length + lastOpen.length + lastClose.length;
  const units = endless ? Infinity : Math.max(0, Math.floor((size - fixed) / unit.length));
  const pad = endless ? 0 : Math.max(0, size - fixed - units * unit.length);
  const headers = { 'Content-Type': 'application/json' };
  if (declare && !endless) headers['Content-Length'] = String(fixed + units * unit.length + pad);
  res.writeHead(status, headers);
  const block = Buffer.from(unit.repeat(1024));
  let sent = 0;
  let left = units;
  let stopped = false;
  res.on('close', () => (stopped = true));
  const write = (buf) => {
    sent += buf.length;
    return res.write(buf);
  };
  write(Buffer.from(head));
  const pump = () => {
    while (!stopped && left > 0) {
      const n = Math.min(left, 1024);
      left -= n;
      if (!write(n === 1024 ? block : block.subarray(0, n * unit.length))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!stopped) {
      write(Buffer.from(lastOpen + 'x'.repeat(pad) + lastClose));
      res.end();
    }
  };
  pump();
  return { sent: () => sent, stopped: () => stopped };
}

/** A small RFC 4180 reader for checking exported files (quotes, "" escapes, CRLF). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

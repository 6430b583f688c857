// A misbehaving platform for the wasm client tests: redirects, loops, huge or endless bodies,
// token echoes and answers of the wrong shape, on two origins of 127.0.0.1 ("trusted" A serves the
// auth root and the endpoints, "foreign" B is where redirects point). Prints
// `hostile server listening on {A} {B}` and logs every request per scenario for the tests to read.
//
// Every scenario lives under `{A}/s/{id}/{mode}/`: `v1/…` is the auth root (authUrl `…/v1`),
// `api/oauth/token` the OAuth exchange, `ep{n}/v1/…` endpoint number n. `GET {A}/log/{id}` → every
// request of scenario `id` on either origin: `{requests: [{server, method, path, accessToken,
// applicationSecret, refreshToken, body}]}`.
import http from 'node:http';

const log = new Map(); // id → requests
const minted = new Map(); // id → access tokens handed out, oldest first
const seenTokens = new Map(); // id → access tokens received on resource calls, in order

const CORS = {
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'accesstoken, applicationid, applicationsecret, refreshtoken, content-type',
  'access-control-expose-headers': 'Location, Retry-After, Content-Length',
  'access-control-max-age': '600',
};

function cors(req) {
  return { ...CORS, 'access-control-allow-origin': req.headers.origin || '*' };
}

function record(server, req, body) {
  const m = /^\/s\/([^/]+)\//.exec(req.url);
  if (!m) return null;
  const id = m[1];
  if (!log.has(id)) log.set(id, []);
  log.get(id).push({
    server, method: req.method, path: req.url,
    accessToken: req.headers.accesstoken || null,
    applicationSecret: req.headers.applicationsecret || null,
    refreshToken: req.headers.refreshtoken || null,
    body: body.slice(0, 2000),
  });
  return id;
}

function send(req, res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...cors(req), 'content-type': 'application/json', ...headers });
  res.end(text);
}

// Writes `chunk` until `total` bytes went out (forever when `total` is Infinity) or the client
// goes away, respecting back-pressure.
function stream(req, res, head, chunk, total, headers) {
  res.writeHead(200, { ...cors(req), 'content-type': 'application/json', ...headers });
  let sent = 0;
  let closed = false;
  res.on('close', () => { closed = true; });
  const pump = () => {
    if (sent === 0) { res.write(head); sent += head.length; }
    while (!closed && sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) { res.once('drain', pump); return; }
    }
    if (!closed) res.end();
  };
  pump();
}

function foreign(req, res) {
  // B: answers everything like a willing auth server (so a client that follows would accept it).
  send(req, res, 200, { accessToken: 'stolen-token', endpointUrl: `${B}/s/x/steal/`, refreshToken: 'stolen-refresh',
    groups: [], accessTokenExpiry: Date.now() + 3600_000 });
}

let A = '';
let B = '';

function trusted(req, res, id, body) {
  const m = /^\/s\/([^/]+)\/([^/]+)\/(.*)$/.exec(req.url.split('?')[0]);
  if (!m) return send(req, res, 404, { error: { message: 'no such scenario path' } });
  const [, , mode, rest] = m;
  const root = `${A}/s/${id}/${mode}`;
  const steal = `${B}/s/${id}/steal/v1/accessToken`;
  const redirect = /^auth(30[12378])$/.exec(mode);
  const isAuth = rest === 'v1/accessToken' || rest === 'v1/generatePin'
    || rest === 'v1/loginWithPinAndApplicationId' || rest === 'api/oauth/token';
  if (isAuth && redirect) {
    return send(req, res, Number(redirect[1]), '', { location: steal });
  }
  if (isAuth) {
    if (rest === 'v1/generatePin') return send(req, res, 200, {});
    if (rest === 'v1/loginWithPinAndApplicationId') {
      return send(req, res, 200, { refreshToken: `rt-login-${id}-0123456789abcdef`, grantedScope: 'groupinfo.read' });
    }
    if (mode === 'echoauth') {
      const secret = req.headers.applicationsecret || '';
      const refresh = req.headers.refreshtoken || '';
      return send(req, res, 400, { error: { message: `${'x'.repeat(290)}${secret} and ${refresh}`, field: refresh } });
    }
    const list = minted.get(id) || [];
    const token = `at-${id}-${list.length}-0123456789abcdefghijklmnopqrstuvwxyz`;
    list.push(token);
    minted.set(id, list);
    // `hop`: every fresh token names a new endpoint (what a platform that keeps moving would do).
    const n = mode === 'hop' ? list.length : 0;
    const ep = mode === 'tokenpath' ? `${root}/ep-${token}/` : `${root}/ep${n}/`;
    return send(req, res, 200, { accessToken: token, endpointUrl: ep, accessTokenExpiry: Date.now() + 3600_000 });
  }
  const epm = /^ep([^/]*)\/v1\/(.*)$/.exec(rest);
  if (!epm) return send(req, res, 200, '<html>a page</html>', { 'content-type': 'text/html' });
  const [, epName, resource] = epm;
  const token = req.headers.accesstoken || '';
  const seen = seenTokens.get(id) || [];
  seen.push(token);
  seenTokens.set(id, seen);
  const num = /^\d+$/.test(epName) ? Number(epName) : 0;
  switch (mode) {
    case 'foreign307':
    case 'foreign308':
      return send(req, res, Number(mode.slice(-3)), '', { location: `${B}/s/${id}/steal/v1/${resource}` });
    case 'see301':
    case 'see302':
    case 'see303':
      return send(req, res, Number(mode.slice(-3)), '', { location: `${root}/page` });
    case 'hop':
      // Always moved on, to another endpoint of this (trusted) origin.
      return send(req, res, 308, '', { location: `${root}/ep${num + 1}/` });
    case 'relocfail':
      // ep0 moves the user to ep1 (trusted), where the call fails: the move must not be kept.
      if (num === 0) return send(req, res, 308, '', { location: `${root}/ep1/` });
      return send(req, res, 404, { error: { message: 'not here either' } });
    case 'relocok':
      if (num === 0) return send(req, res, 308, '', { location: `${root}/ep1/v1/${resource}` });
      return send(req, res, 200, { groups: [] });
    case 'huge':
      return stream(req, res, '{"groups":[', '0,'.repeat(32768), 300 * 1024 * 1024,
        { 'content-length': String(300 * 1024 * 1024) });
    case 'endless':
      return stream(req, res, '{"groups":[', '0,'.repeat(32768), Infinity, {});
    case 'sized':
      // Exactly 2,000 bytes (a token answer is far smaller).
      return send(req, res, 200, `{"groups":[${'0,'.repeat(993)}0]}`);
    case 'deep':
      return send(req, res, 200, `{"groups":${'['.repeat(100000)}`);
    case 'bignum':
      return send(req, res, 200, `{"groups":[1e999999999, -1e400, 123456789012345678901234567890], "cursor": 1e308}`);
    case 'echo': {
      // The token at the point where server text is clipped (300 characters), for each offset.
      const pad = Number(new URL(req.url, A).searchParams.get('pad') || '290');
      return send(req, res, 400, `${'x'.repeat(pad)}${token} was refused`, { 'content-type': 'text/plain' });
    }
    case 'echofield':
      return send(req, res, 400, { error: { message: `bad token ${token}`, field: token } });
    case 'echocode':
      // The platform's error shape, the token in every field of it.
      return send(req, res, 400, { errorCode: `Bad${token}`, message: `bad token ${token}`, errorCategoryKey: token, field: token });
    case 'platform400':
      // The platform's refusal of the token, sent with a status other than 401: the client mints a
      // new token and sends the call once more.
      if (seen.length === 1) {
        return send(req, res, 400, {
          errorCode: 'InvalidToken',
          message: 'Invalid token. Failure reason:Token validation failed due to unknown reason!',
          errorCategoryKey: 'AuthException',
        });
      }
      return send(req, res, 200, { groups: [] });
    case 'echoold':
      // First the token is refused (the client refreshes), then the old one is echoed.
      if (seen.length === 1) return send(req, res, 401, { error: { message: 'expired' } });
      return send(req, res, 400, { error: { message: `${'y'.repeat(280)} you sent ${seen[0]} before; now ${token}` } });
    case 'tokenpath':
      return send(req, res, 500, { error: { message: 'down' } });
    case 'shapestring':
      return send(req, res, 200, '"groups"');
    case 'shapearray':
      return send(req, res, 200, [{ groupId: 'g' }]);
    case 'shapenumber':
      return send(req, res, 200, '7');
    case 'shapeempty':
      return send(req, res, 200, {});
    default:
      return send(req, res, 200, { groups: [] });
  }
}

function handler(server) {
  return (req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => { size += c.length; if (size < 1e6) chunks.push(c); });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'OPTIONS') {
        record(server, req, '');
        res.writeHead(204, cors(req));
        return res.end();
      }
      const lm = /^\/log\/([^/?]+)/.exec(req.url);
      if (server === 'A' && lm) return send(req, res, 200, { requests: log.get(lm[1]) || [] });
      const id = record(server, req, body);
      if (server === 'B') return foreign(req, res);
      if (!id) return send(req, res, 404, { error: { message: 'no scenario' } });
      return trusted(req, res, id, body);
    });
  };
}

const listen = (server) => new Promise((resolve) => {
  const s = http.createServer(handler(server));
  s.keepAliveTimeout = 1000;
  s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${s.address().port}`));
});

A = await listen('A');
B = await listen('B');
console.log(`hostile server listening on ${A} ${B}`);

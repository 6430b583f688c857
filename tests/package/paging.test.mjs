// The package's async iterators against a platform that never reaches a last page: a cursor handed
// back twice, or a new cursor forever, ends the loop with an `invalid_response` KaizalaError.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installedProject } from './helpers.mjs';

let kz;
let server;
let base;
const hits = new Map(); // operation → pages served

// Paging answers per operation: alternating cursors, the same fromDate again, a new cursor every
// time. `/{mode}/…`: `alternate`, `forever`, `last` (three pages, then the end).
function page(mode, op, n) {
  hits.set(`${mode}:${op}`, (hits.get(`${mode}:${op}`) || 0) + 1);
  const cursor = mode === 'alternate' ? `c${n % 2}` : `c${n}`;
  const more = mode !== 'last' || n < 2;
  switch (op) {
    case 'subscribers':
      return more ? { subscribers: [{ mobileNumber: `+9110000000${n % 10}` }], cursor } : { subscribers: [{}] };
    case 'actions': {
      // `alternate`: the newest action is the same every time, so the next fromDate repeats.
      const t = mode === 'alternate' ? 1700000000000 : 1700000000000 + n * 1000;
      return { actions: [{ referenceId: `a${n}`, sentAt: new Date(t).toISOString() }], hasMore: more };
    }
    case 'summary':
      return { summary: [{ referenceId: `r${n}` }], cursor: more ? (mode === 'alternate' ? 5 + (n % 2) : 10 + n) : 0 };
    default:
      return { reactionDetails: [{ userId: `u${n}` }], cursor: more ? cursor : '' };
  }
}

before(async () => {
  const project = installedProject();
  kz = createRequire(path.join(project.dir, 'package.json'))('kaizala');
  const counters = new Map();
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, mode] = url.pathname.split('/');
    let body;
    if (url.pathname.endsWith('/v1/accessToken')) {
      body = { accessToken: 'at-paging-0123456789', endpointUrl: `${base}/${mode}/ep/`, accessTokenExpiry: Date.now() + 3600_000 };
    } else {
      const op = url.pathname.endsWith('/subscribers') ? 'subscribers'
        : url.pathname.endsWith('/actions') ? 'actions'
          : url.pathname.endsWith('/reaction/summary') ? 'summary' : 'details';
      const key = `${mode}:${op}`;
      const n = counters.get(key) || 0;
      counters.set(key, n + 1);
      body = page(mode, op, n);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

function client(mode) {
  return new kz.KaizalaClient({
    applicationId: 'app', applicationSecret: 'secret-0123456789', refreshToken: 'rt-0123456789',
    authUrl: `${base}/${mode}/v1`, storage: 'memory', rateLimit: false,
  });
}

const iterators = {
  subscribers: (c, o) => c.subscribers('g1', o),
  actions: (c, o) => c.actions('g1', o),
  summary: (c, o) => c.groupReactions('g1', o),
  details: (c, o) => c.reactions('g1', 'r1', o),
};

async function drain(it) {
  const items = [];
  for await (const x of it) items.push(x);
  return items;
}

describe('paging always ends', () => {
  for (const [op, make] of Object.entries(iterators)) {
    test(`${op}: a cursor handed back twice rejects with invalid_response`, { timeout: 20000 }, async () => {
      const c = client('alternate');
      await assert.rejects(drain(make(c)), (e) => {
        assert.ok(e instanceof kz.KaizalaError, String(e));
        assert.equal(e.code, 'invalid_response');
        assert.match(e.message, /already given/);
        return true;
      });
      assert.ok(hits.get(`alternate:${op}`) <= 3, `${hits.get(`alternate:${op}`)} pages`);
    });

    test(`${op}: a server that never reaches a last page stops at maxPages`, { timeout: 20000 }, async () => {
      const c = client('forever');
      await assert.rejects(drain(make(c, { maxPages: 25 })), (e) => {
        assert.ok(e instanceof kz.KaizalaError, String(e));
        assert.equal(e.code, 'invalid_response');
        assert.match(e.message, /25 pages/);
        return true;
      });
      assert.equal(hits.get(`forever:${op}`), 25);
    });

    test(`${op}: a real last page ends the loop`, async () => {
      const items = await drain(make(client('last')));
      assert.equal(items.length, 3);
    });
  }

  test('the default page cap is 10,000 and maxPages is checked', { timeout: 120000 }, async () => {
    const c = client('forever');
    const started = Date.now();
    await assert.rejects(drain(c.groupReactions('g1')), (e) => e.code === 'invalid_response' && /10000 pages/.test(e.message));
    assert.ok(Date.now() - started < 60000);
    for (const bad of [0, -1, 1.5, 'x']) {
      assert.throws(() => c.subscribers('g1', { maxPages: bad }), (e) => e instanceof kz.KaizalaError
        && e.code === 'invalid_input' && e.field === 'maxPages');
    }
  });
});

// Relocation only where the platform can relocate: 307/308 to a trusted origin, never a 301/302/303
// on a resource call, never a POST re-sent or turned into a GET, a bounded number of requests per
// call, and a new endpoint kept only after a call there succeeded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, platform, redirect, refused, resourceCalls, serve, tokenCalls } from './helpers.mjs';

let kz;
let foreign;
before(async () => {
  kz = kaizala();
  foreign = await serve((rec, req, res) => json(res, 200, { groups: [{ groupId: 'foreign', groupName: 'Foreign' }] }));
});
after(() => foreign.close());

const GROUPS = { groups: [{ groupId: 'g1', groupName: 'Home' }] };
const isGroups = (rec) => rec.url.split('?')[0].endsWith('/v1/groups');

describe('a resource call answered with 307/308 to another origin', () => {
  for (const status of [307, 308]) {
    for (const [name, call, method] of [
      ['listGroups', (c) => c.listGroups(), 'GET'],
      ['sendMessage', (c) => c.sendMessage('g1', 'a private message body'), 'POST'],
    ]) {
      test(`${status} on ${name} (${method}): refused, no token or body sent there, the endpoint is not changed`, async () => {
        let moved = true;
        const p = await platform((rec, res, ctx) => {
          if (!rec.url.startsWith('/inc-000/v1/')) return false;
          if (moved) return redirect(res, status, `${foreign.origin}${rec.url}`);
          return json(res, 200, isGroups(rec) ? GROUPS : { referenceId: 'm1' });
        });
        try {
          const before = foreign.requests.length;
          const client = new kz.KaizalaClient(options(p));
          await refused(call(client), 'redirect_refused', kz);
          assert.equal(foreign.requests.length - before, 0, 'nothing reached the other origin');
          assert.equal(client.tokenInfo().endpointUrl, p.ctx.endpoint, 'the endpoint stays');
          const sent = resourceCalls(p).filter((r) => r.method === method);
          assert.equal(sent.length, 1, 'sent once');
          // Later calls still go to the endpoint the auth server handed out.
          moved = false;
          assert.deepEqual((await client.listGroups()).groups.map((g) => g.groupId), ['g1']);
          assert.equal(resourceCalls(p).at(-1).url, '/inc-000/v1/groups');
          assert.equal(foreign.requests.length - before, 0);
        } finally {
          await p.close();
        }
      });
    }
  }
});

describe('a relocation inside the trusted origin', () => {
  test('a 308 to another path of the endpoint\'s origin is followed, and that endpoint kept after it answered', async () => {
    const p = await platform((rec, res) => {
      if (rec.url.startsWith('/inc-000/v1/')) return redirect(res, 308, rec.url.replace('/inc-000/', '/inc-001/'));
      if (rec.url.startsWith('/inc-001/v1/')) return json(res, 200, GROUPS);
      return false;
    });
    try {
      const client = new kz.KaizalaClient(options(p));
      assert.deepEqual((await client.listGroups()).groups.map((g) => g.groupId), ['g1']);
      assert.equal(client.tokenInfo().endpointUrl, `${p.origin}/inc-001/`);
      const calls = resourceCalls(p).map((r) => r.url);
      assert.deepEqual(calls, ['/inc-000/v1/groups', '/inc-001/v1/groups']);
      await client.listGroups();
      assert.equal(resourceCalls(p).at(-1).url, '/inc-001/v1/groups', 'the next call goes to the new endpoint directly');
    } finally {
      await p.close();
    }
  });

  test('a new endpoint whose answer is a refusal is not kept', async () => {
    const p = await platform((rec, res) => {
      if (rec.url.startsWith('/inc-000/v1/')) return redirect(res, 308, rec.url.replace('/inc-000/', '/inc-009/'));
      if (rec.url.startsWith('/inc-009/v1/')) return json(res, 403, { error: { code: 'Forbidden', message: 'no' } });
      return false;
    });
    try {
      const client = new kz.KaizalaClient(options(p));
      await refused(client.listGroups(), 'forbidden', kz);
      assert.equal(client.tokenInfo().endpointUrl, p.ctx.endpoint, 'the old endpoint stays');
    } finally {
      await p.close();
    }
  });
});

describe('a 301/302/303 on a resource call', () => {
  for (const status of [301, 302, 303]) {
    for (const where of ['the same origin', 'another origin']) {
      test(`${status} to a page of ${where} on a POST: refused, not re-sent, not turned into a GET, the endpoint unchanged`, async () => {
        const page = () => (where === 'the same origin' ? `${p.origin}/page` : `${foreign.origin}/page`);
        const p = await platform((rec, res) => {
          if (rec.url === '/page') return json(res, 200, { referenceId: 'page' });
          if (rec.url.startsWith('/inc-000/v1/')) return redirect(res, status, page());
          return false;
        });
        try {
          const before = foreign.requests.length;
          const client = new kz.KaizalaClient(options(p));
          await refused(client.sendMessage('g1', 'hello'), 'redirect_refused', kz);
          const posts = resourceCalls(p).filter((r) => r.url.startsWith('/inc-000/'));
          assert.equal(posts.length, 1, 'the POST was sent once');
          assert.equal(posts[0].method, 'POST');
          assert.equal(p.requests.filter((r) => r.url === '/page').length, 0, 'the page was not asked');
          assert.equal(foreign.requests.length - before, 0);
          assert.equal(client.tokenInfo().endpointUrl, p.ctx.endpoint);
        } finally {
          await p.close();
        }
      });
    }
    test(`${status} on a GET: refused, asked once`, async () => {
      const p = await platform((rec, res) => {
        if (rec.url.startsWith('/inc-000/v1/')) return redirect(res, status, `${p.origin}/inc-001/v1/groups`);
        if (rec.url.startsWith('/inc-001/')) return json(res, 200, GROUPS);
        return false;
      });
      try {
        const client = new kz.KaizalaClient(options(p));
        await refused(client.listGroups(), 'redirect_refused', kz);
        assert.deepEqual(resourceCalls(p).map((r) => r.url), ['/inc-000/v1/groups']);
        assert.equal(client.tokenInfo().endpointUrl, p.ctx.endpoint);
      } finally {
        await p.close();
      }
    });
  }
});

describe('a server that answers every call with a new 308', () => {
  for (const maxRetries of [0, 3]) {
    test(`one listGroups makes at most 1 + maxRetries (${maxRetries}) + 3 requests and ends with relocation_loop`, async () => {
      let hop = 0;
      const p = await platform((rec, res) => {
        if (!/^\/inc-\d+\/v1\//.test(rec.url)) return false;
        hop += 1;
        return redirect(res, 308, `${p.origin}/inc-${String(hop).padStart(3, '0')}/v1/groups`);
      });
      try {
        const client = new kz.KaizalaClient(options(p, { maxRetries }));
        await refused(client.listGroups(), 'relocation_loop', kz);
        assert.ok(resourceCalls(p).length <= 1 + maxRetries + 3, `${resourceCalls(p).length} requests`);
        assert.ok(tokenCalls(p).length <= 2, `${tokenCalls(p).length} token requests`);
        assert.equal(client.tokenInfo().endpointUrl, p.ctx.endpoint, 'no endpoint that never answered is kept');
      } finally {
        await p.close();
      }
    });
  }

  test('mixed with 503s, one call still stays within 1 + maxRetries + 3 requests', async () => {
    let n = 0;
    const p = await platform((rec, res) => {
      if (!/^\/inc-\d+\/v1\//.test(rec.url)) return false;
      n += 1;
      if (n % 2) return json(res, 503, { error: { message: 'busy' } }, { 'Retry-After': '0' });
      return redirect(res, 308, `${p.origin}/inc-${String(n).padStart(3, '0')}/v1/groups`);
    });
    try {
      const client = new kz.KaizalaClient(options(p, { maxRetries: 2 }));
      const err = await client.listGroups().then(() => null, (x) => x);
      assert.ok(err instanceof kz.KaizalaError, 'a call that never got an answer fails');
      assert.ok(['relocation_loop', 'server'].includes(err.code), err.code);
      assert.ok(resourceCalls(p).length <= 1 + 2 + 3, `${resourceCalls(p).length} requests`);
    } finally {
      await p.close();
    }
  });

  test('a new 308 to another origin each time: refused at the first', async () => {
    const others = [];
    try {
      for (let i = 0; i < 3; i++) others.push(await serve((rec, req, res) => redirect(res, 308, `${others[(i + 1) % 3].origin}/x/v1/groups`)));
      const p = await platform((rec, res) => (rec.url.startsWith('/inc-000/v1/') ? redirect(res, 308, `${others[0].origin}/x/v1/groups`) : false));
      try {
        const client = new kz.KaizalaClient(options(p));
        await refused(client.listGroups(), 'redirect_refused', kz);
        assert.equal(resourceCalls(p).length, 1);
        assert.deepEqual(others.map((o) => o.requests.length), [0, 0, 0]);
      } finally {
        await p.close();
      }
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});

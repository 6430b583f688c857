// Paging always ends: every iterator and every export stops with invalid_response on a cursor it
// has seen before, and after a page cap. The server here gives up on its own long after any sane
// cap (it ends the listing), so a client without the checks finishes "successfully" and fails the
// test instead of paging forever.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, platform, refused } from './helpers.mjs';

/** Pages the server serves to one listing before it ends it itself. */
const SERVER_GIVES_UP = 20_000;

let kz;
let p;
/** Requests per listing (group id and kind). */
const count = new Map();
const ISO = (ms) => new Date(ms).toISOString();

/** The next cursor a listing `mode` hands out after `cursor` (undefined: the end). */
function nextCursor(mode, cursor, n) {
  if (n > SERVER_GIVES_UP) return undefined;
  switch (mode) {
    case 'alt': return cursor === 'A' ? 'B' : 'A';
    case 'same': return 'A';
    case 'endless': return `c${n}`;
    default: return undefined;
  }
}

before(async () => {
  kz = kaizala();
  p = await platform((rec, res) => {
    const url = new URL(rec.url, p.origin);
    const parts = url.pathname.split('/').slice(3);
    if (parts[0] !== 'groups') return false;
    const [, mode, kind, ref] = parts;
    const key = `${mode}/${kind}`;
    const n = (count.get(key) ?? 0) + 1;
    count.set(key, n);
    const cursor = url.searchParams.get('cursor') ?? undefined;
    const next = nextCursor(mode, cursor, n);
    switch (kind) {
      case 'subscribers':
        return json(res, 200, { subscribers: [{ id: `s${n}`, mobileNumber: '+911000000001', name: 'S' }], ...(next ? { cursor: next } : {}) });
      case 'reaction':
        if (ref === 'summary') return json(res, 200, { summary: [{ referenceId: `r${n}` }], ...(next ? { cursor: next } : {}) });
        return json(res, 200, { reactionDetails: [{ userId: `u${n}` }], ...(next ? { cursor: next } : {}) });
      case 'actions': {
        // Each page's newest action is where the next page starts (its sentAt + 1 ms).
        const from = Number(url.searchParams.get('fromDate') ?? 0);
        const T = 1_700_000_000_000;
        let sent;
        if (mode === 'alt') sent = from === T + 1 ? T + 1000 : T;
        else if (mode === 'same') sent = T;
        else sent = T + n * 1000;
        return json(res, 200, { actions: [{ actionId: `a${n}`, actionType: 'Survey', sentAt: ISO(sent) }], hasMore: n <= SERVER_GIVES_UP });
      }
      default: return false;
    }
  });
});
after(() => p.close());

describe('exportSubscribers', () => {
  test('a server that alternates two cursors: invalid_response after a few pages', async () => {
    const client = new kz.KaizalaClient(options(p));
    await refused(client.exportSubscribers('alt'), 'invalid_response', kz);
    assert.ok(count.get('alt/subscribers') <= 4, `${count.get('alt/subscribers')} pages`);
  });

  test('a server that hands back the same cursor: invalid_response, not an export that silently ends', async () => {
    const client = new kz.KaizalaClient(options(p));
    await refused(client.exportSubscribers('same'), 'invalid_response', kz);
    assert.ok(count.get('same/subscribers') <= 3);
  });

  test('a server with a new cursor on every page: invalid_response at the page cap', async () => {
    const client = new kz.KaizalaClient(options(p));
    const e = await refused(client.exportSubscribers('endless'), 'invalid_response', kz);
    assert.match(e.message, /pages/);
    assert.ok(count.get('endless/subscribers') < SERVER_GIVES_UP);
  });
});

describe('iterators', () => {
  const drain = async (it) => {
    let n = 0;
    for await (const _ of it) n++;
    return n;
  };
  for (const [name, call, kind] of [
    ['subscribers', (c, g) => c.subscribers(g), 'subscribers'],
    ['actions', (c, g) => c.actions(g), 'actions'],
    ['groupReactions', (c, g) => c.groupReactions(g), 'reaction'],
    ['reactions', (c, g) => c.reactions(g, 'm1'), 'reaction'],
  ]) {
    for (const mode of ['alt', 'same']) {
      test(`${name} over a server that ${mode === 'alt' ? 'alternates two cursors' : 'repeats its cursor'}: rejects with invalid_response`, async () => {
        count.clear();
        const client = new kz.KaizalaClient(options(p));
        await refused(drain(call(client, mode)), 'invalid_response', kz);
        assert.ok(count.get(`${mode}/${kind}`) <= 4, `${count.get(`${mode}/${kind}`)} pages`);
      });
    }
  }

  test('subscribers over a server with a new cursor on every page: rejects with invalid_response at a page cap', async () => {
    count.clear();
    const client = new kz.KaizalaClient(options(p));
    await refused(drain(client.subscribers('endless')), 'invalid_response', kz);
    assert.ok(count.get('endless/subscribers') < SERVER_GIVES_UP);
  });
});

// Redaction is complete: no token or secret the client has held — the one it holds, the one a
// refresh just replaced, the connector's secret — shows in an error's message or field, in a hook's
// payload or in an upload record, whole or cut where the server's text is clipped (300 characters).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { json, kaizala, options, platform, redirect, shown } from './helpers.mjs';

const CLIP = 300;
let kz;
before(() => {
  kz = kaizala();
});

/** The error `call` rejects with. */
async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof kz.KaizalaError, String(e));
    return e;
  }
  assert.fail('the call resolved');
}

/** Asserts none of `secrets` shows in `text`, whole or by its first `k` characters. */
function hidden(text, secrets, k = 4) {
  for (const s of secrets) {
    assert.ok(!text.includes(s.slice(0, k)), `${s.slice(0, k)}… shows in:\n${text}`);
  }
}

describe('a token echoed where the server text is clipped', () => {
  for (const which of ['accessToken', 'refreshToken', 'applicationSecret']) {
    for (const k of [4, 8, 20]) {
      test(`${which}, ${k} characters of it before the clip`, async () => {
        let echo;
        const p = await platform((rec, res, ctx) => {
          if (!rec.url.startsWith('/inc-000/v1/')) return false;
          const token = { accessToken: rec.headers.accesstoken, refreshToken: ctx.refreshToken, applicationSecret: ctx.secret }[which];
          echo = token;
          return json(res, 400, { error: { code: 'BadRequest', message: 'x'.repeat(CLIP - k) + token } });
        });
        try {
          const client = new kz.KaizalaClient(options(p));
          const e = await errorOf(client.listGroups());
          assert.equal(e.code, 'invalid_input');
          hidden(shown(e), [echo], k);
        } finally {
          await p.close();
        }
      });
    }
  }

  test('in a plain-text answer too', async () => {
    let echo;
    const p = await platform((rec, res) => {
      if (!rec.url.startsWith('/inc-000/v1/')) return false;
      echo = rec.headers.accesstoken;
      const text = 'y'.repeat(CLIP - 6) + echo;
      res.writeHead(500, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) }).end(text);
      return undefined;
    });
    try {
      const client = new kz.KaizalaClient(options(p, { maxRetries: 0 }));
      hidden(shown(await errorOf(client.listGroups())), [echo], 6);
    } finally {
      await p.close();
    }
  });

  test('in the field the server names', async () => {
    let echo;
    const p = await platform((rec, res) => {
      if (!rec.url.startsWith('/inc-000/v1/')) return false;
      echo = rec.headers.accesstoken;
      return json(res, 400, { error: { code: 'BadRequest', message: 'bad field', field: `header ${echo}` } });
    });
    try {
      const client = new kz.KaizalaClient(options(p));
      const e = await errorOf(client.listGroups());
      hidden(String(e.field), [echo]);
      hidden(shown(e), [echo]);
    } finally {
      await p.close();
    }
  });
});

describe('the token a refresh has just replaced', () => {
  for (const [name, k] of [['whole', Infinity], ['at the clip', 8]]) {
    test(`echoed ${name}: neither the old access token nor the old refresh token shows`, async () => {
      let first;
      let oldRefresh;
      const p = await platform((rec, res, ctx) => {
        if (!rec.url.startsWith('/inc-000/v1/')) return false;
        const token = rec.headers.accesstoken;
        if (!first) {
          // The first token is refused, so the client refreshes (and the refresh token rotates).
          first = token;
          oldRefresh = ctx.refreshToken;
          return json(res, 401, { error: { code: 'Unauthorized', message: 'the access token has expired' } });
        }
        const echo = `${first} ${oldRefresh}`;
        const message = k === Infinity ? `bad request from ${echo}` : 'x'.repeat(CLIP - k) + first;
        return json(res, 400, { error: { code: 'BadRequest', message } });
      }, { rotate: true });
      try {
        const client = new kz.KaizalaClient(options(p));
        const e = await errorOf(client.listGroups());
        assert.equal(e.code, 'invalid_input');
        assert.equal(p.ctx.minted.length, 2, 'a refresh happened');
        hidden(shown(e), k === Infinity ? [first, oldRefresh] : [first], k === Infinity ? 4 : k);
      } finally {
        await p.close();
      }
    });
  }
});

describe('hooks', () => {
  test('onRequest and onResponse never carry a token, even one a relocation put in the URL', async () => {
    const p = await platform((rec, res) => {
      if (rec.url.startsWith('/inc-000/v1/')) {
        return redirect(res, 308, `/inc-001/v1/groups?leak=${encodeURIComponent(rec.headers.accesstoken)}`);
      }
      if (rec.url.startsWith('/inc-001/v1/')) return json(res, 200, { groups: [] });
      return false;
    });
    try {
      const events = [];
      const client = new kz.KaizalaClient(options(p, {
        onRequest: (e) => events.push(JSON.stringify(e)),
        onResponse: (e) => events.push(JSON.stringify(e)),
      }));
      await client.listGroups().catch((e) => events.push(shown(e)));
      assert.ok(events.length >= 2);
      hidden(events.join('\n'), [...p.ctx.minted, p.ctx.refreshToken, p.ctx.secret]);
    } finally {
      await p.close();
    }
  });
});

describe('the upload record', () => {
  test('a batch refused with the access token in the answer: the reason and the error log do not carry it', async () => {
    let echo;
    const p = await platform((rec, res) => {
      const path = rec.url.split('?')[0];
      if (path === '/inc-000/v1/groups/g1/members' && rec.method === 'GET') return json(res, 200, { members: [] });
      if (path === '/inc-000/v1/groups/g1/members') {
        echo = rec.headers.accesstoken;
        return json(res, 400, { error: { code: 'BadRequest', message: `refused for ${echo}` } });
      }
      return false;
    });
    try {
      const client = new kz.KaizalaClient(options(p));
      const record = await client.importMembers('g1', 'mobile\n+911000000001\n');
      assert.equal(record.failed, 1);
      assert.ok(echo);
      hidden(JSON.stringify(record), [echo]);
    } finally {
      await p.close();
    }
  });
});


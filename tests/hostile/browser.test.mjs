// The redirect and huge-answer rows in headless Chromium, where fetch behaves differently: a
// redirect it is told not to follow is opaque (no status, no Location), and one it follows carries
// the request's headers along. The package's web build runs in a page of one origin against a fake
// platform and a foreign server on two others (CORS allowed, so only the client's own rules stop a
// request).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, installedProject } from '../package/helpers.mjs';
import { json, options, platform, redirect, resourceCalls, serve, streamJson, tokenCalls } from './helpers.mjs';

const MB = 1024 * 1024;
let site;
let browser;
let pageUrl;
let foreign;
/** The page's files (index.html and the package's web build). */
let pageDir;
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves the page's files below `/page/` (the same origin as what answers the calls); `false` for other paths. */
function servePage(url, res) {
  if (!url.startsWith('/page/')) return false;
  const name = new URL(url, 'http://x').pathname.slice('/page'.length).replace(/^\/$/, '/index.html');
  const file = path.join(pageDir, path.normalize(name));
  if (!file.startsWith(pageDir) || !fs.existsSync(file)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

before(async () => {
  const project = installedProject();
  const dir = path.join(project.dir, 'hostile-page');
  pageDir = dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(project.dir, 'node_modules/kaizala/web'), path.join(dir, 'kaizala'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>hostile</title>
<script type="module">
  import * as kz from './kaizala/index.js';
  window.kz = kz;
  window.ready = true;
</script>`);
  site = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/$/, '/index.html');
    const file = path.join(dir, path.normalize(name));
    if (!file.startsWith(dir) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  foreign = await serve((rec, req, res) => json(res, 200, {
    accessToken: 'STOLEN', endpointUrl: `${foreign.origin}/evil/`, groups: [], accessTokenExpiry: Date.now() + 3_600_000,
  }), { cors: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  pageUrl = `http://127.0.0.1:${site.address().port}/`;
});

after(async () => {
  await browser?.close();
  await foreign?.close();
  await new Promise((r) => (site ? site.close(r) : r()));
});

/**
 * Runs `calls` (a list of [method, ...args]) on one new client in a page of its own; answers, per
 * call, the result or `{code, isKaizalaError, message}`, and the client's endpoint at the end. A
 * page that has not answered within `ms` is closed and the test fails.
 */
async function inPage(opts, calls, ms = 60_000, url = pageUrl) {
  const page = await browser.newPage();
  let timer;
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    const stuck = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`the page did not answer within ${ms} ms`)), ms);
    });
    return await Promise.race([stuck, run(page, opts, calls)]);
  } finally {
    clearTimeout(timer);
    await page.close().catch(() => {});
  }
}

function run(page, opts, calls) {
  return page.evaluate(async ([o, cs]) => {
    const client = new window.kz.KaizalaClient(o);
    const out = [];
    for (const [method, ...args] of cs) {
      try {
        const v = await client[method](...args);
        out.push({ ok: true, size: JSON.stringify(v).length });
      } catch (e) {
        out.push({ ok: false, code: e && e.code, isKaizalaError: e instanceof window.kz.KaizalaError, message: String(e && e.message).slice(0, 300) });
      }
    }
    return { out, endpointUrl: client.tokenInfo().endpointUrl };
  }, [opts, calls]);
}

describe('redirects in the browser', () => {
  for (const status of [302, 307, 308]) {
    test(`accessToken answered with ${status} to another origin: refused; nothing reaches it`, async () => {
      const p = await platform(() => false, { cors: true });
      try {
        const before = foreign.requests.length;
        p.ctx.auth = (rec, res) => (rec.url.startsWith('/v1/accessToken') ? redirect(res, status, `${foreign.origin}/v1/accessToken`) : false);
        const { out, endpointUrl } = await inPage(options(p), [['listGroups']]);
        assert.equal(out[0].ok, false, 'a sign-in that was redirected succeeded');
        assert.equal(out[0].isKaizalaError, true, out[0].message);
        assert.equal(out[0].code, 'redirect_refused', out[0].message);
        assert.equal(foreign.requests.length - before, 0, 'a request (or a preflight) reached the redirect target');
        assert.equal(endpointUrl, null);
      } finally {
        await p.close();
      }
    });
  }

  test('a resource call answered with 308 to another origin: nothing reaches it, the endpoint stays, and one call stays bounded', async () => {
    let moved = true;
    const p = await platform((rec, res) => {
      if (!rec.url.startsWith('/inc-000/v1/')) return false;
      if (moved) return redirect(res, 308, `${foreign.origin}${rec.url}`);
      return json(res, 200, { groups: [{ groupId: 'g1', groupName: 'Home' }] });
    }, { cors: true });
    try {
      const before = foreign.requests.length;
      const { out, endpointUrl } = await inPage(options(p, { maxRetries: 3 }), [['listGroups'], ['sendMessage', 'g1', 'secret body']]);
      for (const r of out) {
        assert.equal(r.ok, false, 'a redirected call succeeded');
        assert.equal(r.isKaizalaError, true, r.message);
        assert.ok(['redirect_refused', 'relocation_loop'].includes(r.code), `${r.code}: ${r.message}`);
      }
      assert.equal(foreign.requests.length - before, 0, 'a request (or a preflight) reached the other origin');
      assert.equal(endpointUrl, p.ctx.endpoint);
      assert.ok(resourceCalls(p).length <= 2 * (1 + 3 + 3), `${resourceCalls(p).length} requests for two calls`);
      assert.ok(tokenCalls(p).length <= 2 * (1 + 3), `${tokenCalls(p).length} token requests`);
      moved = false;
      const again = await inPage(options(p), [['listGroups']]);
      assert.equal(again.out[0].ok, true, again.out[0].message);
    } finally {
      await p.close();
    }
  });

  test('a POST answered with 301 to a page: the page is never asked and the POST not turned into a GET', async () => {
    const p = await platform((rec, res) => {
      if (rec.url === '/page') return json(res, 200, { referenceId: 'page' });
      if (rec.url.startsWith('/inc-000/v1/')) return redirect(res, 301, `${foreign.origin}/page`);
      return false;
    }, { cors: true });
    try {
      const before = foreign.requests.length;
      const { out, endpointUrl } = await inPage(options(p), [['sendMessage', 'g1', 'hello']]);
      assert.equal(out[0].ok, false);
      assert.equal(out[0].isKaizalaError, true, out[0].message);
      assert.equal(foreign.requests.length - before, 0);
      assert.ok(resourceCalls(p).every((r) => r.method === 'POST'), 'turned into a GET');
      assert.equal(endpointUrl, p.ctx.endpoint);
    } finally {
      await p.close();
    }
  });
});

describe('huge answers in the browser', () => {
  test('a 300 MB body and an endless one: too_large, and the same client works after', async () => {
    const sent = {};
    const p = await platform((rec, res) => {
      const what = rec.url.split('?')[0].replace(/^\/inc-000\/v1\//, '');
      if (what === 'groups') return json(res, 200, { groups: [{ groupId: 'g1', groupName: 'Home' }] });
      if (what === 'huge/declared') return void (sent[what] = streamJson(res, { size: 300 * MB }));
      if (what === 'huge/endless') return void (sent[what] = streamJson(res, { declare: false, endless: true }));
      return false;
    }, { cors: true });
    try {
      const t0 = Date.now();
      const { out } = await inPage(options(p, { maxRetries: 0, timeoutMs: 30_000 }), [
        ['request', 'GET', 'huge/declared'], ['listGroups'], ['request', 'GET', 'huge/endless'], ['listGroups'],
      ]);
      for (const i of [0, 2]) {
        assert.equal(out[i].ok, false, 'a huge body was accepted');
        assert.equal(out[i].code, 'too_large', out[i].message);
      }
      assert.equal(out[1].ok, true, out[1].message);
      assert.equal(out[3].ok, true, out[3].message);
      assert.ok(sent['huge/endless'].sent() < 200 * MB, `${sent['huge/endless'].sent()} bytes of the endless body were sent`);
      assert.ok(Date.now() - t0 < 60_000);
    } finally {
      await p.close();
    }
  });
});

describe('same-origin answers in the browser (every header visible)', () => {
  // A same-origin answer with a Content-Length within the cap and no content coding is read in
  // one step; a content-coded one still goes through the capped reader, however small it is.
  test('a small gzip body that unpacks past maxResponseBytes: too_large; a plain one is read', async () => {
    const bomb = zlib.gzipSync(Buffer.from(`{"groups":[],"pad":"${'a'.repeat(16 * MB)}"}`));
    const p = await platform((rec, res) => {
      if (servePage(rec.url, res) !== false) return undefined;
      const what = rec.url.split('?')[0].replace(/^\/inc-000\/v1\//, '');
      if (what === 'groups') return json(res, 200, { groups: [{ groupId: 'g1', groupName: 'Home' }] });
      if (what === 'bomb') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
        return void res.end(bomb);
      }
      return false;
    });
    try {
      assert.ok(bomb.length < MB, `the compressed body is ${bomb.length} bytes`);
      const { out } = await inPage(options(p, { maxRetries: 0, maxResponseBytes: MB }), [
        ['request', 'GET', 'bomb'], ['listGroups'],
      ], 60_000, `${p.origin}/page/`);
      assert.equal(out[0].ok, false, 'the unpacked body was accepted');
      assert.equal(out[0].code, 'too_large', out[0].message);
      assert.equal(out[1].ok, true, out[1].message);
    } finally {
      await p.close();
    }
  });
});

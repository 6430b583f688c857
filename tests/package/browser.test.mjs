// The packed package in a page: a small entry importing 'kaizala' from the installed tarball,
// bundled with esbuild, served with its wasm by a tiny HTTP server, run in headless Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, emulatorUrl, installedProject } from './helpers.mjs';

const ENTRY = `
import kaizala, { KaizalaClient, KaizalaError, parseWebhookEvent } from 'kaizala';

async function run() {
  const s = await (await fetch(window.EMULATOR + '/_emulator/seed')).json();
  const client = new KaizalaClient({
    applicationId: s.applicationId,
    applicationSecret: s.applicationSecret,
    refreshToken: s.userRefreshToken,
    authUrl: s.authUrl,
  });
  const { groups } = await client.listGroups();
  let refused;
  try {
    await client.addMembers(s.mainGroupId, ['not-a-number']);
  } catch (e) {
    refused = { isKaizalaError: e instanceof KaizalaError, isError: e instanceof Error, code: e.code, field: e.field, name: e.name };
  }
  // The webhook functions: named exports and on the default export, refusing with the same class.
  const hooks = {
    sameOnDefault: ['webhookValidationToken', 'verifyWebhook', 'parseWebhookEvent', 'KaizalaClient', 'KaizalaError']
      .every((n) => typeof kaizala[n] === 'function') && kaizala.parseWebhookEvent === parseWebhookEvent
      && kaizala.KaizalaError === KaizalaError,
    token: kaizala.webhookValidationToken('/hook?validationToken=t1'),
  };
  try {
    kaizala.parseWebhookEvent({ eventType: 'Nope' });
  } catch (e) {
    hooks.refused = { isKaizalaError: e instanceof KaizalaError, code: e.code, field: e.field };
  }
  let subscribers = 0;
  for await (const _ of client.subscribers(s.publicGroupId)) subscribers++;
  const media = await client.uploadMedia(new Blob(['hello'], { type: 'text/plain' }), { fileName: 'hello.png', mimeType: 'image/png' });
  const info = client.tokenInfo();
  const stored = Object.keys(localStorage).filter((k) => k.startsWith('kaizala:'));
  // A second client on the same (local) storage is signed in without a refresh token of its own.
  const again = new KaizalaClient({ applicationId: s.applicationId, applicationSecret: s.applicationSecret, authUrl: s.authUrl });
  const againGroups = (await again.listGroups()).groups.length;
  client.logout();
  return {
    groups: groups.map((g) => g.groupName), refused, hooks, subscribers, mediaResource: media.mediaResource,
    signedIn: info.signedIn, stored, againGroups,
    storedAfterLogout: Object.keys(localStorage).filter((k) => k.startsWith('kaizala:')),
  };
}
window.result = run().catch((e) => ({ error: String(e && e.stack || e) }));
`;

let server;
let browser;
let pageUrl;
let dir;

before(async () => {
  const project = installedProject();
  dir = path.join(project.dir, 'page');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(project.dir, 'entry.js'), ENTRY);
  await build({
    entryPoints: [path.join(project.dir, 'entry.js')],
    absWorkingDir: project.dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(dir, 'app.js'),
    logLevel: 'warning',
  });
  // The bundle resolves the wasm as new URL('./kaizala_bg.wasm', import.meta.url): it goes beside it.
  fs.copyFileSync(path.join(project.dir, 'node_modules/kaizala/web/kaizala_bg.wasm'), path.join(dir, 'kaizala_bg.wasm'));
  // A plain page without a bundler imports the package's web build as it ships.
  fs.cpSync(path.join(project.dir, 'node_modules/kaizala/web'), path.join(dir, 'kaizala'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'plain.html'), `<!doctype html><meta charset="utf-8"><title>plain</title>
<script type="module">
  import { KaizalaClient, KaizalaError } from './kaizala/index.js';
  window.result = (async () => {
    const s = await (await fetch(${JSON.stringify(emulatorUrl())} + '/_emulator/seed')).json();
    const client = new KaizalaClient({ applicationId: s.applicationId, applicationSecret: s.applicationSecret,
      refreshToken: s.userRefreshToken, authUrl: s.authUrl, storage: 'session' });
    const { groups } = await client.listGroups();
    const err = await client.sendMessage(s.mainGroupId, '').catch((e) => e);
    return { groups: groups.length, isKaizalaError: err instanceof KaizalaError, code: err.code,
      stored: Object.keys(sessionStorage).filter((k) => k.startsWith('kaizala:')).length };
  })().catch((e) => ({ error: String(e && e.stack || e) }));
</script>`);
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>kaizala</title>
<script>window.EMULATOR = ${JSON.stringify(emulatorUrl())};</script>
<script type="module" src="./app.js"></script>`);
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/$/, '/index.html');
    const file = path.join(dir, path.normalize(name));
    if (!file.startsWith(dir) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  pageUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
});

test('the bundle imports the browser build, not the Node one', () => {
  const app = fs.readFileSync(path.join(dir, 'app.js'), 'utf8');
  assert.match(app, /kaizala_bg\.wasm/);
  assert.doesNotMatch(app, /readFileSync|require\(/, 'the Node build was bundled');
});

test('a bundled page signs in, lists groups, iterates, uploads and signs out', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30000 });
  const r = await page.evaluate(() => window.result);
  await page.close();
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual(errors, []);
  assert.ok(r.groups.includes('Contoso Relief'), JSON.stringify(r.groups));
  assert.deepEqual(r.refused, { isKaizalaError: true, isError: true, code: 'invalid_input', field: 'members[0]', name: 'KaizalaError' });
  assert.deepEqual(r.hooks, { sameOnDefault: true, token: 't1',
    refused: { isKaizalaError: true, code: 'invalid_input', field: 'eventType' } });
  assert.equal(r.subscribers, 120);
  assert.equal(typeof r.mediaResource, 'string');
  assert.equal(r.signedIn, true);
  assert.equal(r.stored.length, 1, 'tokens kept in localStorage by default');
  assert.ok(r.againGroups > 0);
  assert.deepEqual(r.storedAfterLogout, []);
});

test('a plain <script type="module"> page imports the web build without a bundler', async () => {
  const page = await browser.newPage();
  await page.goto(`${pageUrl}plain.html`);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30000 });
  const r = await page.evaluate(() => window.result);
  await page.close();
  assert.equal(r.error, undefined, r.error);
  assert.ok(r.groups >= 2);
  assert.deepEqual({ isKaizalaError: r.isKaizalaError, code: r.code }, { isKaizalaError: true, code: 'invalid_input' });
  assert.equal(r.stored, 1, 'tokens kept in sessionStorage when asked');
});

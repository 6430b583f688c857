// What a browser loads: each client's minimal app bundled with esbuild and run in headless Chromium
// against the emulator, and the whole package as npm ships it. Shared by `make bench` and the size
// check in `make test`, which reads its budgets from budget.json beside this file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TESTS_MODULES = path.join(ROOT, 'tests/node_modules');

/** Sizes are in bytes; a KB is 1,024 bytes, as the budgets and targets in budget.json count them. */
export const BUDGET = JSON.parse(fs.readFileSync(new URL('./budget.json', import.meta.url), 'utf8'));

export const gzipSize = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;

/**
 * The minimal app of each client: kaizala's signs in by PIN, lists the groups and sends a message
 * (kaizala-import imports a member instead, to show what a page using the workflows loads;
 * kaizala-webhooks uses the webhook receiver's functions, to show the minimal app is without them);
 * each peer's does the same GET and POST with a token the harness minted. Every app reads its
 * settings from `globalThis.APP` and leaves a promise of `{groups, referenceId}` in
 * `globalThis.RESULT`.
 */
export const APPS = {
  kaizala: `
import { KaizalaClient } from 'kaizala';
const { applicationId, applicationSecret, authUrl, mobileNumber, readPin } = globalThis.APP;
globalThis.RESULT = (async () => {
  const client = new KaizalaClient({ applicationId, applicationSecret, authUrl });
  await client.generatePin(mobileNumber);
  await client.loginWithPin(mobileNumber, await readPin(mobileNumber));
  const { groups } = await client.listGroups();
  const { referenceId } = await client.sendMessage(groups[0].groupId, 'Hello from the minimal app');
  return { groups: groups.length, referenceId };
})();
`,
  // The same sign-in, then one member import: the page that loads the workflows code (the minimal
  // app must not). Its number is the user's own, already in the group, so nothing is added.
  'kaizala-import': `
import { KaizalaClient } from 'kaizala';
const { applicationId, applicationSecret, authUrl, mobileNumber, readPin } = globalThis.APP;
globalThis.RESULT = (async () => {
  const client = new KaizalaClient({ applicationId, applicationSecret, authUrl });
  await client.generatePin(mobileNumber);
  await client.loginWithPin(mobileNumber, await readPin(mobileNumber));
  const { groups } = await client.listGroups();
  const record = await client.importMembers(groups[0].groupId, 'mobileNumber\\n' + mobileNumber + '\\n');
  return { groups: groups.length, referenceId: record.status, total: record.total };
})();
`,
  // The webhook receiver's three functions, in a page: the code the minimal app must not carry.
  'kaizala-webhooks': `
import { KaizalaError, parseWebhookEvent, verifyWebhook, webhookValidationToken } from 'kaizala';
globalThis.RESULT = (async () => {
  const token = webhookValidationToken('/hook?validationToken=t1');
  const verified = verifyWebhook({ 'kz-callback-token': 's3cret' }, 's3cret');
  const event = parseWebhookEvent(JSON.stringify({ eventType: 'TextMessageCreated', eventId: 'e1', objectId: 'g1',
    objectType: 'Group', data: { text: 'hi' } }));
  let refused = false;
  try {
    parseWebhookEvent({ ...event, eventType: 'Nope' });
  } catch (e) {
    refused = e instanceof KaizalaError && e.field === 'eventType';
  }
  return { groups: 0, referenceId: event.eventId, token, verified, refused };
})();
`,
  fetch: `
const { endpoint, accessToken } = globalThis.APP;
globalThis.RESULT = (async () => {
  const res = await fetch(endpoint + '/v1/groups', { headers: { accessToken } });
  if (!res.ok) throw new Error('HTTP ' + res.status);
  const { groups } = await res.json();
  const sent = await fetch(endpoint + '/v1/groups/' + encodeURIComponent(groups[0].groupId) + '/messages', {
    method: 'POST',
    headers: { accessToken, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'Hello from the minimal app' }),
  });
  if (!sent.ok) throw new Error('HTTP ' + sent.status);
  const { referenceId } = await sent.json();
  return { groups: groups.length, referenceId };
})();
`,
  ofetch: `
import { ofetch } from 'ofetch';
const { endpoint, accessToken } = globalThis.APP;
globalThis.RESULT = (async () => {
  const api = ofetch.create({ baseURL: endpoint + '/v1', headers: { accessToken } });
  const { groups } = await api('/groups');
  const { referenceId } = await api('/groups/' + encodeURIComponent(groups[0].groupId) + '/messages', {
    method: 'POST', body: { message: 'Hello from the minimal app' },
  });
  return { groups: groups.length, referenceId };
})();
`,
  '@octokit/request': `
import { request } from '@octokit/request';
const { endpoint, accessToken } = globalThis.APP;
globalThis.RESULT = (async () => {
  const api = request.defaults({ baseUrl: endpoint + '/v1', headers: { accessToken } });
  const { data: { groups } } = await api('GET /groups');
  const { data: { referenceId } } = await api('POST /groups/{groupId}/messages', {
    groupId: groups[0].groupId, message: 'Hello from the minimal app',
  });
  return { groups: groups.length, referenceId };
})();
`,
  ky: `
import ky from 'ky';
const { endpoint, accessToken } = globalThis.APP;
globalThis.RESULT = (async () => {
  const api = ky.create({ prefixUrl: endpoint + '/v1', headers: { accessToken } });
  const { groups } = await api.get('groups').json();
  const { referenceId } = await api.post('groups/' + encodeURIComponent(groups[0].groupId) + '/messages', {
    json: { message: 'Hello from the minimal app' },
  }).json();
  return { groups: groups.length, referenceId };
})();
`,
};

/** The files `npm pack` would ship from `pkgDir`, each with its raw and gzip -9 size. */
export function packageFiles(pkgDir) {
  if (!fs.existsSync(path.join(pkgDir, 'package.json'))) throw new Error(`${pkgDir} is not built: run make pkg`);
  const [packed] = JSON.parse(execFileSync('npm', ['pack', pkgDir, '--dry-run', '--json', '--loglevel=error'],
    { encoding: 'utf8' }));
  const files = packed.files.map(({ path: file }) => {
    const bytes = fs.readFileSync(path.join(pkgDir, file));
    return { file, raw: bytes.length, gzip: gzipSize(bytes) };
  }).sort((a, b) => b.gzip - a.gzip);
  return {
    files,
    raw: files.reduce((a, f) => a + f.raw, 0),
    gzip: files.reduce((a, f) => a + f.gzip, 0),
    tarball: packed.size,
  };
}

// `new URL('<relative>', import.meta.url)`: how the package's modules find their wasm. esbuild keeps
// the expression as it is, so the asset has to sit beside the output chunk, as a bundler's asset
// step would put it.
const ASSET_URL = /new\s+URL\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url\s*\)/g;

/**
 * Bundles the minimal app `name` into `outDir` (minified ESM, split at dynamic imports, for the
 * browser) and copies every asset its bundled modules locate with `new URL(…, import.meta.url)`
 * beside the chunk that holds them. `kaizala` resolves to a copy of the files npm ships from
 * `pkgDir`, through the package's own exports for the browser.
 */
export async function buildApp(name, { pkgDir, outDir }) {
  if (!APPS[name]) throw new Error(`no minimal app ${JSON.stringify(name)}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  const src = path.join(outDir, '.src');
  fs.mkdirSync(src, { recursive: true });
  const modules = path.join(src, 'node_modules');
  if (name.startsWith('kaizala')) {
    for (const { file } of packageFiles(pkgDir).files) {
      fs.mkdirSync(path.dirname(path.join(modules, 'kaizala', file)), { recursive: true });
      fs.copyFileSync(path.join(pkgDir, file), path.join(modules, 'kaizala', file));
    }
  }
  const entry = path.join(src, 'app.js');
  fs.writeFileSync(entry, APPS[name]);
  const { metafile } = await build({
    entryPoints: [entry],
    absWorkingDir: src,
    nodePaths: [modules, TESTS_MODULES],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    metafile: true,
    outdir: outDir,
    logLevel: 'warning',
  });
  const assets = [];
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    const chunkDir = path.dirname(path.resolve(src, output));
    for (const input of Object.keys(inputs)) {
      const inputFile = path.resolve(src, input);
      if (!fs.existsSync(inputFile)) continue;
      for (const [, , rel] of fs.readFileSync(inputFile, 'utf8').matchAll(ASSET_URL)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(rel)) continue;
        const from = path.resolve(path.dirname(inputFile), rel);
        const to = path.resolve(chunkDir, rel);
        if (!fs.existsSync(from)) throw new Error(`${input} locates ${rel}, which is not there`);
        if (assets.some((a) => a.to === to && a.from !== from)) throw new Error(`two assets would be ${to}`);
        if (!assets.some((a) => a.to === to)) {
          fs.mkdirSync(path.dirname(to), { recursive: true });
          fs.copyFileSync(from, to);
          assets.push({ from, to });
        }
      }
    }
  }
  fs.rmSync(src, { recursive: true, force: true });
  return { outDir, outputs: Object.keys(metafile.outputs).length, assets: assets.length };
}

/** Headless Chromium from Debian; nothing is ever downloaded. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];

export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json' };

/**
 * Opens the app built in `outDir` in `browser`, on the emulator's own origin under a path the
 * emulator does not answer (its files are served from `outDir` by the page's router), with
 * `app` (an expression) as `globalThis.APP`. Answers the app's result and every file of `outDir`
 * the page fetched, each with its raw and gzip -9 size; the page itself is not counted.
 */
export async function loadApp(browser, { outDir, emulatorUrl, app }) {
  const base = `${emulatorUrl}/_minimal-app/${path.basename(outDir)}/`;
  const page = await browser.newPage();
  const loaded = new Map();
  const missing = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route(`${base}**`, async (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(new URL(base).pathname.length));
    if (rel === '') {
      await route.fulfill({ contentType: 'text/html', body: `<!doctype html><meta charset="utf-8"><title>app</title>
<script>globalThis.APP = ${app};</script>
<script type="module" src="./app.js"></script>` });
      return;
    }
    const file = path.resolve(outDir, rel);
    if (!file.startsWith(path.resolve(outDir) + path.sep) || !fs.existsSync(file)) {
      missing.push(rel);
      await route.fulfill({ status: 404, body: '' });
      return;
    }
    const body = fs.readFileSync(file);
    loaded.set(rel, { file: rel, raw: body.length, gzip: gzipSize(body) });
    await route.fulfill({ contentType: TYPES[path.extname(file)] || 'application/octet-stream', body });
  });
  try {
    await page.goto(base);
    await page.waitForFunction(() => globalThis.RESULT !== undefined, null, { timeout: 60000 });
    const result = await page.evaluate(() => globalThis.RESULT.then((r) => r, (e) => ({ error: String(e && e.stack || e) })));
    if (result.error) throw new Error(`the minimal app in ${outDir} failed: ${result.error}`);
    if (errors.length) throw new Error(`the minimal app in ${outDir} threw: ${errors.join('; ')}`);
    if (missing.length) throw new Error(`the minimal app in ${outDir} fetched what its build lacks: ${missing.join(', ')}`);
    const files = [...loaded.values()].sort((a, b) => b.gzip - a.gzip);
    return {
      result,
      files,
      raw: files.reduce((a, f) => a + f.raw, 0),
      gzip: files.reduce((a, f) => a + f.gzip, 0),
    };
  } finally {
    await page.close();
  }
}

/**
 * The `globalThis.APP` of each minimal app, from the emulator's seed. kaizala's signs in by PIN as
 * the user of the seed's user token; the peers' get an access token minted here and the user's endpoint.
 */
export async function appSettings(emulatorUrl) {
  const seed = await (await fetch(`${emulatorUrl}/_emulator/seed`)).json();
  const kaizala = `${JSON.stringify({
    applicationId: seed.applicationId,
    applicationSecret: seed.applicationSecret,
    authUrl: seed.authUrl,
    mobileNumber: seed.userTokenMobileNumber,
  })}`;
  const res = await fetch(`${seed.authUrl}/accessToken`, {
    headers: { applicationId: seed.applicationId, applicationSecret: seed.applicationSecret, refreshToken: seed.userRefreshToken },
  });
  if (!res.ok) throw new Error(`minting an access token: HTTP ${res.status}`);
  const { accessToken, endpointUrl } = await res.json();
  const peers = JSON.stringify({ endpoint: endpointUrl.replace(/\/$/, ''), accessToken });
  const readPin = `async (mobileNumber) => {
    const res = await fetch('/_emulator/sms?mobileNumber=' + encodeURIComponent(mobileNumber));
    return (await res.json()).messages[0].pin;
  }`;
  return (name) => (name.startsWith('kaizala') ? `{ ...${kaizala}, readPin: ${readPin} }` : peers);
}

/** Builds and runs each named minimal app under `outRoot/<name>`; answers `{name: loadApp's answer}`. */
export async function measureApps(names, { pkgDir, outRoot, emulatorUrl }) {
  const settings = await appSettings(emulatorUrl);
  const browser = await launchChromium();
  try {
    const out = {};
    for (const name of names) {
      const outDir = path.join(outRoot, name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, ''));
      await buildApp(name, { pkgDir, outDir });
      out[name] = { ...(await loadApp(browser, { outDir, emulatorUrl, app: settings(name) })), outDir };
    }
    return out;
  } finally {
    await browser.close();
  }
}

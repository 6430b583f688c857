// The packed package installed into a temporary project, used from Node: ESM import, CommonJS
// require, the workflows module loaded on first use, errors, async iteration, media uploads — against
// the emulator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { clientOptions, emulatorUrl, installedProject, runInProject, seed } from './helpers.mjs';

let s;
let project;
let kz; // the package as `require('kaizala')` from the consumer project resolves it

before(async () => {
  s = await seed();
  project = installedProject();
  kz = createRequire(path.join(project.dir, 'package.json'))('kaizala');
});

const scriptEnv = () => ({ SEED: JSON.stringify(s), KAIZALA_EMULATOR_URL: emulatorUrl() });

describe('the tarball', () => {
  test('holds exactly the files the package ships', () => {
    assert.deepEqual(project.files, [
      'README.md',
      'kaizala.d.ts',
      'node/index.mjs',
      'package.json',
      'web/api.js',
      'web/index.js',
      'web/kaizala.js',
      'web/kaizala_bg.wasm',
      'web/package.json',
      'web/workflows.js',
    ]);
  });

  test('package.json: name, conditional exports, no root type, the Node that can require ESM', () => {
    const pj = JSON.parse(fs.readFileSync(path.join(project.dir, 'node_modules/kaizala/package.json'), 'utf8'));
    assert.equal(pj.name, 'kaizala');
    assert.equal(pj.type, undefined);
    const dot = pj.exports['.'];
    assert.deepEqual(Object.keys(dot), ['types', 'node', 'default'], 'types must come first, default last');
    assert.equal(dot.types, './kaizala.d.ts');
    // One ES module for import and require alike.
    assert.equal(dot.node, './node/index.mjs');
    assert.equal(dot.default, './web/index.js');
    assert.equal(pj.main, './node/index.mjs');
    assert.equal(pj.engines.node, '>=20.19');
    const web = JSON.parse(fs.readFileSync(path.join(project.dir, 'node_modules/kaizala/web/package.json'), 'utf8'));
    assert.equal(web.type, 'module', 'web/package.json type');
  });
});

describe('Node', () => {
  test('ESM: import { KaizalaClient, KaizalaError } from "kaizala" signs in and lists groups', async () => {
    const out = await runInProject(
      'esm-smoke.mjs',
      `import { KaizalaClient, KaizalaError } from 'kaizala';
       import kaizala from 'kaizala';
       const s = JSON.parse(process.env.SEED);
       const client = new KaizalaClient({ applicationId: s.applicationId, applicationSecret: s.applicationSecret,
         refreshToken: s.userRefreshToken, authUrl: s.authUrl });
       const { groups } = await client.listGroups();
       console.log(JSON.stringify({ groups: groups.map((g) => g.groupName), info: client.tokenInfo(),
         errorIsClass: typeof KaizalaError === 'function', sameDefault: kaizala.KaizalaClient === KaizalaClient }));`,
      { env: scriptEnv() },
    );
    const r = JSON.parse(out);
    assert.ok(r.groups.includes('Contoso Relief'), out);
    assert.ok(r.groups.includes('Contoso Updates'), out);
    assert.equal(r.info.signedIn, true);
    assert.equal(r.info.connection, 'default');
    assert.ok(r.errorIsClass);
    assert.ok(r.sameDefault);
  });

  test('CommonJS: require("kaizala") signs in and lists groups', async () => {
    const out = await runInProject(
      'cjs-smoke.cjs',
      `const { KaizalaClient, KaizalaError } = require('kaizala');
       const s = JSON.parse(process.env.SEED);
       (async () => {
         const client = new KaizalaClient({ applicationId: s.applicationId, applicationSecret: s.applicationSecret,
           refreshToken: s.userRefreshToken, authUrl: s.authUrl });
         const { groups } = await client.listGroups();
         let code;
         try { await client.getGroup('no-such-group'); } catch (e) { code = e instanceof KaizalaError && e.code; }
         console.log(JSON.stringify({ groups: groups.map((g) => g.groupName), code }));
       })().catch((e) => { console.error(e); process.exit(1); });`,
      { env: scriptEnv() },
    );
    const r = JSON.parse(out);
    assert.ok(r.groups.includes('Contoso Relief'), out);
    assert.ok(['not_found', 'forbidden'].includes(r.code), out);
  });

  test('ESM and CommonJS in one process share one module (one KaizalaError class)', async () => {
    const out = await runInProject(
      'dual.mjs',
      `import { createRequire } from 'node:module';
       import * as esm from 'kaizala';
       const cjs = createRequire(import.meta.url)('kaizala');
       console.log(JSON.stringify({ client: esm.KaizalaClient === cjs.KaizalaClient, error: esm.KaizalaError === cjs.KaizalaError }));`,
    );
    assert.deepEqual(JSON.parse(out), { client: true, error: true });
  });

  test('the runtime exports are exactly the declared ones', () => {
    const dts = fs.readFileSync(path.join(project.dir, 'node_modules/kaizala/kaizala.d.ts'), 'utf8');
    const declared = [...dts.matchAll(/^export (?:declare )?(?:class|function|const) (\w+)/gm)].map((m) => m[1]).sort();
    // require() of an ES module gives its namespace; Node adds `__esModule` beside `default`.
    const named = Object.keys(kz).filter((n) => n !== 'default' && n !== '__esModule').sort();
    assert.deepEqual(named, declared);
    assert.deepEqual(Object.keys(kz.default).sort(), declared);
    assert.ok(!('setErrorClass' in kz) && !('setErrorClass' in kz.default), 'setErrorClass is internal');
  });

  test('CommonJS: require("kaizala") gives the same objects as import, with no warning', async () => {
    const out = await runInProject(
      'cjs-same.cjs',
      `const warnings = [];
       process.on('warning', (w) => warnings.push(w.name + ': ' + w.message));
       const kz = require('kaizala');
       const { KaizalaClient, KaizalaError } = kz;
       let thrown;
       try { new KaizalaClient({}); } catch (e) { thrown = e; }
       const client = new KaizalaClient({ applicationId: 'app', storage: 'memory' });
       import('kaizala').then((esm) => setImmediate(() => console.log(JSON.stringify({
         client: typeof client.listGroups === 'function',
         thrownIsKaizalaError: thrown instanceof KaizalaError && thrown instanceof Error,
         thrownField: thrown && thrown.field,
         made: new KaizalaError('m', { code: 'forbidden' }).code,
         sameClient: esm.KaizalaClient === KaizalaClient,
         sameError: esm.KaizalaError === KaizalaError,
         sameDefault: esm.default === kz.default,
         sameCodes: esm.errorCodes === kz.errorCodes,
         warnings,
       }))));`,
    );
    assert.deepEqual(JSON.parse(out), {
      client: true, thrownIsKaizalaError: true, thrownField: 'applicationId', made: 'forbidden',
      sameClient: true, sameError: true, sameDefault: true, sameCodes: true, warnings: [],
    });
  });
});

describe('the workflows module', () => {
  test('is loaded on first use; when it cannot be, the call rejects with a KaizalaError and the next call tries again', async () => {
    // A copy of the installed package, so its web/workflows.js can go missing without touching the
    // one the other tests use.
    const dir = fs.mkdtempSync(path.join(project.dir, 'copy-'));
    fs.cpSync(path.join(project.dir, 'node_modules/kaizala'), path.join(dir, 'node_modules/kaizala'), { recursive: true });
    const file = path.join(dir, 'node_modules/kaizala/web/workflows.js');
    const saved = fs.readFileSync(file);
    fs.rmSync(file);
    try {
      const k = createRequire(path.join(dir, 'x.js'))('kaizala');
      const c = new k.KaizalaClient(clientOptions(s));
      await assert.rejects(c.exportMembers(s.mainGroupId), (e) => e instanceof k.KaizalaError && e.code === 'network'
        && e.operation === 'exportMembers' && /workflows\.js could not be loaded/.test(e.message));
      fs.writeFileSync(file, saved);
      assert.match(await c.exportMembers(s.mainGroupId), /^id,mobileNumber,role,isProvisioned/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('errors', () => {
  test('a bad E.164 number is refused before the network with a KaizalaError', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const err = await client.addMembers(s.mainGroupId, ['+911000000010', '12345']).then(
      () => assert.fail('addMembers with a bad number resolved'),
      (e) => e,
    );
    assert.ok(err instanceof kz.KaizalaError, 'instanceof KaizalaError');
    assert.ok(err instanceof Error, 'instanceof Error');
    assert.equal(err.name, 'KaizalaError');
    assert.equal(err.code, 'invalid_input');
    assert.equal(err.field, 'members[1]');
    assert.equal(err.status, 0);
    assert.equal(err.operation, 'addMembers');
    assert.match(err.message, /E\.164/);
    assert.match(err.stack, /KaizalaError/);
    assert.equal(Object.prototype.toString.call(err), '[object Error]');
  });

  test('bad constructor options throw a KaizalaError at once', () => {
    assert.throws(
      () => new kz.KaizalaClient({ applicationId: 'app', timeoutMs: -5 }),
      (e) => e instanceof kz.KaizalaError && e.code === 'invalid_input' && e.field === 'timeoutMs',
    );
    assert.throws(
      () => new kz.KaizalaClient({}),
      (e) => e instanceof kz.KaizalaError && e.field === 'applicationId',
    );
  });

  test('a refusal by the server carries the HTTP status and no token or secret', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const err = await client.getGroup('00000000-0000-0000-0000-000000000000').then(
      () => assert.fail('getGroup of an unknown group resolved'),
      (e) => e,
    );
    assert.ok(err instanceof kz.KaizalaError);
    assert.ok(['not_found', 'forbidden'].includes(err.code), err.code);
    assert.ok([403, 404].includes(err.status), String(err.status));
    // The platform's own errorCode, as the server sent it.
    assert.equal(err.platformCode, err.code === 'not_found' ? 'NotFound' : 'Forbidden');
    assert.equal(new kz.KaizalaError('m', { platformCode: 'InvalidToken' }).platformCode, 'InvalidToken');
    assert.equal(new kz.KaizalaError('m', { platformCode: 7 }).platformCode, undefined);
    const token = await client.accessToken();
    for (const secret of [token, s.applicationSecret, s.userRefreshToken]) {
      assert.ok(!err.message.includes(secret), 'the message leaks a credential');
    }
  });

  test('the global fetch is looked up per call; a non-Response answer fails cleanly', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    await client.listGroups(); // signed in, the token held
    const real = globalThis.fetch;
    const seen = [];
    globalThis.fetch = async (url, init) => {
      seen.push({ url: String(url), method: init && init.method });
      return { status: 200, not: 'a Response' };
    };
    let err;
    try {
      err = await client.listGroups().then(() => assert.fail('a non-Response answer resolved'), (e) => e);
    } finally {
      globalThis.fetch = real;
    }
    assert.equal(seen.length, 1, 'the replaced fetch was not the one called');
    assert.match(seen[0].url, /\/groups(\?|$)/);
    assert.equal(seen[0].method, 'GET');
    assert.ok(err instanceof kz.KaizalaError);
    assert.equal(err.code, 'invalid_response');
    assert.equal(err.operation, 'listGroups');
    // The instance still works once fetch is back.
    assert.ok(Array.isArray((await client.listGroups()).groups));
  });

  test('errorCodes() lists exactly the codes kaizala.d.ts and the README document', () => {
    const codes = kz.errorCodes();
    const dir = path.join(project.dir, 'node_modules/kaizala');
    const dts = fs.readFileSync(path.join(dir, 'kaizala.d.ts'), 'utf8');
    const union = /export type KaizalaErrorCode =([^;]*);/.exec(dts)[1];
    const declared = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1]);
    assert.deepEqual([...codes].sort(), [...declared].sort());
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const c of codes) assert.ok(readme.includes(`| \`${c}\` |`), `README documents ${c}`);
    for (const c of ['redirect_refused', 'too_large', 'relocation_loop']) assert.ok(codes.includes(c), c);
  });

  test('users can make a KaizalaError themselves', () => {
    const e = new kz.KaizalaError('nope', { code: 'forbidden', status: 403, operation: 'mine' });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'KaizalaError');
    assert.equal(e.code, 'forbidden');
    assert.equal(e.status, 403);
  });
});

describe('async iterables', () => {
  test('all 120 subscribers of the public group, page after page', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const pages = [];
    const counted = new kz.KaizalaClient(clientOptions(s, {
      onResponse: (e) => { if (e.operation === 'listSubscribers') pages.push(e.status); },
    }));
    const numbers = [];
    for await (const sub of counted.subscribers(s.publicGroupId, { count: 50 })) numbers.push(sub.mobileNumber);
    assert.equal(numbers.length, 120);
    assert.equal(new Set(numbers).size, 120, 'a subscriber came twice');
    const want = Array.from({ length: 120 }, (_, i) => `+9191000${String(i + 1).padStart(5, '0')}`);
    assert.deepEqual([...numbers].sort(), want);
    assert.equal(pages.length, 3, 'three pages of at most 50');
    // The iterable and the page-at-a-time method agree.
    const first = await client.listSubscribers(s.publicGroupId, { count: 50 });
    assert.deepEqual(first.subscribers.map((x) => x.mobileNumber), numbers.slice(0, 50));
  });

  test('breaking out stops fetching', async () => {
    let calls = 0;
    const client = new kz.KaizalaClient(clientOptions(s, {
      onRequest: (e) => { if (e.operation === 'listSubscribers') calls++; },
    }));
    let n = 0;
    for await (const _ of client.subscribers(s.publicGroupId, { count: 10 })) if (++n === 15) break;
    assert.equal(n, 15);
    assert.equal(calls, 2);
  });

  test('actions() yields what listActions pages hold, oldest first', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const all = await client.listActions(s.mainGroupId, { count: 100 });
    assert.equal(all.hasMore, false, 'the seed fits one page of 100');
    assert.ok(all.actions.length >= 3, 'the seed has actions');
    const iterated = [];
    for await (const a of client.actions(s.mainGroupId, { count: 2 })) iterated.push(a.referenceId);
    assert.deepEqual(iterated, all.actions.map((a) => a.referenceId));
  });

  test('an aborted signal ends the iteration with code aborted', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const ac = new AbortController();
    ac.abort();
    const it = client.subscribers(s.publicGroupId, { signal: ac.signal });
    await assert.rejects(it.next(), (e) => e instanceof kz.KaizalaError && e.code === 'aborted');
  });

  test('groupReactions() and reactions() iterate reaction pages', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const { referenceId } = await client.sendMessage(s.mainGroupId, 'react to me');
    await client.addReaction(s.mainGroupId, { referenceId, reactionType: 'Like' });
    await client.addReaction(s.mainGroupId, { referenceId, reactionType: 'Comment', comment: 'nice' });
    const details = [];
    for await (const r of client.reactions(s.mainGroupId, referenceId)) details.push(r);
    assert.equal(details.length, 2, JSON.stringify(details));
    const summary = [];
    for await (const r of client.groupReactions(s.mainGroupId)) summary.push(r);
    const mine = summary.find((r) => r.referenceId === referenceId);
    assert.ok(mine, 'the message is in the group summary');
    assert.equal(mine.reactionsCountMap.like, 1);
    assert.equal(mine.reactionsCountMap.comment, 1);
  });
});

describe('media', () => {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );

  test('uploadMedia takes a Node Buffer and the result posts as an Image', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const { mediaResource } = await client.uploadMedia(png, { fileName: 'dot.png' });
    assert.equal(typeof mediaResource, 'string');
    assert.ok(mediaResource.length > 0);
    const posted = await client.postMedia(s.mainGroupId, { mediaResource, caption: 'a dot', mimeType: 'image/png' });
    assert.equal(typeof posted.referenceId, 'string');
  });

  test('uploadMedia takes a Uint8Array and an ArrayBuffer', async () => {
    const client = new kz.KaizalaClient(clientOptions(s));
    const u8 = new Uint8Array(png);
    const a = await client.uploadMedia(u8, { fileName: 'dot.png' });
    const b = await client.uploadMedia(u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength), { fileName: 'dot.png' });
    assert.notEqual(a.mediaResource, b.mediaResource);
  });

  test('an unsupported type is refused before upload', async () => {
    let uploads = 0;
    const client = new kz.KaizalaClient(clientOptions(s, {
      onRequest: (e) => { if (e.operation === 'uploadMedia') uploads++; },
    }));
    await assert.rejects(
      client.uploadMedia(Buffer.from('MZ'), { fileName: 'setup.exe' }),
      (e) => e instanceof kz.KaizalaError && ['unsupported_media', 'invalid_input'].includes(e.code),
    );
    assert.equal(uploads, 0);
  });
});

describe('the Node entry file', () => {
  test('node/index.mjs is what require("kaizala") loads', async () => {
    const base = path.join(project.dir, 'node_modules/kaizala/node');
    const esm = await import(pathToFileURL(path.join(base, 'index.mjs')).href);
    assert.equal(esm.KaizalaClient, kz.KaizalaClient);
    assert.equal(esm.default, kz.default);
  });
});

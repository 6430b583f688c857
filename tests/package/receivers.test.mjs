// The package's synchronous helpers without a platform: webhookValidationToken, verifyWebhook and
// parseWebhookEvent (how they are reached, and on crafted input), and
// KaizalaClient.connections/removeConnection over storages holding whole, broken, moved and
// foreign entries.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { installedProject, runInProject } from './helpers.mjs';

let kz;
before(() => {
  kz = createRequire(path.join(installedProject().dir, 'package.json'))('kaizala');
});

const refused = (operation, field) => (e) => e instanceof kz.KaizalaError && e.code === 'invalid_input'
  && e.operation === operation && e.field === field && e.message.startsWith(`${operation}: `);

describe('webhook receivers', () => {
  const NAMES = ['webhookValidationToken', 'verifyWebhook', 'parseWebhookEvent'];

  test('reached by name and on the default export, by require and by import, refusing with the client\'s KaizalaError', async () => {
    for (const n of NAMES) {
      assert.equal(typeof kz[n], 'function', n);
      assert.equal(kz.default[n], kz[n], `default.${n}`);
    }
    assert.equal(kz.default.KaizalaError, kz.KaizalaError);
    const fromClient = (() => { try { return new kz.KaizalaClient({}); } catch (e) { return e; } })();
    const fromHook = (() => { try { return kz.verifyWebhook({}, ''); } catch (e) { return e; } })();
    assert.equal(Object.getPrototypeOf(fromHook), Object.getPrototypeOf(fromClient), 'one KaizalaError class');
    assert.ok(fromHook instanceof kz.KaizalaError && fromHook instanceof Error && fromHook.name === 'KaizalaError');
    const out = await runInProject('webhook-names.mjs', `
      import kaizala, * as named from 'kaizala';
      const names = ${JSON.stringify(NAMES)};
      console.log(JSON.stringify(names.map((n) => typeof named[n] === 'function' && kaizala[n] === named[n])));
    `);
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), [true, true, true]);
  });

  test('validation tokens from request URLs', () => {
    assert.equal(kz.webhookValidationToken('/hook?validationToken=a%2Bb+c&x=1'), 'a+b c');
    assert.equal(kz.webhookValidationToken('https://h/x?y=2&validationToken=t1#frag'), 't1');
    assert.equal(kz.webhookValidationToken('/hook?validationToken='), '');
    assert.equal(kz.webhookValidationToken('/hook'), null);
    assert.equal(kz.webhookValidationToken('/hook?token=1'), null);
    assert.equal(kz.webhookValidationToken('/hook#validationToken=1'), null);
    assert.throws(() => kz.webhookValidationToken(7), refused('webhookValidationToken', 'url'));
  });

  test('callback tokens: equal only when the same, from any kind of headers', () => {
    const h = (v) => ({ 'kz-callback-token': v });
    assert.equal(kz.verifyWebhook(h('s3cret'), 's3cret'), true);
    assert.equal(kz.verifyWebhook(h('s3creT'), 's3cret'), false);
    assert.equal(kz.verifyWebhook(h('s3cret!'), 's3cret'), false);
    assert.equal(kz.verifyWebhook(h(''), 's3cret'), false);
    assert.equal(kz.verifyWebhook({}, 's3cret'), false);
    assert.equal(kz.verifyWebhook(null, 's3cret'), false);
    assert.equal(kz.verifyWebhook('kz-callback-token: s3cret', 's3cret'), false);
    assert.equal(kz.verifyWebhook({ 'KZ-Callback-Token': 'ü-s3cret' }, 'ü-s3cret'), true, 'any case, any characters');
    assert.equal(kz.verifyWebhook({ 'kz-callback-token': ['s3cret', 'x'] }, 's3cret'), true, 'node:http repeats as an array');
    assert.equal(kz.verifyWebhook(new Headers({ 'kz-callback-token': 's3cret' }), 's3cret'), true);
    assert.equal(kz.verifyWebhook(new Map([['kz-callback-token', 's3cret']]), 's3cret'), true);
    assert.equal(kz.verifyWebhook(new Headers(), 's3cret'), false);
    assert.throws(() => kz.verifyWebhook(h(''), ''), refused('verifyWebhook', 'callBackToken'));
    assert.throws(() => kz.verifyWebhook(h('x'), '  '), refused('verifyWebhook', 'callBackToken'));
    assert.throws(() => kz.verifyWebhook(h('x'), undefined), refused('verifyWebhook', 'callBackToken'));
  });

  const body = {
    objectId: 'g1', objectType: 'Group', eventType: 'TextMessageCreated', eventId: 'e1', data: { text: 'hi' },
    context: { n: 1 }, fromUser: '+911000000001', fromUserId: 'u1', fromUserName: 'Ann',
  };

  test('events: text, bytes or an object; missing fields come back null; what is wrong is named', () => {
    for (const input of [JSON.stringify(body), new TextEncoder().encode(JSON.stringify(body)),
      new TextEncoder().encode(JSON.stringify(body)).buffer, Buffer.from(JSON.stringify(body)), body]) {
      const e = kz.parseWebhookEvent(input);
      assert.equal(e.eventId, 'e1');
      assert.equal(e.data.text, 'hi');
      assert.equal(e.context.n, 1);
      assert.equal(e.fromUserProfilePic, null);
    }
    for (const [change, field] of [
      [{ eventType: 'Nope' }, 'eventType'], [{ eventId: null }, 'eventId'], [{ eventId: '' }, 'eventId'],
      [{ eventId: 7 }, 'eventId'], [{ objectType: 'Team' }, 'objectType'], [{ data: 'hi' }, 'data'],
      [{ data: ['hi'] }, 'data'], [{ data: {} }, 'data.text'], [{ data: { text: null } }, 'data.text'],
    ]) {
      assert.throws(() => kz.parseWebhookEvent({ ...body, ...change }), (e) => refused('parseWebhookEvent', field)(e)
        && e.message.includes('not a Kaizala webhook event'), JSON.stringify(change));
    }
    const { eventId, ...noId } = body;
    assert.throws(() => kz.parseWebhookEvent(noId), refused('parseWebhookEvent', 'eventId'));
    for (const bad of [[1], '[1]', 'null', '7', null, undefined, 42]) {
      assert.throws(() => kz.parseWebhookEvent(bad), refused('parseWebhookEvent', 'body'), String(bad));
    }
    assert.throws(() => kz.parseWebhookEvent('not json'), refused('parseWebhookEvent', 'body'));
    assert.throws(() => kz.parseWebhookEvent(new Uint8Array([0x7b, 0xff, 0x7d])), (e) => refused('parseWebhookEvent', 'body')(e)
      && /UTF-8/.test(e.message));
  });

  test("the document's event samples parse; the announcement's url/fileName read as mediaUrl/mediaFileName", () => {
    const announcement = {
      objectId: '8c291050-9be8-45d6-97f5-bb7013930027', objectType: 'Group', eventType: 'Announcement',
      eventId: '3e49b367-acf6-48a7-a675-6bf4d372a070',
      data: {
        text: 'Caption :Testing.', title: 'Sent by Robin Richard',
        media: [{ url: 'https://cdn.inc-000.kms.osi.office.net/contenthost/beb2.jpeg', fileName: 'e3c1.jpeg' }],
      },
      context: 'Any data which is required to be returned in callback', fromUser: '+91xxxxxxxx',
      fromUserId: '72e91-f3-4e7b-84eb-4e228406fb9b', fromUserName: 'Robin Richard', fromUserProfilePic: 'https://x/p.jpg',
    };
    const e = kz.parseWebhookEvent(announcement);
    assert.deepEqual(e.data.media[0], { mediaUrl: 'https://cdn.inc-000.kms.osi.office.net/contenthost/beb2.jpeg', mediaFileName: 'e3c1.jpeg' });
    assert.equal(e.data.title, 'Sent by Robin Richard');
    assert.equal(announcement.data.media[0].url.length > 0, true, "the caller's object is left as it was");
    const kept = kz.parseWebhookEvent({ ...announcement, data: { title: 't', media: [{ url: 'old', mediaUrl: 'new' }] } });
    assert.deepEqual(kept.data.media[0], { mediaUrl: 'new' }, 'the canonical name wins');
    const job = {
      objectId: '8c2950-9be8-45d6-97f5-bb7013930027', objectType: 'Group', eventType: 'JobCreated',
      eventId: '3e49b367-acf6-48a7-a675-6bf4d372a070',
      data: { assignedTo: ['+919740797266'], title: 'Test Job', dueDate: '2018-03-22T18:29:59Z',
        actionId: 'aeb012-31a0-477a-a131-8a1e2791b36e', groupId: '8c291050-9be8-6-97f5-bb7013930027' },
      context: 'Any data', fromUser: '+91xxxxxxxx', fromUserId: 'u', fromUserName: 'Robin Richard', fromUserProfilePic: 'p',
    };
    assert.equal(kz.parseWebhookEvent(job).data.dueDate, '2018-03-22T18:29:59Z');
    // The event types only the exported requests name are events too.
    for (const t of ['PollCreated', 'PollResponse', 'LetsMeetCreated', 'LetsMeetResponse']) {
      assert.equal(kz.parseWebhookEvent({ ...job, eventType: t }).eventType, t);
    }
    assert.throws(() => kz.parseWebhookEvent({ ...job, data: { title: 'x' } }), refused('parseWebhookEvent', 'data.actionId'));
    for (const [type, field] of [['MemberAdded', 'data.member'], ['GroupRemoved', 'data.groupId'], ['AttachmentCreated', 'data.media']]) {
      assert.throws(() => kz.parseWebhookEvent({ ...job, eventType: type, data: {} }), refused('parseWebhookEvent', field));
    }
  });
});

describe('named connections', () => {
  const NOW = Date.now();
  const entry = (app, name, extra = {}) => [`kaizala:${app}:${name}`, JSON.stringify({
    v: 1, applicationId: app, connection: name, refreshToken: 'secret-refresh', accessToken: 'secret-access',
    accessTokenExpiry: NOW + 60_000, endpointUrl: 'http://h/inc-000/', scopes: ['groupinfo.read'], updatedAt: 1, ...extra,
  })];
  /** A storage over `entries`: with `keys()`, or with `length` and `key(i)`. */
  const storageOf = (entries, kind) => {
    const map = new Map(entries);
    const base = {
      map,
      getItem: (k) => (map.has(k) ? map.get(k) : null),
      setItem: (k, v) => void map.set(k, String(v)),
      removeItem: (k) => void map.delete(k),
    };
    if (kind === 'keys') return { ...base, keys: () => map.keys() };
    return Object.defineProperties(base, {
      length: { get: () => map.size },
      key: { value: (i) => [...map.keys()][i] ?? null },
    });
  };

  test('whole entries only, sorted by name, never a token', () => {
    const sales = entry('app1', 'sales');
    for (const kind of ['keys', 'length']) {
      const st = storageOf([
        sales, entry('app1', 'north:group'), entry('app2', 'default'), entry('app0', 'sales'),
        ['kaizala:app1:sales:oauth', 'state123'], ['kaizala:app1:broken', '{not json'],
        // An entry moved under another key is not the key's connection.
        ['kaizala:app1:other', sales[1]],
        entry('app1', 'old', { v: 2 }), entry('app1', 'badscopes', { scopes: null }), entry('app1', 'badexp', { accessTokenExpiry: 1.5 }),
        entry('app1', 'badtoken', { refreshToken: 3 }),
        ['theme', 'dark'],
      ], kind);
      const l = kz.KaizalaClient.connections(st);
      assert.deepEqual(l.map((c) => `${c.name}@${c.applicationId}`), ['default@app2', 'north:group@app1', 'sales@app0', 'sales@app1']);
      assert.ok(!JSON.stringify(l).includes('secret'), JSON.stringify(l));
      assert.deepEqual(l[3], {
        name: 'sales', connection: 'sales', applicationId: 'app1', endpointUrl: 'http://h/inc-000/', accessTokenExpiry: NOW + 60_000,
        refreshTokenExpiry: null, scopes: ['groupinfo.read'], hasRefreshToken: true, signedIn: true,
      });
    }
  });

  test('signedIn: a usable access token or a live refresh token', () => {
    const st = storageOf([
      entry('a', 'expired', { accessTokenExpiry: NOW - 1, refreshToken: null }),
      entry('a', 'refresh', { accessToken: null, refreshTokenExpiry: NOW + 1000 }),
      entry('a', 'deadrefresh', { accessToken: null, refreshTokenExpiry: NOW - 1000 }),
      entry('a', 'noendpoint', { endpointUrl: null, refreshToken: '' }),
      entry('a', 'noexpiry', { accessTokenExpiry: null, refreshToken: null }),
    ], 'keys');
    const by = Object.fromEntries(kz.KaizalaClient.connections(st).map((c) => [c.name, [c.signedIn, c.hasRefreshToken]]));
    assert.deepEqual(by, {
      deadrefresh: [false, true], expired: [false, false], noendpoint: [false, false], noexpiry: [true, false], refresh: [true, true],
    });
  });

  test('forgetting a connection: of every connector, with its OAuth state, and nothing else', () => {
    const st = storageOf([entry('a', 'sales'), ['kaizala:a:sales:oauth', 's'], entry('b', 'sales'), entry('a', 'salesforce'), ['x', '1']], 'length');
    assert.equal(kz.KaizalaClient.removeConnection('sales', st), 3);
    assert.deepEqual([...st.map.keys()], ['kaizala:a:salesforce', 'x']);
    assert.equal(kz.KaizalaClient.removeConnection('nobody', st), 0);
  });

  test('storages that cannot be listed, and bad arguments, are refused', () => {
    const plain = { getItem: () => null, setItem() {}, removeItem() {} };
    assert.throws(() => kz.KaizalaClient.connections(plain), (e) => refused('connections', 'storage')(e) && /cannot be listed/.test(e.message));
    assert.throws(() => kz.KaizalaClient.connections('memory'), (e) => refused('connections', 'storage')(e) && /private/.test(e.message));
    assert.throws(() => kz.KaizalaClient.connections('local'), (e) => refused('connections', 'storage')(e) && /not available here/.test(e.message));
    assert.throws(() => kz.KaizalaClient.connections('disk'), refused('connections', 'storage'));
    assert.throws(() => kz.KaizalaClient.connections({ getItem() {} }), refused('connections', 'storage'));
    assert.throws(() => kz.KaizalaClient.removeConnection('', storageOf([], 'keys')), refused('removeConnection', 'name'));
    assert.throws(() => kz.KaizalaClient.removeConnection(1, storageOf([], 'keys')), refused('removeConnection', 'name'));
    assert.throws(() => kz.KaizalaClient.removeConnection('x', 'memory'), refused('removeConnection', 'storage'));
    // Keys a storage will not give are skipped, not fatal.
    const throwing = { ...storageOf([entry('a', 'sales')], 'keys'), getItem: () => { throw new Error('locked'); } };
    assert.deepEqual(kz.KaizalaClient.connections(throwing), []);
  });
});

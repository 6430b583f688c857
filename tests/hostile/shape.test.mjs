// A 2xx answer that is not the shape the call returns (a string, an array where an object is
// expected, a list that is not a list) is invalid_response, never a result.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, platform, refused } from './helpers.mjs';

let kz;
let p;
/** What the server answers (200) to every resource call of the test running. */
let answer;
before(async () => {
  kz = kaizala();
  p = await platform((rec, res) => (rec.url.startsWith('/inc-000/v1/') ? json(res, 200, answer) : false));
});
after(() => p.close());

describe('2xx answers of the wrong shape', () => {
  for (const [what, body] of [
    ['a JSON string', JSON.stringify('all good')],
    ['an array', [{ groupId: 'g1' }]],
    ['a number', '42'],
  ]) {
    test(`${what} where an object is expected: listGroups, getGroup, sendMessage`, async () => {
      answer = body;
      const client = new kz.KaizalaClient(options(p));
      await refused(client.listGroups(), 'invalid_response', kz);
      await refused(client.getGroup('g1'), 'invalid_response', kz);
      await refused(client.sendMessage('g1', 'hi'), 'invalid_response', kz);
    });

    test(`${what} to the listings behind exports and imports`, async () => {
      answer = body;
      const client = new kz.KaizalaClient(options(p));
      await refused(client.exportMembers('g1'), 'invalid_response', kz);
      await refused(client.exportSubscribers('g1'), 'invalid_response', kz);
      await refused(client.importMembers('g1', 'mobile\n+911000000001\n'), 'invalid_response', kz);
    });
  }

  test('a list that is not a list: listGroups', async () => {
    answer = { groups: 'g1' };
    const client = new kz.KaizalaClient(options(p));
    await refused(client.listGroups(), 'invalid_response', kz);
  });

  // The kinds of a clean answer are read in JS beside the scan: each one must come back as itself.
  for (const [groups, says] of [
    [undefined, 'has no `groups` list'],
    [null, 'has no `groups` list'],
    [true, 'has a boolean for `groups` where a list was expected'],
    [7, 'has a number for `groups` where a list was expected'],
    ['g1', 'has a string for `groups` where a list was expected'],
    [{ g: 1 }, 'has an object for `groups` where a list was expected'],
  ]) {
    test(`groups as ${JSON.stringify(groups)}: listGroups says the answer ${says}`, async () => {
      answer = { groups, more: [1] };
      const client = new kz.KaizalaClient(options(p));
      const e = await refused(client.listGroups(), 'invalid_response', kz);
      assert.equal(e.message, `listGroups: the answer ${says}`);
    });
  }

  for (const [body, kind] of [['"ok"', 'a string'], ['[]', 'an array'], ['1', 'a number'], ['false', 'a boolean'], ['null', 'null']]) {
    test(`${body} where an object is expected: the message names ${kind}`, async () => {
      answer = body;
      const client = new kz.KaizalaClient(options(p));
      const e = await refused(client.getGroup('g1'), 'invalid_response', kz);
      assert.equal(e.message, `getGroup: the answer is ${kind} where an object was expected`);
    });
  }

  test('a list that is not a list: the listings behind exports and imports', async () => {
    answer = { members: { m: 1 }, subscribers: 7 };
    const client = new kz.KaizalaClient(options(p));
    await refused(client.exportMembers('g1'), 'invalid_response', kz);
    await refused(client.exportSubscribers('g1'), 'invalid_response', kz);
    await refused(client.importMembers('g1', 'mobile\n+911000000001\n'), 'invalid_response', kz);
  });
});

describe('answers that are not JSON', () => {
  // The wasm reads answers with the host's JSON.parse: what it refuses, and what nests deeper
  // than the client reads, is invalid_response, as serde_json's reader had it.
  for (const [what, body] of [
    ['trailing text', '{"groups":[]} x'],
    ['single quotes', "{'groups':[]}"],
    ['NaN', '{"groups":[],"n":NaN}'],
    ['a number past a double\'s range', '{"groups":[1e400]}'],
    ['a trailing comma', '{"groups":[],}'],
    ['an unclosed object', '{"groups":['],
    ['arrays nested 129 deep', `{"groups":[],"x":${'['.repeat(129)}${']'.repeat(129)}}`],
    ['objects nested 100,000 deep', `{"groups":[],"x":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}`],
  ]) {
    test(`${what}: invalid_response`, async () => {
      answer = body;
      const client = new kz.KaizalaClient(options(p));
      await refused(client.listGroups(), 'invalid_response', kz);
    });
  }

  test('a byte-order mark before the JSON: read, as `Response.json()` reads it', async () => {
    answer = '\ufeff{"groups":[]}';
    const client = new kz.KaizalaClient(options(p));
    assert.deepEqual(await client.listGroups(), { groups: [] });
  });

  test('nested 120 deep: read', async () => {
    answer = `{"groups":[],"x":${'['.repeat(120)}${']'.repeat(120)}}`;
    const client = new kz.KaizalaClient(options(p));
    assert.deepEqual(await client.listGroups(), JSON.parse(answer));
  });
});

describe('answers of the right shape', () => {
  test('nothing to fold: the answer is the server\'s JSON as written, its keys in its order', async () => {
    answer = ' {"groups":[{"groupName":"n","groupId":"g1","z":[1,{"y":null,"b":"\\u00e9"}],"a":-0.5}],"big":12345678901234567890,"b":true} ';
    const client = new kz.KaizalaClient(options(p));
    const got = await client.listGroups();
    assert.deepEqual(got, JSON.parse(answer));
    assert.deepEqual(Object.keys(got), ['groups', 'big', 'b']);
    assert.deepEqual(Object.keys(got.groups[0]), ['groupName', 'groupId', 'z', 'a']);
    assert.deepEqual(Object.keys(got.groups[0].z[1]), ['y', 'b']);
  });

  test('something to fold: the folded answer, not the server\'s', async () => {
    answer = { groups: [{ groupImageURL: 'https://example.com/i.png', groupId: 'g1' }], hasMore: 'false' };
    const client = new kz.KaizalaClient(options(p));
    assert.deepEqual(await client.listGroups(), {
      groups: [{ groupImageUrl: 'https://example.com/i.png', groupId: 'g1' }],
      hasMore: false,
    });
  });

  // The wasm reads an answer into the core's tree only when something in it is marked for a fold
  // (normalize.rs `marks`); each kind of mark, found at any depth, still folds.
  for (const [what, call, body, want] of [
    ['a spelling deep in lists', (c) => c.listGroups(),
      { groups: [{ groupId: 'g1', x: [[{ y: { imageURL: 'u' } }]] }] },
      { groups: [{ groupId: 'g1', x: [[{ y: { imageUrl: 'u' } }]] }] }],
    ['a "true" string after clean keys', (c) => c.listGroups(),
      { groups: [], z: { a: 1, b: [true, null, 'x', { isAdded: 'True' }] } },
      { groups: [], z: { a: 1, b: [true, null, 'x', { isAdded: true }] } }],
    ['an action\'s numeric sentAt', (c) => c.listActions('g1'),
      { actions: [{ actionId: 'a1', sentAt: 1577836800000 }] },
      { actions: [{ actionId: 'a1', sentAt: '2020-01-01T00:00:00.000Z' }] }],
    ['an action\'s creationTime', (c) => c.getAction('g1', 'a1'),
      { actionId: 'a1', creationTime: 1577836800 },
      { actionId: 'a1', sentAt: '2020-01-01T00:00:00.000Z' }],
    ['the bare group of listSubGroups', (c) => c.listSubGroups('g1'),
      { groupId: 'g2', groupName: 'n' },
      { groups: [{ groupId: 'g2', groupName: 'n' }] }],
  ]) {
    test(`folded: ${what}`, async () => {
      answer = body;
      const client = new kz.KaizalaClient(options(p));
      assert.deepEqual(await call(client), want);
    });
  }

  test('marked keys of kinds no fold takes: the answer as it came', async () => {
    answer = '{"groups":[],"hasMore":false,"result":{"isAdded":true},"sentAt":5,"creationTime":6,"groupId":"g"}';
    const client = new kz.KaizalaClient(options(p));
    const got = await client.listGroups();
    assert.deepEqual(got, JSON.parse(answer));
    assert.deepEqual(Object.keys(got), ['groups', 'hasMore', 'result', 'sentAt', 'creationTime', 'groupId']);
  });

  test('an empty body: {}', async () => {
    answer = '  ';
    const client = new kz.KaizalaClient(options(p));
    assert.deepEqual(await client.sendMessage('g1', 'hi'), {});
  });
});

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

  test('a list that is not a list: the listings behind exports and imports', async () => {
    answer = { members: { m: 1 }, subscribers: 7 };
    const client = new kz.KaizalaClient(options(p));
    await refused(client.exportMembers('g1'), 'invalid_response', kz);
    await refused(client.exportSubscribers('g1'), 'invalid_response', kz);
    await refused(client.importMembers('g1', 'mobile\n+911000000001\n'), 'invalid_response', kz);
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

  test('an empty body: {}', async () => {
    answer = '  ';
    const client = new kz.KaizalaClient(options(p));
    assert.deepEqual(await client.sendMessage('g1', 'hi'), {});
  });
});

// Paths stay where they belong: an id or a request() path segment that is empty, `.`, `..` or a
// percent-encoded form of them is refused with invalid_input before anything is sent (not even a
// token is minted).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, platform, refused } from './helpers.mjs';

let kz;
let p;
before(async () => {
  kz = kaizala();
  p = await platform((rec, res) => json(res, 200, { result: true, groups: [] }));
});
after(() => p.close());

/** Every call is refused with invalid_input and the server hears nothing at all. */
async function allRefused(calls) {
  const client = new kz.KaizalaClient(options(p));
  const before = p.requests.length;
  for (const [what, call] of calls) {
    let e;
    try {
      await call(client);
    } catch (x) {
      e = x;
    }
    assert.ok(e, `${what} was sent`);
    assert.ok(e instanceof kz.KaizalaError, `${what}: ${e}`);
    assert.equal(e.code, 'invalid_input', `${what}: ${e.code}: ${e.message}`);
  }
  const heard = p.requests.slice(before).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(heard, [], 'nothing reached the server');
  // The same client, asked properly, is heard.
  await client.removeMember('g1', 'u1');
  assert.equal(p.requests.at(-1).url, '/inc-000/v1/groups/g1/members/u1');
}

describe('request() paths', () => {
  test('dot segments, empty segments and their encoded forms are refused before sending', () => allRefused([
    ['../../_emulator/seed', (c) => c.request('GET', '../../_emulator/seed')],
    ['..', (c) => c.request('GET', '..')],
    ['.', (c) => c.request('GET', '.')],
    ['./groups', (c) => c.request('GET', './groups')],
    ['groups/../../x', (c) => c.request('GET', 'groups/../../x')],
    ['groups/g1/..', (c) => c.request('DELETE', 'groups/g1/..')],
    ['groups/%2e%2e/%2e%2e/_emulator/seed', (c) => c.request('GET', 'groups/%2e%2e/%2e%2e/_emulator/seed')],
    ['groups/%2E%2E', (c) => c.request('GET', 'groups/%2E%2E')],
    ['groups/.%2e/x', (c) => c.request('GET', 'groups/.%2e/x')],
    ['groups/%2e', (c) => c.request('GET', 'groups/%2e')],
    ['groups//members', (c) => c.request('GET', 'groups//members')],
  ]));
});

describe('ids in paths', () => {
  test('removeMember with ".." (and its kin) is refused before sending', () => allRefused([
    ["removeMember('g1', '..')", (c) => c.removeMember('g1', '..')],
    ["removeMember('g1', '.')", (c) => c.removeMember('g1', '.')],
    ["removeMember('g1', '')", (c) => c.removeMember('g1', '')],
    ["removeMember('g1', '%2e%2e')", (c) => c.removeMember('g1', '%2e%2e')],
    ["removeMember('g1', '%2E')", (c) => c.removeMember('g1', '%2E')],
    ["removeMember('..', 'u1')", (c) => c.removeMember('..', 'u1')],
  ]));

  test('deleteWebhook with "." (and its kin) is refused before sending', () => allRefused([
    ["deleteWebhook('.')", (c) => c.deleteWebhook('.')],
    ["deleteWebhook('..')", (c) => c.deleteWebhook('..')],
    ["deleteWebhook('%2E')", (c) => c.deleteWebhook('%2E')],
    ["deleteWebhook('.%2e')", (c) => c.deleteWebhook('.%2e')],
    ["deleteWebhook('')", (c) => c.deleteWebhook('')],
  ]));

  test('other ids in paths too', () => allRefused([
    ["getGroup('..')", (c) => c.getGroup('..')],
    ["listMembers('%2e%2e')", (c) => c.listMembers('%2e%2e')],
    ["removeSubGroup('g1', '.')", (c) => c.removeSubGroup('g1', '.')],
    ["getAction('g1', '..')", (c) => c.getAction('g1', '..')],
    ["updateWebhook('..', {active: true})", (c) => c.updateWebhook('..', { active: true })],
    ["deleteBot('%2e%2e')", (c) => c.deleteBot('%2e%2e')],
    ["exportSubscribers('..')", (c) => c.exportSubscribers('..')],
    ["importMembers('..', csv)", (c) => c.importMembers('..', 'mobile\n+911000000001\n')],
  ]));
});

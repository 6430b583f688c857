// The package's declarations, resolved through `exports.types` from the installed tarball, checked by
// the TypeScript compiler in strict mode: a file using the API compiles, misuses do not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { ROOT, installedProject, runInProject } from './helpers.mjs';

const TSC = path.join(ROOT, 'tests/node_modules/.bin/tsc');

const GOOD = `
import { KaizalaClient, KaizalaError, errorCodes, parseWebhookEvent, verifyWebhook, webhookValidationToken } from 'kaizala';
import type { Subscriber, TokenInfo, KaizalaErrorCode, Group, ActionPage, TokenStorage, UploadRecord, Connection, WebhookEvent } from 'kaizala';

const mem = new Map<string, string>();
const storage: TokenStorage = {
  getItem: (k) => mem.get(k) ?? null,
  setItem: (k, v) => { mem.set(k, v); },
  removeItem: (k) => { mem.delete(k); },
};

export async function main(): Promise<number> {
  const client = new KaizalaClient({
    applicationId: 'app',
    applicationSecret: 'secret',
    refreshToken: 'refresh',
    storage,
    timeoutMs: 5000,
    onTokenChange: (info: TokenInfo) => console.log(info.endpointUrl, info.scopes.length),
    onResponse: (e) => console.log(e.method, e.url, e.status, e.timeMs, e.retry, e.operation),
  });
  const other = new KaizalaClient({
    applicationId: 'app',
    storage: 'session',
    tokenProvider: async () => ({ accessToken: 'a', endpointUrl: 'https://h/', accessTokenExpiry: Date.now() + 1000 }),
  });
  await other.generatePin('+911000000001');
  const login = await other.loginWithPin('+911000000001', 1234);
  const scopes: string[] | undefined = login.scopes;
  const url: string = client.authorizeUrl('https://app/cb', 'xyz');
  const info: TokenInfo = await client.completeAuthorization(url);
  const token: string = await client.accessToken();

  const ac = new AbortController();
  const { groups } = await client.listGroups({ showDetail: true }, { signal: ac.signal });
  const first: Group = groups[0];
  const created = await client.createGroup({ name: 'n', welcomeMessage: 'w', members: ['+911000000010'], groupType: 'ConnectGroup' });
  const sub = await client.listSubGroups(created.groupId, { fetchAllGroups: true });
  const kids: Group[] = sub.groups[0].subGroups ?? [];
  const added: boolean = created.membersAdded;
  const members = await client.listMembers(first.groupId);
  const role: string = members.members[0].role;
  const sent = await client.sendMessage(first.groupId, 'hi');
  await client.sendMessage(first.groupId, { message: 'all', sendToAllSubscribers: true });
  const poll = await client.postPoll(first.groupId, { question: 'q?', choices: [{ title: 'a' }, { title: 'b' }] });
  await client.respondToAction(first.groupId, poll.referenceId, { actionType: 'Poll', actionBody: { answers: ['a'] } });
  await client.postSurvey(first.groupId, { title: 's', questions: [{ title: 'q', type: 'SingleOption', options: [{ title: 'x' }] }] });
  await client.postCustomAction(first.groupId, 'com.example.pkg', { properties: [{ name: 'n', type: 'Text', value: 'v' }] });
  const page: ActionPage = await client.listActions(first.groupId, { actionType: 'Poll', count: 10 });
  const details = await client.getAction(first.groupId, page.actions[0].actionId ?? '', { getDetails: true });
  const results = details.actionDetails.results?.map((r) => r.count) ?? [];
  const done: number | undefined = page.actions[0].actionBody.responseCount;
  const closes: string | undefined = page.actions[0].actionBody.expiryDate;
  const jobDone: boolean | undefined = details.actionDetails.status;
  await client.postAnnouncement(first.groupId, { message: 'untitled' });
  const media = await client.uploadMedia(new Uint8Array([1, 2, 3]), { fileName: 'a.png' });
  await client.postMedia(first.groupId, { mediaResource: media.mediaResource, caption: 'c' });
  await client.addReaction(first.groupId, { referenceId: sent.referenceId, reactionType: 'Like' });
  const hook = await client.createWebhook({ objectId: first.groupId, objectType: 'Group', eventTypes: ['TextMessageCreated', 'PollCreated', 'LetsMeetResponse'], callBackUrl: 'https://h/cb', callBackContext: { tag: 1 } });
  await client.updateWebhook(hook.webhookId, { active: true });
  const raw = await client.request('GET', 'groups', { query: { showDetail: true } });

  let n = 0;
  for await (const s of client.subscribers(first.groupId)) { const x: Subscriber = s; n += x.mobileNumber.length; }
  for await (const a of client.actions(first.groupId, { actionType: 'Job' })) n += a.sentAt.length;
  for await (const r of client.groupReactions(first.groupId, { maxPages: 50 })) n += r.reactionsCountMap.like;
  for await (const r of client.reactions(first.groupId, sent.referenceId, { reactionType: 'Comment' })) n += r.reactionId.length;

  try {
    await client.me();
  } catch (e) {
    if (e instanceof KaizalaError) {
      const code: KaizalaErrorCode = e.code;
      const status: number = e.status;
      const wait: number | undefined = e.retryAfter;
      const platform: string | undefined = e.platformCode;
      console.log(code, status, wait, e.operation, e.field, platform, e.message, e.stack);
    }
  }
  const codes: KaizalaErrorCode[] = errorCodes();
  const limited = new KaizalaClient({ applicationId: 'app', rateLimit: { calls: 10, windowMs: 1000 } });
  new KaizalaClient({ applicationId: 'app', rateLimit: false, maxResponseBytes: 1048576 });
  const record: UploadRecord = await limited.importMembers('g', new Blob(['mobileNumber\\n+911000000001']), {
    batchSize: 50, maxRows: 500_000, onProgress: (p) => console.log(p.done, p.total, p.failed),
  });
  const status: 'Completed' | 'CompletedWithErrors' | 'Failed' = record.status;
  const omitted: number = record.errorsOmitted + record.membersOmitted;
  const csv: string = (await client.exportMembers('g')) + (await client.exportSubscribers('g')) + record.errorLogCsv;
  const held: Connection[] = KaizalaClient.connections('local');
  const removed: number = KaizalaClient.removeConnection('sales', 'session');
  const vt: string | null = webhookValidationToken('/hook?validationToken=t');
  const ok: boolean = verifyWebhook({ 'kz-callback-token': 't' }, 't') && verifyWebhook(new Headers(), 't');
  const ev: WebhookEvent = parseWebhookEvent('{}');
  if (ev.eventType === 'TextMessageCreated') n += ev.data.text.length;
  if (ev.eventType === 'MemberAdded') n += ev.data.member.length;
  n += status.length + csv.length + held.length + removed + (vt ?? '').length + (ok ? 1 : 0) + ev.eventId.length;
  client.logout();
  return n + kids.length + results.length + codes.length + token.length + role.length + (scopes?.length ?? 0) + (info.signedIn ? 1 : 0) + (raw === null ? 0 : 1);
}
`;

// Each line must be refused by the compiler.
const BAD = [
  `new KaizalaClient({});`,
  `new KaizalaClient({ applicationId: 'a', storage: 'disk' });`,
  `new KaizalaClient({ applicationId: 'a', timeoutMs: '5s' });`,
  `void client.listGroups({ showDetail: 'yes' });`,
  `void client.postPoll('g', { question: 'q' });`,
  `void client.addReaction('g', { referenceId: 'r', reactionType: 'Love' });`,
  `void client.createWebhook({ objectId: 'g', objectType: 'Group', eventTypes: ['Nope'], callBackUrl: 'u' });`,
  `void client.uploadMedia('text', { fileName: 'a.png' });`,
  `void client.request('PATCH', 'groups');`,
  `new KaizalaClient({ applicationId: 'a', rateLimit: 100 });`,
  `new KaizalaClient({ applicationId: 'a', maxResponseBytes: '16MB' });`,
  `void client.subscribers('g', { maxPages: 'all' });`,
  `void client.importMembers('g', 42);`,
  `void client.importMembers('g', 'csv', { maxRows: 'many' });`,
  `void (async () => { const r = await client.importMembers('g', 'csv'); const s: 'Done' = r.status; })();`,
  `void ((e: import('kaizala').WebhookEvent) => e.eventType === 'TextMessageCreated' && e.data.member);`,
  `const c: 'nope' = new KaizalaError('m').code;`,
  `void (async () => { const { groups } = await client.listGroups(); const n: number = groups[0].groupName; })();`,
  `void (async () => { const g = await client.createGroup({ name: 'n', welcomeMessage: 'w' }); const n: number = g.membersAdded; })();`,
  `void (async () => { const r = await client.listSubGroups('g'); const s = r.subGroups; })();`,
  `void (async () => { const p = await client.listActions('g'); const d: number = p.actions[0].actionBody.expiryDate; })();`,
];

function tsconfig(moduleResolution) {
  const module = moduleResolution === 'bundler' ? 'esnext' : 'nodenext';
  return { compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], module, moduleResolution,
    skipLibCheck: false, noUnusedLocals: false, types: [] } };
}

let dir;
before(() => {
  assert.ok(fs.existsSync(TSC), 'typescript is missing from tests/node_modules (run scripts/setup.sh node)');
  dir = path.join(installedProject().dir, 'ts');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
});

function tsc(name, source, moduleResolution) {
  const sub = path.join(dir, name);
  fs.mkdirSync(sub, { recursive: true });
  fs.writeFileSync(path.join(sub, 'main.ts'), source);
  fs.writeFileSync(path.join(sub, 'tsconfig.json'), JSON.stringify({ ...tsconfig(moduleResolution), files: ['main.ts'] }));
  const r = spawnSync(TSC, ['-p', sub], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

for (const resolution of ['nodenext', 'bundler']) {
  test(`a program using the API type-checks (strict, moduleResolution ${resolution})`, () => {
    const r = tsc(`good-${resolution}`, GOOD, resolution);
    assert.ok(r.ok, r.out);
  });
}

test('misuses are type errors', () => {
  const head = `import { KaizalaClient, KaizalaError } from 'kaizala';\nconst client = new KaizalaClient({ applicationId: 'a' });\nvoid client; void KaizalaError;\n`;
  BAD.forEach((line, i) => {
    const r = tsc(`bad-${i}`, `${head}${line}\nexport {};\n`, 'nodenext');
    assert.ok(!r.ok, `accepted: ${line}`);
    assert.match(r.out, /main\.ts\(4,/, `the error is not on the misuse line: ${line}\n${r.out}`);
  });
});

test('the declarations have no any', () => {
  const dts = fs.readFileSync(path.join(installedProject().dir, 'node_modules/kaizala/kaizala.d.ts'), 'utf8');
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /\bany\b/);
});

// The declarations are kept by hand; this keeps them from drifting from what the package exports:
// every method, static and function the installed package has is declared, and nothing more.
test('the declarations name exactly what the package exports', async () => {
  // The TypeScript here is the native compiler, without a JS API: the class is read by its layout
  // (one member a line, two spaces in, the class closed by a `}` of its own).
  const { dir } = installedProject();
  const dts = fs.readFileSync(path.join(dir, 'node_modules/kaizala/kaizala.d.ts'), 'utf8');
  const declared = { methods: new Set(), statics: new Set(), functions: new Set() };
  for (const m of dts.matchAll(/^export (?:declare )?function ([A-Za-z_$][\w$]*)/gm)) declared.functions.add(m[1]);
  const body = dts.match(/^export (?:declare )?class KaizalaClient \{\n([\s\S]*?)^\}/m);
  assert.ok(body, 'no class KaizalaClient in kaizala.d.ts');
  for (const m of body[1].matchAll(/^  (static )?([A-Za-z_$][\w$]*)\s*[(<]/gm)) {
    if (m[2] !== 'constructor') (m[1] ? declared.statics : declared.methods).add(m[2]);
  }
  const out = await runInProject('exported-names.mjs', `
    import * as api from 'kaizala';
    const own = (o, stop) => { const s = new Set(); for (let p = o; p && p !== stop; p = Object.getPrototypeOf(p)) for (const n of Object.getOwnPropertyNames(p)) s.add(n); return [...s]; };
    const methods = own(api.KaizalaClient.prototype, Object.prototype).filter((n) => n !== 'constructor' && !n.startsWith('__'));
    const statics = own(api.KaizalaClient, Function.prototype).filter((n) => typeof api.KaizalaClient[n] === 'function');
    const functions = Object.keys(api).filter((n) => n !== 'default' && typeof api[n] === 'function' && !/^[A-Z]/.test(n));
    console.log(JSON.stringify({ methods, statics, functions }));
  `);
  const got = JSON.parse(out.trim().split('\n').pop());
  const sorted = (xs) => [...xs].sort();
  assert.ok(got.methods.length > 40, `too few methods found: ${got.methods}`);
  assert.deepEqual(sorted(declared.methods), sorted(got.methods), 'KaizalaClient methods');
  assert.deepEqual(sorted(declared.statics), sorted(got.statics), 'KaizalaClient statics');
  assert.deepEqual(sorted(declared.functions), sorted(got.functions), 'exported functions');
});

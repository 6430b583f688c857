// Page tests of the demo (www/) in headless Chromium, against a real emulator.
//   node --test tests/page/                     starts its own release emulator on a free port
//   scripts/with-emulator.sh --static www -- node --test tests/page/   uses that one (KAIZALA_EMULATOR_URL)
// The page imports ./pkg/web/index.js; the tests serve it from the repository's pkg/ (built by
// `make pkg`), or www/pkg/ when only that exists.
// Screenshots of every step go to target/screenshots/.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const shots = join(root, 'target/screenshots');
const TIMEOUT = 10_000;

let emulator; // child process when we started it
let url; // emulator origin
let browser;
let context;
let page;
let seed;
const pageErrors = [];
const stamp = Date.now().toString(36);

async function startEmulator() {
  if (process.env.KAIZALA_EMULATOR_URL) return process.env.KAIZALA_EMULATOR_URL.replace(/\/$/, '');
  const bin = join(root, 'target/release/kaizala-emulator');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build --release -p kaizala-emulator`);
  const args = ['--port', '0', '--static', 'www', '--quiet', '--connector-limit', '100000',
    '--tenant-limit', '100000', '--webhook-backoff-ms', '50'];
  // Through a shell that stops the emulator when our stdin pipe closes: at the end of the run, and
  // also when this process dies any way at all (killed, a closed output pipe), so none is left behind.
  emulator = spawn('sh', ['-c', '"$0" "$@" & p=$!; read _; kill $p; wait $p', bin, ...args],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the emulator printed no URL: ${out}`)), 15_000);
    emulator.on('exit', (code) => fail(new Error(`the emulator exited (${code}): ${out}`)));
    emulator.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^Kaizala emulator listening on (\S+)/m);
      if (m) {
        clearTimeout(timer);
        ok(m[1].replace(/\/$/, ''));
      }
    });
  });
}

/** Where the page's ./pkg/ comes from: the repository's pkg/ (fresh build) or www/pkg/ (make demo's copy). */
function packageDir() {
  for (const dir of [join(root, 'pkg'), join(root, 'www/pkg')]) {
    if (existsSync(join(dir, 'web/index.js'))) return dir;
  }
  return null;
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.ts': 'text/plain' };

async function servePackage(ctx) {
  const dir = packageDir();
  if (!dir) {
    throw new Error('the client package is not built: no pkg/web/index.js (run `make pkg`)');
  }
  await ctx.route(`${url}/pkg/**`, (r) => {
    const path = new URL(r.request().url()).pathname.replace(/^\/pkg\//, '');
    const file = resolve(dir, path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return r.fulfill({ status: 404, body: 'not found' });
    return r.fulfill({ status: 200, contentType: TYPES[extname(file)] || 'application/octet-stream', body: readFileSync(file) });
  });
  return dir;
}

async function shot(name, fullPage = false) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
}

/** Toasts still fading out would cover what a picture is of. */
function clearToasts() {
  return page.locator('.toast').evaluateAll((ts) => ts.forEach((t) => t.remove()));
}

/** localStorage keys that belong to the client (the page's own start with "kaizala-demo:"). */
function clientKeys() {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => !k.startsWith('kaizala-demo:')));
}

async function api(path) {
  const r = await fetch(url + path);
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return r.json();
}

const feed = () => page.getByRole('list', { name: 'Messages and actions' });

describe('demo page', { timeout: 120_000 }, () => {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    url = await startEmulator();
    seed = await api('/_emulator/seed');
    const home = await fetch(`${url}/`);
    assert.match(home.headers.get('content-type') || '', /text\/html/,
      `${url}/ is not the demo page: start the emulator with --static www`);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const from = await servePackage(context);
    console.log(`# emulator ${url}; package from ${from}`);
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (emulator) {
      emulator.removeAllListeners('exit');
      const gone = new Promise((ok) => emulator.once('exit', ok));
      emulator.stdin.end();
      await gone;
    }
  });

  test('the page loads and offers three ways to sign in', async () => {
    await page.goto(`${url}/`);
    await page.locator('#signin').waitFor();
    for (const name of ['PIN', 'Refresh token', 'OAuth']) {
      assert.ok(await page.getByRole('tab', { name }).isVisible(), `tab ${name}`);
    }
    // Prefilled from /_emulator/seed.
    await page.getByRole('tab', { name: 'Refresh token' }).click();
    assert.equal(await page.getByLabel('Connector id (applicationId)').inputValue(), seed.applicationId);
    assert.equal(await page.getByRole('textbox', { name: 'Refresh token' }).inputValue(), seed.userRefreshToken);
    await shot('00-sign-in');
    await page.getByRole('tab', { name: 'PIN' }).click();
  });

  test('a refused call shows a readable message with its code', async () => {
    await page.getByLabel('Mobile number').fill('+12');
    await page.getByRole('button', { name: 'Send PIN' }).click();
    const err = page.locator('#signin-error');
    await err.waitFor();
    const text = await err.innerText();
    assert.match(text, /\((invalid_input|not_found)\b/, text);
    assert.doesNotMatch(text, /\[object|^\{/, text);
    await shot('01-error');
  });

  test('signs in with a PIN shown from the SMS outbox', async () => {
    await page.getByLabel('Mobile number').fill('+911000000001');
    await page.getByRole('button', { name: 'Send PIN' }).click();
    await page.locator('#sms').waitFor();
    const sms = await api('/_emulator/sms?mobileNumber=%2B911000000001');
    const pin = String(sms.messages[0].pin);
    assert.match(await page.locator('#sms-text').innerText(), new RegExp(`\\b${pin}\\b`));
    assert.equal(await page.getByRole('textbox', { name: 'PIN' }).inputValue(), pin);
    await shot('02-pin-sent');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#app').waitFor();
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();
    await page.locator('#token-countdown', { hasText: /expires in \d+ h/ }).waitFor();
    assert.match(await page.locator('#token-info').innerText(), /inc-000/);
    assert.ok((await clientKeys()).length > 0, 'the client keeps its tokens in localStorage');
    await page.getByRole('button', { name: /North Field Team/ }).waitFor(); // the sub-group tree
    await shot('03-signed-in');
  });

  test('sends a message and sees it listed', async () => {
    await page.getByRole('button', { name: /^Contoso Relief/ }).click();
    await feed().getByText('Good morning, team!', { exact: false }).waitFor();
    const text = `Hello from the page test ${stamp}`;
    await page.getByLabel('New message').fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await feed().getByText(text).waitFor();
    await shot('04-message-sent');
  });

  test('actions show their summaries: job progress, due date, poll and survey expiry', async () => {
    // Every drill-down (GET …/actions/{id}) fails: what shows comes from the listing's summaries.
    const drillDown = /\/v1\/groups\/[^/]+\/actions\/[^/?]+(\?.*)?$/;
    const refused = [];
    await page.route(drillDown, (r) => {
      refused.push(r.request().url());
      return r.abort();
    });
    try {
      await page.getByRole('button', { name: /^Contoso Relief/ }).click();
      const job = feed().locator('li.item', { hasText: 'Count blankets at the north depot' });
      await job.getByText('1 of 3 done').waitFor();
      assert.match(await job.innerText(), /Assigned to 3 · due in \d+ h/);
      assert.deepEqual(await job.getByRole('progressbar', { name: 'Job progress' }).evaluate((el) => [el.value, el.max]), [1, 3]);
      const poll = feed().locator('li.item', { hasText: 'Which day suits the monthly review?' });
      await poll.getByText(/^Closes in (29|30) d$/).waitFor();
      const survey = feed().locator('li.item', { hasText: 'Field readiness check' });
      await survey.getByText(/^2 people responded · closes in [67] d$/).waitFor();
      assert.ok(refused.length > 0, 'the poll still asks for its tally');
      await job.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await clearToasts();
      await shot('04b-action-summaries');
    } finally {
      await page.unroute(drillDown);
    }
    await page.getByRole('button', { name: /^Contoso Relief/ }).click();
    await feed().locator('li.item', { hasText: 'Which day suits the monthly review?' }).getByText(/\d+ votes? · pick one to answer/).waitFor();
  });

  test('posts a poll and answers it, and the tally counts the answer', async () => {
    await page.getByRole('tab', { name: 'Post' }).click();
    const question = `Best colour for the vests? ${stamp}`;
    await page.getByLabel('Question', { exact: true }).fill(question);
    await page.getByLabel('Choice 1').fill('Orange');
    await page.getByLabel('Choice 2').fill('Yellow');
    await page.getByRole('button', { name: '+ Add a choice' }).click();
    await page.getByLabel('Choice 3').fill('Green');
    await shot('05-poll-form');
    await page.getByRole('button', { name: 'Post poll' }).click();
    const poll = feed().locator('li.item', { hasText: question });
    await poll.waitFor();
    await poll.getByText('0 votes · pick one to answer').waitFor();
    await poll.getByRole('button', { name: /^Yellow: 0 votes/ }).click();
    await poll.getByText('1 vote · you answered').waitFor();
    const yellow = poll.getByRole('button', { name: /^Yellow: 1 vote, 100%, your answer/ });
    assert.equal(await yellow.getAttribute('aria-pressed'), 'true');
    await poll.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot('06-poll-answered');
  });

  test('uploads a picture, posts it, and likes it', async () => {
    await page.getByRole('tab', { name: 'Post' }).click();
    await page.getByRole('radio', { name: 'Picture' }).check();
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await page.getByLabel('Picture file').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
    const caption = `A dot ${stamp}`;
    await page.getByLabel('Caption').fill(caption);
    await page.getByRole('button', { name: 'Upload and post' }).click();
    const item = feed().locator('li.item', { hasText: caption });
    await item.getByRole('img', { name: caption }).waitFor();
    await item.getByRole('button', { name: 'Like (0 likes)' }).click();
    await item.getByRole('button', { name: 'Like (1 likes)' }).waitFor();
    await item.getByRole('button', { name: /^Comment/ }).click();
    await item.getByLabel('Comment', { exact: true }).fill('Nice one');
    await item.getByRole('button', { name: 'Post', exact: true }).click();
    await item.getByRole('button', { name: 'Comment (1 comments)' }).waitFor();
    await item.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot('07-picture-liked');
  });

  test('registers a webhook and watches the event arrive', async () => {
    const inbox = `page-${stamp}`;
    await page.getByRole('tab', { name: /^Webhook/ }).click();
    await page.getByLabel('Inbox name').fill(inbox);
    await page.getByRole('button', { name: 'Register webhook' }).click();
    await page.getByRole('list', { name: 'Webhooks of this group' }).getByText(`/_emulator/inbox/${inbox}`).waitFor();
    // Something happens in the group…
    await page.getByRole('tab', { name: 'Conversation' }).click();
    const text = `Webhook check ${stamp}`;
    await page.getByLabel('New message').fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await feed().getByText(text).waitFor();
    // …and the tab counts the events that arrive while it is not shown.
    await page.getByRole('tab', { name: /^Webhook\s*\d+/ }).waitFor();
    await page.getByRole('tab', { name: /^Webhook/ }).click();
    const event = page.locator('.event[data-event-type=TextMessageCreated]', { hasText: text });
    await event.waitFor();
    assert.match(await event.innerText(), /callback token ✓/);
    const box = await api(`/_emulator/inbox/${inbox}`);
    assert.ok(box.events.some((e) => e.body?.data?.text === text), 'the inbox holds the event');
    await shot('07-webhook-event-b');
  });

  test('a reload keeps you signed in', async () => {
    await page.reload();
    await page.locator('#app').waitFor();
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();
    assert.equal(await page.locator('#signin').isVisible(), false);
    // The last group opens again, with the message sent before the reload.
    await feed().getByText(`Hello from the page test ${stamp}`).waitFor();
    await shot('08-after-reload');
  });

  test('works on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('tab', { name: 'Conversation' }).click();
    await feed().getByText(`Hello from the page test ${stamp}`).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.checkVisibility())
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.slice(0, 30)}"`).slice(0, 8));
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone: ${wide.join('; ')}`);
    await shot('09-phone');
    await shot('09-phone-full', true);
    await page.getByRole('tab', { name: 'Members' }).click();
    await page.getByRole('button', { name: 'Remove Deepa Nair' }).waitFor();
    await shot('10-phone-members');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('members: add and remove', async () => {
    await page.getByRole('tab', { name: 'Members' }).click();
    const people = page.getByRole('list', { name: 'Members' });
    await page.getByLabel('Numbers to add (comma-separated)').fill('+911000000020');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await people.getByText('+911000000020').waitFor();
    await page.getByRole('button', { name: 'Remove Nadia Rahman' }).click();
    await people.getByText('+911000000020').waitFor({ state: 'detached' });
    await shot('11-members');
  });

  test('members: imports a CSV with bad rows, repeats and a member already in', async () => {
    await page.getByRole('tab', { name: 'Members' }).click();
    const people = page.getByRole('list', { name: 'Members' });
    const count = page.getByText(/^\d+ members?$/);
    await count.waitFor();
    const before = Number((await count.innerText()).match(/\d+/)[0]);
    assert.equal(await people.locator('li.person').count(), before);
    const treeCount = page.locator('.tree-item[aria-current="true"] .tree-meta > span:last-child');
    const headCount = page.locator('.group-meta').getByText(/^\d+ people$/);
    const treeBefore = Number(await treeCount.innerText());
    assert.equal(await headCount.innerText(), `${treeBefore} people`);

    // 200 rows: 191 new numbers, 5 bad rows, 3 repeats (one written another way), Deepa Nair already in.
    const badLines = [',No number,North', 'not-a-number,Typo,South', '9700001234,No country code,North', '+91abc,Letters,South', '+919700009999,Extra,North,oops'];
    const rows = [];
    for (let i = 1; i <= 191; i++) {
      rows.push(`+91970000${String(i).padStart(4, '0')},Volunteer ${i},${i % 2 ? 'North' : 'South'}`);
      if (i % 38 === 0) rows.push(badLines[i / 38 - 1]);
    }
    rows.splice(60, 0, '+911000000010,Deepa Nair,North');
    rows.splice(120, 0, '+919700000005,Volunteer 5 again,North', '+91 970 000 0006,Volunteer 6 again,South');
    rows.push('+919700000007,Volunteer 7 again,North');
    assert.equal(rows.length, 200);
    const csv = `mobileNumber,name,team\r\n${rows.join('\r\n')}\r\n`;
    // Rows as a spreadsheet numbers them: the header is row 1.
    const badRows = rows.map((line, i) => [i + 2, line]).filter(([, line]) => badLines.includes(line)).map(([n]) => n);
    assert.equal(badRows.length, 5);

    // Slow two batches down, so the progress can be seen (the calls still go through).
    const groupId = seed.groups.find((g) => g.groupName === 'Contoso Relief').groupId;
    const fault = await fetch(`${url}/_emulator/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: `/v1/groups/${groupId}/members`, method: 'PUT', count: 2, delayMs: 700 }),
    });
    assert.equal(fault.status, 200);

    await page.getByLabel('CSV file of members').setInputFiles({ name: 'new-volunteers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText(/new-volunteers\.csv · \d/).waitFor();
    assert.equal(await page.getByLabel('Numbers per call').inputValue(), '50');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    // 9 rows settle on reading (5 bad, 3 repeats, 1 already in), then 50 per call; the second call is slowed.
    await page.getByText('59 of 200 rows · 5 failed').waitFor();
    await page.locator('.import-progress').scrollIntoViewIfNeeded();
    await clearToasts();
    await shot('16-import-in-progress');

    const summary = page.getByRole('region', { name: 'Import summary' });
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /Completed with errors/);
    assert.match(text, /new-volunteers\.csv · 200 rows/);
    assert.match(text, /Added\s+191\b/i);
    assert.match(text, /Already members\s+1\b/i);
    assert.match(text, /Duplicates\s+3\b/i);
    assert.match(text, /Failed\s+5\b/i);
    assert.deepEqual(await bar.evaluate((el) => [el.value, el.max]), [200, 200]);
    await page.getByText('200 of 200 rows · 5 failed').waitFor();

    // The error log: the five bad rows, by their place in the file.
    const [log] = await Promise.all([
      page.waitForEvent('download'),
      summary.getByRole('link', { name: 'Download error log' }).click(),
    ]);
    assert.equal(log.suggestedFilename(), 'new-volunteers-errors.csv');
    const lines = readFileSync(await log.path(), 'utf8').trim().split(/\r?\n/);
    assert.equal(lines[0], 'row,mobileNumber,reason');
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), badRows);
    assert.match(lines.find((l) => l.startsWith(`${badRows[2]},`)), /^\d+,9700001234,.*country code/);

    // The list grew by the numbers added.
    await page.getByText(`${before + 191} members`).waitFor();
    assert.equal(await people.locator('li.person').count(), before + 191);
    await people.getByText('+919700000191').waitFor();
    // The head counts (the tree's and the group's) follow.
    await headCount.filter({ hasText: `${treeBefore + 191} people` }).waitFor();
    assert.equal(await treeCount.innerText(), String(treeBefore + 191));
    await summary.scrollIntoViewIfNeeded();
    await clearToasts();
    await shot('17-import-summary');

    // Exported: a row per member shown.
    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export members as CSV' }).click(),
    ]);
    assert.equal(exported.suggestedFilename(), 'Contoso Relief-members.csv');
    const out = readFileSync(await exported.path(), 'utf8').trim().split(/\r?\n/);
    assert.match(out[0], /^id,mobileNumber,role,isProvisioned/);
    assert.equal(out.length - 1, before + 191);
    assert.ok(out.some((l) => l.includes(',+919700000100,')), 'an imported number is exported');

    // The sample offered to visitors is a CSV with the documented header.
    const [sample] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download a sample CSV' }).click(),
    ]);
    assert.match(readFileSync(await sample.path(), 'utf8'), /^mobileNumber,name,team\r?\n\+91/);

    // At phone width the import and its summary fit.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the members panel scrolls sideways by ${overflow}px on a phone`);
    await summary.scrollIntoViewIfNeeded();
    await clearToasts();
    await shot('18-phone-import-summary');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('subscribers of the public group page with "Show more"', async () => {
    await page.getByRole('button', { name: /^Contoso Updates/ }).click();
    await page.getByRole('tab', { name: 'Subscribers' }).click();
    const subs = page.getByRole('list', { name: 'Subscribers' }).locator('li');
    await page.getByText('20 subscribers shown, more to load.').waitFor();
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.getByText('40 subscribers shown, more to load.').waitFor();
    assert.equal(await subs.count(), 40);
    await shot('12-subscribers');
  });

  test('exports the subscribers of the public group', async () => {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export subscribers as CSV' }).click(),
    ]);
    assert.equal(file.suggestedFilename(), 'Contoso Updates-subscribers.csv');
    const lines = readFileSync(await file.path(), 'utf8').trim().split(/\r?\n/);
    assert.match(lines[0], /mobileNumber/);
    assert.equal(lines.length - 1, 120);
  });

  test('holds a second connection, switches between the two, removes one', async () => {
    const info = page.locator('#token-info');
    const conns = page.getByRole('list', { name: /^Connections/ });
    const connKeys = (name) => page.evaluate((n) => Object.keys(localStorage).filter((k) => k.startsWith('kaizala:') && k.endsWith(`:${n}`)), name);
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();
    assert.match(await info.innerText(), /Connection\s+default\b/i);

    // A second connection beside the PIN one: the connector's group token, named "connector".
    await page.getByRole('button', { name: 'Add a connection' }).click();
    await page.getByRole('heading', { name: 'Add a connection' }).waitFor();
    assert.equal(await page.getByLabel('Connection name').inputValue(), 'connection-2');
    // A name already held is refused, readably.
    await page.getByLabel('Connection name').fill('default');
    await page.getByRole('tab', { name: 'Refresh token' }).click();
    await page.getByLabel(/Group token/).check();
    await page.getByRole('button', { name: 'Sign in with the refresh token' }).click();
    await page.locator('#signin-error', { hasText: /already held/ }).waitFor();
    await page.getByLabel('Connection name').fill('connector');
    await page.getByRole('button', { name: 'Sign in with the refresh token' }).click();
    await page.locator('#app').waitFor();
    await page.locator('#me-conn', { hasText: 'connector' }).waitFor();
    await info.getByText('connector', { exact: true }).waitFor();
    assert.match(await info.innerText(), new RegExp(`Endpoint URL\\s+${url.replace(/[.]/g, '\\.')}/inc-\\d+/`, 'i'));
    await page.getByText('Connections (2)').waitFor();
    const current = conns.locator('li[aria-current=true]');
    assert.match(await current.innerText(), /^connector\b[\s\S]*Current/);
    assert.ok((await connKeys('default')).length > 0, 'the PIN connection is still held');
    const other = conns.locator('li', { hasText: 'default' });
    assert.match(await other.innerText(), /Asha Rao/);
    assert.match(await other.innerText(), /inc-\d+\//);
    await conns.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await clearToasts();
    await shot('19-connections');
    // On a phone the panel folds away under the groups, and opens to the same list.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#token-panel').evaluate((d) => { d.open = true; });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the connections scroll sideways by ${overflow}px on a phone`);
    await conns.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot('19-phone-connections');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Switch to the PIN one, and it stays current across a reload.
    await page.getByRole('button', { name: 'Switch to default' }).click();
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();
    assert.match(await info.innerText(), /Connection\s+default\b/i);
    await page.reload();
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();
    assert.equal(await page.locator('#me-conn').innerText(), 'default');
    // …and back.
    await page.getByRole('button', { name: 'Switch to connector' }).click();
    await page.locator('#me-conn', { hasText: 'connector' }).waitFor();
    await info.getByText('connector', { exact: true }).waitFor();
    await page.reload();
    await page.locator('#app').waitFor();
    assert.equal(await page.locator('#me-conn').innerText(), 'connector');
    await page.getByRole('button', { name: 'Switch to default' }).click();
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();

    // Remove the connector's one: its tokens go, the current one stays.
    await page.getByRole('button', { name: 'Remove connector' }).click();
    await page.getByText('Connections (1)').waitFor();
    assert.deepEqual(await connKeys('connector'), []);
    assert.ok((await connKeys('default')).length > 0);

    // Signing out leaves the other connections: add one, sign out of it, continue with "default".
    await page.getByRole('button', { name: 'Add a connection' }).click();
    await page.getByLabel('Connection name').fill('user-token');
    await page.getByRole('tab', { name: 'Refresh token' }).click();
    await page.getByLabel(/User token/).check();
    await page.getByRole('button', { name: 'Sign in with the refresh token' }).click();
    await page.locator('#me-conn', { hasText: 'user-token' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor();
    assert.deepEqual(await connKeys('user-token'), []);
    assert.ok((await connKeys('default')).length > 0, 'signing out keeps the other connections');
    assert.equal(await page.getByLabel('Connection name').inputValue(), 'connection-2');
    await page.getByRole('list', { name: 'Saved connections' }).getByText('Asha Rao').waitFor();
    await clearToasts();
    await shot('20-saved-connections');
    await page.getByRole('button', { name: 'Continue with default' }).click();
    await page.locator('#me-name', { hasText: 'Asha Rao' }).waitFor();
    await page.getByText('Connections (1)').waitFor();
  });

  test('signs out and the client\'s keys leave localStorage', async () => {
    assert.ok((await clientKeys()).length > 0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor();
    assert.deepEqual(await clientKeys(), []);
    await page.reload();
    await page.locator('#signin').waitFor();
    assert.equal(await page.locator('#app').isVisible(), false);
    await shot('13-signed-out');
  });

  test('signs in with the connector\'s refresh token', async () => {
    await page.getByRole('tab', { name: 'Refresh token' }).click();
    await page.getByLabel(/Group token/).check();
    assert.equal(await page.getByRole('textbox', { name: 'Refresh token' }).inputValue(), seed.groupRefreshToken);
    await page.getByRole('button', { name: 'Sign in with the refresh token' }).click();
    await page.locator('#app').waitFor();
    await page.getByRole('button', { name: /^Contoso Relief/ }).waitFor();
    await shot('14-refresh-token');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor();
    assert.deepEqual(await clientKeys(), []);
  });

  test('signed in as a plain member, the group tree shows each group once, where it sits', async () => {
    await page.getByRole('tab', { name: 'PIN' }).click();
    await page.getByLabel('Mobile number').fill('+911000000010');
    await page.getByRole('button', { name: 'Send PIN' }).click();
    await page.locator('#sms').waitFor();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#me-name', { hasText: 'Deepa Nair' }).waitFor();
    const tree = page.locator('#group-tree');
    await tree.getByRole('button', { name: /^North Field Team/ }).first().waitFor();
    await page.locator('#group-tree:not([aria-busy])').waitFor();
    const items = await tree.locator('.tree-item').evaluateAll((bs) => bs.map((b) => {
      const path = [];
      for (let li = b.closest('li'); li; li = li.parentElement.closest('li')) {
        path.unshift(li.querySelector(':scope > .tree-item .tree-name').textContent);
      }
      return { id: b.dataset.groupId, path: path.join(' / ') };
    }));
    const seen = new Map();
    for (const { id, path } of items) seen.set(id, [...(seen.get(id) || []), path]);
    for (const [id, paths] of seen) assert.equal(paths.length, 1, `group ${id} is listed ${paths.length} times: ${paths.join('; ')}`);
    const paths = items.map((i) => i.path);
    for (const want of ['Contoso Relief', 'Contoso Relief / North Region', 'Contoso Relief / North Region / North Field Team', 'Contoso Updates']) {
      assert.ok(paths.includes(want), `${want} not in ${paths.join('; ')}`);
    }
    const tops = await tree.locator(':scope > ul > li > .tree-item .tree-name').allInnerTexts();
    assert.deepEqual(tops, ['Contoso Relief', 'Contoso Updates']);
    await clearToasts();
    await shot('21-member-tree');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor();
    assert.deepEqual(await clientKeys(), []);
  });

  test('signs in through the OAuth redirect', async () => {
    await page.getByRole('tab', { name: 'OAuth' }).click();
    await page.getByRole('button', { name: 'Continue to Kaizala sign-in' }).click();
    await page.waitForURL(/\/api\/Oauth\/Authorize/i);
    await page.getByLabel('Mobile number').fill('+911000000010');
    await page.getByRole('button', { name: 'Send PIN' }).click();
    await page.getByLabel('PIN').waitFor();
    const sms = await api('/_emulator/sms?mobileNumber=%2B911000000010');
    await page.getByLabel('PIN').fill(String(sms.messages[0].pin));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#app').waitFor();
    await page.locator('#me-name', { hasText: 'Deepa Nair' }).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the code leaves the address bar');
    await shot('15-oauth');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor();
    assert.deepEqual(await clientKeys(), []);
  });

  test('no uncaught errors on the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});

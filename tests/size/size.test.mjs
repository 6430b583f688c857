// `make test`'s size check: kaizala's minimal browser app (signs in by PIN, lists groups, sends a
// message), bundled from the built package and run in headless Chromium against the emulator, and
// the whole package as npm ships it, each within its budget in budget.json. Timings stay in `make bench`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUDGET, ROOT, measureApps, packageFiles } from './apps.mjs';

const PKG = path.join(ROOT, 'pkg');
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
// A message only the workflows code (web/workflows.js) holds, to tell its chunk in a bundle.
const WORKFLOWS_MARK = 'has a header row but no members below it';
const holdsWorkflows = (dir, file) => fs.readFileSync(path.join(dir, file), 'latin1').includes(WORKFLOWS_MARK);
// Strings only the webhook receiver's functions hold: verifyWebhook's header and parseWebhookEvent's
// refusal (web/api.js), to tell their code in a bundle.
const WEBHOOK_MARKS = ['kz-callback-token', 'not a Kaizala webhook event'];
const webhookMarksIn = (dir) => {
  const text = fs.readdirSync(dir).filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'latin1')).join('\n');
  return WEBHOOK_MARKS.filter((m) => text.includes(m));
};

function emulatorUrl() {
  const url = process.env.KAIZALA_EMULATOR_URL;
  if (!url) throw new Error('KAIZALA_EMULATOR_URL is not set: run through scripts/with-emulator.sh');
  return url.replace(/\/$/, '');
}

test('budget.json holds a budget and a target in bytes for each measured size', () => {
  for (const key of ['browserApp', 'package']) {
    assert.ok(Number.isInteger(BUDGET[key].budget) && BUDGET[key].budget > 0, `${key}.budget`);
    assert.ok(Number.isInteger(BUDGET[key].target) && BUDGET[key].target > 0, `${key}.target`);
  }
});

let apps;
const measured = async () => {
  apps ??= await measureApps(['kaizala', 'kaizala-import', 'kaizala-webhooks'], {
    pkgDir: PKG, outRoot: path.join(ROOT, 'target/size-test'), emulatorUrl: emulatorUrl(),
  });
  return apps;
};

test('what a browser loads for the minimal kaizala app stays within its budget', async () => {
  const { kaizala } = await measured();
  // The app did what it is for, so what it loaded is what such a page needs.
  assert.ok(kaizala.result.groups > 0, JSON.stringify(kaizala.result));
  assert.match(kaizala.result.referenceId, /\S/);
  const names = kaizala.files.map((f) => f.file);
  assert.ok(names.includes('app.js'), `the bundle itself was not fetched: ${names}`);
  assert.ok(names.some((f) => f.endsWith('.wasm')), `no wasm was fetched: ${names}`);
  const detail = kaizala.files.map((f) => `${f.file} ${kb(f.gzip)}`).join(' + ');
  console.log(`what a browser loads: ${kb(kaizala.gzip)} gzip (${detail}); budget ${kb(BUDGET.browserApp.budget)}`);
  assert.ok(kaizala.gzip <= BUDGET.browserApp.budget,
    `what a browser loads grew to ${kaizala.gzip} bytes gzip (${detail}), over the budget of ${BUDGET.browserApp.budget} in tests/size/budget.json`);
});

test('the minimal app never fetches the workflows code; a page that imports members does', async () => {
  const { kaizala, 'kaizala-import': importing } = await measured();
  const built = fs.readdirSync(kaizala.outDir).filter((f) => f.endsWith('.js'));
  const chunk = built.filter((f) => holdsWorkflows(kaizala.outDir, f));
  assert.equal(chunk.length, 1, `the bundle keeps the workflows in a chunk of their own: ${built}`);
  assert.notEqual(chunk[0], 'app.js');
  const fetched = kaizala.files.map((f) => f.file);
  assert.ok(!fetched.some((f) => holdsWorkflows(kaizala.outDir, f)), `the minimal app fetched the workflows: ${fetched}`);
  assert.deepEqual([importing.result.total, importing.result.referenceId], [1, 'Completed'], JSON.stringify(importing.result));
  const loaded = importing.files.map((f) => f.file);
  assert.ok(loaded.some((f) => f !== 'app.js' && holdsWorkflows(importing.outDir, f)), `the importing page did not fetch the workflows: ${loaded}`);
  const extra = importing.gzip - kaizala.gzip;
  console.log(`a page that imports members loads ${kb(extra)} gzip more (${loaded.join(', ')})`);
});

test('the minimal app carries no webhook-receiving code; a page that imports it does, and it works there', async () => {
  const { kaizala, 'kaizala-webhooks': hooks } = await measured();
  assert.deepEqual(webhookMarksIn(kaizala.outDir), [], 'the minimal app\'s bundle holds the webhook functions');
  assert.deepEqual(webhookMarksIn(hooks.outDir), WEBHOOK_MARKS, 'the webhook page\'s bundle lacks them');
  assert.deepEqual(hooks.result, { groups: 0, referenceId: 'e1', token: 't1', verified: true, refused: true });
  const [app, hooksApp] = [kaizala, hooks].map((a) => a.files.find((f) => f.file === 'app.js'));
  console.log(`app.js: the minimal app ${kb(app.gzip)} gzip, a page with the webhook functions ${kb(hooksApp.gzip)}`);
});

test('the whole package, every file npm ships, stays within its budget', () => {
  const pkg = packageFiles(PKG);
  const names = pkg.files.map((f) => f.file);
  assert.ok(names.includes('package.json') && names.some((f) => f.endsWith('.wasm')), `${names}`);
  console.log(`the package: ${kb(pkg.gzip)} gzip in ${names.length} files; budget ${kb(BUDGET.package.budget)}`);
  assert.ok(pkg.gzip <= BUDGET.package.budget,
    `the package grew to ${pkg.gzip} bytes gzip, over the budget of ${BUDGET.package.budget} in tests/size/budget.json`);
});

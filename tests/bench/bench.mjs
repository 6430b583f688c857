// `make bench` (run by scripts/bench.sh beside an emulator serving target/bench-www at its origin):
// kaizala beside plain fetch, fetch with a time-out, ofetch, @octokit/request, ky and the floor, per
// call in Node and in headless Chromium; what a browser loads for each client's minimal app; the
// whole package; wasm compile + instantiate; wasm memory. Prints Markdown tables and every target
// of issue 14 with met / not met (also kept in target/bench.md), and exits non-zero when one is missed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUDGET, measureApps, packageFiles } from '../size/apps.mjs';
import { CLIENTS, median, memory, perCall } from './measure.js';
import * as peers from './peers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = path.join(ROOT, 'pkg');
const WWW = path.join(ROOT, 'target/bench-www/bench');
const EMU = (process.env.KAIZALA_EMULATOR_URL || '').replace(/\/$/, '');
if (!EMU) throw new Error('KAIZALA_EMULATOR_URL is not set: run through scripts/bench.sh');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 2000);
const WARM = Number(process.env.BENCH_WARM || 100);
const STARTS = Number(process.env.BENCH_STARTS || 9);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];

// Issue 14's targets that are not sizes (those are in tests/size/budget.json). The memory tolerance
// is one wasm page: the allocator may take one more page at any time without anything leaking.
const TARGET = {
  nodeOverFloor: 0.05,
  chromiumOverFloor: 0.03,
  compileMs: 20,
  memoryGrowth: 64 * 1024,
};
// The peers, in the order of the size table.
const APP_NAMES = ['fetch', 'ofetch', '@octokit/request', 'ky', 'kaizala'];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n) => `${n.toFixed(3)} ms`;
const ms1 = (n) => `${n.toFixed(1)} ms`;
const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;
const r3 = (n) => n.toFixed(3);
const log = (...a) => console.error(...a);

// Node ---------------------------------------------------------------------------------------------
function nodeImportTimes() {
  const entry = pathToFileURL(path.join(PKG, 'node/index.mjs')).href;
  const src = `const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t);`;
  const times = [];
  for (let i = 0; i < STARTS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loading the Node build failed:\n${r.stderr}`);
    times.push(Number(r.stdout.trim()));
  }
  return median(times);
}

async function nodeRun(seed) {
  // The Node build instantiates its wasm synchronously with `new WebAssembly.Instance`; remember
  // every instance made while it loads, to read the memory of the one that exports one.
  const Instance = WebAssembly.Instance;
  const instances = [];
  WebAssembly.Instance = class extends Instance {
    constructor(module, imports) {
      super(module, imports);
      instances.push(this);
    }
  };
  const { KaizalaClient } = await import(pathToFileURL(path.join(PKG, 'node/index.mjs')).href);
  WebAssembly.Instance = Instance;
  const instance = instances.find((i) => i.exports.memory instanceof WebAssembly.Memory);
  if (!instance) throw new Error('the wasm instance of the Node build was not seen');
  const mem = await memory(KaizalaClient, seed, () => instance.exports.memory.buffer.byteLength);
  const { Floor } = createRequire(import.meta.url)(path.join(ROOT, 'target/bench-floor/kaizala_bench_floor.js'));
  const calls = await perCall(KaizalaClient, seed, peers, Floor, { rounds: ROUNDS, warm: WARM });
  return { mem, calls, importMs: nodeImportTimes() };
}

// Chromium -----------------------------------------------------------------------------------------
// Each task runs in a Chromium of its own, started here without DevTools attached (Playwright
// would enable the protocol's network events, which slow every fetch of the page and so shrink
// the ratios); the page posts its result to the emulator's inbox, polled here.
async function inChromium(task, params = {}, flags = []) {
  const inbox = `bench-${process.pid}-${task}-${Date.now()}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kaizala-bench-chromium-'));
  const query = new URLSearchParams({ task, ...params, inbox });
  const url = `${EMU}/bench/index.html?${query}`;
  // Its own process group, so that the browser and every helper process it starts end together.
  const child = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, ...flags, `--user-data-dir=${profile}`, url],
    { stdio: 'ignore', detached: true });
  let exited = false;
  child.on('exit', () => { exited = true; });
  try {
    const deadline = Date.now() + 10 * 60 * 1000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const { events } = await (await fetch(`${EMU}/_emulator/inbox/${inbox}`)).json();
      if (events.length) {
        const { error, isolated, result } = events[0].body;
        if (error) throw new Error(`Chromium, ${task}: ${error}`);
        if (!isolated) throw new Error('the bench page is not cross-origin isolated: run it through scripts/bench.sh');
        return result;
      }
      if (exited) throw new Error(`Chromium exited before the ${task} task reported`);
      if (Date.now() > deadline) throw new Error(`Chromium, ${task}: no result after 10 minutes`);
    }
  } finally {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    if (!exited) await new Promise((r) => child.once('exit', r));
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

// Chromium compiles wasm lazily, each function on its first call; the cold starts alternate with
// ones where V8 compiles every function up front, so the table shows what the laziness defers.
const EAGER = ['--js-flags=--no-wasm-lazy-compilation'];

async function chromiumRun(wasmUrls) {
  const mem = await inChromium('memory');
  const calls = await inChromium('perCall', { rounds: ROUNDS, warm: WARM });
  const lazy = [];
  const eager = [];
  for (let i = 0; i < STARTS; i++) {
    lazy.push(await inChromium('compile', { wasm: wasmUrls.join(',') }));
    eager.push(await inChromium('compile', { wasm: wasmUrls.join(',') }, EAGER));
  }
  const medians = (starts) => Object.fromEntries(['download', 'compile', 'instantiate', 'total']
    .map((k) => [k, median(starts.map((s) => s[k]))]));
  return { mem, calls, start: medians(lazy), eager: medians(eager) };
}

// ---------------------------------------------------------------------------------------------------
const load = os.loadavg()[0];
const chromiumVersion = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
const header = `\`make bench\`, ${new Date().toISOString().slice(0, 16)}Z: Node ${process.version}, ${chromiumVersion}, `
  + `${os.cpus().length} cores (load average ${load.toFixed(2)} at the start); ${ROUNDS} rounds of one call per client, `
  + `${WARM} rounds before them not counted; ${STARTS} cold starts.`;
log(header);
const seed = await (await fetch(`${EMU}/_emulator/seed`)).json();

log('sizes: the package, and each minimal app bundled and run in Chromium');
const pkg = packageFiles(PKG);
const apps = await measureApps(APP_NAMES, { pkgDir: PKG, outRoot: path.join(WWW, 'apps'), emulatorUrl: EMU });
const wasmUrls = apps.kaizala.files.filter((f) => f.file.endsWith('.wasm'))
  .map((f) => `./${path.relative(WWW, path.join(apps.kaizala.outDir, f.file)).split(path.sep).join('/')}`);
if (!wasmUrls.length) throw new Error('the kaizala minimal app fetched no wasm');

log(`Node: memory over 10,000 calls, then ${ROUNDS} rounds, then ${STARTS} cold imports`);
const node = await nodeRun(seed);
log(`Chromium: memory over 10,000 calls, then ${ROUNDS} rounds, then ${STARTS} cold starts of ${wasmUrls.join(', ')}`);
const web = await chromiumRun(wasmUrls);

// Tables -------------------------------------------------------------------------------------------
const out = [header, ''];
out.push('Per call: `GET {endpoint}/v1/groups` with the `accessToken` header, the JSON body parsed; medians, and their ratio over plain `fetch` in the same run.');
out.push('');
out.push('| client | Node | ratio | headless Chromium | ratio |');
out.push('| --- | --- | --- | --- | --- |');
const label = {
  fetch: 'plain `fetch` + `json()`',
  'fetch + time-out': 'plain `fetch` under its own `AbortController` + timer',
  floor: 'the floor (`tests/bench/floor`)',
  kaizala: '**kaizala** (`listGroups`)',
};
for (const n of CLIENTS) {
  const a = node.calls.clients[n];
  const b = web.calls.clients[n];
  const name = label[n] || `\`${n}\``;
  const bold = (s) => (n === 'kaizala' ? `**${s}**` : s);
  out.push(`| ${name} | ${ms(a.median)} | ${bold(r3(a.ratio))} | ${ms(b.median)} | ${bold(r3(b.ratio))} |`);
}
out.push('');
out.push('What a browser loads for each client\'s minimal app (kaizala\'s signs in by PIN, lists groups and sends a message; each peer\'s makes the same GET and POST), bundled and minified by esbuild, run in Chromium; every file it fetched, gzip -9:');
out.push('');
out.push('| client | what a browser loads, gzip | files fetched (gzip) |');
out.push('| --- | --- | --- |');
for (const n of APP_NAMES) {
  const a = apps[n];
  const files = a.files.map((f) => `\`${f.file}\` ${kb(f.gzip)}`).join(' + ');
  out.push(`| ${n === 'kaizala' ? '**kaizala**' : `\`${n}\``} | ${n === 'kaizala' ? `**${kb(a.gzip)}**` : kb(a.gzip)} | ${files} |`);
}
out.push('');
out.push('| package file (what `npm pack` ships) | raw | gzip -9 |');
out.push('| --- | --- | --- |');
for (const f of pkg.files) out.push(`| \`${f.file}\` | ${kb(f.raw)} | ${kb(f.gzip)} |`);
out.push(`| **every shipped file** | ${kb(pkg.raw)} | **${kb(pkg.gzip)}** |`);
out.push(`| \`npm pack\` tarball | | ${kb(pkg.tarball)} |`);
out.push('');
out.push('| start-up and memory | Node | headless Chromium |');
out.push('| --- | --- | --- |');
out.push(`| wasm download, on loopback (median of ${STARTS} cold starts) | | ${ms1(web.start.download)} |`);
out.push(`| wasm \`WebAssembly.compile\` + \`instantiate\` from the downloaded bytes (median of ${STARTS} cold starts) | | `
  + `**${ms1(web.start.total)}** (medians: compile ${ms1(web.start.compile)}, instantiate ${ms1(web.start.instantiate)}) |`);
out.push(`| the same with every function compiled up front (\`${EAGER[0]}\`; not a target) | | `
  + `${ms1(web.eager.total)} (medians: compile ${ms1(web.eager.compile)}, instantiate ${ms1(web.eager.instantiate)}) |`);
out.push(`| \`import\` of the package's Node build (median of ${STARTS} cold processes) | ${ms1(node.importMs)} | |`);
out.push(`| wasm memory after 100 calls | ${mib(node.mem.after100)} | ${mib(web.mem.after100)} |`);
out.push(`| wasm memory after 10,000 calls | ${mib(node.mem.after10000)} | ${mib(web.mem.after10000)} |`);

// Targets (issue 14) -------------------------------------------------------------------------------
const nodeK = node.calls.clients;
const webK = web.calls.clients;
const growth = Math.max(node.mem.after10000 - node.mem.after100, web.mem.after10000 - web.mem.after100);
const targets = [
  ['what a browser loads for kaizala\'s minimal app, gzip', kb(apps.kaizala.gzip), `≤ ${kb(BUDGET.browserApp.target)}`,
    apps.kaizala.gzip <= BUDGET.browserApp.target],
  ['the whole package, every shipped file, gzip', kb(pkg.gzip), `≤ ${kb(BUDGET.package.target)}`, pkg.gzip <= BUDGET.package.target],
  ['per-call ratio over plain fetch, Node', r3(nodeK.kaizala.ratio),
    `≤ floor + ${TARGET.nodeOverFloor} = ${r3(nodeK.floor.ratio + TARGET.nodeOverFloor)}, and ≤ @octokit/request = ${r3(nodeK['@octokit/request'].ratio)}`,
    nodeK.kaizala.ratio <= nodeK.floor.ratio + TARGET.nodeOverFloor && nodeK.kaizala.ratio <= nodeK['@octokit/request'].ratio],
  ['per-call ratio over plain fetch, Chromium', r3(webK.kaizala.ratio),
    `≤ floor + ${TARGET.chromiumOverFloor} = ${r3(webK.floor.ratio + TARGET.chromiumOverFloor)}`,
    webK.kaizala.ratio <= webK.floor.ratio + TARGET.chromiumOverFloor],
  ['wasm compile + instantiate, Chromium, module already downloaded', ms1(web.start.total), `≤ ${TARGET.compileMs} ms`,
    web.start.total <= TARGET.compileMs],
  ['wasm memory, growth from 100 to 10,000 calls (the larger of Node and Chromium)', `${(growth / 1024).toFixed(0)} KiB`,
    `≤ ${TARGET.memoryGrowth / 1024} KiB (one wasm page)`, growth <= TARGET.memoryGrowth],
];
out.push('');
out.push('| target (issue 14) | today | target | |');
out.push('| --- | --- | --- | --- |');
for (const [what, today, target, met] of targets) out.push(`| ${what} | ${today} | ${target} | ${met ? 'met' : '**not met**'} |`);
const missed = targets.filter((t) => !t[3]).length;
out.push('');
out.push(`Size budgets of \`make test\` (tests/size/budget.json): kaizala's minimal app ${kb(apps.kaizala.gzip)} of ${kb(BUDGET.browserApp.budget)}, `
  + `the package ${kb(pkg.gzip)} of ${kb(BUDGET.package.budget)}.`);
out.push(missed ? `${missed} of ${targets.length} targets not met.` : `All ${targets.length} targets met.`);

const md = out.join('\n');
fs.writeFileSync(path.join(ROOT, 'target/bench.md'), `${md}\n`);
console.log(md);
if (missed) process.exitCode = 1;

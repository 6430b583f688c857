// `make bench` (run by scripts/bench.sh beside an emulator serving target/bench-www at its origin):
// the package's size, per-call overhead against plain fetch, load time and wasm memory, in Node and
// in headless Chromium. Prints a Markdown table.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { median, memory, overhead } from './measure.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = path.join(ROOT, 'pkg');
const EMU = (process.env.KAIZALA_EMULATOR_URL || '').replace(/\/$/, '');
if (!EMU) throw new Error('KAIZALA_EMULATOR_URL is not set: run through scripts/bench.sh');
const CALLS = Number(process.env.BENCH_CALLS || 1000);
const LOADS = Number(process.env.BENCH_LOADS || 7);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n) => `${n.toFixed(3)} ms`;
const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;
const log = (...a) => console.error(...a);

// (a) size ---------------------------------------------------------------------------------------
function sizes() {
  const rows = [];
  const gz = (f) => zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;
  const entry = (label, files) => {
    const present = files.map((f) => path.join(PKG, f)).filter((f) => fs.existsSync(f));
    const raw = present.reduce((a, f) => a + fs.statSync(f).size, 0);
    const gzip = present.reduce((a, f) => a + gz(f), 0);
    rows.push({ label, raw, gzip });
    return { raw, gzip };
  };
  const sharedWasm = !fs.existsSync(path.join(PKG, 'node/kaizala_bg.wasm'));
  entry('wasm (`web/kaizala_bg.wasm`' + (sharedWasm ? ', also loaded by the Node build' : '') + ')', ['web/kaizala_bg.wasm']);
  if (!sharedWasm) entry('wasm (`node/kaizala_bg.wasm`)', ['node/kaizala_bg.wasm']);
  entry('JS, web build (`web/index.js` + `web/kaizala.js`)', ['web/index.js', 'web/kaizala.js']);
  entry('JS, Node build (`node/index.cjs` + `index.mjs` + `kaizala.js`)', ['node/index.cjs', 'node/index.mjs', 'node/kaizala.js']);
  entry('declarations (`kaizala.d.ts`)', ['kaizala.d.ts']);
  const files = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8')).files;
  const all = entry('**the package, every shipped file**', [...files, 'package.json', 'README.md']);
  const web = entry('what a browser loads (web JS + wasm)', ['web/index.js', 'web/kaizala.js', 'web/kaizala_bg.wasm']);
  const [packed] = JSON.parse(execFileSync('npm', ['pack', PKG, '--dry-run', '--json', '--loglevel=error'], { encoding: 'utf8' }));
  return { rows, all, web, tarball: packed.size };
}

// (b, c, d) Node -----------------------------------------------------------------------------------
function nodeLoadTimes() {
  const entry = pathToFileURL(path.join(PKG, 'node/index.mjs')).href;
  const src = `const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t);`;
  const times = [];
  for (let i = 0; i < LOADS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loading the Node build failed:\n${r.stderr}`);
    times.push(Number(r.stdout.trim()));
  }
  return median(times);
}

async function nodeRun(seed) {
  // The Node build instantiates its wasm synchronously with `new WebAssembly.Instance`; remember it
  // to read its memory.
  const Instance = WebAssembly.Instance;
  let instance;
  WebAssembly.Instance = class extends Instance {
    constructor(module, imports) {
      super(module, imports);
      instance = this;
    }
  };
  const { KaizalaClient } = await import(pathToFileURL(path.join(PKG, 'node/index.mjs')).href);
  WebAssembly.Instance = Instance;
  if (!instance) throw new Error('the wasm instance of the Node build was not seen');
  const mem = await memory(KaizalaClient, seed, () => instance.exports.memory.buffer.byteLength);
  const { Floor } = createRequire(import.meta.url)(path.join(ROOT, 'target/bench-floor/kaizala_bench_floor.js'));
  const calls = await overhead(KaizalaClient, seed, CALLS, 100, Floor);
  return { mem, calls, load: nodeLoadTimes() };
}

// (b, c, d) Chromium -------------------------------------------------------------------------------
// Each task runs in a Chromium of its own, started here without DevTools attached (Playwright
// would enable the protocol's network events, which add about 2 ms to every fetch of the page and
// so shrink the ratio); the page posts its result to the emulator's inbox, polled here.
async function inChromium(task, n) {
  const inbox = `bench-${process.pid}-${task}-${Date.now()}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kaizala-bench-chromium-'));
  const url = `${EMU}/bench/index.html?task=${task}&n=${n}&inbox=${inbox}`;
  // Its own process group, so that the browser and every helper process it starts end together.
  const child = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, url],
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

async function chromiumRun() {
  const loads = [];
  for (let i = 0; i < LOADS; i++) loads.push(await inChromium('load', 0));
  const mem = await inChromium('memory', 0);
  const calls = await inChromium('overhead', CALLS);
  return { mem, calls, load: median(loads) };
}

// ---------------------------------------------------------------------------------------------------
const seed = await (await fetch(`${EMU}/_emulator/seed`)).json();
log('measuring the package size');
const size = sizes();
log(`Node: memory over 10,000 calls, then ${CALLS} calls each way, then ${LOADS} cold loads`);
const node = await nodeRun(seed);
log(`Chromium: ${LOADS} cold loads, memory over 10,000 calls, then ${CALLS} calls each way`);
const web = await chromiumRun();

const KB100 = 100 * 1024;
const verdict = (ok) => (ok ? 'within target' : '**over target**');
const out = [];
out.push('| measure | Node | headless Chromium |');
out.push('| --- | --- | --- |');
const row = (what, a, b) => out.push(`| ${what} | ${a} | ${b} |`);
row(`median \`listGroups\` through \`KaizalaClient\` (${CALLS} calls)`, ms(node.calls.clientMedian), ms(web.calls.clientMedian));
row(`median same GET through plain \`fetch\` + \`json()\` (${CALLS} calls)`, ms(node.calls.fetchMedian), ms(web.calls.fetchMedian));
row('**per-call ratio** (medians; target ≤ 1.10)', `**${node.calls.ratio.toFixed(3)}** ${verdict(node.calls.ratio <= 1.1)}`,
  `**${web.calls.ratio.toFixed(3)}** ${verdict(web.calls.ratio <= 1.1)}`);
row('floor: the same GET through a Rust async method that only fetches and parses (`tests/bench/floor`), over plain `fetch`',
  `${ms(node.calls.floorMedian)} (${node.calls.floorRatio.toFixed(3)})`, `${ms(web.calls.floorMedian)} (${web.calls.floorRatio.toFixed(3)})`);
row('ratio of the means', node.calls.meanRatio.toFixed(3), web.calls.meanRatio.toFixed(3));
row('reference: plain `fetch` under its own `AbortController` + time-out timer, over plain `fetch`',
  `${ms(node.calls.timeoutMedian)} (${node.calls.timeoutRatio.toFixed(3)})`, `${ms(web.calls.timeoutMedian)} (${web.calls.timeoutRatio.toFixed(3)})`);
row(`load + instantiate (median of ${LOADS} cold loads)`, ms(node.load), ms(web.load));
row('wasm memory after 100 calls', mib(node.mem.after100), mib(web.mem.after100));
row('wasm memory after 10,000 calls', mib(node.mem.after10000), mib(web.mem.after10000));
out.push('');
out.push('| package file(s) | raw | gzip -9 |');
out.push('| --- | --- | --- |');
for (const r of size.rows) out.push(`| ${r.label} | ${kb(r.raw)} | ${kb(r.gzip)} |`);
out.push(`| \`npm pack\` tarball | | ${kb(size.tarball)} |`);
out.push('');
out.push(`Package size: ${kb(size.all.gzip)} gzip in all (target ≤ 100 KB: ${verdict(size.all.gzip <= KB100)}); `
  + `a browser loads ${kb(size.web.gzip)} gzip. Memory ${
    node.mem.after10000 === node.mem.after100 && web.mem.after10000 === web.mem.after100
      ? 'did not grow between 100 and 10,000 calls.' : '**grew** between 100 and 10,000 calls.'}`);
console.log(out.join('\n'));

// `make bench` (run by scripts/bench.sh beside an emulator serving target/bench-www at its origin):
// the package's size, per-call overhead against plain fetch, load time and wasm memory, in Node and
// in headless Chromium. Prints a Markdown table.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
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
  const calls = await overhead(KaizalaClient, seed, CALLS);
  return { mem, calls, load: nodeLoadTimes() };
}

// (b, c, d) Chromium -------------------------------------------------------------------------------
async function chromiumRun() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const open = async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${EMU}/bench/index.html`);
      await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
      return { page, context, errors };
    };
    const loads = [];
    for (let i = 0; i < LOADS; i++) {
      const { page, context } = await open();
      loads.push(await page.evaluate(() => window.bench.load()));
      await context.close();
    }
    let { page, context, errors } = await open();
    // Without isolation Chromium rounds performance.now() to 100 µs: the medians of a ~4 ms call
    // would move in 2.5 % steps, coarser than the 10 % target can bear.
    if (!(await page.evaluate(() => window.bench.isolated()))) {
      throw new Error('the bench page is not cross-origin isolated: run it through scripts/bench.sh');
    }
    const mem = await page.evaluate(() => window.bench.memory());
    await context.close();
    ({ page, context, errors } = await open());
    const calls = await page.evaluate((n) => window.bench.overhead(n), CALLS);
    await context.close();
    if (errors.length) throw new Error(`page errors: ${errors.join('\n')}`);
    return { mem, calls, load: median(loads) };
  } finally {
    await browser.close();
  }
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

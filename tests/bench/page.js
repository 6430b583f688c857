// The Chromium side of `make bench`, served from the emulator's origin (--static) beside a copy of
// pkg/web in ./pkg/ and the floor's web build in ./floor/. bench.mjs opens
// `index.html?task=…&n=…&inbox=…` in a Chromium it starts itself, with no DevTools attached (the
// protocol's network events would slow every fetch and flatter the ratio); the page runs the task
// and posts `{task, isolated, result}` or `{task, error}` to the emulator's `/_emulator/inbox/<inbox>`.
import { memory, overhead } from './measure.js';

const seed = async () => (await fetch('/_emulator/seed')).json();

const tasks = {
  /** Milliseconds to import the package: fetch, compile and instantiate the wasm, run the wrapper. */
  async load() {
    const t = performance.now();
    await import('./pkg/index.js');
    return performance.now() - t;
  },
  async memory() {
    const { KaizalaClient } = await import('./pkg/index.js');
    // The raw module's init() hands back the instance's exports once it is initialised.
    const init = (await import('./pkg/kaizala.js')).default;
    const wasm = await init();
    return memory(KaizalaClient, await seed(), () => wasm.memory.buffer.byteLength);
  },
  async overhead(n) {
    const { KaizalaClient } = await import('./pkg/index.js');
    const floor = await import('./floor/kaizala_bench_floor.js');
    await floor.default();
    return overhead(KaizalaClient, await seed(), n, 100, floor.Floor);
  },
};

const q = new URLSearchParams(location.search);
const task = q.get('task');
const inbox = q.get('inbox');
let posted = false;
const post = (body) => {
  if (posted || !inbox) return undefined;
  posted = true;
  return fetch(`/_emulator/inbox/${encodeURIComponent(inbox)}`, { method: 'POST', body: JSON.stringify(body) });
};
addEventListener('error', (e) => post({ task, error: String(e.message || e) }));
addEventListener('unhandledrejection', (e) => post({ task, error: String(e.reason && e.reason.stack || e.reason) }));
try {
  if (!tasks[task]) throw new Error(`no bench task ${JSON.stringify(task)}`);
  // Without isolation Chromium rounds performance.now() to 100 µs: the medians of a ~3 ms call
  // would move in 3 % steps, coarser than the 10 % target can bear.
  const isolated = self.crossOriginIsolated === true;
  const result = isolated ? await tasks[task](Number(q.get('n') || 1000)) : undefined;
  await post({ task, isolated, result });
} catch (e) {
  await post({ task, error: String(e && e.stack || e) });
}

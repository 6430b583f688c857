// The Chromium side of `make bench`, served from the emulator's origin (--static) beside a copy of
// pkg/web in ./pkg/, the floor's web build in ./floor/, the peers bundled into ./peers.js and the
// minimal apps in ./apps/. bench.mjs opens `index.html?task=…&…&inbox=…` in a Chromium it starts
// itself, with no DevTools attached (the protocol's network events would slow every fetch and
// flatter the ratios); the page runs the task and posts `{task, isolated, result}` or
// `{task, error}` to the emulator's `/_emulator/inbox/<inbox>`.
import { compileAndInstantiate, memory, perCall } from './measure.js';

const seed = async () => (await fetch('/_emulator/seed')).json();

const tasks = {
  async memory() {
    const { KaizalaClient } = await import('./pkg/index.js');
    // The raw module's init() hands back the instance's exports once it is initialised.
    const init = (await import('./pkg/kaizala.js')).default;
    const wasm = await init();
    return memory(KaizalaClient, await seed(), () => wasm.memory.buffer.byteLength);
  },
  async perCall(q) {
    const { KaizalaClient } = await import('./pkg/index.js');
    const floor = await import('./floor/kaizala_bench_floor.js');
    await floor.default();
    const peers = await import('./peers.js');
    return perCall(KaizalaClient, await seed(), peers, floor.Floor,
      { rounds: Number(q.get('rounds')), warm: Number(q.get('warm')) });
  },
  /** One cold start: the wasm files named in `wasm` (comma-separated, relative to this page). */
  async compile(q) {
    return compileAndInstantiate(q.get('wasm').split(',').filter(Boolean));
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
  // Without isolation Chromium coarsens performance.now(), too coarse for the differences measured.
  const isolated = self.crossOriginIsolated === true;
  const result = isolated ? await tasks[task](q) : undefined;
  await post({ task, isolated, result });
} catch (e) {
  await post({ task, error: String(e && e.stack || e) });
}

// The Chromium side of `make bench`, served from the emulator's origin (--static) beside a copy of
// pkg/web in ./pkg/. The Node script drives it through window.bench.
import { memory, overhead } from './measure.js';

const seed = async () => (await fetch('/_emulator/seed')).json();

window.bench = {
  /** Served cross-origin isolated (bench.sh), performance.now() counts in µs, not Chromium's 100 µs steps. */
  isolated: () => self.crossOriginIsolated === true,
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
    return overhead(KaizalaClient, await seed(), n);
  },
};
window.benchReady = true;

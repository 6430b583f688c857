// Measurements shared by the Node and the Chromium runs of `make bench` (plain ESM, no Node APIs).

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** Client options for the demo tenant's connector with the seeded user refresh token. */
export function optionsFrom(seed) {
  return {
    applicationId: seed.applicationId,
    applicationSecret: seed.applicationSecret,
    refreshToken: seed.userRefreshToken,
    authUrl: seed.authUrl,
    storage: 'memory',
    // Thousands of calls in a row: the client's queue (the platform's calls a minute) would measure itself.
    rateLimit: false,
  };
}

/**
 * The wasm memory after 100 and after 10,000 sequential listGroups on one client (a leak — a
 * forgotten closure, a growing map — shows as growth between the two).
 */
export async function memory(KaizalaClient, seed, memoryBytes) {
  const client = new KaizalaClient(optionsFrom(seed));
  for (let i = 0; i < 100; i++) await client.listGroups();
  const after100 = memoryBytes();
  for (let i = 100; i < 10000; i++) await client.listGroups();
  const after10000 = memoryBytes();
  client.free();
  return { after100, after10000 };
}

/** The clients, in the order the bench's tables list them; `fetch` is what every ratio is over. */
export const CLIENTS = ['fetch', 'fetch + time-out', 'ofetch', '@octokit/request', 'ky', 'floor', 'kaizala'];

/**
 * Per-call cost of each client making the same call — `GET {endpoint}/v1/groups` with the
 * `accessToken` header, the JSON body parsed — against the same emulator, interleaved one call per
 * client per round so that all see the same conditions. `peers` holds `{ofetch, ky, request}` (the
 * packages as their users import them), `Floor` the class of tests/bench/floor. After `warm` rounds
 * that are not counted, `rounds` rounds are timed; the order within a round rotates each round and
 * reverses every other cycle, so no client always comes first or always follows the same one.
 * Answers, for each client, its median and mean in milliseconds and its median over plain fetch's.
 */
export async function perCall(KaizalaClient, seed, peers, Floor, { rounds = 2000, warm = 100 } = {}) {
  // The URL the client calls, learnt once from a probe client's onRequest.
  let url;
  const probe = new KaizalaClient({ ...optionsFrom(seed), onRequest: (e) => { url = e.url; } });
  await probe.listGroups();
  probe.free();
  if (!url) throw new Error('onRequest did not report the URL');

  const client = new KaizalaClient(optionsFrom(seed));
  const headers = { accessToken: await client.accessToken() };
  const floor = new Floor(headers.accessToken);
  const octokit = peers.request.defaults({ headers });
  const route = `GET ${url}`;
  const calls = {
    fetch: async () => {
      const res = await fetch(url, { headers });
      if (!res.ok) throw new Error(`fetch: HTTP ${res.status}`);
      return res.json();
    },
    // What any client that can cancel a call pays: its own AbortController, aborted by a timer
    // that is cleared once the answer is read (as KaizalaClient does per attempt).
    'fetch + time-out': async () => {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 30000);
      try {
        const res = await fetch(url, { headers, signal: ctl.signal });
        if (!res.ok) throw new Error(`fetch: HTTP ${res.status}`);
        return await res.json();
      } finally {
        clearTimeout(timer);
      }
    },
    ofetch: async () => peers.ofetch(url, { headers }),
    '@octokit/request': async () => (await octokit(route)).data,
    ky: async () => peers.ky.get(url, { headers }).json(),
    // A Rust async method over wasm-bindgen that only fetches and parses: what the bridge alone costs.
    floor: async () => floor.get(url),
    kaizala: async () => client.listGroups(),
  };
  if (Object.keys(calls).join() !== CLIENTS.join()) throw new Error('perCall and CLIENTS disagree');

  const ids = async (f) => JSON.stringify((await f()).groups.map((g) => g.groupId));
  const want = await ids(calls.fetch);
  for (const name of CLIENTS) {
    const got = await ids(calls[name]);
    if (got !== want) throw new Error(`${name} did not get the groups plain fetch got: ${got} vs ${want}`);
  }

  const k = CLIENTS.length;
  const samples = Object.fromEntries(CLIENTS.map((n) => [n, []]));
  for (let r = 0; r < warm + rounds; r++) {
    const order = CLIENTS.map((_, j) => CLIENTS[(r + j) % k]);
    if (Math.floor(r / k) % 2) order.reverse();
    for (const name of order) {
      const t = performance.now();
      await calls[name]();
      const dt = performance.now() - t;
      if (r >= warm) samples[name].push(dt);
    }
  }
  client.free();
  floor.free();
  const base = median(samples.fetch);
  return {
    url,
    rounds,
    clients: Object.fromEntries(CLIENTS.map((n) => [n, {
      median: median(samples[n]),
      mean: sum(samples[n]) / samples[n].length,
      ratio: median(samples[n]) / base,
    }])),
  };
}

/**
 * Stand-ins for a module's imports, enough to instantiate it without running it: a module whose
 * start section called one would fail loudly rather than be timed doing something else.
 */
function stubImports(module) {
  const imports = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`the wasm imports a ${kind} (${from}.${name}): time it through its loader`);
    (imports[from] ||= {})[name] = () => { throw new Error(`${from}.${name} called during instantiation`); };
  }
  return imports;
}

/**
 * One cold start of each wasm at `urls`: the bytes fetched first (timed apart as the download),
 * then `WebAssembly.compile` + `WebAssembly.instantiate` from the ArrayBuffer. Milliseconds, summed
 * over the modules.
 */
export async function compileAndInstantiate(urls) {
  let download = 0;
  let compile = 0;
  let instantiate = 0;
  for (const url of urls) {
    let t = performance.now();
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const bytes = await res.arrayBuffer();
    download += performance.now() - t;
    t = performance.now();
    const module = await WebAssembly.compile(bytes);
    compile += performance.now() - t;
    t = performance.now();
    await WebAssembly.instantiate(module, stubImports(module));
    instantiate += performance.now() - t;
  }
  return { download, compile, instantiate, total: compile + instantiate };
}

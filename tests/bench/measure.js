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
    // 1,000 calls in a row: the client's queue (100 a minute by default) would measure itself.
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

/**
 * Per-call overhead: `n` sequential listGroups through the client against the same GET through
 * plain fetch with the same headers (and `response.json()`), interleaved so all see
 * the same conditions; with `Floor` (the class of tests/bench/floor), the same GET through it too.
 * Returns medians and means in milliseconds and their ratios.
 */
export async function overhead(KaizalaClient, seed, n = 1000, warm = 100, Floor = undefined) {
  // The URL the client calls, learnt once from a probe client's onRequest.
  let url;
  const probe = new KaizalaClient({ ...optionsFrom(seed), onRequest: (e) => { url = e.url; } });
  await probe.listGroups();
  probe.free();
  if (!url) throw new Error('onRequest did not report the URL');

  const client = new KaizalaClient(optionsFrom(seed));
  const headers = { accessToken: await client.accessToken() };
  const viaClient = async () => client.listGroups();
  const viaFetch = async () => {
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(`fetch: HTTP ${res.status}`);
    return res.json();
  };
  // The same GET as a client that can cancel it must send it: under its own AbortController,
  // aborted by a timer that is cleared when the answer is read (what KaizalaClient does per attempt).
  const viaFetchTimeout = async () => {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 30000);
    try {
      const res = await fetch(url, { headers, signal: ctl.signal });
      if (!res.ok) throw new Error(`fetch: HTTP ${res.status}`);
      return await res.json();
    } finally {
      clearTimeout(timer);
    }
  };
  // The floor (tests/bench/floor): a Rust async method over wasm-bindgen that only fetches and
  // parses — no token logic, no time-out, no checks. KaizalaClient cannot come in under it.
  const floor = Floor ? new Floor(headers.accessToken) : undefined;
  const viaFloor = floor ? async () => floor.get(url) : async () => viaFetch();
  const same = JSON.stringify((await viaClient()).groups.map((g) => g.groupId))
    === JSON.stringify((await viaFetch()).groups.map((g) => g.groupId));
  if (!same) throw new Error('the client and plain fetch did not get the same groups');

  if (floor && JSON.stringify((await viaFloor()).groups.map((g) => g.groupId))
    !== JSON.stringify((await viaFetch()).groups.map((g) => g.groupId))) {
    throw new Error('the floor and plain fetch did not get the same groups');
  }

  for (let i = 0; i < warm; i++) { await viaClient(); await viaFetch(); await viaFetchTimeout(); await viaFloor(); }
  const a = [];
  const b = [];
  const c = [];
  const d = [];
  const time = async (f, into) => { const t = performance.now(); await f(); into.push(performance.now() - t); };
  for (let i = 0; i < n; i++) {
    if (i % 2) {
      await time(viaClient, a); await time(viaFloor, d); await time(viaFetch, b); await time(viaFetchTimeout, c);
    } else {
      await time(viaFetchTimeout, c); await time(viaFetch, b); await time(viaFloor, d); await time(viaClient, a);
    }
  }
  client.free();
  if (floor) floor.free();
  return {
    url,
    floorMedian: floor ? median(d) : undefined,
    floorRatio: floor ? median(d) / median(b) : undefined,
    clientMedian: median(a),
    fetchMedian: median(b),
    ratio: median(a) / median(b),
    timeoutMedian: median(c),
    timeoutRatio: median(c) / median(b),
    clientMean: sum(a) / n,
    fetchMean: sum(b) / n,
    meanRatio: sum(a) / sum(b),
  };
}

// Named connections (the stored entries of src/tokens.rs), listed and forgotten in a storage: small
// synchronous plain JS behind KaizalaClient.connections/removeConnection, which scripts/build-pkg.sh
// puts into web/api.js next to api.js (whose KaizalaError, isNullish and invalid it uses).

const ANY_STORAGE = 'must be "local", "session", "memory" or an object with getItem/setItem/removeItem';

/** A Web Storage that takes writes, or null. */
function webStorage(name) {
  try {
    const s = globalThis[name];
    if (!s || typeof s !== 'object') return null;
    s.setItem('kaizala:probe', '1');
    s.removeItem('kaizala:probe');
    return s;
  } catch (e) {
    return null;
  }
}

/** The storage of the `storage` argument (default localStorage) and every key it holds. */
function listed(op, storage) {
  const memory = () => invalid(op, 'storage',
    '"memory" is private to each client; pass "local", "session" or the storage object your clients share');
  let store;
  if (isNullish(storage)) {
    store = webStorage('localStorage');
    if (!store) throw memory();
  } else if (typeof storage === 'string') {
    if (storage === 'memory') throw memory();
    const global = { local: 'localStorage', session: 'sessionStorage' }[storage];
    if (!global) throw invalid(op, 'storage', ANY_STORAGE);
    store = webStorage(global);
    if (!store) {
      throw invalid(op, 'storage', `"${storage}" is not available here (${global} is missing or refuses writes); use "memory" or your own object`);
    }
  } else if (storage && typeof storage === 'object'
    && ['getItem', 'setItem', 'removeItem'].every((m) => typeof storage[m] === 'function')) {
    store = storage;
  } else {
    throw invalid(op, 'storage', ANY_STORAGE);
  }
  const keys = [];
  if (typeof store.length === 'number' && typeof store.key === 'function') {
    for (let i = 0; i < Math.max(store.length, 0); i++) {
      try {
        const k = store.key(i);
        if (typeof k === 'string') keys.push(k);
      } catch (e) { /* a key the storage will not give is not listed */ }
    }
  } else if (typeof store.keys === 'function') {
    try {
      for (const k of store.keys()) if (typeof k === 'string') keys.push(k);
    } catch (e) { /* as above */ }
  } else {
    throw invalid(op, 'storage', 'cannot be listed: it needs length and key(i) like localStorage, or a keys() method');
  }
  return { store, keys };
}

/** `kaizala:{applicationId}:{connection}`, split; null for any other key (OAuth state included). */
function connectionKey(key) {
  if (!key.startsWith('kaizala:')) return null;
  const rest = key.slice(8);
  const at = rest.indexOf(':');
  if (at <= 0 || at === rest.length - 1) return null;
  return { app: rest.slice(0, at), name: rest.slice(at + 1) };
}

const isInt = (v) => Number.isSafeInteger(v);
const optOf = (v, ok) => v === undefined || v === null || ok(v);

/** The stored tokens under `key`, when the entry is whole, of this version, and really the key's. */
function storedTokens(key, text) {
  let t;
  try {
    t = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (!t || typeof t !== 'object' || Array.isArray(t) || t.v !== 1) return null;
  if (typeof t.applicationId !== 'string' || typeof t.connection !== 'string') return null;
  if (key !== `kaizala:${t.applicationId}:${t.connection}`) return null;
  const isString = (v) => typeof v === 'string';
  const fine = ['refreshToken', 'accessToken', 'endpointUrl'].every((k) => optOf(t[k], isString))
    && ['refreshTokenExpiry', 'accessTokenExpiry'].every((k) => optOf(t[k], isInt))
    && (t.scopes === undefined || (Array.isArray(t.scopes) && t.scopes.every(isString)))
    && (t.updatedAt === undefined || isInt(t.updatedAt));
  return fine ? t : null;
}

/** What is shown of one connection: never a token or the secret. */
function connectionOf(t, now) {
  const has = (s) => typeof s === 'string' && s !== '';
  const refreshAlive = has(t.refreshToken) && (isNullish(t.refreshTokenExpiry) || t.refreshTokenExpiry > now);
  const accessUsable = has(t.accessToken) && !isNullish(t.endpointUrl)
    && (isNullish(t.accessTokenExpiry) || t.accessTokenExpiry > now);
  return {
    name: t.connection,
    connection: t.connection,
    applicationId: t.applicationId,
    endpointUrl: t.endpointUrl ?? null,
    accessTokenExpiry: t.accessTokenExpiry ?? null,
    refreshTokenExpiry: t.refreshTokenExpiry ?? null,
    scopes: t.scopes ? t.scopes.slice() : [],
    hasRefreshToken: has(t.refreshToken),
    signedIn: accessUsable || refreshAlive,
  };
}

/** Every connection held in `storage` (default localStorage), sorted by name, then applicationId. */
function connectionsIn(storage) {
  const { store, keys } = listed('connections', storage);
  const now = Date.now();
  const out = [];
  for (const k of keys) {
    const parts = connectionKey(k);
    if (!parts || parts.name.endsWith(':oauth')) continue;
    let text;
    try {
      text = store.getItem(k);
    } catch (e) {
      continue;
    }
    const t = typeof text === 'string' ? storedTokens(k, text) : null;
    if (t) out.push(connectionOf(t, now));
  }
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => cmp(a.name, b.name) || cmp(a.applicationId, b.applicationId));
}

/** Forgets connection `name` (its tokens, of every connector, and any OAuth state): how many entries went. */
function removeConnectionFrom(name, storage) {
  const op = 'removeConnection';
  if (typeof name !== 'string') throw invalid(op, 'name', 'must be a string');
  if (name.trim() === '') throw invalid(op, 'name', 'is required and must not be empty');
  const { store, keys } = listed(op, storage);
  const gone = keys.filter((k) => {
    const parts = connectionKey(k);
    if (!parts) return false;
    const conn = parts.name.endsWith(':oauth') ? parts.name.slice(0, -6) : parts.name;
    return conn === name;
  });
  for (const k of gone) {
    try {
      store.removeItem(k);
    } catch (e) { /* best effort, as the client's own writes */ }
  }
  return gone.length;
}

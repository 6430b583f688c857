// Named connections (listing and forgetting them in a storage) and the webhook receiver's helpers:
// small synchronous plain JS that scripts/build-pkg.sh puts into web/api.js next to api.js.
// `receivers(KaizalaError, webhookTypes)` answers connections, removeConnection,
// webhookValidationToken, verifyWebhook and parseWebhookEvent; `webhookTypes` is the binding's
// `__webhookTypes()`, the event and object types src/webhooks.rs registers, so the two never part.

function receivers(KaizalaError, webhookTypes) {
  const isNullish = (v) => v === undefined || v === null;
  const invalid = (operation, field, problem) =>
    new KaizalaError(`${operation}: ${field} ${problem}`, { code: 'invalid_input', operation, field });

  // ---- named connections (the stored entries of src/tokens.rs) -----------------------------

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
  function connections(storage) {
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
  function removeConnection(name, storage) {
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

  // ---- webhook receivers (docs/platform.md#webhooks) ---------------------------------------

  const [EVENT_TYPES, OBJECT_TYPES] = webhookTypes.split(';').map((list) => list.split(','));
  const RESPONSE = ['actionId', 'groupId'];
  // The fields each event's data must carry (docs/platform.md#event-envelope).
  const DATA_FIELDS = {
    TextMessageCreated: ['text'], AttachmentCreated: ['media'], Announcement: ['title'],
    MemberAdded: ['member'], MemberRemoved: ['member'], GroupAdded: ['groupId'], GroupRemoved: ['groupId'],
  };

  /**
   * The validationToken of the platform's validation GET, from the request URL (absolute, or a
   * path with its query as node:http gives it); null when the request is not a validation.
   */
  function webhookValidationToken(url) {
    if (typeof url !== 'string') throw invalid('webhookValidationToken', 'url', 'must be a string');
    const q = url.indexOf('?');
    if (q < 0) return null;
    return new URLSearchParams(url.slice(q + 1).split('#')[0]).get('validationToken');
  }

  /** The kz-callback-token header from a fetch Headers, a node:http headers object, a Map or a plain object. */
  function callbackHeader(headers) {
    const NAME = 'kz-callback-token';
    if (headers && typeof headers.get === 'function') {
      try {
        const v = headers.get(NAME);
        if (typeof v === 'string') return v;
      } catch (e) { /* then read it as an object */ }
    }
    if (!headers || typeof headers !== 'object') return null;
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() !== NAME) continue;
      const v = headers[k];
      if (typeof v === 'string') return v;
      if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
      return null;
    }
    return null;
  }

  /**
   * Whether the delivery carries the registered kz-callback-token, compared in constant time (a
   * difference in length still shows; the token's content does not).
   */
  function verifyWebhook(headers, callBackToken) {
    const op = 'verifyWebhook';
    if (typeof callBackToken !== 'string') throw invalid(op, 'callBackToken', 'must be a string');
    if (callBackToken.trim() === '') throw invalid(op, 'callBackToken', 'is required and must not be empty');
    const got = callbackHeader(headers);
    if (got === null) return false;
    const enc = new TextEncoder();
    const a = enc.encode(got);
    const b = enc.encode(callBackToken);
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  /**
   * A delivery's body (raw text, bytes, or the parsed object) checked against the event envelope;
   * fields the platform left out come back as null; data keeps every field sent (media items
   * named mediaUrl/mediaFileName). Anything else is refused (invalid_input, naming the field).
   */
  function parseWebhookEvent(body) {
    const op = 'parseWebhookEvent';
    let v;
    if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
      let text = body;
      if (typeof body !== 'string') {
        const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch (e) {
          throw invalid(op, 'body', 'is not UTF-8 text');
        }
      }
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw invalid(op, 'body', `is not JSON (${e.message})`);
      }
    } else {
      try {
        // A copy of the caller's object, as JSON would carry it.
        v = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
      } catch (e) {
        throw invalid(op, 'body', `is not JSON (${e.message})`);
      }
    }
    const not = (field, problem) => new KaizalaError(`${op}: not a Kaizala webhook event: ${field} ${problem}`,
      { code: 'invalid_input', operation: op, field });
    const isObject = (x) => !!x && typeof x === 'object' && !Array.isArray(x);
    if (!isObject(v)) throw not('body', 'must be a JSON object');
    const text = (key) => {
      const x = v[key];
      if (typeof x === 'string' && x !== '') return x;
      throw isNullish(x) ? not(key, 'is missing') : not(key, 'must be a non-empty string');
    };
    const eventType = text('eventType');
    if (!EVENT_TYPES.includes(eventType)) throw not('eventType', `'${eventType}' is not one of ${EVENT_TYPES.join(', ')}`);
    const eventId = text('eventId');
    const objectId = text('objectId');
    const objectType = text('objectType');
    if (!OBJECT_TYPES.includes(objectType)) throw not('objectType', `'${objectType}' is not Group, Action or ActionPackage`);
    if (!isObject(v.data)) throw not('data', 'must be an object');
    const need = DATA_FIELDS[eventType] || RESPONSE;
    for (const f of need) {
      if (isNullish(v.data[f])) throw not(`data.${f}`, `is missing (a ${eventType} event carries it)`);
    }
    const data = { ...v.data };
    // The announcement sample's url/fileName read as AttachmentCreated names them (choice W4).
    if (Array.isArray(data.media)) {
      data.media = data.media.map((m) => {
        if (!isObject(m)) return m;
        const out = { ...m };
        for (const [alias, canon] of [['url', 'mediaUrl'], ['fileName', 'mediaFileName']]) {
          if (Object.prototype.hasOwnProperty.call(out, alias)) {
            const x = out[alias];
            delete out[alias];
            if (isNullish(out[canon])) out[canon] = x;
          }
        }
        return out;
      });
    }
    const opt = (key) => (v[key] === undefined ? null : v[key]);
    return {
      eventType, eventId, objectId, objectType, data,
      context: opt('context'), fromUser: opt('fromUser'), fromUserId: opt('fromUserId'),
      fromUserName: opt('fromUserName'), fromUserProfilePic: opt('fromUserProfilePic'),
    };
  }

  return { connections, removeConnection, webhookValidationToken, verifyWebhook, parseWebhookEvent };
}

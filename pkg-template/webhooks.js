// The webhook receiver's helpers (docs/platform.md#webhooks), which scripts/build-pkg.sh puts into
// web/api.js next to api.js. Top-level exports, not built inside wrap(): a server receives webhooks,
// and a bundler drops what a page never imports.

import { __webhookTypes } from './kaizala.js';

// The event and object types src/webhooks.rs registers, so the two never part; read on first use
// (the entry initialises the wasm before any caller runs).
let webhookTypes;
const types = () => (webhookTypes ??= __webhookTypes().split(';').map((list) => list.split(',')));
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
export function webhookValidationToken(url) {
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
export function verifyWebhook(headers, callBackToken) {
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
export function parseWebhookEvent(body) {
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
  const [EVENT_TYPES, OBJECT_TYPES] = types();
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

#!/usr/bin/env node
// A Kaizala webhook receiver in plain Node (node:http): it registers itself for a group's events,
// answers the platform's validation GET, checks each delivery's kz-callback-token before reading its
// body (and reads at most 1 MiB of it), and prints every event once, even when the platform delivers
// it twice (at-least-once).
//
//   make pkg && make demo            # in another terminal: the emulator at http://127.0.0.1:8080
//   node examples/webhook-receiver.mjs [emulator URL] [--group <groupId>] [--port <port>]
//
// It signs in with the emulator's demo connector (GET /_emulator/seed). Against another platform,
// give KAIZALA_APPLICATION_ID, KAIZALA_APPLICATION_SECRET, KAIZALA_REFRESH_TOKEN, KAIZALA_AUTH_URL and
// PUBLIC_URL (where the platform can reach this server); KAIZALA_CALLBACK_TOKEN keeps the callback
// token the same across runs. Ctrl-C removes the webhook and stops.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

// The installed package, or this repository's build (pkg/) when run from a checkout.
const kz = await import('kaizala').catch(() => import(new URL('../pkg/node/index.mjs', import.meta.url)));
const { KaizalaClient, KaizalaError, parseWebhookEvent, verifyWebhook, webhookValidationToken } = kz;

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const groupFlag = flag('--group');
const port = Number(flag('--port') ?? process.env.PORT ?? 0);
const emulator = (args[0] ?? process.env.KAIZALA_EMULATOR_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');

async function settings() {
  if (process.env.KAIZALA_APPLICATION_ID) {
    return {
      applicationId: process.env.KAIZALA_APPLICATION_ID,
      applicationSecret: process.env.KAIZALA_APPLICATION_SECRET,
      refreshToken: process.env.KAIZALA_REFRESH_TOKEN,
      authUrl: process.env.KAIZALA_AUTH_URL,
      groupId: groupFlag,
    };
  }
  const res = await fetch(`${emulator}/_emulator/seed`).catch((e) => {
    throw new Error(`no emulator at ${emulator} (${e.cause?.code ?? e.message}); start one with make demo`);
  });
  const seed = await res.json();
  return {
    applicationId: seed.applicationId,
    applicationSecret: seed.applicationSecret,
    refreshToken: seed.userRefreshToken,
    authUrl: seed.authUrl,
    groupId: groupFlag ?? seed.mainGroupId,
  };
}

const EVENTS = ['ActionCreated', 'ActionResponse', 'SurveyCreated', 'JobCreated', 'SurveyResponse', 'JobResponse',
  'TextMessageCreated', 'AttachmentCreated', 'Announcement', 'MemberAdded', 'MemberRemoved', 'GroupAdded', 'GroupRemoved'];

/** One line per event. */
function describe(event) {
  const d = event.data;
  const who = event.fromUserName ?? event.fromUser ?? 'someone';
  switch (event.eventType) {
    case 'TextMessageCreated': return `${who}: ${d.text}`;
    case 'Announcement': return `${who} announced: ${d.title}`;
    case 'AttachmentCreated': return `${who} shared ${d.media.length} file(s)${d.caption ? `: ${d.caption}` : ''}`;
    case 'MemberAdded': case 'MemberRemoved': return `${d.memberName ?? d.member}`;
    case 'GroupAdded': case 'GroupRemoved': return `${d.groupName ?? d.groupId}`;
    default: return `action ${d.actionId}`;
  }
}

// The token the platform sends back with every delivery: KAIZALA_CALLBACK_TOKEN, or a fresh one.
const callBackToken = process.env.KAIZALA_CALLBACK_TOKEN || randomBytes(24).toString('base64url');
/** The largest delivery read; the platform's events are a few kilobytes. */
const MAX_BODY = 1024 * 1024;
/** Event ids already handled (the newest 10,000). */
const seen = new Set();

/**
 * Answers `status`, keeps none of the request's body, and closes the connection. What the client is
 * still sending is dropped unread for a second first: a socket closed with data pending is reset,
 * and the client could lose the answer.
 */
function refuse(req, res, status) {
  if (res.headersSent) return;
  req.removeAllListeners('data');
  res.on('finish', () => {
    req.socket.end();
    req.resume();
    setTimeout(() => req.socket.destroy(), 1000).unref();
  });
  res.writeHead(status).end();
}

function deliver(body, res) {
  let event;
  try {
    event = parseWebhookEvent(body);
  } catch (e) {
    console.error(e instanceof KaizalaError ? e.message : String(e));
    res.writeHead(400).end();
    return;
  }
  // Answer 2xx for a duplicate too: the platform only wants to know it arrived.
  res.writeHead(200).end();
  if (seen.has(event.eventId)) {
    console.error(`duplicate delivery of ${event.eventId} ignored`);
    return;
  }
  seen.add(event.eventId);
  if (seen.size > 10_000) seen.delete(seen.values().next().value);
  console.log(`${event.eventType} ${event.eventId} ${describe(event)}`);
}

const server = http.createServer((req, res) => {
  const token = webhookValidationToken(req.url);
  if (req.method === 'GET' && token !== null) {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(token);
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  // The headers say who is calling: a delivery without our token is refused before a byte of its
  // body is read, and a body past MAX_BODY is not read on.
  if (!verifyWebhook(req.headers, callBackToken)) {
    console.error('refused a delivery without our kz-callback-token');
    refuse(req, res, 401);
    return;
  }
  if (Number(req.headers['content-length']) > MAX_BODY) {
    console.error(`refused a delivery of ${req.headers['content-length']} bytes`);
    refuse(req, res, 413);
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) {
      console.error(`refused a delivery of more than ${MAX_BODY} bytes`);
      refuse(req, res, 413);
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!res.headersSent) deliver(Buffer.concat(chunks), res);
  });
});

const s = await settings();
const client = new KaizalaClient({
  applicationId: s.applicationId,
  applicationSecret: s.applicationSecret,
  refreshToken: s.refreshToken,
  authUrl: s.authUrl,
  storage: 'memory',
});
await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
const publicUrl = (process.env.PUBLIC_URL ?? `http://127.0.0.1:${server.address().port}`).replace(/\/$/, '');
let webhookId;
try {
  ({ webhookId } = await client.createWebhook({
    objectId: s.groupId,
    objectType: 'Group',
    eventTypes: EVENTS,
    callBackUrl: `${publicUrl}/kaizala`,
    callBackToken,
  }));
} catch (e) {
  console.error(`could not register the webhook: ${e.message}`);
  server.close();
  process.exit(1);
}
console.log(`listening on ${publicUrl}/kaizala; webhook ${webhookId} registered for group ${s.groupId}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await client.deleteWebhook(webhookId);
    console.error(`webhook ${webhookId} removed`);
  } catch (e) {
    console.error(`could not remove webhook ${webhookId}: ${e.message}`);
  }
  server.close();
  server.closeAllConnections?.();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

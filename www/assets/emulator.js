// The emulator's dev API (/_emulator/): the demo tenant, the SMS outbox, webhook inboxes.
// These are not platform calls, so they go through plain fetch, not the client.

async function get(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `${path} answered HTTP ${res.status}`;
    try {
      const body = await res.json();
      if (body && typeof body.message === 'string') message = body.message;
    } catch { /* not JSON */ }
    const e = new Error(message);
    e.status = res.status;
    throw e;
  }
  return res.json();
}

let seedPromise;
/** The demo tenant: applicationId, applicationSecret, users, groups, refresh tokens, URLs. */
export function seed() {
  seedPromise ??= get('/_emulator/seed').catch((e) => {
    seedPromise = undefined;
    e.message = `The emulator's dev API did not answer (${e.message}). Serve this page with the emulator: make demo.`;
    throw e;
  });
  return seedPromise;
}

/** The newest PIN "sent by SMS" to a number, or null. */
export async function latestSms(mobileNumber) {
  const r = await get(`/_emulator/sms?mobileNumber=${encodeURIComponent(mobileNumber)}`);
  return (r.messages && r.messages[0]) || null;
}

export function inboxUrl(name) {
  return `${location.origin}/_emulator/inbox/${encodeURIComponent(name)}`;
}

/** Events a webhook delivered to the inbox, newest first: [{receivedAt, headers, body}]. */
export async function inbox(name) {
  const r = await get(`/_emulator/inbox/${encodeURIComponent(name)}`);
  return r.events || [];
}

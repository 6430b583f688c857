// The demo page: sign-in (PIN, refresh token, OAuth) under a connection name, the token panel with
// the connections held in this browser, the group tree and the group view.
import { h, $, errorText, toast, showError, busy, tabs, countdown, toDate } from './ui.js';
import * as emu from './emulator.js';
import { GroupView } from './group.js';

const ORIGIN = location.origin;
/** The page's own localStorage keys start with this; every other key belongs to the client. */
const PAGE = 'kaizala-demo:';
const page = {
  get: (k) => localStorage.getItem(PAGE + k),
  set: (k, v) => localStorage.setItem(PAGE + k, v),
  del: (k) => localStorage.removeItem(PAGE + k),
};

let lib; // the package: {KaizalaClient, KaizalaError}
let seed; // the emulator's demo tenant
let client; // the client of the current connection
let signinClient = null; // the client of a PIN sign-in in progress (not current until it succeeds)
let me = null;
let groupView = null;
let ticker = 0;

// ---------------------------------------------------------------- start

async function start() {
  try {
    lib = await import('../pkg/web/index.js');
  } catch (e) {
    return fatal(
      'The client package is not here yet.',
      `The page loads it from ./pkg/web/index.js; \`make demo\` builds it and copies it there. (${errorText(e)})`,
    );
  }
  try {
    seed = await emu.seed();
  } catch (e) {
    return fatal('The emulator is not answering.', errorText(e));
  }
  fillSignInForms();

  try {
    client = makeClient();
  } catch (e) {
    return fatal('The client could not start.', errorText(e));
  }
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    await finishOAuth(params);
    return;
  }
  const info = client.tokenInfo();
  if (info.signedIn || info.hasRefreshToken) enterApp();
  else showSignIn();
}

function fatal(title, detail) {
  const boot = $('#boot');
  boot.replaceChildren(h('strong', title), h('br'), h('span.muted', detail));
  boot.classList.add('boot-error');
  boot.setAttribute('role', 'alert');
}

/** The current connection: its name and connector (kept by the page; default: "default" of the demo connector). */
function current() {
  return { name: page.get('connection') || 'default', applicationId: page.get('applicationId') || seed.applicationId };
}

function connectorOf(applicationId) {
  return (seed.connectors || []).find((x) => x.applicationId === applicationId) || null;
}

function secretOf(applicationId) {
  const c = connectorOf(applicationId);
  return c ? c.applicationSecret : seed.applicationSecret;
}

/**
 * The client keeps to the emulator's throttle: the connector's calls a minute from the seed (the
 * page tests run the emulator with a very high one), else the client's default of 100 a minute.
 */
function rateLimit() {
  const calls = Number(seed.limits && seed.limits.connectorCallsPerMinute);
  return calls > 0 ? { rateLimit: { calls, windowMs: 60_000 } } : {};
}

/** A client of connection `connection` (tokens under kaizala:{applicationId}:{connection} in localStorage). */
function clientFor({ applicationId, connection, applicationSecret, refreshToken }) {
  return new lib.KaizalaClient({
    applicationId,
    // A local demo against the emulator: the secret is in the page. A real web app uses tokenProvider.
    applicationSecret: applicationSecret ?? secretOf(applicationId),
    refreshToken,
    connection,
    authUrl: `${ORIGIN}/v1`,
    oauthUrl: `${ORIGIN}/api/Oauth`,
    storage: 'local',
    ...rateLimit(),
    onTokenChange: () => renderToken(),
  });
}

function makeClient() {
  const c = current();
  return clientFor({ applicationId: c.applicationId, connection: c.name });
}

/** Makes `next` the current connection (the page remembers it across reloads). */
function adopt(next) {
  const info = next.tokenInfo();
  page.set('connection', info.connection);
  page.set('applicationId', info.applicationId);
  client = next;
  signinClient = null;
}

/** The connections held in this browser's localStorage (never a token). */
function held() {
  try {
    return lib.KaizalaClient.connections('local');
  } catch (e) {
    showError(e);
    return [];
  }
}

const whoKey = (c) => `who:${c.applicationId}:${c.name}`;

/** The connection name typed on the sign-in card, checked: a new name, fit for a storage key. */
function connectionName() {
  const input = $('#conn-name');
  const name = input.value.trim();
  let problem = null;
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) {
    problem = 'Connection name: use 1 to 40 letters, digits, dots, dashes or underscores (for example default or admin-pin).';
  } else if (held().some((c) => c.name === name)) {
    problem = `A connection named “${name}” is already held in this browser: choose another name, or continue with it under “Saved connections”.`;
  }
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    throw new Error(problem);
  }
  input.removeAttribute('aria-invalid');
  return name;
}

/** "default" when free, else the first free "connection-N". */
function freeName() {
  const names = new Set(held().map((c) => c.name));
  if (!names.has('default')) return 'default';
  let n = 2;
  while (names.has(`connection-${n}`)) n += 1;
  return `connection-${n}`;
}

// ---------------------------------------------------------------- sign-in

/** The sign-in card; with `adding`, a further connection while the current one stays signed in. */
function showSignIn(message, { adding = false } = {}) {
  $('#boot').hidden = true;
  $('#app').hidden = true;
  $('#topbar-user').hidden = true;
  $('#signin').hidden = false;
  $('#signin-title').textContent = adding ? 'Add a connection' : 'Sign in';
  $('#signin-cancel').hidden = !adding;
  $('#signin-cancel').textContent = adding ? `Back to “${current().name}”` : 'Cancel';
  $('#signin-error').hidden = true;
  $('#pin-login').hidden = true;
  $('#sms').hidden = true;
  signinClient = null;
  $('#conn-name').value = freeName();
  $('#conn-name').removeAttribute('aria-invalid');
  renderSaved(adding);
  if (message) toast(message, 'error');
  const last = page.get('mobile');
  if (last && !$('#pin-mobile').value) $('#pin-mobile').value = last;
  (adding ? $('#conn-name') : $('#pin-mobile')).focus();
}

/** Back from "Add a connection" to the app as it was. */
function cancelAdding() {
  signinClient = null;
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#topbar-user').hidden = false;
  renderToken();
}

function fillSignInForms() {
  if (seed.tenant && seed.tenant.name) $('#tenant-name').textContent = seed.tenant.name;
  const users = [...(seed.users || [])].sort((a, b) => a.mobileNumber.localeCompare(b.mobileNumber));
  $('#seed-users').replaceChildren(...users.map((u) => h('option', { value: u.mobileNumber }, `${u.name} · ${roleName(u.role)}`)));
  $('#tok-app').value = seed.applicationId;
  $('#tok-secret').value = seed.applicationSecret;
  $('#tok-refresh').value = seed.userRefreshToken;
  const who = users.find((u) => u.mobileNumber === seed.userTokenMobileNumber);
  $('#tok-user-who').textContent = who ? `(${who.name})` : '';
  const g = (seed.groups || []).find((x) => x.groupId === seed.groupTokenGroupId);
  $('#tok-group-who').textContent = g ? `(admin of ${g.groupName})` : '';
}

function roleName(r) {
  return { OrganisationAdmin: 'organisation admin', GroupAdmin: 'group admin', User: 'member' }[r] || r || '';
}

function wireSignIn() {
  tabs($('#signin-tabs'));
  for (const b of document.querySelectorAll('[data-fill]')) {
    b.addEventListener('click', () => {
      $('#pin-mobile').value = b.dataset.fill;
      $('#pin-mobile').focus();
    });
  }
  const errorBox = h('p.form-error', { role: 'alert', hidden: true, id: 'signin-error' });
  $('#signin-tabs').after(errorBox);

  $('#pin-request').addEventListener('submit', (e) => {
    e.preventDefault();
    const mobile = $('#pin-mobile').value.trim();
    busy(e.submitter, async () => {
      signinClient = clientFor({ applicationId: seed.applicationId, connection: connectionName() });
      await signinClient.generatePin(mobile);
      page.set('mobile', mobile);
      const sms = await emu.latestSms(mobile);
      $('#sms-to').textContent = mobile;
      $('#sms-text').textContent = sms ? sms.text : 'No SMS yet.';
      $('#sms').hidden = false;
      $('#pin-login').hidden = false;
      if (sms && sms.pin !== undefined) $('#pin-code').value = String(sms.pin);
      $('#pin-code').focus();
    }, errorBox);
  });

  $('#pin-login').addEventListener('submit', (e) => {
    e.preventDefault();
    const mobile = $('#pin-mobile').value.trim();
    const pin = $('#pin-code').value.trim();
    busy(e.submitter, async () => {
      if (!signinClient) throw new Error('Send a PIN first.');
      await signinClient.loginWithPin(mobile, pin);
      adopt(signinClient);
      $('#pin-login').hidden = true;
      $('#sms').hidden = true;
      $('#pin-code').value = '';
      enterApp();
    }, errorBox);
  });

  for (const r of document.querySelectorAll('#token-form [name=kind]')) {
    r.addEventListener('change', () => {
      $('#tok-refresh').value = r.value === 'group' ? seed.groupRefreshToken : seed.userRefreshToken;
    });
  }
  $('#token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    busy(e.submitter, async () => {
      const connection = connectionName();
      const applicationId = $('#tok-app').value.trim();
      const applicationSecret = $('#tok-secret').value;
      const refreshToken = $('#tok-refresh').value.trim();
      const next = clientFor({ applicationId, applicationSecret, refreshToken, connection });
      try {
        await next.accessToken(); // proves the credentials before going in
      } catch (err) {
        next.logout(); // a refused token is not kept as a connection
        throw err;
      }
      adopt(next);
      enterApp();
    }, errorBox);
  });

  $('#signin-cancel').addEventListener('click', () => cancelAdding());
  $('#conn-name').addEventListener('input', () => $('#conn-name').removeAttribute('aria-invalid'));

  $('#oauth-go').addEventListener('click', (e) => {
    busy(e.currentTarget, async () => {
      const connection = connectionName();
      const next = clientFor({ applicationId: seed.applicationId, connection });
      const state = crypto.getRandomValues(new Uint32Array(4)).join('-');
      sessionStorage.setItem(PAGE + 'oauth-state', state);
      sessionStorage.setItem(PAGE + 'oauth-connection', connection);
      location.assign(next.authorizeUrl(`${ORIGIN}${location.pathname}`, state));
    }, errorBox);
  });
}

async function finishOAuth(params) {
  const expected = sessionStorage.getItem(PAGE + 'oauth-state');
  const connection = sessionStorage.getItem(PAGE + 'oauth-connection') || 'default';
  sessionStorage.removeItem(PAGE + 'oauth-state');
  sessionStorage.removeItem(PAGE + 'oauth-connection');
  history.replaceState(null, '', location.pathname);
  if (params.has('error')) return showSignIn(`OAuth sign-in failed: ${params.get('error')}`);
  if (!expected || params.get('state') !== expected) {
    return showSignIn('OAuth sign-in refused: the state in the redirect does not match the one this page sent.');
  }
  const next = clientFor({ applicationId: seed.applicationId, connection });
  try {
    await next.completeAuthorization(params.get('code'));
    adopt(next);
    toast('Signed in with OAuth.', 'ok');
    enterApp();
  } catch (e) {
    showSignIn(`OAuth sign-in failed: ${errorText(e)}`);
  }
}

// ---------------------------------------------------------------- signed in

async function enterApp() {
  $('#boot').hidden = true;
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#topbar-user').hidden = false;
  $('#me-name').textContent = '';
  $('#me-conn').textContent = current().name;
  if (groupView) groupView.close();
  groupView = null;
  me = null;
  $('#group').replaceChildren(emptyGroup());
  renderToken();
  clearInterval(ticker);
  ticker = setInterval(tick, 1000);
  const mine = client;
  try {
    me = await client.me();
    if (client !== mine) return; // switched meanwhile
    $('#me-name').textContent = me.name || me.mobileNumber || '';
    $('#me-name').title = me.mobileNumber || '';
    page.set(whoKey(current()), me.name || me.mobileNumber || '');
    renderConnections(true);
  } catch (e) {
    if (client !== mine) return;
    me = null;
    if (await signedOutBy(e)) return;
    $('#me-name').textContent = 'Signed in';
  }
  await loadGroups();
}

/** A stored sign-in that no longer works (emulator restarted, token revoked): back to sign-in. */
async function signedOutBy(e) {
  if (!e || !['unauthorized', 'not_signed_in'].includes(e.code)) return false;
  await signOut(`Your saved sign-in no longer works: ${errorText(e)}`);
  return true;
}

/** Signs the current connection out (its tokens leave this browser); other connections stay. */
async function signOut(message) {
  clearInterval(ticker);
  if (groupView) groupView.close();
  groupView = null;
  const was = current();
  try {
    await client.logout();
  } catch (e) {
    showError(e);
  }
  for (const k of ['connection', 'applicationId', 'group', 'mobile', whoKey(was)]) page.del(k);
  me = null;
  client = makeClient();
  $('#group-tree').replaceChildren();
  $('#group').replaceChildren(emptyGroup());
  showSignIn(message);
  const others = held().length;
  if (!message) {
    toast(`Signed out of “${was.name}”. Its tokens are gone from this browser${others ? `; ${others === 1 ? 'your other connection is' : `your ${others} other connections are`} kept` : ''}.`, 'ok');
  }
}

function emptyGroup() {
  return h('div.card.empty', { id: 'group-empty' },
    h('h1', 'Pick a group'),
    h('p.muted', 'Choose a group to see its messages, actions, members and webhooks.'));
}

// ---------------------------------------------------------------- token panel

const STORAGE = { local: 'localStorage — survives a reload', session: 'sessionStorage', memory: 'memory only' };

function renderToken() {
  if (!client) return;
  let info;
  try {
    info = client.tokenInfo();
  } catch (e) {
    return showError(e);
  }
  const pill = $('#token-state');
  pill.textContent = info.signedIn ? 'Active' : info.hasRefreshToken ? 'Refreshes on next call' : 'Signed out';
  pill.className = `pill ${info.signedIn ? 'pill-ok' : info.hasRefreshToken ? 'pill-warn' : 'pill-off'}`;
  const scopes = info.scopes || [];
  const rexp = toDate(info.refreshTokenExpiry);
  $('#token-info').replaceChildren(
    h('dt', 'Connection'), h('dd', info.connection || 'default'),
    h('dt', 'Connector'), h('dd.mono.wrap', info.applicationId || '—'),
    h('dt', 'Endpoint URL'), h('dd.mono.wrap', info.endpointUrl || '—'),
    h('dt', 'Access token'), h('dd', h('span', { id: 'token-countdown', 'aria-live': 'off' }, expiryText(info))),
    h('dt', 'Refresh token'), h('dd', info.hasRefreshToken ? (rexp ? `until ${rexp.toLocaleDateString()}` : 'held') : 'none'),
    h('dt', 'Storage'), h('dd', STORAGE.local),
    h('dt', `Scopes (${scopes.length})`),
    h('dd', scopes.length
      ? h('ul.chips', { 'aria-label': 'Granted scopes' }, scopes.map((s) => h('li.chip', s)))
      : '—'),
  );
  renderConnections();
}

// ---------------------------------------------------------------- connections

let connsDrawn = '';

/** The connections held in this browser, in the token panel: switch to one, or remove one. */
function renderConnections(force = false) {
  const list = held();
  const cur = current();
  // Redrawn only when the list changes (a token refresh must not take the focus away); the
  // expiries tick in place.
  const key = JSON.stringify([cur, list.map((c) => [c.name, c.applicationId, c.endpointUrl, c.signedIn, c.hasRefreshToken])]);
  if (!force && key === connsDrawn && $('#conn-list').children.length) return updateExpiries();
  connsDrawn = key;
  $('#conns-count').textContent = list.length ? `(${list.length})` : '';
  $('#conn-list').replaceChildren(...list.map((c) => {
    const isCurrent = c.name === cur.name && c.applicationId === cur.applicationId;
    return connItem(c, isCurrent, isCurrent ? [] : [
      h('button.btn.btn-small', {
        type: 'button', 'aria-label': `Switch to ${c.name}`, onclick: () => switchTo(c),
      }, 'Switch'),
      removeButton(c),
    ]);
  }));
}

/** The saved connections on the sign-in card: continue with one, or remove one. */
function renderSaved(adding = false) {
  const list = adding ? [] : held();
  $('#saved').hidden = !list.length;
  $('#saved-list').replaceChildren(...list.map((c) => connItem(c, false, [
    h('button.btn.btn-small', {
      type: 'button', 'aria-label': `Continue with ${c.name}`, onclick: () => switchTo(c),
    }, 'Continue'),
    removeButton(c),
  ])));
}

function connItem(c, isCurrent, actions) {
  const who = page.get(whoKey(c));
  const connector = connectorOf(c.applicationId);
  const state = c.signedIn ? ['Active', 'pill-ok'] : c.hasRefreshToken ? ['Refreshes on next call', 'pill-warn'] : ['Signed out', 'pill-off'];
  return h('li.conn', { 'aria-current': isCurrent ? 'true' : null, dataset: { connection: c.name } },
    h('div.conn-head',
      h('span.conn-name', c.name),
      isCurrent ? h('span.tag.tag-current', 'Current') : null,
      h(`span.pill.${state[1]}`, state[0])),
    h('dl.conn-kv',
      h('dt.sr', 'Signed in as'), who ? h('dd', who) : null,
      h('dt.sr', 'Connector'),
      h('dd.small', connector ? `${connector.name} · ` : '', h('span.mono', { title: c.applicationId }, short(c.applicationId))),
      h('dt.sr', 'Endpoint URL'), h('dd.small.mono.wrap', c.endpointUrl || 'endpoint known after the first call'),
      h('dt.sr', 'Access token'), h('dd.small.muted', { dataset: { expiresFor: c.name } }, connExpiry(c))),
    actions.length ? h('div.conn-actions', actions) : null);
}

function removeButton(c) {
  return h('button.btn.btn-small.btn-ghost.btn-danger', {
    type: 'button',
    'aria-label': `Remove ${c.name}`,
    onclick: () => {
      try {
        lib.KaizalaClient.removeConnection(c.name, 'local');
      } catch (e) {
        return showError(e);
      }
      page.del(whoKey(c));
      toast(`Removed the connection “${c.name}”: its tokens are gone from this browser.`, 'ok');
      if ($('#signin').hidden) {
        renderConnections(true);
        $('#conn-add').focus();
      } else {
        renderSaved();
        $('#conn-name').focus();
      }
    },
  }, 'Remove');
}

function switchTo(c) {
  page.set('connection', c.name);
  page.set('applicationId', c.applicationId);
  try {
    client = makeClient();
  } catch (e) {
    return showError(e);
  }
  const fromPanel = $('#signin').hidden;
  toast(`Switched to the connection “${c.name}”.`, 'ok');
  enterApp();
  // The button pressed is gone with the redraw: the focus goes to the list (or the page).
  (fromPanel ? $('#conns-title') : $('#main')).focus();
}

function short(id) {
  return id && id.length > 13 ? `${id.slice(0, 8)}…` : id || '—';
}

function connExpiry(c) {
  if (!c.signedIn && !c.hasRefreshToken) return 'no token';
  const t = expiryText(c).replace(/(\d+ h \d+ min) \d+ s$/, '$1');
  return t === '—' ? 'no access token yet' : `access token ${t}`;
}

function updateExpiries() {
  const byName = new Map(held().map((c) => [c.name, c]));
  for (const el of document.querySelectorAll('[data-expires-for]')) {
    const c = byName.get(el.dataset.expiresFor);
    if (c) el.textContent = connExpiry(c);
  }
}

function expiryText(info) {
  const exp = toDate(info.accessTokenExpiry);
  if (!exp) return info.hasRefreshToken ? 'minted on the next call' : '—';
  const left = exp.getTime() - Date.now();
  return left > 0 ? `expires in ${countdown(left)}` : 'expired — renews on the next call';
}

function tick() {
  const el = $('#token-countdown');
  if (!el || !client) return;
  try {
    el.textContent = expiryText(client.tokenInfo());
    if ($('#token-panel').open) updateExpiries();
  } catch { /* shown by renderToken */ }
}

// ---------------------------------------------------------------- groups

async function loadGroups() {
  const tree = $('#group-tree');
  tree.setAttribute('aria-busy', 'true');
  tree.replaceChildren(h('p.muted', 'Loading groups…'));
  try {
    const { groups = [] } = await client.listGroups({ showDetail: true });
    const full = await groupTree(groups);
    tree.replaceChildren(full.length ? groupList(full, 0) : h('p.muted', 'You are in no group.'));
    const last = page.get('group');
    const all = flatten(full);
    const pick = all.find((g) => g.groupId === last);
    if (pick) openGroup(pick, false);
  } catch (e) {
    if (await signedOutBy(e)) return;
    tree.replaceChildren(h('p.form-error', { role: 'alert' }, errorText(e)));
  } finally {
    tree.removeAttribute('aria-busy');
  }
}

/** `g` with its whole hierarchy below it under `subGroups` (as listed when it has none). */
async function withSubGroups(g) {
  if (!g.hasSubGroups) return g;
  try {
    const { groups = [] } = await client.listSubGroups(g.groupId, { fetchAllGroups: true });
    return { ...g, subGroups: (groups[0] && groups[0].subGroups) || [] };
  } catch (e) {
    showError(e);
    return g;
  }
}

/**
 * The tree of the groups the caller is in. `GET /groups` is flat: a sub-group the caller belongs to
 * is an entry of its own, with `hasParentGroups`. Each group is shown once, where it sits: the
 * top-level groups first, each with its hierarchy; then the sub-groups that none of those holds
 * (their parent is out of the caller's sight), as tops of their own, unless one of them holds another.
 */
async function groupTree(groups) {
  const ids = (list) => list.flatMap((g) => [g.groupId, ...ids(g.subGroups || [])]);
  const tops = await Promise.all(groups.filter((g) => !g.hasParentGroups).map(withSubGroups));
  const placed = new Set(ids(tops));
  const rest = await Promise.all(groups
    .filter((g) => g.hasParentGroups && !placed.has(g.groupId))
    .map(withSubGroups));
  const inside = new Set(rest.flatMap((g) => ids(g.subGroups || [])));
  return [...tops, ...rest.filter((g) => !inside.has(g.groupId))];
}

/** After members changed: the group's head count again, in the tree and the group's header. */
async function refreshCount(groupId) {
  let g;
  try {
    [g] = (await client.getGroup(groupId)).groups || [];
  } catch {
    return; // the counts stay as they were; the member list shows its own error
  }
  const n = g && (g.userCount ?? g.currentLevelUserCount);
  if (n === undefined || n === null) return;
  for (const b of document.querySelectorAll('.tree-item')) {
    if (b.dataset.groupId !== groupId) continue;
    const count = b.querySelector('.tree-meta > span:last-child');
    if (count) {
      count.textContent = String(n);
      count.setAttribute('aria-label', `${n} people`);
    }
  }
  if (groupView && groupView.id === groupId) groupView.setPeople(n);
}

function flatten(groups) {
  return groups.flatMap((g) => [g, ...flatten(g.subGroups || [])]);
}

function groupList(groups, depth) {
  return h('ul', { class: depth ? 'tree-sub' : 'tree-root' }, groups.map((g) => h('li',
    h('button.tree-item', {
      type: 'button',
      dataset: { groupId: g.groupId },
      onclick: () => openGroup(g, true),
    },
    h('span.tree-name', g.groupName),
    h('span.tree-meta',
      g.groupType === 'ConnectGroup' ? h('span.tag.tag-public', 'Public') : null,
      h('span', { 'aria-label': `${g.userCount ?? g.currentLevelUserCount ?? '?'} people` }, `${g.userCount ?? g.currentLevelUserCount ?? ''}`))),
    g.subGroups && g.subGroups.length ? groupList(g.subGroups, depth + 1) : null,
  )));
}

function openGroup(g, focus) {
  for (const b of document.querySelectorAll('.tree-item')) {
    if (b.dataset.groupId === g.groupId) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  page.set('group', g.groupId);
  if (groupView) groupView.close();
  groupView = new GroupView({
    client, group: g, me: () => me, seed, onAuthError: signedOutBy,
    onMembersChanged: () => refreshCount(g.groupId),
  });
  $('#group').replaceChildren(groupView.el);
  groupView.load();
  if (focus) groupView.focus();
}

// ---------------------------------------------------------------- wiring

function wire() {
  wireSignIn();
  $('#sign-out').addEventListener('click', (e) => busy(e.currentTarget, () => signOut()));
  $('#groups-reload').addEventListener('click', () => loadGroups());
  $('#conn-add').addEventListener('click', () => showSignIn(undefined, { adding: true }));
  $('#token-refresh').addEventListener('click', (e) => busy(e.currentTarget, async () => {
    await client.accessToken();
    renderToken();
    toast('The client holds a valid access token.', 'ok');
  }));
  if (matchMedia('(max-width: 760px)').matches) $('#token-panel').open = false;
}

wire();
start();

// The demo page: sign-in (PIN, refresh token, OAuth), the token panel, the group tree and the group view.
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
  clear: () => Object.keys(localStorage).filter((k) => k.startsWith(PAGE)).forEach((k) => localStorage.removeItem(k)),
};

let lib; // the package: {KaizalaClient, KaizalaError}
let seed; // the emulator's demo tenant
let client;
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

  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    await finishOAuth(params);
    return;
  }
  try {
    client = makeClient();
  } catch (e) {
    return fatal('The client could not start.', errorText(e));
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

/** The connector this browser signed in with (kept by the page, default: the demo connector). */
function connector() {
  const id = page.get('applicationId') || seed.applicationId;
  const c = (seed.connectors || []).find((x) => x.applicationId === id);
  return { applicationId: id, applicationSecret: c ? c.applicationSecret : seed.applicationSecret };
}

function makeClient(extra = {}) {
  const c = connector();
  return new lib.KaizalaClient({
    applicationId: c.applicationId,
    // A local demo against the emulator: the secret is in the page. A real web app uses tokenProvider.
    applicationSecret: c.applicationSecret,
    authUrl: `${ORIGIN}/v1`,
    oauthUrl: `${ORIGIN}/api/Oauth`,
    storage: 'local',
    onTokenChange: () => renderToken(),
    ...extra,
  });
}

// ---------------------------------------------------------------- sign-in

function showSignIn(message) {
  $('#boot').hidden = true;
  $('#app').hidden = true;
  $('#topbar-user').hidden = true;
  $('#signin').hidden = false;
  if (message) toast(message, 'error');
  const last = page.get('mobile');
  if (last && !$('#pin-mobile').value) $('#pin-mobile').value = last;
  $('#pin-mobile').focus();
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
      page.del('applicationId');
      client = makeClient();
      await client.generatePin(mobile);
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
      await client.loginWithPin(mobile, pin);
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
      const applicationId = $('#tok-app').value.trim();
      const applicationSecret = $('#tok-secret').value;
      const refreshToken = $('#tok-refresh').value.trim();
      const next = new lib.KaizalaClient({
        applicationId, applicationSecret, refreshToken,
        authUrl: `${ORIGIN}/v1`, oauthUrl: `${ORIGIN}/api/Oauth`, storage: 'local',
        onTokenChange: () => renderToken(),
      });
      await next.accessToken(); // proves the credentials before going in
      page.set('applicationId', applicationId);
      client = applicationSecret === connector().applicationSecret ? makeClient() : next;
      enterApp();
    }, errorBox);
  });

  $('#oauth-go').addEventListener('click', (e) => {
    busy(e.currentTarget, async () => {
      page.del('applicationId');
      client = makeClient();
      const state = crypto.getRandomValues(new Uint32Array(4)).join('-');
      sessionStorage.setItem(PAGE + 'oauth-state', state);
      location.assign(client.authorizeUrl(`${ORIGIN}${location.pathname}`, state));
    }, errorBox);
  });
}

async function finishOAuth(params) {
  const expected = sessionStorage.getItem(PAGE + 'oauth-state');
  sessionStorage.removeItem(PAGE + 'oauth-state');
  history.replaceState(null, '', location.pathname);
  client = makeClient();
  if (params.has('error')) return showSignIn(`OAuth sign-in failed: ${params.get('error')}`);
  if (!expected || params.get('state') !== expected) {
    return showSignIn('OAuth sign-in refused: the state in the redirect does not match the one this page sent.');
  }
  try {
    await client.completeAuthorization(params.get('code'));
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
  renderToken();
  clearInterval(ticker);
  ticker = setInterval(tick, 1000);
  try {
    me = await client.me();
    $('#me-name').textContent = me.name || me.mobileNumber || '';
    $('#me-name').title = me.mobileNumber || '';
  } catch (e) {
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

async function signOut(message) {
  clearInterval(ticker);
  if (groupView) groupView.close();
  groupView = null;
  try {
    await client.logout();
  } catch (e) {
    showError(e);
  }
  page.clear();
  me = null;
  $('#group-tree').replaceChildren();
  $('#group').replaceChildren(emptyGroup());
  showSignIn(message);
  if (!message) toast('Signed out. The tokens are gone from this browser.', 'ok');
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
  } catch { /* shown by renderToken */ }
}

// ---------------------------------------------------------------- groups

async function loadGroups() {
  const tree = $('#group-tree');
  tree.setAttribute('aria-busy', 'true');
  tree.replaceChildren(h('p.muted', 'Loading groups…'));
  try {
    const { groups = [] } = await client.listGroups({ showDetail: true });
    const full = await Promise.all(groups.map(async (g) => {
      if (!g.hasSubGroups) return g;
      try {
        const withSubs = await client.listSubGroups(g.groupId, { fetchAllGroups: true });
        return { ...g, subGroups: withSubs.subGroups || [] };
      } catch (e) {
        showError(e);
        return g;
      }
    }));
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
  groupView = new GroupView({ client, group: g, me: () => me, seed, onAuthError: signedOutBy });
  $('#group').replaceChildren(groupView.el);
  groupView.load();
  if (focus) groupView.focus();
}

// ---------------------------------------------------------------- wiring

function wire() {
  wireSignIn();
  $('#sign-out').addEventListener('click', (e) => busy(e.currentTarget, () => signOut()));
  $('#groups-reload').addEventListener('click', () => loadGroups());
  $('#token-refresh').addEventListener('click', (e) => busy(e.currentTarget, async () => {
    await client.accessToken();
    renderToken();
    toast('The client holds a valid access token.', 'ok');
  }));
  if (matchMedia('(max-width: 760px)').matches) $('#token-panel').open = false;
}

wire();
start();

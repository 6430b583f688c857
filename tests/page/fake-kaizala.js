// A stand-in for pkg/web/index.js, in plain JS over fetch, with the subset of the client API
// (/work/client-api.md) the demo page uses. The page tests serve it at /pkg/web/index.js only when
// KAIZALA_PAGE_FAKE=1 (the real package was not built yet); by default they use the real package.
export class KaizalaError extends Error {
  constructor(message, code, status = 0, operation, field) {
    super(message);
    Object.assign(this, { name: 'KaizalaError', code, status, operation, field });
  }
}

const CODES = { 400: 'invalid_input', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'too_large', 415: 'unsupported_media', 429: 'throttled' };

export class KaizalaClient {
  constructor(o) {
    if (!o || !o.applicationId) throw new KaizalaError('applicationId: required', 'invalid_input');
    this.o = o;
    this.conn = o.connection || 'default';
    this.store = o.storage === 'session' ? sessionStorage : o.storage === 'memory' ? null : localStorage;
    this.key = `kaizala:${o.applicationId}:${this.conn}`;
    this.mem = {};
    this.s = this.load();
    if (o.refreshToken) { this.s = { refreshToken: o.refreshToken }; this.save(); }
  }
  load() { try { return JSON.parse(this.store ? this.store.getItem(this.key) || '{}' : JSON.stringify(this.mem)); } catch { return {}; } }
  save() {
    if (this.store) this.store.setItem(this.key, JSON.stringify(this.s)); else this.mem = { ...this.s };
    this.o.onTokenChange?.(this.tokenInfo());
  }
  tokenInfo() {
    const s = this.s;
    return {
      connection: this.conn, applicationId: this.o.applicationId, endpointUrl: s.endpointUrl,
      accessTokenExpiry: s.accessTokenExpiry, refreshTokenExpiry: s.refreshTokenExpiry,
      scopes: s.scopes || [], hasRefreshToken: !!s.refreshToken,
      signedIn: !!s.accessToken && s.accessTokenExpiry > Date.now(),
    };
  }
  async raw(url, init, operation) {
    const res = await fetch(url, init);
    const text = await res.text();
    let body; try { body = text ? JSON.parse(text) : {}; } catch { body = text; }
    if (!res.ok) {
      const e = body && body.error || {};
      throw new KaizalaError(e.message || `HTTP ${res.status}`, CODES[res.status] || 'server', res.status, operation, e.field);
    }
    return body;
  }
  auth(path, body, op) {
    return this.raw(`${this.o.authUrl}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, op);
  }
  generatePin(mobileNumber) { return this.auth('generatePin', { mobileNumber, applicationId: this.o.applicationId }, 'generatePin'); }
  async loginWithPin(mobileNumber, pin) {
    const r = await this.auth('loginWithPinAndApplicationId', { mobileNumber, applicationId: this.o.applicationId, pin: Number(pin) }, 'loginWithPin');
    this.s = { refreshToken: r.refreshToken, refreshTokenExpiry: r.refreshTokenExpiry };
    await this.accessToken();
    return { grantedScope: r.grantedScope, refreshTokenExpiry: r.refreshTokenExpiry };
  }
  authorizeUrl(redirectUri, state) {
    const q = new URLSearchParams({ client_id: this.o.applicationId, redirect_uri: redirectUri });
    if (state) q.set('state', state);
    return `${this.o.oauthUrl}/Authorize?${q}`;
  }
  async completeAuthorization(codeOrUrl) {
    const code = codeOrUrl.includes('code=') ? new URL(codeOrUrl).searchParams.get('code') : codeOrUrl;
    const form = new URLSearchParams({ client_id: this.o.applicationId, client_secret: this.o.applicationSecret, code });
    const r = await this.raw(`${this.o.oauthUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }, 'completeAuthorization');
    this.keep(r);
    return this.tokenInfo();
  }
  keep(r) {
    this.s = {
      ...this.s, accessToken: r.accessToken, endpointUrl: r.endpointUrl, accessTokenExpiry: r.accessTokenExpiry,
      scopes: (r.scope || '').split(',').filter(Boolean),
    };
    if (r.refreshToken) this.s.refreshToken = r.refreshToken;
    if (r.refreshTokenExpiry) this.s.refreshTokenExpiry = r.refreshTokenExpiry;
    this.save();
  }
  async accessToken() {
    if (this.tokenInfo().signedIn) return this.s.accessToken;
    if (!this.s.refreshToken) throw new KaizalaError('not signed in', 'not_signed_in');
    const r = await this.raw(`${this.o.authUrl}/accessToken`, { headers: { applicationId: this.o.applicationId, applicationSecret: this.o.applicationSecret, refreshToken: this.s.refreshToken } }, 'accessToken');
    this.keep(r);
    return r.accessToken;
  }
  async logout() { this.s = {}; if (this.store) this.store.removeItem(this.key); else this.mem = {}; this.o.onTokenChange?.(this.tokenInfo()); }
  async request(method, path, { query, body, operation } = {}) {
    const token = await this.accessToken();
    const q = query ? '?' + new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined)) : '';
    const headers = { accessToken: token };
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
    return this.raw(`${this.s.endpointUrl}v1/${path}${q}`, { method, headers, body: payload }, operation);
  }
  me() { return this.request('GET', 'users/me'); }
  listGroups(o = {}) { return this.request('GET', 'groups', { query: o }); }
  listSubGroups(g, o = {}) { return this.request('GET', `groups/${g}/subGroups`, { query: o }); }
  listMembers(g) { return this.request('GET', `groups/${g}/members`); }
  addMembers(g, members) { return this.request('PUT', `groups/${g}/members`, { body: { members } }); }
  removeMember(g, m) { return this.request('DELETE', `groups/${g}/members/${encodeURIComponent(m)}`); }
  listSubscribers(g, o = {}) { return this.request('POST', `groups/${g}/subscribers`, { body: o }); }
  nextCursor(op, page) { return page && page.cursor ? page.cursor : undefined; }
  sendMessage(g, m) { return this.request('POST', `groups/${g}/messages`, { body: typeof m === 'string' ? { message: m } : m }); }
  listMessages(g, o = {}) { return this.request('GET', `groups/${g}/messages`, { query: o }); }
  listActions(g, o = {}) { return this.request('GET', `groups/${g}/actions`, { query: o }); }
  getAction(g, a, o = {}) { return this.request('GET', `groups/${g}/actions/${a}`, { query: o }); }
  postAction(g, b) { return this.request('POST', `groups/${g}/actions`, { body: b }); }
  postPoll(g, b) { return this.postAction(g, { actionType: 'Poll', actionBody: b }); }
  postSurvey(g, b) { return this.postAction(g, { actionType: 'Survey', actionBody: b }); }
  postJob(g, b) { return this.postAction(g, { actionType: 'Job', actionBody: b }); }
  postAnnouncement(g, b) { return this.postAction(g, { actionType: 'Announcement', actionBody: b }); }
  postMedia(g, { actionType = 'Image', mediaResource, caption }) { return this.postAction(g, { actionType, actionBody: { mediaResource, caption } }); }
  respondToAction(g, a, b) { return this.request('POST', `groups/${g}/actions/${a}/responses`, { body: b }); }
  uploadMedia(data, { fileName, mimeType }) {
    const f = new FormData();
    f.append('file', new Blob([data], { type: mimeType || data.type }), fileName);
    return this.request('POST', 'media', { body: f });
  }
  addReaction(g, b) { return this.request('POST', `groups/${g}/reaction`, { body: { sourceGroupId: g, ...b } }); }
  reactionSummary(g, r, o = {}) { return this.request('GET', `groups/${g}/reaction/${r}/summary`, { query: { sourceGroupId: g, ...o } }); }
  groupReactionSummary(g, o = {}) { return this.request('GET', `groups/${g}/reaction/summary`, { query: { sourceGroupId: g, ...o } }); }
  createWebhook(b) { return this.request('POST', 'webhook', { body: b }); }
  listWebhooks(o = {}) { return this.request('GET', 'webhook', { query: o }); }
  deleteWebhook(id) { return this.request('DELETE', `webhook/${id}`); }
}

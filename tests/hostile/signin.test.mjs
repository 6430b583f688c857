// Sign-in calls never follow a redirect: the connector's secret, the refresh token, a PIN and an
// OAuth client secret go to the configured authUrl / oauthUrl only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, kaizala, options, platform, redirect, refused, serve, tokenCalls } from './helpers.mjs';

let kz;
let foreign;
before(async () => {
  kz = kaizala();
  // Another origin, ready to hand out tokens of its own to whoever comes.
  foreign = await serve((rec, req, res) => json(res, 200, {
    accessToken: 'STOLEN-ACCESS', endpointUrl: `${foreign.origin}/evil/`, refreshToken: 'STOLEN-REFRESH',
    accessTokenExpiry: Date.now() + 3_600_000,
  }));
});
after(() => foreign.close());

describe('accessToken answered with a redirect', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`${status} to another origin: refused, and the secret and refresh token never get there`, async () => {
      const p = await platform();
      try {
        const before = foreign.requests.length;
        p.ctx.auth = (rec, res) => (rec.url.startsWith('/v1/accessToken')
          ? redirect(res, status, `${foreign.origin}/v1/accessToken`) : false);
        const client = new kz.KaizalaClient(options(p));
        await refused(client.listGroups(), 'redirect_refused', kz);
        assert.equal(foreign.requests.length - before, 0, 'no request reached the redirect target');
        assert.equal(tokenCalls(p).length, 1, 'the sign-in was not tried again');
        const info = client.tokenInfo();
        assert.equal(info.accessTokenExpiry, null, 'no access token was accepted');
        assert.equal(info.endpointUrl, null, 'no endpoint was accepted');
        // The client is not stuck: once the auth server answers properly, it signs in.
        p.ctx.auth = null;
        assert.equal(await client.accessToken(), p.ctx.minted[0]);
        assert.equal(client.tokenInfo().endpointUrl, p.ctx.endpoint);
      } finally {
        await p.close();
      }
    });
  }

  test('a redirect to the same origin, or a relative one, is refused too', async () => {
    for (const location of ['/v1/accessToken2', 'accessToken?again=1']) {
      const p = await platform();
      try {
        p.ctx.auth = (rec, res, ctx) => {
          if (rec.url.startsWith('/v1/accessToken2') || rec.url.includes('again=1')) return ctx.mint(rec, res);
          if (rec.url.startsWith('/v1/accessToken')) return redirect(res, 307, location);
          return false;
        };
        const client = new kz.KaizalaClient(options(p));
        await refused(client.accessToken(), 'redirect_refused', kz);
        assert.equal(p.requests.length, 1, `only the first request (${location})`);
        assert.equal(p.ctx.minted.length, 0);
      } finally {
        await p.close();
      }
    }
  });
});

describe('the other sign-in calls answered with a redirect', () => {
  test('generatePin: 307 to another origin is refused; the number and applicationId stay home', async () => {
    const p = await platform();
    try {
      const before = foreign.requests.length;
      p.ctx.auth = (rec, res) => (rec.url === '/v1/generatePin' ? redirect(res, 307, `${foreign.origin}/v1/generatePin`) : false);
      const client = new kz.KaizalaClient(options(p, { refreshToken: undefined }));
      await refused(client.generatePin('+911099999999'), 'redirect_refused', kz);
      assert.equal(foreign.requests.length - before, 0);
      assert.equal(p.requests.filter((r) => r.url === '/v1/generatePin').length, 1, 'sent once');
    } finally {
      await p.close();
    }
  });

  test('loginWithPin: 308 to another origin is refused; the PIN stays home and no refresh token is taken', async () => {
    const p = await platform();
    try {
      const before = foreign.requests.length;
      p.ctx.auth = (rec, res) => (rec.url === '/v1/loginWithPinAndApplicationId'
        ? redirect(res, 308, `${foreign.origin}/v1/loginWithPinAndApplicationId`) : false);
      const client = new kz.KaizalaClient(options(p, { refreshToken: undefined }));
      await refused(client.loginWithPin('+911099999999', '1234'), 'redirect_refused', kz);
      assert.equal(foreign.requests.length - before, 0);
      assert.equal(client.tokenInfo().hasRefreshToken, false);
    } finally {
      await p.close();
    }
  });

  for (const status of [302, 307]) {
    test(`the OAuth code exchange: ${status} to another origin is refused; the client secret stays home`, async () => {
      const p = await platform();
      try {
        const before = foreign.requests.length;
        p.ctx.auth = (rec, res) => (rec.url.toLowerCase().startsWith('/api/oauth/token')
          ? redirect(res, status, `${foreign.origin}/api/oauth/token`) : false);
        const client = new kz.KaizalaClient(options(p, { refreshToken: undefined }));
        await refused(client.completeAuthorization('code-123'), 'redirect_refused', kz);
        assert.equal(foreign.requests.length - before, 0);
        const exchange = p.requests.filter((r) => r.url.toLowerCase().startsWith('/api/oauth/token'));
        assert.equal(exchange.length, 1, 'sent once, to the configured oauthUrl');
        assert.ok(exchange[0].body.includes('client_secret='), 'the exchange itself carried the secret');
        assert.equal(client.tokenInfo().signedIn, false);
      } finally {
        await p.close();
      }
    });
  }
});

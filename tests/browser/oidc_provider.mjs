#!/usr/bin/env node
// A real OpenID Connect provider (panva's oidc-provider) for pausegate's
// browser sign-in tests, on plain http over loopback.
//
// Usage:
//   node tests/browser/oidc_provider.mjs --redirect-uri http://127.0.0.1:8080/auth/callback \
//     [--port 0] [--client-id pausegate] [--client-secret pausegate-secret] \
//     [--post-logout-redirect-uri http://127.0.0.1:8080/] \
//     [--consent auto|prompt] [--token-auth-method client_secret_basic|client_secret_post] \
//     [--id-token-claims all|conform]
// Every flag can also come from the environment: OIDC_PORT, OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_POST_LOGOUT_REDIRECT_URI,
// OIDC_CONSENT, OIDC_TOKEN_AUTH_METHOD, OIDC_ID_TOKEN_CLAIMS (flags win).
// Redirect URIs may be comma-separated lists.
//
// When it is listening it prints exactly one line on stdout:
//   issuer http://127.0.0.1:PORT
// (oidc-provider's own development warnings go to stderr) and it runs until
// SIGTERM/SIGINT, then closes its sockets and exits 0.
//
// Accounts (the dev login form takes any password; the login IS the account id):
//   ana@example.com  name "Ana Lima"  groups ["release-managers"]
//   bo@example.com   name "Bo Berg"   groups []
// Any other login has no account, so the provider shows the login form again.
//
// Consent: with --consent auto (the default) consent is granted silently, as
// the docs suggest, by creating and saving a Grant in `loadExistingGrant`;
// with --consent prompt the dev consent page ("Authorize", one "Continue"
// button in a form with hidden input prompt=consent) is shown after login.
//
// oidc-provider documentation (v9) this configuration follows:
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#accounts
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#findaccount
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#clients
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#claims
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#scopes
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresdevinteractions
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#pkce
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#pkcerequired
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#conformidtokenclaims
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#loadexistinggrant
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#interactionspolicy
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#cookies
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresrpinitiatedlogout
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#trusting-tls-offloading-proxies

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  'ana@example.com': { name: 'Ana Lima', groups: ['release-managers'] },
  'bo@example.com': { name: 'Bo Berg', groups: [] },
};

function fail(message) {
  console.error(`oidc_provider: ${message}`);
  process.exit(2);
}

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string' },
    'post-logout-redirect-uri': { type: 'string' },
    consent: { type: 'string' },
    'token-auth-method': { type: 'string' },
    'id-token-claims': { type: 'string' },
  },
});
const env = process.env;
const list = (value) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);

const port = Number(flags.port ?? env.OIDC_PORT ?? 0);
const clientId = flags['client-id'] ?? env.OIDC_CLIENT_ID ?? 'pausegate';
const clientSecret = flags['client-secret'] ?? env.OIDC_CLIENT_SECRET ?? 'pausegate-secret';
const redirectUris = list(flags['redirect-uri'] ?? env.OIDC_REDIRECT_URI);
const postLogoutRedirectUris = list(flags['post-logout-redirect-uri'] ?? env.OIDC_POST_LOGOUT_REDIRECT_URI);
const consent = flags.consent ?? env.OIDC_CONSENT ?? 'auto';
const tokenAuthMethod = flags['token-auth-method'] ?? env.OIDC_TOKEN_AUTH_METHOD ?? 'client_secret_basic';
const idTokenClaims = flags['id-token-claims'] ?? env.OIDC_ID_TOKEN_CLAIMS ?? 'all';

if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port ${port}`);
if (!redirectUris.length) fail('--redirect-uri (or OIDC_REDIRECT_URI) is required');
if (!['auto', 'prompt'].includes(consent)) fail(`--consent must be auto or prompt, not ${consent}`);
if (!['client_secret_basic', 'client_secret_post'].includes(tokenAuthMethod)) {
  fail(`--token-auth-method must be client_secret_basic or client_secret_post, not ${tokenAuthMethod}`);
}
if (!['all', 'conform'].includes(idTokenClaims)) fail(`--id-token-claims must be all or conform`);

// Listen first: with port 0 the issuer URL is only known once bound.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

// A fresh signing key per run instead of the library's fixed dev keys: the
// Rust side must fetch the JWKS rather than hard-code a key.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  use: 'sig',
  alg: 'RS256',
  kid: `test-${randomBytes(4).toString('hex')}`,
};

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    client_name: 'pausegate (test)',
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: tokenAuthMethod,
    id_token_signed_response_alg: 'RS256',
  }],

  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      // oidc-provider filters these by the granted scopes (see `claims` below).
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: true,
          name: account.name,
          groups: account.groups,
        };
      },
    };
  },

  // scope -> claims it releases. `groups` rides on `profile` so a plain
  // `openid email profile` request gets it; a `groups` scope exists too.
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],

  // By default (conformIdTokenClaims: true) scope-requested claims are only
  // served from userinfo in the code flow; "all" also puts them in the ID
  // token, which is what most hosted providers do. "conform" lets a test
  // prove the userinfo path.
  conformIdTokenClaims: idTokenClaims === 'conform',

  // Confidential clients are not forced to use PKCE by default; pausegate
  // must always send it, so require it. Only S256 is supported in v9.
  pkce: { required: () => true },

  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    userinfo: { enabled: true },
  },

  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (consent !== 'auto') return existing;
    // Auto-consent: grant whatever openid scopes were asked for, so the
    // consent prompt never has anything missing.
    const grant = existing ?? new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope ?? 'openid');
    await grant.save();
    return grant;
  },

  // The provider and pausegate share the host 127.0.0.1 (cookies ignore the
  // port), so give the provider's cookies names that cannot clash with the
  // service's own. Over http the provider leaves out `Secure` by itself.
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    names: {
      session: 'op_session',
      interaction: 'op_interaction',
      resume: 'op_interaction_resume',
    },
  },

  jwks: { keys: [signingKey] },

  // Short lifetimes are not needed; defaults are fine. Render errors as JSON
  // text so a failing test's screenshot shows the reason.
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><title>oidc error</title><h1>oidc-provider error</h1><pre id="error">${
      JSON.stringify(out, null, 2).replace(/[<&]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`;
  },
};

const provider = new Provider(issuer, configuration);
// Surface server-side failures in the test log instead of only as a 500.
provider.on('server_error', (ctx, err) => console.error('oidc_provider server_error:', err));

server.on('request', provider.callback());

console.log(`issuer ${issuer}`);

function shutdown() {
  server.close(() => process.exit(0));
  // Keep-alive connections from a browser would otherwise hold close() open.
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

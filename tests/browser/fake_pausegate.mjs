// A stand-in for pausegate's web side, used only by smoke.mjs: an OIDC
// relying party written by hand (authorization code + PKCE S256 + state +
// nonce, code exchanged with the client secret, ID token signature checked
// against the JWKS, userinfo fetched) plus the inbox pages that
// sign_in_and_inbox.mjs expects. It lets the smoke check run that script
// end to end before the Rust side exists, and it doubles as a readable
// reference of the contract. It is not pausegate: keep it minimal.
//
// oidc-provider documentation for the endpoints it talks to:
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#clients
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#pkce
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#conformidtokenclaims

import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const decodeJwtPart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function startFakePausegate({ clientId, clientSecret, timeoutMs = 20_000 }) {
  const pending = new Map(); // state -> { verifier, nonce, next }
  const sessions = new Map(); // cookie value -> { email, csrf }
  const waiters = { callback: [], signedOut: [] };
  const pauses = new Map([
    ['pau_alpha', { title: 'Deploy api to prod', inputs: [] }],
    ['pau_beta', { title: 'Deploy web to prod', inputs: [] }],
    ['pau_inputs', { title: 'Release notes for 2.0', inputs: ['release_notes', 'target'] }],
  ]);
  const fake = {
    provider: null, // { issuer, authMethod }
    discovery: null,
    decisions: [], // { pause, decision, comment, by }
    delegations: [], // { person, delegate, ends_at }
  };

  const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:15px sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}</style></head><body>${body}</body></html>`;
  const signedIn = (session) => `<p>deciding as <strong>${esc(session.email)}</strong> (signed in)</p>`;

  function sessionOf(req) {
    const m = /(?:^|;\s*)pausegate_session=([^;]+)/.exec(req.headers.cookie || '');
    return m ? sessions.get(m[1]) : undefined;
  }

  async function finishLogin(params) {
    if (params.get('error')) {
      throw new Error(`provider returned error=${params.get('error')}: ${params.get('error_description')}`);
    }
    const state = params.get('state');
    const login = pending.get(state);
    check(login, `callback with unknown state ${state}`);
    pending.delete(state);
    // RFC 9207: the provider adds iss to the authorization response.
    check(params.get('iss') === fake.discovery.issuer, `callback iss ${params.get('iss')} != ${fake.discovery.issuer}`);

    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: `${fake.base}/auth/callback`,
      code_verifier: login.verifier,
    });
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    if (fake.provider.authMethod === 'client_secret_post') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      // RFC 6749 2.3.1: id and secret are form-urlencoded before base64.
      const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    }
    const tokenRes = await fetch(fake.discovery.token_endpoint, { method: 'POST', headers, body: form });
    const tokens = await tokenRes.json();
    check(tokenRes.ok, `token endpoint ${tokenRes.status}: ${JSON.stringify(tokens)}`);

    const idClaims = await verifyIdToken(tokens.id_token, login.nonce);
    const userinfoRes = await fetch(fake.discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const userinfo = await userinfoRes.json();
    check(userinfoRes.ok, `userinfo ${userinfoRes.status}: ${JSON.stringify(userinfo)}`);
    return { tokens, idClaims, userinfo, params: [...params.keys()], next: login.next };
  }

  async function verifyIdToken(idToken, nonce) {
    check(typeof idToken === 'string', 'no id_token in the token response');
    const [h, p, s] = idToken.split('.');
    const header = decodeJwtPart(h);
    const claims = decodeJwtPart(p);
    const jwks = await (await fetch(fake.discovery.jwks_uri)).json();
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    check(header.alg === 'RS256' && jwk, `no RS256 JWKS key for kid ${header.kid}`);
    const valid = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }),
      Buffer.from(s, 'base64url'));
    check(valid, 'ID token signature does not verify against the JWKS');
    check(claims.iss === fake.discovery.issuer, `ID token iss ${claims.iss}`);
    check(claims.aud === clientId || claims.aud?.includes?.(clientId), `ID token aud ${claims.aud}`);
    check(claims.nonce === nonce, 'ID token nonce does not match');
    check(claims.exp * 1000 > Date.now(), 'ID token already expired');
    return claims;
  }

  async function readForm(req) {
    let body = '';
    for await (const chunk of req) body += chunk;
    return new URLSearchParams(body);
  }

  async function route(req, res, url) {
    const session = sessionOf(req);
    const html = (status, title, body) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      .end(page(title, body));

    if (url.pathname === '/auth/login') {
      const verifier = b64url(randomBytes(32));
      const state = b64url(randomBytes(16));
      const nonce = b64url(randomBytes(16));
      pending.set(state, { verifier, nonce, next: url.searchParams.get('next') });
      const auth = new URL(fake.discovery.authorization_endpoint);
      auth.search = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: `${fake.base}/auth/callback`,
        scope: 'openid email profile',
        state,
        nonce,
        code_challenge: b64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
      }).toString();
      return res.writeHead(303, { location: auth.href }).end();
    }

    if (url.pathname === '/auth/callback') {
      let result;
      try {
        result = await finishLogin(url.searchParams);
      } catch (err) {
        waiters.callback.shift()?.reject(err);
        throw err;
      }
      waiters.callback.shift()?.resolve(result);
      const email = result.idClaims.email ?? result.userinfo.email;
      const cookie = b64url(randomBytes(24));
      sessions.set(cookie, { email, csrf: b64url(randomBytes(16)) });
      const headers = { 'set-cookie': `pausegate_session=${cookie}; Path=/; HttpOnly; SameSite=Lax` };
      // Only local paths are followed, never a full URL (open redirect).
      if (result.next?.startsWith('/') && !result.next.startsWith('//')) {
        return res.writeHead(303, { ...headers, location: result.next }).end();
      }
      return res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' })
        .end(page('signed in', `<h1>signed in at the RP</h1><pre id="result">${
          esc(JSON.stringify({ email, groups: result.idClaims.groups ?? result.userinfo.groups }))}</pre>`));
    }

    if (url.pathname === '/signed-out') {
      waiters.signedOut.shift()?.resolve(Object.fromEntries(url.searchParams));
      return html(200, 'signed out', '<h1>signed out at the RP</h1>');
    }

    if (url.pathname === '/inbox' || url.pathname.startsWith('/inbox/')) {
      if (!session) {
        return res.writeHead(303, { location: `/auth/login?next=${encodeURIComponent(url.pathname)}` }).end();
      }
      if (url.pathname === '/inbox' && req.method === 'POST') {
        const form = await readForm(req);
        if (form.get('csrf') !== session.csrf) return html(403, 'forbidden', '<h1>bad csrf token</h1>');
        const chosen = form.getAll('pause').filter((id) => pauses.has(id));
        const decision = form.get('decision');
        for (const id of chosen) {
          fake.decisions.push({ pause: id, decision, comment: form.get('comment'), by: session.email });
          pauses.delete(id);
        }
        const verb = decision === 'approve' ? 'Approved' : 'Rejected';
        return html(200, 'decided', `<h1>${verb} ${chosen.length} pause${chosen.length === 1 ? '' : 's'}</h1>
${signedIn(session)}<p><a href="/inbox">back to the inbox</a></p>`);
      }
      if (url.pathname === '/inbox/away') {
        if (req.method === 'POST') {
          const form = await readForm(req);
          if (form.get('csrf') !== session.csrf) return html(403, 'forbidden', '<h1>bad csrf token</h1>');
          fake.delegations.push({ person: session.email, delegate: form.get('delegate'), ends_at: form.get('ends_at') });
          return html(200, 'away', `<h1>Away</h1><p>Recorded: ${esc(form.get('delegate'))} decides for you.</p>`);
        }
        return html(200, 'away', `<h1>Away</h1>${signedIn(session)}
<form method="post" action="/inbox/away"><input type="hidden" name="csrf" value="${esc(session.csrf)}">
<label>Delegate <input name="delegate" type="email"></label>
<label>Until <input name="ends_at" type="datetime-local"></label>
<button type="submit">Record</button></form>`);
      }
      if (url.pathname === '/inbox') {
        const rows = [...pauses].map(([id, p]) => `<tr data-pause-id="${esc(id)}">
<td><input type="checkbox" name="pause" value="${esc(id)}"></td>
<td><a href="/inbox/${esc(id)}">${esc(p.title)}</a></td></tr>`).join('\n');
        return html(200, 'inbox', `<h1>Waiting on you (${pauses.size})</h1>${signedIn(session)}
<p><a href="/inbox/away">Away? Let someone decide for you</a></p>
<form method="post" action="/inbox"><input type="hidden" name="csrf" value="${esc(session.csrf)}">
<table><tr><th></th><th>pause</th></tr>${rows}</table>
<p><textarea name="comment" placeholder="comment"></textarea></p>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="reject">Reject</button></form>`);
      }
      const id = decodeURIComponent(url.pathname.slice('/inbox/'.length));
      const pause = pauses.get(id);
      if (!pause) return html(404, 'not found', '<h1>no such pause</h1>');
      const fields = pause.inputs.map((name) => `<label>${esc(name)} <input name="input.${esc(name)}"></label><br>`).join('');
      return html(200, id, `<h1>${esc(pause.title)}</h1>${signedIn(session)}
<form method="post" action="/inbox"><input type="hidden" name="csrf" value="${esc(session.csrf)}">
<input type="hidden" name="pause" value="${esc(id)}">${fields}
<button type="submit" name="decision" value="approve">Approve</button></form>`);
    }

    return html(404, 'not found', '<h1>not found</h1>');
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url, fake.base);
    route(req, res, url).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake pausegate error: ${err.message}`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.base = `http://127.0.0.1:${server.address().port}`;

  fake.useProvider = async (provider) => {
    fake.provider = provider;
    fake.discovery = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
  };
  // Register interest before the browser acts, so a fast redirect is not missed.
  fake.next = (kind) => {
    let timer;
    const promise = new Promise((resolve, reject) => {
      waiters[kind].push({ resolve, reject });
      timer = setTimeout(() => reject(new Error(`no ${kind} request reached the RP within ${timeoutMs} ms`)), timeoutMs);
    });
    return promise.finally(() => clearTimeout(timer));
  };
  fake.close = () => { server.closeAllConnections(); server.close(); };
  return fake;
}

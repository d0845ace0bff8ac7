#!/usr/bin/env node
// Self-check of the browser test kit, runnable without pausegate:
//  1. starts oidc_provider.mjs as a child process (exactly as pausegate's
//     tests will: --port 0, read the "issuer ..." line, SIGTERM at the end);
//  2. plays the relying party with fake_pausegate.mjs (authorization code +
//     PKCE S256 + state + nonce by hand, the code exchanged at the token
//     endpoint with the client secret, the ID token's signature checked
//     against the JWKS, userinfo fetched) and drives Debian's chromium through
//     the provider's own dev login form;
//  3. runs sign_in_and_inbox.mjs, the real pausegate browser test, against
//     that fake, so the script itself is proven before the Rust side exists.
// Together they show that the provider, its cookies over plain http on
// 127.0.0.1, PKCE, consent (auto and prompted), SSO and RP-initiated logout
// all work on this machine.
//
// Usage: node tests/browser/smoke.mjs   (screenshots go to $SMOKE_SCREENSHOTS,
// default a temp folder kept only if the run fails; SMOKE_VERBOSE=1 also
// prints every callback's parameters, token response, ID token and userinfo)
// Prints the ID token's email and groups claims, then a closing line
// "smoke: N passed, N failed"; exits 1 on the first failure.
//
// oidc-provider documentation this relies on:
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresdevinteractions
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#pkcerequired
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#clients
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#claims
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#conformidtokenclaims
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#loadexistinggrant
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresrpinitiatedlogout
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#user-flows

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';
import { startFakePausegate } from './fake_pausegate.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENT_ID = 'pausegate-smoke';
const CLIENT_SECRET = `secret-${randomBytes(8).toString('hex')}`;
const TIMEOUT_MS = 20_000;

// A temp folder of our own is removed after a passing run, so CI does not
// pile up screenshots; a failing run keeps it for inspection.
const ownShotsDir = !process.env.SMOKE_SCREENSHOTS;
const shotsDir = process.env.SMOKE_SCREENSHOTS
  || mkdtempSync(join(tmpdir(), 'pausegate-browser-smoke-'));
mkdirSync(shotsDir, { recursive: true });

let passed = 0;
const cleanups = [];
let currentPage;

function ok(what) {
  passed += 1;
  console.log(`ok: ${what}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- the provider, as a child process --------------------------------------

async function startProvider(rp, extraArgs, authMethod) {
  const child = spawn(process.execPath, [
    join(HERE, 'oidc_provider.mjs'),
    '--port', '0',
    '--client-id', CLIENT_ID,
    '--client-secret', CLIENT_SECRET,
    '--redirect-uri', `${rp.base}/auth/callback`,
    '--post-logout-redirect-uri', `${rp.base}/signed-out`,
    '--token-auth-method', authMethod,
    ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const issuer = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`provider printed no issuer line in ${TIMEOUT_MS} ms; stderr:\n${stderr}`)), TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^issuer (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve(m[1]); else reject(new Error(`unexpected first provider line: ${line}`));
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`provider exited (${code}) before ready; stderr:\n${stderr}`)); });
  });

  const provider = {
    issuer,
    authMethod,
    // SIGTERM must end it cleanly (exit 0): pausegate's tests rely on that.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  cleanups.push(() => provider.stop());
  await rp.useProvider(provider);
  return provider;
}

// ---- browser helpers --------------------------------------------------------

async function signInAtProvider(page, login) {
  const loginField = page.locator('input[name="login"]');
  await loginField.waitFor({ timeout: TIMEOUT_MS });
  await loginField.fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
}

function show(result) {
  if (!process.env.SMOKE_VERBOSE) return;
  const { id_token: _i, access_token: _a, ...rest } = result.tokens;
  console.log(`  callback params: ${result.params.join(' ')}`);
  console.log(`  token response (tokens elided): ${JSON.stringify(rest)}`);
  console.log(`  id_token claims: ${JSON.stringify(result.idClaims)}`);
  console.log(`  userinfo: ${JSON.stringify(result.userinfo)}`);
}

// Runs the pausegate browser test as pausegate's Rust tests will.
function runSignInScript(base, ids, inputsId) {
  return new Promise((resolve, reject) => {
    const dir = join(shotsDir, 'sign_in_and_inbox');
    const child = spawn(process.execPath, [join(HERE, 'sign_in_and_inbox.mjs'), base, dir, ids.join(','), inputsId],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = stdout.trim().split('\n');
      let report;
      try { report = JSON.parse(lines.at(-1)); } catch { report = null; }
      resolve({ code, report, stdout, stderr });
    });
  });
}

// ---- the checks -------------------------------------------------------------

async function main() {
  const rp = await startFakePausegate({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: TIMEOUT_MS });
  cleanups.push(() => rp.close());
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  ok(`chromium ${browser.version()} launched`);

  // 1. Auto consent, claims in the ID token, client_secret_basic.
  let provider = await startProvider(rp, ['--consent', 'auto', '--id-token-claims', 'all'], 'client_secret_basic');
  check(rp.discovery.issuer === provider.issuer, `discovery issuer ${rp.discovery.issuer}`);
  check(rp.discovery.code_challenge_methods_supported?.includes('S256'), 'S256 not advertised');
  ok(`provider up at ${provider.issuer}, discovery served`);

  // PKCE is enforced even for this confidential client: no code_challenge,
  // no code (the error is sent back to the registered redirect URI).
  const noPkce = new URL(rp.discovery.authorization_endpoint);
  noPkce.search = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: `${rp.base}/auth/callback`,
    scope: 'openid', state: 'x',
  }).toString();
  const noPkceRes = await fetch(noPkce, { redirect: 'manual' });
  const noPkceLocation = new URL(noPkceRes.headers.get('location') ?? 'http://invalid/');
  check(noPkceLocation.searchParams.get('error') === 'invalid_request',
    `authorization without PKCE was not refused: ${noPkceRes.status} ${noPkceLocation}`);
  ok(`authorization without code_challenge refused (${noPkceLocation.searchParams.get('error_description')})`);

  let context = await browser.newContext();
  let page = currentPage = await context.newPage();
  let callback = rp.next('callback');
  await page.goto(`${rp.base}/auth/login`);
  await page.screenshot({ path: join(shotsDir, 'provider-login.png') });
  await signInAtProvider(page, 'ana@example.com');
  let result = await callback;
  show(result);
  await page.waitForURL((u) => u.href.startsWith(`${rp.base}/auth/callback`));
  check(result.idClaims.email === 'ana@example.com', `ana id_token email ${result.idClaims.email}`);
  check(JSON.stringify(result.idClaims.groups) === '["release-managers"]', `ana id_token groups ${JSON.stringify(result.idClaims.groups)}`);
  check(result.idClaims.name === 'Ana Lima' && result.idClaims.email_verified === true, 'ana id_token name/email_verified');
  check(result.userinfo.email === 'ana@example.com' && result.userinfo.groups?.[0] === 'release-managers', `ana userinfo ${JSON.stringify(result.userinfo)}`);
  console.log(`id_token email=${result.idClaims.email} groups=${JSON.stringify(result.idClaims.groups)}`);
  ok('ana signed in (auto consent, PKCE, client_secret_basic); ID token and userinfo carry email, name, groups');
  const anaIdToken = result.tokens.id_token;

  // The provider's session cookie survived over http: a second login is SSO.
  callback = rp.next('callback');
  await page.goto(`${rp.base}/auth/login`);
  result = await callback;
  check(result.idClaims.email === 'ana@example.com', 'SSO returned another account');
  ok('second sign-in reused the provider session (cookies work over http)');

  // RP-initiated logout with id_token_hint, post_logout_redirect_uri and state.
  const signedOut = rp.next('signedOut');
  const endSession = new URL(rp.discovery.end_session_endpoint);
  endSession.search = new URLSearchParams({
    id_token_hint: anaIdToken, post_logout_redirect_uri: `${rp.base}/signed-out`, state: 'bye',
  }).toString();
  await page.goto(endSession.href);
  await page.locator('button[name="logout"][value="yes"]').click();
  const out = await signedOut;
  check(out.state === 'bye', `post-logout redirect state ${out.state}`);
  await page.goto(`${rp.base}/auth/login`);
  await page.locator('input[name="login"]').waitFor({ timeout: TIMEOUT_MS });
  ok('end_session confirmed, redirected to post_logout_redirect_uri with state; login form shown again');
  await context.close();
  check((await provider.stop()).code === 0, 'provider did not exit 0 on SIGTERM');
  ok('provider exited 0 on SIGTERM');

  // 2. Prompted consent, spec-conforming ID token (claims only in userinfo),
  //    client_secret_post.
  provider = await startProvider(rp, ['--consent', 'prompt', '--id-token-claims', 'conform'], 'client_secret_post');
  context = await browser.newContext();
  page = currentPage = await context.newPage();
  callback = rp.next('callback');
  await page.goto(`${rp.base}/auth/login`);
  await signInAtProvider(page, 'bo@example.com');
  const consentForm = page.locator('form:has(input[name="prompt"][value="consent"])');
  await consentForm.waitFor({ timeout: TIMEOUT_MS });
  await page.screenshot({ path: join(shotsDir, 'provider-consent.png') });
  await consentForm.locator('button[type="submit"]').click();
  result = await callback;
  show(result);
  check(result.idClaims.email === undefined && result.idClaims.groups === undefined,
    `conform mode leaked claims into the ID token: ${JSON.stringify(result.idClaims)}`);
  check(result.userinfo.email === 'bo@example.com' && result.userinfo.name === 'Bo Berg', `bo userinfo ${JSON.stringify(result.userinfo)}`);
  check(Array.isArray(result.userinfo.groups) && result.userinfo.groups.length === 0, `bo groups ${JSON.stringify(result.userinfo.groups)}`);
  console.log(`userinfo email=${result.userinfo.email} groups=${JSON.stringify(result.userinfo.groups)}`);
  ok('bo signed in via the consent page (client_secret_post); claims only in userinfo in conform mode');
  await context.close();

  // 3. The real pausegate browser test against the fake pausegate (consent
  //    is prompted here, so its consent branch runs too).
  const run = await runSignInScript(rp.base, ['pau_alpha', 'pau_beta'], 'pau_inputs');
  check(run.code === 0 && run.report?.ok === true,
    `sign_in_and_inbox.mjs exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  check(run.report.screenshots.map((p) => p.split('/').at(-1)).join(' ') === 'inbox.png approved.png inputs.png away.png',
    `unexpected screenshots ${run.report.screenshots}`);
  const approved = rp.decisions.filter((d) => d.decision === 'approve' && d.comment === 'bulk ok' && d.by === 'ana@example.com');
  check(approved.map((d) => d.pause).sort().join(',') === 'pau_alpha,pau_beta',
    `the fake recorded ${JSON.stringify(rp.decisions)}`);
  check(rp.delegations.length === 1 && rp.delegations[0].delegate === 'bo@example.com'
    && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(rp.delegations[0].ends_at),
    `the fake recorded delegations ${JSON.stringify(rp.delegations)}`);
  ok('sign_in_and_inbox.mjs signed ana in, approved pau_alpha and pau_beta, recorded a delegation, took 4 screenshots');
  check((await provider.stop()).code === 0, 'provider did not exit 0 on SIGTERM');
}

let failed = 0;
try {
  await main();
} catch (err) {
  failed = 1;
  console.error(`FAIL: ${err.stack || err}`);
  if (currentPage && !currentPage.isClosed()) {
    const shot = join(shotsDir, 'failure.png');
    await currentPage.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.error(`page at failure: ${currentPage.url()}\nscreenshot: ${shot}`);
  }
} finally {
  for (const cleanup of cleanups.reverse()) {
    await Promise.resolve().then(cleanup).catch(() => {});
  }
}
if (failed || !ownShotsDir) console.log(`screenshots: ${shotsDir}`);
else rmSync(shotsDir, { recursive: true, force: true });
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

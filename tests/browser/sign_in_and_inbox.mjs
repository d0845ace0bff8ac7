#!/usr/bin/env node
// Browser test of pausegate's signed-in inbox: OIDC sign-in through the test
// provider (oidc_provider.mjs), bulk approval of pauses, and one pause's
// input form, with screenshots of each page.
//
// Usage:
//   node tests/browser/sign_in_and_inbox.mjs BASE_URL SCREENSHOT_DIR PAUSE_IDS INPUTS_PAUSE_ID
//     BASE_URL         pausegate, e.g. http://127.0.0.1:8080
//     SCREENSHOT_DIR   created if missing; gets inbox.png, approved.png, inputs.png,
//                      away.png
//                      (and failure-<step>.png on failure)
//     PAUSE_IDS        pauses to tick and approve, comma-separated (pau_a,pau_b)
//     INPUTS_PAUSE_ID  a pause whose page has an input form (fields input.<name>)
//   Environment: SIGN_IN_LOGIN (default ana@example.com), BROWSER_TIMEOUT_MS
//   (default 15000, per wait), CHROMIUM_PATH (default /usr/bin/chromium).
//
// Stdout: exactly one JSON line, {"ok": true, "screenshots": [...absolute paths]}
// and exit 0; or {"ok": false, "step": ..., "error": ..., "screenshot": ...}
// with details on stderr and exit 1 (exit 2 for bad arguments).
//
// The pausegate contract this codes against:
//   GET /inbox unsigned -> 303 /auth/login?next=/inbox -> 303 provider /auth;
//   provider login (fields `login`, `password`) [+ consent "Continue" if shown]
//   -> /auth/callback?code&state&iss -> session cookie, 303 /inbox.
//   /inbox: heading with "Waiting on you", text "deciding as <email> (signed in)",
//   one form holding <tr data-pause-id> rows with <input type=checkbox name=pause
//   value=ID> and <a href="/inbox/ID">, <textarea name=comment>, a hidden
//   <input name=csrf>, and <button type=submit name=decision value=approve|reject>.
//   The answer page says "Approved N pauses". /inbox/ID for the inputs pause has
//   fields named input.<name>. /inbox links "Away? Let someone decide for you"
//   to /inbox/away, whose form (input name=delegate, input type=datetime-local
//   name=ends_at, button "Record") answers "Recorded: <delegate> decides for
//   you"; the delegate is AWAY_DELEGATE (default bo@example.com).
//
// The provider side (login form, consent page) follows oidc-provider's dev
// interactions:
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresdevinteractions
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#user-flows
//   https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#loadexistinggrant
// Playwright API: https://playwright.dev/docs/api/class-page

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from './browser.mjs';

const USAGE = 'usage: node sign_in_and_inbox.mjs BASE_URL SCREENSHOT_DIR PAUSE_IDS INPUTS_PAUSE_ID';
const [baseArg, dirArg, idsArg, inputsId] = process.argv.slice(2);
if (!baseArg || !dirArg || !idsArg || !inputsId) {
  console.error(USAGE);
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '');
const ids = idsArg.split(',').map((s) => s.trim()).filter(Boolean);
const shotsDir = resolve(dirArg);
const login = process.env.SIGN_IN_LOGIN || 'ana@example.com';
const timeout = Number(process.env.BROWSER_TIMEOUT_MS || 15_000);
const signedInText = `deciding as ${login} (signed in)`;
mkdirSync(shotsDir, { recursive: true });

const screenshots = [];
const navigations = []; // "303 GET url" per main-frame response, for failure reports
let step = 'launch';
let page;

const underBase = (url, path) => url.href === `${base}${path}` || url.href.startsWith(`${base}${path}?`)
  || url.href.startsWith(`${base}${path}#`);
const normalize = (text) => text.replace(/\s+/g, ' ').trim();
const bodyText = async () => normalize(await page.locator('body').innerText({ timeout }).catch(() => ''));

async function shot(name) {
  const path = join(shotsDir, name);
  await page.screenshot({ path, fullPage: true });
  screenshots.push(path);
}

async function expectText(text, what) {
  const body = await bodyText();
  if (!body.includes(text)) throw new Error(`${what}: page does not contain "${text}"`);
}

// Resolves with whichever comes first; the loser's rejection is swallowed
// so it cannot crash the process later.
function firstOf(promises) {
  return Promise.any(promises.map((p) => { p.catch(() => {}); return p; }));
}

async function signIn() {
  step = 'open inbox (expect redirect to the provider login)';
  const first = await page.goto(`${base}/inbox`);
  const loginField = page.locator('input[name="login"]');
  await loginField.waitFor({ timeout }).catch(() => {
    throw new Error(`no provider login form after GET ${base}/inbox (status ${first?.status()}); `
      + 'pausegate should answer 303 /auth/login?next=/inbox, which should 303 to the provider');
  });
  if (page.url().startsWith(base)) {
    throw new Error(`the login form is served by pausegate itself (${page.url()}), expected the provider's`);
  }

  step = 'sign in at the provider';
  await loginField.fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();

  // The provider either auto-consents (oidc_provider.mjs --consent auto) or
  // shows its consent page; handle both.
  step = 'consent (if asked) and callback';
  const consentForm = page.locator('form:has(input[name="prompt"][value="consent"])');
  const backHome = (url) => underBase(url, '/inbox');
  await firstOf([
    page.waitForURL(backHome, { timeout }),
    consentForm.waitFor({ timeout }),
  ]).catch(() => {
    throw new Error(`after signing in, neither the consent page nor ${base}/inbox was reached `
      + '(check that /auth/callback sets the session cookie and 303s to the `next` path)');
  });
  if (!backHome(new URL(page.url())) && await consentForm.isVisible()) {
    await consentForm.locator('button[type="submit"]').click();
    await page.waitForURL(backHome, { timeout }).catch(() => {
      throw new Error(`after consenting, ${base}/inbox was not reached`);
    });
  }
}

async function approve() {
  step = 'inbox page';
  await page.getByRole('heading', { name: /Waiting on you/ }).first().waitFor({ timeout }).catch(() => {
    throw new Error('the inbox has no heading containing "Waiting on you"');
  });
  await expectText(signedInText, 'inbox');
  const rowCount = await page.locator('tr[data-pause-id]').count();
  console.error(`inbox: ${rowCount} pending row(s)`);
  await shot('inbox.png');

  step = 'tick the pauses';
  const approveButton = page.locator('button[type="submit"][name="decision"][value="approve"]');
  if (await approveButton.count() !== 1) {
    throw new Error(`expected one approve button, found ${await approveButton.count()}`);
  }
  for (const id of ids) {
    const row = page.locator(`tr[data-pause-id="${id}"]`);
    if (await row.count() !== 1) {
      const present = await page.locator('tr[data-pause-id]').evaluateAll((rows) => rows.map((r) => r.dataset.pauseId));
      throw new Error(`no single row tr[data-pause-id="${id}"] in the inbox; rows present: ${present.join(', ') || 'none'}`);
    }
    if (await row.locator(`a[href$="/inbox/${id}"]`).count() < 1) {
      throw new Error(`row ${id} has no link to /inbox/${id}`);
    }
    await row.locator(`input[type="checkbox"][name="pause"][value="${id}"]`).check({ timeout });
  }
  // The ticked boxes, the comment and the CSRF token must travel with the
  // approve button's form, or the POST will not carry them.
  const formProblem = await approveButton.evaluate((button, wanted) => {
    const { form } = button;
    if (!form) return 'the approve button is not inside a form';
    if ((form.method || 'get').toLowerCase() !== 'post') return `the form's method is ${form.method}, expected post`;
    if (!form.querySelector('input[name="csrf"]')) return 'the form has no input named csrf';
    if (!form.querySelector('textarea[name="comment"]')) return 'the form has no textarea named comment';
    const missing = wanted.filter((id) => !form.querySelector(`input[name="pause"][value="${CSS.escape(id)}"]`));
    return missing.length ? `checkboxes outside the approve button's form: ${missing.join(', ')}` : null;
  }, ids);
  if (formProblem) throw new Error(formProblem);
  await page.locator('textarea[name="comment"]').fill('bulk ok');

  step = 'submit approve';
  const postResponse = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(), { timeout },
  );
  await approveButton.click();
  const posted = await postResponse.catch(() => {
    throw new Error('clicking approve sent no form POST');
  });
  if (posted.status() >= 400) {
    await page.waitForLoadState('load').catch(() => {});
    throw new Error(`the approve POST to ${posted.url()} answered ${posted.status()}: ${(await bodyText()).slice(0, 300)}`);
  }

  step = 'answer page';
  await page.getByText('Approved').first().waitFor({ timeout }).catch(() => {
    throw new Error(`the answer page (${page.url()}) does not say "Approved"`);
  });
  const counted = /Approved (\d+) pause/.exec(await bodyText());
  if (counted && Number(counted[1]) !== ids.length) {
    throw new Error(`the answer page says "${counted[0]}" but ${ids.length} were ticked`);
  }
  await shot('approved.png');
}

async function inputsPage() {
  step = `pause page ${inputsId}`;
  const response = await page.goto(`${base}/inbox/${encodeURIComponent(inputsId)}`);
  if (!response || response.status() >= 400) {
    throw new Error(`GET ${base}/inbox/${inputsId} answered ${response?.status()}`);
  }
  if (!page.url().startsWith(base)) {
    throw new Error(`GET /inbox/${inputsId} left pausegate for ${page.url()} (session cookie not kept?)`);
  }
  await page.locator('form [name^="input."]').first().waitFor({ timeout }).catch(() => {
    throw new Error(`the page of ${inputsId} has no form field named input.<name>`);
  });
  await expectText(signedInText, `pause page ${inputsId}`);
  await shot('inputs.png');
}

async function away() {
  step = 'away page';
  await page.goto(`${base}/inbox`);
  await page.getByRole('link', { name: 'Away? Let someone decide for you' }).click();
  await page.waitForURL(`${base}/inbox/away`);
  const delegate = process.env.AWAY_DELEGATE || 'bo@example.com';
  await page.locator('input[name="delegate"]').fill(delegate);
  // Two days on, as a browser's datetime-local control writes it (UTC).
  const until = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 16);
  await page.locator('input[name="ends_at"]').fill(until);
  await page.getByRole('button', { name: 'Record' }).click();
  await expectText(`Recorded: ${delegate} decides for you`, 'the away page after recording');
  await shot('away.png');
}

async function main() {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
        navigations.push(`${r.status()} ${r.request().method()} ${r.url()}`);
      }
    });
    await signIn();
    await approve();
    await inputsPage();
    await away();
    console.log(JSON.stringify({ ok: true, screenshots }));
  } catch (err) {
    let screenshot = null;
    if (page && !page.isClosed()) {
      screenshot = join(shotsDir, `failure-${step.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.png`);
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => { screenshot = null; });
    }
    // Playwright's call logs carry terminal colour codes; keep the JSON clean.
    const message = String(err.message).replace(/\x1b\[[0-9;]*m/g, '');
    console.error(`FAIL at step "${step}": ${message}`);
    if (page) {
      console.error(`page: ${page.url()}`);
      console.error(`text: ${(await bodyText()).slice(0, 600)}`);
    }
    console.error(`navigations:\n  ${navigations.slice(-12).join('\n  ') || '(none)'}`);
    if (screenshot) console.error(`screenshot: ${screenshot}`);
    console.log(JSON.stringify({ ok: false, step, error: message, screenshot }));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

await main().catch((err) => {
  // Only a browser that failed to start ends up here.
  console.error(`FAIL at step "${step}": ${err.stack || err}`);
  console.log(JSON.stringify({ ok: false, step, error: String(err.message || err), screenshot: null }));
  process.exitCode = 1;
});

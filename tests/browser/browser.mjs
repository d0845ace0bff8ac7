// Shared Chromium launcher for the browser tests.
//
// Playwright's own browser builds cannot be downloaded here, so we drive
// Debian's chromium (apt package `chromium`) through playwright-core with
// `executablePath`. playwright-core is pinned to the release whose bundled
// Chromium matches Debian's major version (see package.json / README note in
// .ci/browser.sh), which keeps the CDP protocol in step.
//
// Docs: https://playwright.dev/docs/api/class-browsertype#browser-type-launch
//       (executablePath, args, headless)

import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Without the networking flags chromium keeps trying to reach Google
// services (component updates, sync, QUIC probes) and stalls on a closed
// network; --no-sandbox because CI runs as root.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    // A stalled browser start should fail the run, not hang CI.
    timeout: 60_000,
  });
}

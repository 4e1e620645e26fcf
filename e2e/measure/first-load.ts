// Measures a cold first load in Chromium on a throttled "phone": DevTools' Slow 4G network
// (562.5 ms request latency, 1.44 Mbit/s down, 675 kbit/s up, per request as DevTools applies
// it) through CDP Network.emulateNetworkConditions, and a 4x CPU slowdown through
// Emulation.setCPUThrottlingRate. Every run is a new browser context, so the HTTP cache is
// empty. Two journeys, RUNS times each, medians printed (nothing is asserted):
//
// - first visit: an anonymous visitor opens `/`; first paint, first contentful paint, the app
//   mounted, and the home page usable (its "Sign in" link drawn by the app);
// - returning user on a new build (cold cache, session cookie kept): `/chat` until the
//   conversation list shows their conversations ("chat list usable"), then the same again in
//   the same browser (warm cache: what the long-lived cache headers buy).
//
// Run (release server and a release web app build, see BENCHMARKS.md):
//   cd e2e && npx playwright test -c measure/playwright.config.ts
import { test, type Browser, type BrowserContext, type Page } from '@playwright/test';

const RUNS = Number(process.env.CONFAB_MEASURE_RUNS ?? 5);
const SLOW_4G = { offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 };
const CPU_SLOWDOWN = 4;
const PHONE = { width: 390, height: 844 };
const run = Date.now().toString(36).slice(-5);
const password = 'measure-secret-pw';

type Sample = Record<string, number>;

/** Records, in page time, when the app mounted and when the marks named by selector appeared. */
function recordMarks(marks: Record<string, string>) {
  const found: Record<string, number> = {};
  (window as unknown as { __marks: Record<string, number> }).__marks = found;
  const check = () => {
    for (const [name, selector] of Object.entries(marks)) {
      if (found[name] === undefined && document.querySelector(selector)) found[name] = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
}

/** Records, in page time, when the app's WebSocket was created, opened and first answered. */
function recordSocket() {
  const marks = () => (window as unknown as { __marks: Record<string, number> }).__marks;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      marks().ws_created ??= performance.now();
      marks().ws_sockets = (marks().ws_sockets ?? 0) + 1;
      this.addEventListener('open', () => (marks().ws_open ??= performance.now()));
      this.addEventListener('message', () => (marks().ws_first_frame ??= performance.now()));
    }
  };
}

async function throttle(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
}

/** When each request of the page started and ended, and its bytes on the wire. */
async function timeline(page: Page): Promise<string> {
  return page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .map((e) => `    ${Math.round(e.startTime)}-${Math.round(e.responseEnd)} ms  ${e.transferSize} B  ${new URL(e.name).pathname}`)
      .join('\n'),
  );
}

/** Paint timings, the marks, and what the page's requests cost on the wire. */
async function collect(page: Page): Promise<Sample> {
  return page.evaluate(() => {
    const sample: Record<string, number> = { ...(window as unknown as { __marks: Record<string, number> }).__marks };
    for (const entry of performance.getEntriesByType('paint')) sample[entry.name] = entry.startTime;
    let transferred = 0;
    for (const entry of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
      transferred += entry.transferSize;
      if (entry.name.endsWith('_bg.wasm')) {
        sample.wasm_transfer_bytes = entry.transferSize;
        sample.wasm_decoded_bytes = entry.decodedBodySize;
        sample.wasm_arrived = entry.responseEnd;
      }
    }
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    sample.html_arrived = nav.responseEnd;
    sample.transfer_bytes = transferred + nav.transferSize;
    return sample;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function report(journey: string, samples: Sample[], lastTimeline: string) {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s)))].sort();
  const lines = keys.map((key) => {
    const values = samples.map((s) => s[key]).filter((v) => v !== undefined);
    const [mid, low, high] = [median(values), Math.min(...values), Math.max(...values)].map(Math.round);
    return `  ${key.padEnd(24)} ${String(mid).padStart(9)}  (${low}-${high})`;
  });
  console.log(`${journey}: median (min-max) of ${samples.length} runs, ms or bytes\n${lines.join('\n')}`);
  console.log(`  requests of the last run:\n${lastTimeline}`);
}

async function api(baseURL: string, method: string, path: string, token: string | null, body?: unknown) {
  const response = await fetch(`${baseURL}/api/v1/${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** A user with three friends, a DM with each and a few messages: a chat list to wait for. */
async function prepare(baseURL: string): Promise<string> {
  const register = (name: string) =>
    api(baseURL, 'POST', 'auth/register', null, { username: `${name}_${run}`, display_name: name, password });
  const me = await register('mia');
  for (const name of ['noa', 'ola', 'pia']) {
    const friend = await register(name);
    const sent = await api(baseURL, 'POST', 'friend-requests', me.access_token, { user_id: friend.user.id });
    await api(baseURL, 'POST', `friend-requests/${sent.request.id}/accept`, friend.access_token);
    const dm = await api(baseURL, 'POST', 'conversations', me.access_token, { kind: 'dm', user_id: friend.user.id });
    for (let i = 0; i < 3; i++) {
      await api(baseURL, 'POST', `conversations/${dm.id}/messages`, friend.access_token, {
        client_msg_id: crypto.randomUUID(),
        body: `message ${i} from ${name}`,
      });
    }
  }
  return me.user.username;
}

async function phone(browser: Browser) {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2 });
  const page = await context.newPage();
  return { context, page };
}

test('cold first load on Slow 4G with a 4x CPU slowdown', async ({ browser, baseURL }) => {
  const username = await prepare(baseURL!);

  const firstVisits: Sample[] = [];
  let last = '';
  for (let i = 0; i < RUNS; i++) {
    const { context, page } = await phone(browser);
    await page.addInitScript(recordMarks, { app_mounted: '.app', home_usable: '.app a[href="/signin"]' });
    await throttle(context, page);
    await page.goto('/', { waitUntil: 'commit' });
    await page.locator('.app a[href="/signin"]').first().waitFor({ timeout: 120_000 });
    firstVisits.push(await collect(page));
    last = await timeline(page);
    await context.close();
  }
  report('first visit: / until the home page is usable', firstVisits, last);

  const returning: Sample[] = [];
  const warm: Sample[] = [];
  let lastWarm = '';
  for (let i = 0; i < RUNS; i++) {
    const { context, page } = await phone(browser);
    // Signed in as the app does it (refresh cookie, and the hint that there is one), without
    // loading a page: the HTTP cache stays empty, as after a new build.
    await context.request.post('/api/v1/auth/login', { data: { username, password, token_delivery: 'cookie' } });
    await page.addInitScript(() => localStorage.setItem('confab.signed_in', '1'));
    await page.addInitScript(recordMarks, {
      app_mounted: '.app',
      chat_list_usable: '[data-testid="conversation"] a.conversation-link',
    });
    await page.addInitScript(recordSocket);
    await throttle(context, page);
    await page.goto('/chat', { waitUntil: 'commit' });
    await page.locator('[data-testid="conversation"] a.conversation-link').nth(2).waitFor({ timeout: 120_000 });
    returning.push(await collect(page));
    last = await timeline(page);
    // The same user again in the same browser: the hashed files come from its cache.
    await page.goto('/chat', { waitUntil: 'commit' });
    await page.locator('[data-testid="conversation"] a.conversation-link').nth(2).waitFor({ timeout: 120_000 });
    warm.push(await collect(page));
    lastWarm = await timeline(page);
    await context.close();
  }
  report('returning user, cold cache: /chat until the chat list is usable', returning, last);
  report('returning user, warm cache (the next visit): the same', warm, lastWarm);
});

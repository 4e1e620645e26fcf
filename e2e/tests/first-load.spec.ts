// The first visit: index.html carries a static loading shell (logo, name, spinner) styled
// inline, so it paints before the stylesheet and the wasm arrive, under the strict CSP (its
// style is allowed by hash), light or dark as the system prefers; the app replaces it when it
// mounts. The page and the wasm come brotli-compressed, the wasm cached for a year, and a
// returning visitor's session refresh is sent by the page while the wasm is still on its way,
// and so is its WebSocket (opened and authenticated by the page, adopted by the app).
// Screenshots of the shell at phone width, light and dark, go to artifacts/. (Timings are
// measured by e2e/measure/first-load.ts, not asserted here; only what the first screen waits
// for is.)
import { test, expect, type Page } from '@playwright/test';
import { artifacts, befriend, bodies, newUser, openDm, runSuffix, send } from './support';

const run = runSuffix();

/** Holds every request for the wasm until `release` is called. */
async function holdWasm(page: Page) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route(/_bg\.wasm$/, async (route) => {
    await gate;
    await route.continue();
  });
  return release;
}

test('the page itself carries the shell, before any script runs', async ({ request }) => {
  const response = await request.get('/');
  const html = await response.text();
  expect(html).toContain('<div id="app-shell"');
  // Its style is inline, and the stylesheet link comes after it, so nothing holds its paint.
  expect(html.indexOf('<style>')).toBeLessThan(html.indexOf('id="app-shell"'));
  expect(html.indexOf('id="app-shell"')).toBeLessThan(html.indexOf('rel="stylesheet"'));
  const csp = response.headers()['content-security-policy'];
  expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+';/);
  expect(csp).not.toContain('unsafe-inline');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the shell shows while the wasm loads and goes when the app mounts (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    // A CSP refusal of the shell's inline style would be reported here.
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    const release = await holdWasm(page);
    const wasm = page.waitForResponse(/_bg\.wasm$/);

    const served = await page.goto('/', { waitUntil: 'commit' });
    // The page too comes compressed (the server does it once when it loads the build): 7.7 KB
    // are 2.8 KB brotli, 25 ms sooner on Slow 4G, and 5 KB less beside the wasm's download.
    expect(served!.headers()['content-encoding']).toBe('br');
    const shell = page.locator('#app-shell');
    await expect(shell).toBeVisible();
    await expect(shell).toContainText('Confab');
    await expect(shell).toHaveAttribute('role', 'status');
    // Styled by its own inline style (the CSP let it through), in the system's scheme.
    const background = await shell.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe(scheme === 'dark' ? 'rgb(15, 19, 26)' : 'rgb(244, 246, 250)');
    await page.screenshot({ path: `${artifacts}/shell-phone-${scheme}.png` });

    release();
    const wasmServed = await wasm;
    expect(wasmServed.headers()['content-encoding']).toBe('br');
    expect(wasmServed.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    await expect(page.getByRole('heading', { name: 'Confab' })).toBeVisible();
    await expect(shell).toHaveCount(0);
    expect(errors).toEqual([]);
    await context.close();
  });
}

test('the shell speaks the browser\'s language (or the one chosen) before the app starts', async ({ browser }) => {
  // No service worker: it would answer the wasm from its cache, past the hold.
  const context = await browser.newContext({ locale: 'de-DE', serviceWorkers: 'block' });
  const page = await context.newPage();
  const release = await holdWasm(page);
  await page.goto('/', { waitUntil: 'commit' });
  await expect(page.locator('#app-shell')).toHaveAttribute('aria-label', 'Confab wird geladen');
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  release();
  await expect(page.getByRole('heading', { name: 'Confab' })).toBeVisible();
  // English chosen in this browser: the next load's shell is English from its first paint.
  await page.evaluate(() => localStorage.setItem('confab.language', 'en'));
  const releaseAgain = await holdWasm(page);
  await page.reload({ waitUntil: 'commit' });
  await expect(page.locator('#app-shell')).toHaveAttribute('aria-label', 'Loading Confab');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  releaseAgain();
  await context.close();
});

test('a returning visitor is refreshed once, by the page, while the wasm is on its way', async ({ browser }) => {
  const rae = await newUser(browser, 'rae', run);
  const refreshes: number[] = [];
  rae.page.on('request', (request) => {
    if (request.url().endsWith('/api/v1/auth/refresh')) refreshes.push(Date.now());
  });
  // What is measured here is the network path (a returning visitor after a new build). The
  // service worker would answer the wasm from its cache, out of the reach of page.route.
  await rae.page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  const release = await holdWasm(rae.page);
  await rae.page.reload({ waitUntil: 'commit' });
  await expect.poll(() => refreshes.length).toBe(1);
  await expect(rae.page.locator('#app-shell')).toBeVisible();
  release();
  // The app takes that answer instead of asking again.
  await expect(rae.page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await expect(rae.page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  expect(refreshes).toHaveLength(1);
  await rae.context.close();
});

test('a returning visitor\'s socket is opened and authenticated by the page, then used by the app', async ({ browser }) => {
  const sid = await newUser(browser, 'sid', run);
  const tia = await newUser(browser, 'tia', run);
  await befriend(sid, tia);
  await openDm(sid, tia);
  await openDm(tia, sid);
  await sid.page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  // Every socket of the reloaded page, with the frames it carried (recorded from its creation).
  const sockets: { sent: string[]; received: string[] }[] = [];
  sid.page.on('websocket', (ws) => {
    const socket = { sent: [] as string[], received: [] as string[] };
    sockets.push(socket);
    ws.on('framesent', (frame) => socket.sent.push(String(frame.payload)));
    ws.on('framereceived', (frame) => socket.received.push(String(frame.payload)));
  });
  const release = await holdWasm(sid.page);
  await sid.page.reload({ waitUntil: 'commit' });

  // The app is not there yet, and the server already sent the chat list's `ready`.
  await expect.poll(() => sockets[0]?.received.some((frame) => JSON.parse(frame).type === 'ready') ?? false).toBe(true);
  await expect(sid.page.locator('#app-shell')).toBeVisible();
  expect(sockets[0].sent.map((frame) => JSON.parse(frame).type)).toEqual(['authenticate']);

  release();
  await expect(sid.page.locator('#app-shell')).toHaveCount(0);
  await expect(sid.page.getByTestId('conversation').filter({ hasText: tia.name })).toBeVisible();
  // The app kept that socket: live messages arrive on it, and its own sends are acknowledged.
  await send(tia.page, `early hello ${run}`);
  await sid.page.getByTestId('conversation').filter({ hasText: tia.name }).locator('a.conversation-link').click();
  await expect(bodies(sid.page).last()).toHaveText(`early hello ${run}`);
  await send(sid.page, `early answer ${run}`);
  await expect(bodies(tia.page).last()).toHaveText(`early answer ${run}`);
  await expect(sid.page.locator('[data-pending="true"]')).toHaveCount(0);
  expect(sockets).toHaveLength(1);
  const types = sockets[0].sent.map((frame) => JSON.parse(frame).type);
  expect(types.filter((type) => type === 'authenticate')).toHaveLength(1);
  expect(types).toContain('send_message');
  await sid.context.close();
  await tia.context.close();
});

test('the chat list is drawn before the requests the first screen does not need are sent', async ({ browser }) => {
  const uma = await newUser(browser, 'uma', run);
  const vic = await newUser(browser, 'vic', run);
  await befriend(uma, vic);
  await openDm(uma, vic);
  await uma.page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  // When the reloaded page first shows a conversation in its list (page time).
  await uma.page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-testid="conversation"]')) {
        (window as unknown as { listDrawn: number }).listDrawn = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  let ready = false;
  uma.page.on('websocket', (ws) =>
    ws.on('framereceived', (frame) => (ready ||= JSON.parse(String(frame.payload)).type === 'ready')),
  );
  // As on a slow network: the list's `ready` is waiting when the app starts, so the app draws
  // the list in the same task as its first view; what it starts besides would delay both.
  const release = await holdWasm(uma.page);
  await uma.page.reload({ waitUntil: 'commit' });
  await expect.poll(() => ready).toBe(true);
  release();
  await expect(uma.page.getByTestId('conversation').filter({ hasText: vic.name })).toBeVisible();

  // The server settings (only location cards use them) are asked for once the list is drawn.
  const settingsAsked = () =>
    uma.page.evaluate(() => performance.getEntriesByName(`${location.origin}/api/v1/settings`)[0]?.startTime ?? null);
  await expect.poll(settingsAsked).not.toBeNull();
  const listDrawn = await uma.page.evaluate(() => (window as unknown as { listDrawn: number }).listDrawn);
  expect(await settingsAsked()).toBeGreaterThan(listDrawn);
  await uma.context.close();
  await vic.context.close();
});

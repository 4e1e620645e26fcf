// The parts of the app that load on first use (issue #15: a smaller wasm before the chats show):
// a conversation, Settings, the social and admin pages are wasm chunks of their own
// (frontend/src/chunks.rs, cut by crates/split-bindgen). Opening the chats does not fetch
// Settings' chunk; the conversation's is fetched once the list is on screen, so opening one
// does not wait. A chunk comes compressed and cached for good like trunk's assets; a failed
// fetch says so with a retry that loads it; the service worker keeps every chunk, so a page
// first opened offline works too.
import { test, expect, type Page, type Request } from '@playwright/test';
import { befriend, newUser, openDm, runSuffix } from './support';

const run = runSuffix();

/** A chunk's path, as crates/split-bindgen names it: `split_<name>-<16 hex digits>.wasm`. */
const chunkPath = (name: string) => new RegExp(`^/snippets/wasm-split/split_${name}-[0-9a-f]{16}\\.wasm$`);
const SETTINGS = chunkPath('settings');
const CONVERSATION = chunkPath('conversation');

/** Records the page's own requests for the chunk `path` matches (not those of its service worker). */
function chunkRequests(page: Page, path: RegExp): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (path.test(new URL(request.url()).pathname) && !request.serviceWorker()) seen.push(request);
  });
  return seen;
}

test('settings load when first opened, the conversation after the list, once, compressed, cached for good', async ({ browser }) => {
  test.setTimeout(120_000);
  // No service worker: the page's requests then go to the network (and through page.route).
  const ada = await newUser(browser, 'ada', run, 'light', { serviceWorkers: 'block' });
  const page = ada.page;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // A page load of the chats: once the list is there, the conversation's chunk follows by
  // itself; Settings' is not fetched. (Counted from the new page on: the sign-up's page may
  // have started the conversation's chunk, which the navigation cut short.)
  await page.goto('/chat');
  const settings = chunkRequests(page, SETTINGS);
  const conversation = chunkRequests(page, CONVERSATION);
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await expect.poll(() => conversation.length).toBe(1);
  await page.waitForLoadState('networkidle');
  expect(settings).toHaveLength(0);

  // The first visit to Settings fetches it: brotli, a year's cache, wasm.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  expect(settings).toHaveLength(1);
  const served = await settings[0].response();
  expect(served?.status()).toBe(200);
  expect(served?.headers()['content-encoding']).toBe('br');
  expect(served?.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(served?.headers()['content-type']).toBe('application/wasm');
  // The page names every chunk for the service worker.
  const path = new URL(settings[0].url()).pathname;
  await expect(page.locator(`meta[name="confab-wasm-chunk"][content="${path}"]`)).toHaveCount(1);

  // Away and back: the loaded code, no second fetch.
  await page.getByRole('link', { name: 'Chats' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  expect(settings).toHaveLength(1);

  // A failed fetch in a new session: why, with a retry that loads it; nothing panics.
  await page.goto('/chat');
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  const settingsChunk = (url: URL) => SETTINGS.test(url.pathname);
  await page.route(settingsChunk, (route) => route.abort('internetdisconnected'));
  await page.getByRole('link', { name: 'Settings' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'This part of Confab could not be loaded' });
  await expect(alert).toHaveText('This part of Confab could not be loaded. Check your connection.Try again');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toHaveCount(0);
  await page.unroute(settingsChunk);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(alert).toHaveCount(0);
  expect(errors).toEqual([]);
  await ada.context.close();
});

test('the service worker keeps every chunk, so pages first opened offline work', async ({ browser }) => {
  test.setTimeout(120_000);
  const bo = await newUser(browser, 'bo', run);
  const cy = await newUser(browser, 'cy', run);
  await befriend(bo, cy);
  const page = bo.page;

  // The worker took the page and keeps the chunks the page names.
  const named = await page.locator('meta[name="confab-wasm-chunk"]').evaluateAll((metas) =>
    metas.map((meta) => meta.getAttribute('content')),
  );
  expect(named.some((path) => SETTINGS.test(path ?? ''))).toBe(true);
  expect(named.some((path) => CONVERSATION.test(path ?? ''))).toBe(true);
  await expect
    .poll(() =>
      page.evaluate(async (named) => {
        if (!navigator.serviceWorker.controller) return 'uncontrolled';
        const cache = await caches.open('confab-shell-v1');
        const paths = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
        const missing = named.filter((path) => !paths.has(path));
        return missing.length === 0 ? 'cached' : `missing ${missing.join(' ')}`;
      }, named),
    )
    .toBe('cached');

  // A new session, then offline: Settings, not loaded in it before, opens from the worker's copy.
  await page.goto('/chat');
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await bo.context.setOffline(true);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(page.getByText('This part of Confab could not be loaded')).toHaveCount(0);
  await bo.context.setOffline(false);
  // Back online, a conversation opens as before.
  await openDm(bo, cy);
  await bo.context.close();
  await cy.context.close();
});

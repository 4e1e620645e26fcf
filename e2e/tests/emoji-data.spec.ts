// The emoji picker's data is an asset of its own, not part of the app (issue #15: 19 KB of brotli
// less before the chats show): a page load does not fetch it, the picker does, the first time it
// opens, once per session; it comes compressed and cached for good like trunk's assets, and the
// service worker keeps it, so a picker first opened offline works too. While it loads the picker
// says so; a failed fetch says so too, and a retry loads it. (The picker itself, searching and
// picking, is tested in formatting.spec.ts.)
import { test, expect, type Page, type Request } from '@playwright/test';
import { befriend, newUser, openDm, runSuffix } from './support';

const run = runSuffix();

/** The data's path, as frontend/build.rs names it. */
const EMOJI_DATA = /\/emoji-[0-9a-f]{16}\.json$/;

/** Records the page's own requests for the emoji data (not those of its service worker). */
function emojiDataRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (EMOJI_DATA.test(new URL(request.url()).pathname) && !request.serviceWorker()) seen.push(request);
  });
  return seen;
}

/** The composer's emoji button and the picker it opens. */
function picker(page: Page) {
  const dialog = page.getByRole('dialog', { name: 'Emoji picker' });
  return {
    toggle: page.getByRole('button', { name: 'Emoji', exact: true }),
    dialog,
    search: dialog.getByRole('searchbox', { name: 'Search emoji' }),
    smileys: dialog.getByRole('group', { name: 'Smileys & emotion' }),
  };
}

test('the picker fetches its data when it first opens, once, compressed and cached for good', async ({ browser }) => {
  test.setTimeout(120_000);
  // No service worker: the page's requests then go to the network (and through page.route).
  const ana = await newUser(browser, 'ana', run, 'light', { serviceWorkers: 'block' });
  const ben = await newUser(browser, 'ben', run);
  await befriend(ana, ben);
  await openDm(ana, ben);
  const page = ana.page;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const requests = emojiDataRequests(page);
  const { toggle, dialog, search, smileys } = picker(page);

  // A page load, straight into the conversation: whatever the app fetches by itself, it has
  // fetched once the network is quiet, and the emoji data is not among it.
  await page.reload();
  await expect(page.getByTestId('composer')).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(requests).toHaveLength(0);

  // The first opening fetches it: brotli, cached for a year, JSON.
  await toggle.click();
  await expect(search).toBeFocused();
  await expect(smileys).toBeVisible();
  expect(requests).toHaveLength(1);
  const served = await requests[0].response();
  expect(served?.status()).toBe(200);
  expect(served?.headers()['content-encoding']).toBe('br');
  expect(served?.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(served?.headers()['content-type']).toMatch(/^application\/json/);
  // The page names it for the service worker, which keeps what the page names.
  const path = new URL(requests[0].url()).pathname;
  await expect(page.locator('meta[name="confab-emoji-data"]')).toHaveAttribute('content', path);

  // Closed and opened again: the session's copy, no second fetch.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await toggle.click();
  await expect(smileys).toBeVisible();
  expect(requests).toHaveLength(1);
  await page.keyboard.press('Escape');

  // A new session asks the browser again, which answers from its cache without the network:
  // nothing transferred, not even a revalidation.
  await page.reload();
  await toggle.click();
  await expect(smileys).toBeVisible();
  expect(requests).toHaveLength(2);
  const transferred = await page.evaluate(
    (path) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((entry) => new URL(entry.name).pathname === path)
        .map((entry) => entry.transferSize),
    path,
  );
  expect(transferred).toEqual([0]);
  await page.keyboard.press('Escape');

  // A failed fetch in a new session: "loading" while it is under way, then why not, with a retry
  // that loads it; the picker stays open and nothing panics.
  await page.reload();
  let fail = () => {};
  const failing = new Promise<void>((resolve) => (fail = resolve));
  await page.route(EMOJI_DATA, async (route) => {
    await failing;
    await route.abort('internetdisconnected');
  });
  await toggle.click();
  await expect(search).toBeFocused();
  await expect(dialog.getByRole('status')).toHaveText('Loading emoji…');
  await expect(dialog.getByRole('navigation', { name: 'Emoji categories' })).toHaveCount(0);
  fail();
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('The emoji could not be loaded. Check your connection.');
  await page.unroute(EMOJI_DATA);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(smileys).toBeVisible();
  await expect(search).toBeFocused();
  await expect(dialog.getByRole('navigation', { name: 'Emoji categories' })).toBeVisible();
  await expect(alert).toHaveCount(0);
  expect(errors).toEqual([]);
  await ana.context.close();
  await ben.context.close();
});

test('the service worker keeps the data, so a picker first opened offline has it', async ({ browser }) => {
  test.setTimeout(120_000);
  const cy = await newUser(browser, 'cy', run);
  const di = await newUser(browser, 'di', run);
  await befriend(cy, di);
  await openDm(cy, di);
  const page = cy.page;
  const requests = emojiDataRequests(page);
  const { toggle, smileys } = picker(page);

  // The worker took the page and keeps the data the page names, with the app's other assets.
  const path = await page.locator('meta[name="confab-emoji-data"]').getAttribute('content');
  expect(path).toMatch(EMOJI_DATA);
  await expect
    .poll(() =>
      page.evaluate(async (path) => {
        if (!navigator.serviceWorker.controller) return 'uncontrolled';
        const cache = await caches.open('confab-shell-v1');
        const paths = (await cache.keys()).map((r) => new URL(r.url).pathname);
        return paths.includes(path) ? 'cached' : paths.join(' ');
      }, path),
    )
    .toBe('cached');

  await cy.context.setOffline(true);
  await toggle.click();
  await expect(smileys).toBeVisible();
  expect(requests).toHaveLength(1);
  expect((await requests[0].response())?.fromServiceWorker()).toBe(true);
  await cy.context.setOffline(false);
  await cy.context.close();
  await di.context.close();
});

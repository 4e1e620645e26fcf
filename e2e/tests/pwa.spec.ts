// The installable app (issue #15): the manifest and icons Chromium needs to offer "Install",
// the service worker's offline shell, its push handler turning a PushNotification into a
// notification while no window of the app is visible, and Settings → Notifications on this
// device, which must say clearly what happened when the browser cannot subscribe.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, test, expect, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { newUser, runSuffix, shootWidths } from './support';

const run = runSuffix();

/** Waits until the service worker controls `page` and has stored the shell with its wasm. */
async function shellCached(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect
    .poll(() =>
      page.evaluate(async () => {
        if (!navigator.serviceWorker.controller) return 'uncontrolled';
        const cache = await caches.open('confab-shell-v1');
        const paths = (await cache.keys()).map((r) => new URL(r.url).pathname);
        return paths.includes('/') && paths.some((p) => p.endsWith('_bg.wasm')) ? 'cached' : paths.join(' ');
      }),
    )
    .toBe('cached');
}

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('the manifest is valid and Chromium finds the app installable', async ({ baseURL }) => {
  // A persistent profile: Playwright's usual contexts are incognito, where Chromium never
  // offers to install (its only installability error there is `in-incognito`).
  const profile = mkdtempSync(join(tmpdir(), 'confab-pwa-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    baseURL,
  });
  const page = await context.newPage();
  await page.goto('/signin');
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest');

  const response = await page.request.get('/manifest.webmanifest');
  expect(response.headers()['content-type']).toBe('application/manifest+json');
  const manifest = await response.json();
  expect(manifest).toMatchObject({ name: 'Confab', start_url: '/', scope: '/', display: 'standalone' });
  const purposes: string[] = [];
  for (const icon of manifest.icons) {
    const image = await page.request.get(icon.src);
    expect(image.headers()['content-type'], icon.src).toBe('image/png');
    const [width, height] = pngSize(await image.body());
    expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
    purposes.push(`${icon.sizes} ${icon.purpose}`);
  }
  expect(purposes).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);

  // Installability also needs the service worker to be controlling the page.
  await shellCached(page);
  const cdp = await context.newCDPSession(page);
  const parsed = await cdp.send('Page.getAppManifest');
  expect(parsed.url).toBe(`${baseURL}/manifest.webmanifest`);
  expect(parsed.errors).toEqual([]);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors).toEqual([]);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});

test('offline, a reload still opens the app from the cached shell', async ({ browser }) => {
  const ann = await newUser(browser, 'ann', run);
  const page = ann.page;
  await shellCached(page);
  await ann.context.setOffline(true);
  // The network really is gone, for the page and for the worker alike.
  expect(await page.evaluate(() => fetch('/readyz').then(() => 'online', () => 'offline'))).toBe('offline');
  const worker = ann.context.serviceWorkers()[0];
  expect(await worker.evaluate(() => fetch('/readyz').then(() => 'online', () => 'offline'))).toBe('offline');

  const response = await page.reload();
  expect(response?.fromServiceWorker()).toBe(true);
  // Not Chromium's offline page: the app's own bar, drawn by the wasm (the static loading
  // shell of index.html is gone once the app mounted), saying it waits for the network;
  // the session is not taken for ended, so no sign-in form.
  await expect(page).toHaveTitle(/Confab/);
  await expect(page.locator('header.topbar .brand')).toHaveText('Confab');
  await expect(page.locator('#app-shell')).toHaveCount(0);
  await expect(page.getByTestId('offline-banner')).toHaveText(
    'You are offline. Your chats open as soon as the connection is back.',
  );
  await expect(page.getByRole('heading', { name: 'Sign in' })).toHaveCount(0);
  await page.screenshot({ path: 'artifacts/pwa-offline.png' });

  // Back online, the app restores the session by itself, without a reload.
  await ann.context.setOffline(false);
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await expect(page.getByTestId('offline-banner')).toHaveCount(0);
  await ann.context.close();
});

/** The service worker registration of `context`'s app, seen through a CDP session on `page`. */
async function registrationId(cdp: CDPSession): Promise<string> {
  const ids = new Set<string>();
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    for (const r of registrations) if (!r.isDeleted) ids.add(r.registrationId);
  });
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => ids.size).toBe(1);
  return [...ids][0];
}

async function notifications(context: BrowserContext) {
  const page = await context.newPage();
  await page.goto('/signin');
  const shown = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      url: n.data?.url,
    }));
  });
  await page.close();
  return shown;
}

test('a push while no window of the app is open becomes a notification; a visible app gets none', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext();
  await context.grantPermissions(['notifications'], { origin: baseURL });
  const app = await context.newPage();
  await app.goto('/signin');
  await shellCached(app);
  // The CDP session lives on a page of another origin, which is no window of the app.
  const outsider = await context.newPage();
  const cdp = await context.newCDPSession(outsider);
  const registration = await registrationId(cdp);
  const conversation = '0b7e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  const push = (body: string) =>
    cdp.send('ServiceWorker.deliverPushMessage', {
      origin: baseURL!,
      registrationId: registration,
      data: JSON.stringify({
        conversation_id: conversation,
        seq: 7,
        title: 'Ann in Team',
        body,
        mention: true,
        url: `/chat/${conversation}`,
      }),
    });

  // The app is on screen: it shows the message itself, so the worker stays quiet.
  expect(await app.evaluate(() => document.visibilityState)).toBe('visible');
  await push('seen in the app');
  await app.waitForTimeout(500);
  expect(await notifications(context)).toEqual([]);

  // Every window of the app closed: the push is a notification, tagged by conversation.
  await app.close();
  await push('Are you coming tonight?');
  await expect
    .poll(() => notifications(context))
    .toEqual([{ title: 'Ann in Team', body: 'Are you coming tonight?', tag: conversation, url: `/chat/${conversation}` }]);
  // (A click cannot be made on a headless notification, and CDP offers no way to dispatch
  // `notificationclick`, so the click's navigation is not tested here.)
  await context.close();
});

test('Settings: the notifications switch registers this device or says why it could not', async ({
  browser,
  baseURL,
}) => {
  const pat = await newUser(browser, 'pat', run);
  await pat.context.grantPermissions(['notifications'], { origin: baseURL });
  const page = pat.page;
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.locator('section.push-settings');
  await expect(section.getByRole('heading', { name: 'Notifications on this device' })).toBeVisible();
  const toggle = section.getByRole('switch', { name: 'Notify me of new messages when Confab is closed' });
  const state = section.getByTestId('push-state');
  await expect(state).toHaveText('Off: this device is notified only while Confab is open.');
  await expect(toggle).not.toBeChecked();
  await shootWidths(page, 'pwa-settings-off', () => section);

  const registrations: string[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/v1/push/subscriptions')) registrations.push(`${r.request().method()} ${r.status()}`);
  });
  await section.locator('label.toggle').click();
  // Headless Chromium has no push service to subscribe with, so this usually fails in the
  // browser; either way the section must say what happened, and never break.
  await expect(state).toHaveText(/^(On: new messages reach this device while Confab is closed\.|Could not register this device: .+)$/, {
    timeout: 20_000,
  });
  const text = (await state.textContent()) ?? '';
  if (text.startsWith('On')) {
    // The server stored it: the POST succeeded, and turning off deletes exactly it (204, not
    // the 404 of an unknown endpoint).
    expect(registrations).toEqual(['POST 204']);
    await expect(toggle).toBeChecked();
    await shootWidths(page, 'pwa-settings-on', () => section);
    await section.locator('label.toggle').click();
    await expect(state).toHaveText('Off: this device is notified only while Confab is open.');
    expect(registrations).toEqual(['POST 204', 'DELETE 204']);
  } else {
    await expect(toggle).not.toBeChecked();
    // The browser refused before anything reached the server.
    expect(registrations).toEqual([]);
    // The switch stays usable for another try.
    await expect(toggle).toBeEnabled();
    await shootWidths(page, 'pwa-settings-failed', () => section);
  }

  // Refused for the site (what "Block" in the browser's prompt does): the switch cannot help,
  // and the line says where to change it.
  const target = await (await pat.context.newCDPSession(page)).send('Target.getTargetInfo');
  const cdp = await browser.newBrowserCDPSession();
  await cdp.send('Browser.setPermission', {
    permission: { name: 'notifications' },
    setting: 'denied',
    origin: baseURL,
    browserContextId: target.targetInfo.browserContextId,
  });
  await page.reload();
  await expect(state).toHaveText(
    'Blocked by the browser: allow notifications for this site in its settings, then try again.',
  );
  await expect(toggle).toBeDisabled();
  await expect(toggle).not.toBeChecked();
  await cdp.detach();
  await pat.context.close();
});

// Helpers the specs share: signing a new user up in their own browser context, the main
// navigation, befriending, opening a DM, sending, reading messages, and light/dark screenshots
// (of the viewport, or at phone and desktop widths).
import { createHmac } from 'node:crypto';
import {
  expect,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';

export const artifacts = 'artifacts';

/** The e2e server's data dir, for `confab admin` commands run beside it (the config gives each
 * port its own, so runs on other ports never share or wipe it). */
export const dataDir = `.data-${Number(process.env.CONFAB_E2E_PORT ?? 18080)}`;

/** A suffix that makes this spec's usernames unique on the shared server. Call it once per spec
 * file: this module is loaded once per worker, so a constant here would be the same in every
 * spec, and two specs signing up "alice" would collide. */
export function runSuffix(): string {
  return Date.now().toString(36).slice(-5);
}

export type User = { context: BrowserContext; page: Page; username: string; name: string };

/** Signs `name`_`run` up in a new desktop-sized browser context; lands on the chats. `bypassCSP`
 * lets a spec inject a script of its own (axe) past the app's Content-Security-Policy;
 * `serviceWorkers: 'block'` keeps the app's service worker out, so that `page.route` sees every
 * request of the page (the worker's answers pass it by). */
export async function newUser(
  browser: Browser,
  name: string,
  run: string,
  scheme: 'light' | 'dark' = 'light',
  { bypassCSP = false, serviceWorkers = 'allow' }: { bypassCSP?: boolean; serviceWorkers?: 'allow' | 'block' } = {},
): Promise<User> {
  const context = await browser.newContext({
    colorScheme: scheme,
    bypassCSP,
    serviceWorkers,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const username = `${name}_${run}`;
  const display = `${name[0].toUpperCase()}${name.slice(1)} ${run}`;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(display);
  await page.getByLabel('Password').fill(`${name}-secret-pw`);
  await page.getByRole('button', { name: 'Create account' }).click();
  // Signing up lands on the chats.
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  return { context, page, username, name: display };
}

export function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) });
}

/** Signs `user` in through the API (newUser's password); the access token of that session. */
export async function accessTokenOf(request: APIRequestContext, user: User): Promise<string> {
  const password = `${user.username.split('_')[0]}-secret-pw`;
  const answer = await request.post('/api/v1/auth/login', { data: { username: user.username, password } });
  expect(answer.status()).toBe(200);
  return (await answer.json()).access_token;
}

/** The Authorization header of a new API session of `user` (see accessTokenOf). */
export async function bearerOf(request: APIRequestContext, user: User): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await accessTokenOf(request, user)}` };
}

/** The id of the conversation open in `page` (its URL is /chat/{id}). */
export function openConversationId(page: Page): string {
  const id = /\/chat\/([0-9a-f-]{36})/.exec(page.url())?.[1];
  if (!id) throw new Error(`no conversation open at ${page.url()}`);
  return id;
}

/** `a` finds `b` and sends a friend request; `b` accepts it. */
export async function befriend(a: User, b: User) {
  await nav(a.page, 'Find people').click();
  await a.page.getByRole('searchbox', { name: 'Search people' }).fill(b.username);
  await a.page.getByRole('button', { name: 'Search' }).click();
  await a.page.locator(`li[data-username="${b.username}"]`).getByRole('button', { name: 'Add friend' }).click();
  await expect(a.page.getByRole('status')).toContainText('Friend request sent');
  // The request reaches b live over the socket: the header badge appears without a reload.
  await expect(b.page.getByTestId('requests-badge')).toHaveText('1');
  await nav(b.page, 'Requests').click();
  await b.page.getByTestId('incoming').locator(`li[data-username="${a.username}"]`).getByRole('button', { name: 'Accept' }).click();
  await expect(b.page.getByRole('status')).toContainText('are friends now');
}

/** Opens the DM with `peer` from `user`'s friends list. */
export async function openDm(user: User, peer: User) {
  await nav(user.page, 'Friends').click();
  await user.page.locator(`li[data-username="${peer.username}"]`).getByRole('button', { name: 'Message' }).click();
  await expect(user.page.getByTestId('conversation-title')).toHaveText(peer.name);
}

/** `owner` creates the group `title` with some of their friends; it opens. */
export async function createGroup(owner: User, title: string, members: User[]) {
  await nav(owner.page, 'Chats').click();
  await owner.page.getByRole('button', { name: 'New group' }).click();
  await owner.page.getByLabel('Title').fill(title);
  for (const member of members) await owner.page.locator(`label[data-username="${member.username}"] input`).check();
  await owner.page.getByRole('button', { name: 'Create group' }).click();
  await expect(owner.page.getByTestId('conversation-title')).toHaveText(title);
}

export async function send(page: Page, text: string) {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
}

/** The message texts of the open conversation, in order. */
export function bodies(page: Page) {
  return page.getByTestId('messages').getByTestId('message-body');
}

/** Screenshots `page` as artifacts/`name`-light.png and -dark.png; by default of the viewport
 * only, and switching the page back to the light theme afterwards. */
export async function shoot(
  page: Page,
  name: string,
  { fullPage = false, backToLight = true }: { fullPage?: boolean; backToLight?: boolean } = {},
) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate((s) => document.documentElement.setAttribute('data-theme', s), scheme);
    await page.screenshot({ path: `${artifacts}/${name}-${scheme}.png`, fullPage });
  }
  if (backToLight) await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
}

/** Shoots `part` (or the viewport) as artifacts/`name`-phone|desktop-light|dark.png, then goes
 * back to the desktop width and the light theme. */
export async function shootWidths(page: Page, name: string, part?: () => Locator) {
  const sizes = [
    ['phone', 390, 844],
    ['desktop', 1280, 800],
  ] as const;
  for (const [size, width, height] of sizes) {
    await page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate((s) => document.documentElement.setAttribute('data-theme', s), scheme);
      const path = `${artifacts}/${name}-${size}-${scheme}.png`;
      await (part ? part().screenshot({ path }) : page.screenshot({ path }));
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
}

/** Decodes RFC 4648 base32 (upper case, no padding), as authenticator apps read a typed key. */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The 6-digit code an authenticator app shows for the base32 `secret` at `unixSeconds`
 * (TOTP, RFC 6238: HMAC-SHA1 of the 30-second step, dynamically truncated, RFC 4226). */
export function totp(secret: string, unixSeconds = Date.now() / 1000): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return number.toString().padStart(6, '0');
}

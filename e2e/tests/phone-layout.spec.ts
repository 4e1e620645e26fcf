// The phone layout (390×844), as phone chat apps have it: every destination of the main
// navigation fits on the screen (nothing past its edge, no sideways scrolling) and opens; the
// conversation list is the chat page, and an open conversation takes the whole screen (the
// global bar goes) with a back button to the list. A message's actions hide behind its "…"
// button or a long press on the bubble, as a menu: aria-haspopup, arrow keys between its items,
// Esc closes it and gives the focus back. At desktop width nothing of this changes: the bar
// stays and the actions show on hover. Screenshots, light and dark, go to artifacts/.
import { execFileSync } from 'node:child_process';
import { test, expect, type Page } from '@playwright/test';
import { befriend, dataDir, nav, newUser, openDm, runSuffix, send, shoot } from './support';

const run = runSuffix();
const server = process.env.CONFAB_E2E_SERVER ?? '../target/debug/confab';
const phone = { width: 390, height: 844 };

/** Whether the page scrolls sideways (wider than the screen). */
async function overflows(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/** The part of `element` past the screen's left or right edge, in CSS pixels (0: none). */
async function pastEdge(page: Page, name: string) {
  const box = await nav(page, name).boundingBox();
  if (!box) throw new Error(`${name} is not laid out`);
  const width = await page.evaluate(() => window.innerWidth);
  return Math.max(0, -box.x, box.x + box.width - width);
}

test('at phone width the navigation fits, a conversation is full screen, and actions are a menu', async ({ browser }) => {
  test.setTimeout(120_000);
  const ada = await newUser(browser, 'ada', run);
  const bea = await newUser(browser, 'bea', run);
  // An administrator sees every destination, "Admin" included.
  execFileSync(server, ['--data-dir', dataDir, 'admin', 'promote', ada.username], { stdio: 'pipe' });
  await ada.page.reload();
  await expect(nav(ada.page, 'Admin')).toBeVisible();
  await befriend(ada, bea);
  await openDm(bea, ada);
  await send(bea.page, 'Are you coming to lunch?');
  await openDm(ada, bea);
  await send(ada.page, 'Yes, in ten minutes');
  const page = ada.page;
  await page.setViewportSize(phone);

  // Every destination is on the screen, opens, and its page fits the width.
  const destinations: [string, string | RegExp][] = [
    ['Chats', 'Chats'],
    ['Friends', 'Friends'],
    ['Requests', 'Friend requests'],
    ['Find people', 'Find people'],
    ['Blocked', 'Blocked'],
    ['Admin', 'Dashboard'],
  ];
  // (Leaving the open conversation: at this width it hides the bar.)
  await page.goto('/friends');
  for (const [name] of destinations) {
    await expect(nav(page, name)).toBeVisible();
    expect(await pastEdge(page, name), `${name} runs past the screen's edge`).toBe(0);
  }
  for (const [name, heading] of destinations) {
    await nav(page, name).click();
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    expect(await overflows(page), `${name} scrolls sideways`).toBe(false);
  }
  await expect(page.getByRole('link', { name: 'Settings' })).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeInViewport({ ratio: 1 });
  await shoot(page, 'phone-nav');

  // The chat page is the list; a conversation opens full screen, without the global bar.
  await nav(page, 'Chats').click();
  const list = page.getByTestId('conversations');
  await expect(list).toBeVisible();
  await list.locator(`li[data-title="${bea.name}"] a`).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(bea.name);
  await expect(page.getByRole('banner').filter({ has: page.getByRole('navigation', { name: 'Main' }) })).toBeHidden();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
  await expect(list).toBeHidden();
  expect(await overflows(page)).toBe(false);
  await shoot(page, 'phone-conversation');

  // Actions are not under every bubble: each message has "…", a menu button.
  const hers = page.getByTestId('message').filter({ hasText: 'Are you coming to lunch?' });
  const more = hers.getByRole('button', { name: 'Message actions' });
  await hers.click();
  await expect(hers.getByRole('button', { name: 'Reply' })).toBeHidden();
  await expect(page.getByTestId('messages').getByRole('button', { name: /^(React|Reply|Forward|Edit|Delete)$/ })).toHaveCount(0);
  await expect(more).toBeVisible();
  await expect(more).toHaveAttribute('aria-haspopup', 'menu');
  await expect(more).toHaveAttribute('aria-expanded', 'false');

  // Opened, the menu takes the focus; the arrows move between its items; Esc closes it and
  // the focus goes back to "…".
  await more.click();
  const menu = hers.getByRole('menu', { name: 'Message actions' });
  await expect(menu).toBeVisible();
  await expect(more).toHaveAttribute('aria-expanded', 'true');
  await expect(menu.getByRole('menuitem', { name: 'React' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(menu.getByRole('menuitem').last()).toBeFocused();
  await shoot(page, 'phone-message-menu');
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(more).toBeFocused();
  await expect(more).toHaveAttribute('aria-expanded', 'false');

  // An action from the menu works and closes it.
  await more.click();
  await menu.getByRole('menuitem', { name: 'Reply' }).click();
  await expect(menu).toBeHidden();
  await expect(page.getByTestId('replying')).toContainText('Are you coming to lunch?');

  // A long press on a bubble opens its menu too; a tap elsewhere closes it.
  const mine = page.getByTestId('message').filter({ hasText: 'Yes, in ten minutes' });
  const bubble = mine.locator('.bubble');
  const box = await bubble.boundingBox();
  if (!box) throw new Error('no bubble');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(800);
  await page.mouse.up();
  const myMenu = mine.getByRole('menu', { name: 'Message actions' });
  await expect(myMenu).toBeVisible();
  await expect(myMenu.getByRole('menuitem', { name: 'Edit' })).toBeVisible();
  await hers.locator('.bubble').click();
  await expect(myMenu).toBeHidden();

  // Back returns to the list, and the bar with it.
  await page.getByRole('link', { name: 'Back to conversations' }).click();
  await expect(list).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

  // Desktop is as it was: the bar stays beside an open conversation, actions show on hover and
  // no "…" is shown.
  await page.setViewportSize({ width: 1280, height: 800 });
  await list.locator(`li[data-title="${bea.name}"] a`).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(list).toBeVisible();
  await hers.hover();
  await expect(hers.getByRole('button', { name: 'Reply' })).toBeVisible();
  await expect(more).toBeHidden();

  for (const user of [ada, bea]) await user.context.close();
});

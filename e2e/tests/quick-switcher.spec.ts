// Ctrl+K from anywhere opens the conversation switcher: typing narrows it, the arrow keys choose,
// Enter opens the conversation; Esc closes it without going anywhere. Screenshots at 390 and
// 1280 px, light and dark.
import { test, expect } from '@playwright/test';
import { befriend, createGroup, nav, newUser, runSuffix, shootWidths } from './support';

const run = runSuffix();

test('Ctrl+K jumps to a conversation by name', async ({ browser }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  await befriend(alice, bob);
  await createGroup(alice, `Lisbon trip ${run}`, [bob]);
  await createGroup(alice, `Book club ${run}`, [bob]);
  const page = alice.page;
  await nav(page, 'Friends').click();

  await page.keyboard.press('Control+k');
  const switcher = page.getByTestId('quick-switcher');
  await expect(switcher).toBeVisible();
  await expect(switcher.getByRole('combobox')).toBeFocused();
  await page.keyboard.type('trip');
  await expect(switcher.getByRole('option')).toHaveText([`Lisbon trip ${run}`]);
  await shootWidths(page, 'quick-switcher');
  await page.keyboard.press('Escape');
  await expect(switcher).toBeHidden();
  await expect(page).toHaveURL(/\/friends$/);

  // Arrow keys choose among several; Enter opens the chosen one.
  await page.keyboard.press('Control+k');
  await page.keyboard.type(run);
  await expect(switcher.getByRole('option')).toHaveCount(2);
  await page.keyboard.press('ArrowDown');
  const second = (await switcher.getByRole('option').nth(1).textContent()) ?? '';
  await page.keyboard.press('Enter');
  await expect(switcher).toBeHidden();
  await expect(page.getByTestId('conversation-title')).toHaveText(second);
});

// The chat by keyboard alone: opening (or switching) a conversation puts the caret in its
// composer on a desktop (not on a phone, where it would pop up the keyboard); the history is one
// Tab stop, with the arrow keys, Home and End moving between messages, Enter into a message's
// actions and Esc back, R replying and E editing; ↑ in an empty composer edits the last own
// message still standing; Esc cancels a reply or an edit and otherwise does nothing; and the
// dialogs (Ctrl+K, Forward, a confirmation) keep Tab inside, close on Esc and give the focus
// back. (The picture viewer's trap and return are in media.spec.ts.)
import { test, expect, type Browser, type Locator, type Page } from '@playwright/test';
import { befriend, nav, newUser, openDm, runSuffix, send, type User } from './support';

const run = runSuffix();

/** The open edit box (there is at most one); its message shows no text meanwhile. */
function editBox(page: Page) {
  return page.getByTestId('messages').getByRole('textbox', { name: 'Edit message' });
}

function history(page: Page) {
  return page.getByTestId('messages').getByTestId('message');
}

/** The stored (acknowledged) message saying `text`. */
function message(page: Page, text: string) {
  return history(page).filter({ has: page.getByTestId('message-body').getByText(text, { exact: true }) });
}

/** Whether the focused element is `container` or inside it. */
function holdsFocus(container: Locator): Promise<boolean> {
  return container.evaluate((el) => el.contains(document.activeElement));
}

/** Presses Tab (or Shift+Tab) `times` times, checking after each that `dialog` keeps the focus. */
async function tabAround(page: Page, dialog: Locator, times: number, key = 'Tab') {
  for (let i = 0; i < times; i++) {
    await page.keyboard.press(key);
    expect(await holdsFocus(dialog), `${key} #${i + 1} left the dialog`).toBe(true);
  }
}

/** Alice and Bob (named with `tag`, unique per test), friends; Bob writes `first` in their DM,
 * which Alice then opens. */
async function friendsInADm(browser: Browser, tag: string, first: string): Promise<{ alice: User; bob: User }> {
  const alice = await newUser(browser, `alice${tag}`, run);
  const bob = await newUser(browser, `bob${tag}`, run);
  await befriend(alice, bob);
  await openDm(bob, alice);
  await send(bob.page, first);
  await openDm(alice, bob);
  return { alice, bob };
}

test('opening or switching a conversation puts the caret in its composer, on desktop only', async ({ browser }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  const carol = await newUser(browser, 'carol', run);
  await befriend(alice, bob);
  await befriend(alice, carol);
  const page = alice.page;

  await openDm(alice, bob);
  await expect(page.getByTestId('composer')).toBeFocused();
  await openDm(alice, carol);
  await expect(page.getByTestId('composer')).toBeFocused();
  // Switching from one conversation to another, in the list.
  await page.getByTestId('conversations').locator(`li[data-title="${bob.name}"]`).getByRole('link').click();
  await expect(page.getByTestId('conversation-title')).toHaveText(bob.name);
  await expect(page.getByTestId('composer')).toBeFocused();
  // And with Ctrl+K, which would otherwise hand the focus back to the page it was opened from.
  await page.keyboard.press('Control+k');
  await page.keyboard.type(carol.name);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('conversation-title')).toHaveText(carol.name);
  await expect(page.getByTestId('composer')).toBeFocused();

  // A phone: the on-screen keyboard stays down until the person taps the composer.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/chat');
  await page.getByTestId('conversations').locator(`li[data-title="${bob.name}"]`).getByRole('link').click();
  await expect(page.getByTestId('conversation-title')).toHaveText(bob.name);
  await expect(page.getByTestId('composer')).toBeVisible();
  await expect(page.getByTestId('composer')).not.toBeFocused();

  for (const user of [alice, bob, carol]) await user.context.close();
});

test('the history is one Tab stop: arrows, Home and End move, Enter reaches the actions, R and E act', async ({
  browser,
}) => {
  const { alice, bob } = await friendsInADm(browser, '2', 'Hello from Bob');
  const page = alice.page;
  for (const text of ['one', 'two', 'three']) await send(page, text);
  await expect(message(page, 'three').getByTestId('ticks')).toHaveAttribute('data-state', /sent|read/);
  const all = history(page);
  await expect(all).toHaveCount(4);
  const list = page.getByRole('log', { name: 'Messages' });
  await expect(list).toBeVisible();
  await expect(all.first()).toHaveRole('article');

  // Tab from the header lands on the newest message, not the oldest.
  await page.getByTestId('details-toggle').focus();
  await page.keyboard.press('Tab');
  await expect(all.last()).toBeFocused();
  // Only that message is in the Tab order (the others and their buttons are not).
  await expect(list.locator('[data-testid="message"][tabindex="0"]')).toHaveCount(1);
  // Tab goes through its own actions, then out of the history, never into another message.
  let stops = 0;
  for (;;) {
    await page.keyboard.press('Tab');
    if (!(await holdsFocus(list))) break;
    expect(await holdsFocus(all.last()), 'Tab went to another message').toBe(true);
    stops += 1;
    expect(stops).toBeLessThan(12);
  }
  expect(stops).toBeGreaterThan(0);
  // Shift+Tab comes back in (to the same message's last action), not to the oldest message.
  await page.keyboard.press('Shift+Tab');
  expect(await holdsFocus(all.last())).toBe(true);

  // The arrow keys, Home and End.
  await all.last().focus();
  await page.keyboard.press('ArrowUp');
  await expect(all.nth(2)).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(all.nth(1)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(all.nth(2)).toBeFocused();
  await page.keyboard.press('Home');
  await expect(all.first()).toBeFocused();
  await page.keyboard.press('End');
  await expect(all.last()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(all.last()).toBeFocused();
  // The message moved to holds the Tab stop now.
  await page.keyboard.press('ArrowUp');
  await expect(all.nth(2)).toHaveAttribute('tabindex', '0');
  await expect(all.last()).toHaveAttribute('tabindex', '-1');

  // Enter goes into the focused message's actions, Esc back to the message.
  await page.keyboard.press('Enter');
  await expect(all.nth(2).getByTestId('react')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(all.nth(2).getByRole('button', { name: 'Reply' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(all.nth(2)).toBeFocused();

  // R replies to the focused message, the caret in the composer.
  await page.keyboard.press('Home');
  await page.keyboard.press('r');
  await expect(page.getByTestId('replying')).toContainText('Hello from Bob');
  await expect(page.getByTestId('composer')).toBeFocused();
  await expect(page.getByTestId('composer')).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('replying')).toHaveCount(0);

  // E edits the focused message if it is one's own (Bob's is not).
  await all.first().focus();
  await page.keyboard.press('e');
  await expect(editBox(page)).toHaveCount(0);
  await message(page, 'two').focus();
  await page.keyboard.press('e');
  const edit = editBox(page);
  await expect(edit).toBeFocused();
  await expect(edit).toHaveValue('two');
  await page.keyboard.press('Escape');
  await expect(edit).toHaveCount(0);

  for (const user of [alice, bob]) await user.context.close();
});

test('↑ in an empty composer edits the last own message still standing', async ({ browser }) => {
  const alice = await newUser(browser, 'alice3', run);
  const bob = await newUser(browser, 'bob3', run);
  await befriend(alice, bob);
  await openDm(alice, bob);
  const page = alice.page;
  const composer = page.getByTestId('composer');
  await send(page, 'first');
  await send(page, 'second');
  await openDm(bob, alice);
  await send(bob.page, 'a later one from Bob');
  await expect(message(page, 'a later one from Bob')).toBeVisible();
  await expect(message(page, 'second').getByTestId('ticks')).toHaveAttribute('data-state', /sent|read/);

  // Not while something is written: ↑ moves the caret then.
  await composer.fill('half a thought');
  await composer.press('ArrowUp');
  await expect(editBox(page)).toHaveCount(0);
  await composer.fill('');
  await composer.press('ArrowUp');
  const edit = editBox(page);
  await expect(edit).toBeFocused();
  await expect(edit).toHaveValue('second');
  // The caret is at the end: typing adds to the text.
  await page.keyboard.type(' (fixed)');
  await page.keyboard.press('Enter');
  await expect(message(page, 'second (fixed)')).toContainText('edited');
  await expect(composer).toBeFocused();

  // Deleted, the message is passed over for the one before it.
  const fixed = message(page, 'second (fixed)');
  await fixed.hover();
  await fixed.getByRole('button', { name: 'Delete' }).click();
  await expect(history(page).filter({ hasText: 'This message was deleted' })).toHaveCount(1, { timeout: 15_000 });
  await composer.focus();
  await composer.press('ArrowUp');
  const older = editBox(page);
  await expect(older).toBeFocused();
  await expect(older).toHaveValue('first');
  // Esc in the edit box cancels it, and the caret goes back to the composer.
  await page.keyboard.press('Escape');
  await expect(older).toHaveCount(0);
  await expect(message(page, 'first')).not.toContainText('edited');
  await expect(composer).toBeFocused();

  for (const user of [alice, bob]) await user.context.close();
});

test('Esc in the composer cancels a reply or an edit, and otherwise changes nothing', async ({ browser }) => {
  const { alice, bob } = await friendsInADm(browser, '4', 'Lunch at noon?');
  const page = alice.page;
  const composer = page.getByTestId('composer');
  await send(page, 'Sounds good');

  // A reply: Esc drops it and keeps what was typed.
  const lunch = message(page, 'Lunch at noon?');
  await lunch.hover();
  await lunch.getByRole('button', { name: 'Reply' }).click();
  await expect(page.getByTestId('replying')).toBeVisible();
  await composer.fill('draft');
  await composer.press('Escape');
  await expect(page.getByTestId('replying')).toHaveCount(0);
  await expect(composer).toHaveValue('draft');
  // Nothing left to cancel: Esc changes nothing.
  await composer.press('Escape');
  await expect(composer).toHaveValue('draft');
  await expect(composer).toBeFocused();

  // An edit opened, then the composer clicked: Esc there closes the edit.
  await composer.fill('');
  await composer.press('ArrowUp');
  const edit = editBox(page);
  await expect(edit).toBeFocused();
  await composer.click();
  await composer.press('Escape');
  await expect(edit).toHaveCount(0);
  await expect(message(page, 'Sounds good')).not.toContainText('edited');
  await expect(composer).toBeFocused();

  for (const user of [alice, bob]) await user.context.close();
});

test('dialogs keep Tab inside, close on Esc and give the focus back', async ({ browser }) => {
  const { alice, bob } = await friendsInADm(browser, '5', 'Pass this on');
  const page = alice.page;
  const composer = page.getByTestId('composer');
  await expect(composer).toBeFocused();

  // Ctrl+K: one field, which keeps the focus; Esc hands it back to the composer.
  await page.keyboard.press('Control+k');
  const switcher = page.getByTestId('quick-switcher');
  await expect(switcher.getByRole('combobox')).toBeFocused();
  await tabAround(page, switcher, 3);
  await tabAround(page, switcher, 2, 'Shift+Tab');
  await page.keyboard.press('Escape');
  await expect(switcher).toBeHidden();
  await expect(composer).toBeFocused();

  // Forward, opened from a message's actions by keyboard.
  const pass = message(page, 'Pass this on');
  await pass.focus();
  await page.keyboard.press('Enter');
  const forward = pass.getByTestId('forward');
  while (!(await forward.evaluate((el) => el === document.activeElement))) await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('forward-dialog');
  await expect(dialog).toBeVisible();
  await tabAround(page, dialog, 6);
  await tabAround(page, dialog, 6, 'Shift+Tab');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(forward).toBeFocused();

  // A confirmation (unfriending), opened by keyboard from the friends list.
  await nav(page, 'Friends').click();
  const unfriend = page.locator(`li[data-username="${bob.username}"]`).getByRole('button', { name: 'Unfriend' });
  await unfriend.focus();
  await page.keyboard.press('Enter');
  const confirm = page.getByTestId('confirm-dialog');
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await tabAround(page, confirm, 4);
  await tabAround(page, confirm, 4, 'Shift+Tab');
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(unfriend).toBeFocused();
  await expect(page.locator(`li[data-username="${bob.username}"]`)).toBeVisible();

  for (const user of [alice, bob]) await user.context.close();
});

// Read-by's "Delivered to" and who reacted without a hover, in the real app: Alice's message in
// a group reaches Bob's open app (which acknowledges it within seconds) but not Carol, who has
// no app open; Alice's read-by says so until Bob reads it. Then a long press on a reaction chip
// (a touch pointer) and a right click each list who reacted instead of toggling the reaction.
// Screenshots of both at 390 and 1280 px, light and dark.
import { test, expect, type Page } from '@playwright/test';
import { befriend, createGroup, nav, newUser, runSuffix, send, shootWidths } from './support';

const run = runSuffix();

function message(page: Page, text: string) {
  return page.getByTestId('messages').getByTestId('message').filter({ hasText: text });
}

async function openConversation(page: Page, title: string) {
  await nav(page, 'Chats').click();
  await page.getByTestId('conversations').locator(`li[data-title="${title}"] a`).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(title);
}

/** Opens read-by under `text` (fetched afresh each time), returns its text, closes it. */
async function readBy(page: Page, text: string): Promise<string> {
  const mine = message(page, text);
  await mine.hover();
  await mine.getByTestId('read-by-toggle').click();
  const region = page.getByTestId('read-by');
  await expect(region.getByRole('heading', { name: 'Read by' })).toBeVisible();
  const said = (await region.innerText()).replace(/\s+/g, ' ');
  await region.getByRole('button', { name: 'Close' }).click();
  return said;
}

test('read-by tells delivered from read, and a long press lists who reacted', async ({ browser }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  const carol = await newUser(browser, 'carol', run);
  await befriend(alice, bob);
  await befriend(alice, carol);
  const group = `Lunch ${run}`;
  await createGroup(alice, group, [bob, carol]);
  // Carol closes the app: nothing reaches her until she opens it again.
  await carol.context.close();
  await nav(bob.page, 'Chats').click();

  await send(alice.page, 'Lunch at noon?');
  // Bob's app has it (in his list, unread) and says so within a few seconds.
  await expect(bob.page.getByTestId('conversations').locator(`li[data-title="${group}"]`)).toContainText('Lunch at noon?');
  await expect
    .poll(() => readBy(alice.page, 'Lunch at noon?'), { timeout: 15_000, intervals: [1_000] })
    .toMatch(new RegExp(`Nobody yet.*Delivered to ${bob.name}.*Not delivered yet ${carol.name}`));
  const mine = message(alice.page, 'Lunch at noon?');
  await mine.hover();
  await mine.getByTestId('read-by-toggle').click();
  await shootWidths(alice.page, 'read-by-delivered', () => alice.page.getByTestId('read-by'));
  await alice.page.getByTestId('read-by').getByRole('button', { name: 'Close' }).click();

  // Bob reads it: he moves from "Delivered to" to "Read by".
  await openConversation(bob.page, group);
  await expect
    .poll(() => readBy(alice.page, 'Lunch at noon?'), { timeout: 15_000, intervals: [1_000] })
    .toMatch(new RegExp(`Read by ${bob.name}.*Not delivered yet ${carol.name}`));
  expect(await readBy(alice.page, 'Lunch at noon?')).not.toContain('Delivered to');

  // Bob reacts; on Alice's side a long press (touch) lists who reacted and toggles nothing.
  const his = message(bob.page, 'Lunch at noon?');
  await his.hover();
  await his.getByTestId('react').click();
  await bob.page.getByRole('button', { name: 'React with 👍' }).click();
  const chip = mine.getByTestId('reaction');
  await expect(chip).toHaveText('👍1');
  const touch = { pointerType: 'touch', pointerId: 7, isPrimary: true, bubbles: true };
  await chip.dispatchEvent('pointerdown', touch);
  await alice.page.waitForTimeout(800);
  await chip.dispatchEvent('pointerup', touch);
  await chip.dispatchEvent('click');
  const who = mine.getByTestId('reaction-who');
  await expect(who).toContainText(bob.name);
  await expect(chip).toHaveText('👍1');
  await expect(chip).toHaveAttribute('aria-pressed', 'false');
  await shootWidths(alice.page, 'reactors-long-press', () => mine);
  await who.getByRole('button', { name: 'Close' }).click();
  await expect(who).toHaveCount(0);

  // A quick tap still toggles; a right click lists, as the long press does.
  await chip.click();
  await expect(chip).toHaveText('👍2');
  await chip.click({ button: 'right' });
  await expect(who).toContainText('You');
  await expect(who).toContainText(bob.name);
  await expect(chip).toHaveText('👍2');
});

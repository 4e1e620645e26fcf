// Message search in the real app: a user searches for a word said earlier, sees hits only from
// their own conversations (not from a DM they are not in), gets clear empty and "no results"
// states, and a hit opens its conversation scrolled to the message, highlighted. Escape closes
// the search. Screenshots at desktop and phone widths, light and dark, go to artifacts/.
import { test, expect } from '@playwright/test';
import { befriend, nav, newUser, openDm, runSuffix, send, shoot } from './support';

const run = runSuffix();

test('a user finds an earlier message in their own conversations and jumps to it', async ({ browser }) => {
  test.setTimeout(180_000);
  const hana = await newUser(browser, 'hana', run);
  const ivan = await newUser(browser, 'ivan', run);
  const jude = await newUser(browser, 'jude', run);
  await befriend(hana, ivan);
  await befriend(ivan, jude);
  // A word only this run uses, so hits from other tests (same server) cannot interfere.
  const word = `lighthouse${run}`;

  // Hana tells Ivan where to meet, then the talk moves on long enough to push it out of view.
  await openDm(hana, ivan);
  await send(hana.page, `Meet me at the ${word} at noon, by the blue door`);
  for (let i = 1; i <= 18; i++) await send(hana.page, `Packing list item ${i}`);
  // Ivan and Jude mention the same word in a DM Hana is not part of.
  await openDm(jude, ivan);
  await send(jude.page, `Ivan, the ${word} keeper says hello`);

  // Hana goes back to her chat list and searches; an empty search explains itself.
  await nav(hana.page, 'Chats').click();
  const box = hana.page.getByRole('searchbox', { name: 'Search messages' });
  const results = hana.page.getByTestId('search-results');
  await box.press('Enter');
  await expect(results).toContainText('Type a word and press Enter');
  await box.fill('zeppelinthatnobodysaid');
  await box.press('Enter');
  await expect(results).toContainText('No messages match “zeppelinthatnobodysaid”.');
  await shoot(hana.page, 'search-none-desktop');

  // The word: one hit, from her DM with Ivan only, with sender, conversation and snippet.
  await box.fill(word);
  await box.press('Enter');
  const hits = hana.page.getByTestId('search-hit');
  await expect(hits).toHaveCount(1);
  await expect(results).toContainText('1 message');
  await expect(hits.first()).toHaveAttribute('data-title', ivan.name);
  await expect(hits.first()).toContainText('You');
  await expect(hits.first().getByTestId('search-snippet')).toContainText('at noon, by the blue door');
  await expect(hits.first().locator('mark')).toHaveText(word);
  await expect(results).not.toContainText('keeper says hello');

  // Ivan, in both conversations, finds both.
  await nav(ivan.page, 'Chats').click();
  await ivan.page.getByRole('searchbox', { name: 'Search messages' }).fill(word);
  await ivan.page.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
  await expect(ivan.page.getByTestId('search-hit')).toHaveCount(2);
  await expect(ivan.page.getByTestId('search-hit').filter({ hasText: 'keeper says hello' })).toHaveAttribute('data-title', jude.name);

  // Clicking the hit opens the DM scrolled to that message (far above the latest), highlighted.
  await hits.first().getByRole('link').click();
  await expect(hana.page).toHaveURL(/\/chat\/[0-9a-f-]{36}\?q=.*&seq=\d+$/);
  await expect(hana.page.getByTestId('conversation-title')).toHaveText(ivan.name);
  const target = hana.page.getByTestId('message').filter({ hasText: `${word} at noon` });
  await expect(target).toHaveAttribute('data-highlight', 'true');
  await expect(target).toBeInViewport();
  await expect(hana.page.getByTestId('message').filter({ hasText: 'Packing list item 18' })).not.toBeInViewport();
  await expect(hits.first()).toHaveClass(/active/);
  await shoot(hana.page, 'search-hit-desktop');
  // The highlight fades by itself.
  await expect(target).not.toHaveAttribute('data-highlight', 'true', { timeout: 5_000 });

  // Escape closes the search: the conversation list is back, the conversation stays open.
  await box.focus();
  await box.press('Escape');
  await expect(results).toHaveCount(0);
  await expect(box).toHaveValue('');
  await expect(hana.page.getByTestId('conversations')).toBeVisible();
  await expect(hana.page.getByTestId('conversation-title')).toHaveText(ivan.name);

  // Phone width: the hits fill the screen; a hit opens the conversation, "back" returns to them.
  await hana.page.setViewportSize({ width: 390, height: 844 });
  // An open conversation is full screen at this width: its back link leads to the list.
  await hana.page.getByRole('link', { name: 'Back to conversations' }).click();
  await box.fill(word);
  await box.press('Enter');
  await expect(hits).toHaveCount(1);
  await shoot(hana.page, 'search-results-phone');
  await hits.first().getByRole('link').click();
  await expect(target).toBeInViewport();
  await shoot(hana.page, 'search-hit-phone');
  await hana.page.getByRole('link', { name: 'Back to conversations' }).click();
  await expect(hits).toHaveCount(1);
  await expect(box).toHaveValue(word);

  for (const user of [hana, ivan, jude]) await user.context.close();
});

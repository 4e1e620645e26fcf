// Chatting in the real app: two friends talk live in a DM (typing indicator, read ticks,
// replies, edits, deletions), a third joins a group, and one goes offline while the others
// write: back online, they see every message exactly once, in order. Screenshots at desktop
// and phone widths, light and dark, go to artifacts/.
import { test, expect, type Page } from '@playwright/test';
import { befriend, bodies, createGroup, nav, newUser, runSuffix, send, shoot } from './support';

const run = runSuffix();

async function openConversation(page: Page, title: string) {
  await nav(page, 'Chats').click();
  await page.getByTestId('conversations').locator(`li[data-title="${title}"] a`).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(title);
}

test('friends chat live in a DM and a group, and nothing is lost while offline', async ({ browser }) => {
  test.setTimeout(180_000);
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  const carol = await newUser(browser, 'carol', run);
  await befriend(alice, bob);
  await befriend(alice, carol);

  // Alice opens a DM with Bob from her friends list.
  await nav(alice.page, 'Friends').click();
  await alice.page.locator(`li[data-username="${bob.username}"]`).getByRole('button', { name: 'Message' }).click();
  await expect(alice.page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  await expect(alice.page.getByTestId('conversation-title')).toHaveText(bob.name);
  await send(alice.page, 'Hello Bob!');
  await expect(
    alice.page.getByTestId('message').filter({ hasText: 'Hello Bob!' }).getByTestId('ticks'),
  ).toHaveAttribute('data-state', 'sent');
  // Stored messages carry their seq: a handle that survives editing the text.
  const seq = await alice.page.getByTestId('message').filter({ hasText: 'Hello Bob!' }).getAttribute('data-seq');
  const first = alice.page.locator(`[data-testid="message"][data-seq="${seq}"]`);

  // Bob sees it live, with an unread badge, then reads it: Alice's ticks turn to "read".
  await expect(bob.page.getByTestId('unread-badge')).toHaveText('1');
  await openConversation(bob.page, alice.name);
  await expect(bodies(bob.page)).toHaveText(['Hello Bob!']);
  await expect(first.getByTestId('ticks')).toHaveAttribute('data-state', 'read');
  await expect(bob.page.getByTestId('unread-badge')).toHaveCount(0);

  // Bob types: Alice sees it; then Bob answers.
  await bob.page.getByTestId('composer').fill('Hi Al');
  await expect(alice.page.getByTestId('typing')).toHaveText(`${bob.name} is typing…`);
  await bob.page.getByTestId('composer').fill('Hi Alice, good to see you here.');
  await bob.page.getByTestId('composer').press('Enter');
  await expect(bodies(alice.page)).toHaveText(['Hello Bob!', 'Hi Alice, good to see you here.']);
  await expect(alice.page.getByTestId('typing')).toHaveText('');

  // Alice replies to Bob's message, edits her first one and deletes the reply.
  const bobs = alice.page.getByTestId('message').filter({ hasText: 'good to see you' });
  await bobs.hover();
  await bobs.getByRole('button', { name: 'Reply' }).click();
  await expect(alice.page.getByTestId('replying')).toContainText(bob.name);
  await send(alice.page, 'Likewise!');
  const reply = bob.page.getByTestId('message').filter({ hasText: 'Likewise!' });
  await expect(reply.locator('.reply-quote')).toContainText('good to see you');
  await first.hover();
  await first.getByRole('button', { name: 'Edit' }).click();
  await first.getByRole('textbox', { name: 'Edit message' }).fill('Hello Bob, how are you?');
  await first.getByRole('button', { name: 'Save' }).click();
  const edited = bob.page.getByTestId('message').filter({ hasText: 'Hello Bob, how are you?' });
  await expect(edited.locator('.edited')).toHaveText('edited');
  const mine = alice.page.getByTestId('message').filter({ hasText: 'Likewise!' });
  await mine.hover();
  await mine.getByRole('button', { name: 'Delete' }).click();
  // A few seconds to undo first: Undo keeps it (Bob never loses it), a second Delete goes through.
  await alice.page.getByTestId('undo-delete').getByRole('button', { name: 'Undo' }).click();
  await alice.page.waitForTimeout(6_000);
  await expect(bob.page.getByTestId('messages')).toContainText('Likewise!');
  await mine.hover();
  await mine.getByRole('button', { name: 'Delete' }).click();
  await expect(alice.page.getByTestId('undo-delete')).toContainText('Deleting this message');
  await expect(bob.page.getByTestId('messages')).toContainText('This message was deleted', { timeout: 15_000 });
  await expect(bob.page.getByTestId('messages')).not.toContainText('Likewise!');
  await shoot(alice.page, 'chat-dm-desktop');

  // Alice starts a group with Bob and Carol; all three talk.
  const group = `Trip ${run}`;
  await createGroup(alice, group, [bob, carol]);
  await openConversation(bob.page, group);
  await openConversation(carol.page, group);
  await send(alice.page, 'Welcome to the group');
  await expect(bodies(carol.page)).toHaveText(['Welcome to the group']);
  await send(bob.page, 'Thanks Alice');
  await send(carol.page, 'Hi both');
  const expected = ['Welcome to the group', 'Thanks Alice', 'Hi both'];
  for (const user of [alice, bob, carol]) await expect(bodies(user.page)).toHaveText(expected);
  // Senders are named in groups.
  await expect(alice.page.getByTestId('message').filter({ hasText: 'Hi both' })).toContainText(carol.name);
  await alice.page.getByTestId('details-toggle').click();
  await expect(alice.page.getByTestId('members')).toContainText(carol.name);
  await shoot(alice.page, 'chat-group-desktop');
  await alice.page.getByTestId('details-toggle').click();

  // Bob drops off the network. The app notices (the socket may not close by itself) and says so.
  await bob.context.setOffline(true);
  await expect(bob.page.getByTestId('connection-banner')).toBeVisible({ timeout: 30_000 });
  // What Bob writes meanwhile waits in the outbox, pending.
  await send(bob.page, 'Written while offline');
  await expect(bob.page.getByTestId('message').filter({ hasText: 'Written while offline' }).getByTestId('ticks'))
    .toHaveAttribute('data-state', 'pending');
  await shoot(bob.page, 'chat-offline-desktop');
  const away = ['Away 1', 'Away 2', 'Away 3', 'Away 4'];
  await send(alice.page, away[0]);
  await send(carol.page, away[1]);
  await send(alice.page, away[2]);
  await send(carol.page, away[3]);
  await expect(bodies(alice.page)).toHaveText([...expected, ...away]);

  // Back online: Bob's app reconnects, catches up and delivers his pending message; everyone
  // sees every message exactly once, in the same order.
  await bob.context.setOffline(false);
  await expect(bob.page.getByTestId('connection-banner')).toHaveCount(0, { timeout: 30_000 });
  const all = [...expected, ...away, 'Written while offline'];
  for (const user of [alice, bob, carol]) await expect(bodies(user.page)).toHaveText(all);
  await expect(bob.page.getByTestId('message').filter({ hasText: 'Written while offline' }).getByTestId('ticks'))
    .not.toHaveAttribute('data-state', 'pending');

  // A reload rebuilds the same history from the server.
  await bob.page.reload();
  await expect(bodies(bob.page)).toHaveText(all);

  // Phone width: the list, then one conversation with a back link.
  await bob.page.setViewportSize({ width: 390, height: 844 });
  // An open conversation is full screen at this width: its back link leads to the list.
  await bob.page.getByRole('link', { name: 'Back to conversations' }).click();
  await expect(bob.page.getByTestId('conversations')).toBeVisible();
  await shoot(bob.page, 'chat-list-phone');
  await bob.page.getByTestId('conversations').locator(`li[data-title="${group}"] a`).click();
  await expect(bodies(bob.page)).toHaveText(all);
  await shoot(bob.page, 'chat-group-phone');
  await bob.page.getByRole('link', { name: 'Back to conversations' }).click();
  await expect(bob.page.getByTestId('conversations')).toBeVisible();

  for (const user of [alice, bob, carol]) await user.context.close();
});

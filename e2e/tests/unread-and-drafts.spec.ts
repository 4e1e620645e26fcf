// Unread messages are not skipped, and drafts are kept: a conversation opened with unread
// messages opens at the first of them under a "N new messages" divider (with a control back to
// it), the tab title counts them, and a half-written message stays per conversation across
// switching and reloading, marked "Draft:" in the list until it is sent.
import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import {
  bearerOf,
  befriend,
  bodies,
  nav,
  newUser,
  openConversationId,
  openDm,
  runSuffix,
  send,
  shoot,
  shootWidths,
} from './support';

const run = runSuffix();

/** The body of the message whose whole text is `text`. */
function message(page: Page, text: string) {
  return bodies(page).filter({ hasText: new RegExp(`^${text}$`) });
}

test('a conversation with unread messages opens at the first of them, under a divider', async ({ browser, request }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  await befriend(alice, bob);
  await openDm(bob, alice);
  await send(bob.page, 'Already read');
  const id = openConversationId(bob.page);

  // Alice reads the first message, then goes elsewhere.
  await nav(alice.page, 'Chats').click();
  await alice.page.getByTestId('conversation').filter({ hasText: bob.name }).click();
  await expect(message(alice.page, 'Already read')).toBeVisible();
  await expect(alice.page).toHaveTitle('Confab');
  await nav(alice.page, 'Friends').click();

  const headers = await bearerOf(request, bob);
  for (let n = 1; n <= 40; n++) {
    const sent = await request.post(`/api/v1/conversations/${id}/messages`, {
      headers,
      data: { client_msg_id: randomUUID(), body: `Unread note ${String(n).padStart(2, '0')}` },
    });
    expect(sent.ok()).toBe(true);
  }
  // The tab counts them while Alice is on another page.
  await expect(alice.page).toHaveTitle('(40) Confab');

  await nav(alice.page, 'Chats').click();
  await alice.page.getByTestId('conversation').filter({ hasText: bob.name }).click();
  const divider = alice.page.getByTestId('unread-divider');
  await expect(divider).toHaveText('40 new messages');
  // Opened at the first unread message, near the top of the history, not at the bottom.
  await expect(message(alice.page, 'Unread note 01')).toBeInViewport();
  await expect(message(alice.page, 'Unread note 40')).not.toBeInViewport();
  const list = await alice.page.getByTestId('messages').boundingBox();
  const line = await divider.boundingBox();
  expect(line && list && line.y - list.y).toBeLessThan(120);
  // The divider comes right after the last message read before opening.
  const order = await bodies(alice.page).allTextContents();
  expect(order.indexOf('Unread note 01')).toBe(order.indexOf('Already read') + 1);
  // Being on screen reads them: the title is plain again, and the divider stays.
  await expect(alice.page).toHaveTitle('Confab');
  await expect(divider).toHaveText('40 new messages');

  // At the bottom, the divider is off screen: the control goes back to it.
  await alice.page.getByTestId('jump-latest').click();
  await expect(message(alice.page, 'Unread note 40')).toBeInViewport();
  await expect(divider).not.toBeInViewport();
  const jump = alice.page.getByTestId('jump-unread');
  await expect(jump).toHaveText('Jump to first unread');
  await shoot(alice.page, 'unread-jump-desktop');
  // A message arriving while at the bottom is followed; the divider does not move to it.
  await send(bob.page, 'Arrived while open');
  await expect(message(alice.page, 'Arrived while open')).toBeInViewport();
  await expect(divider).toHaveCount(1);
  await jump.click();
  await expect(divider).toBeInViewport();
  await expect(message(alice.page, 'Unread note 01')).toBeInViewport();
  await expect(jump).toBeHidden();
  await shootWidths(alice.page, 'unread-divider');

  // Leaving the conversation ends the divider: back again, nothing is new.
  await nav(alice.page, 'Friends').click();
  await nav(alice.page, 'Chats').click();
  await alice.page.getByTestId('conversation').filter({ hasText: bob.name }).click();
  await expect(message(alice.page, 'Arrived while open')).toBeInViewport();
  await expect(alice.page.getByTestId('unread-divider')).toHaveCount(0);
  await expect(alice.page.getByTestId('jump-unread')).toHaveCount(0);

  await alice.context.close();
  await bob.context.close();
});

test('more unread messages than a page: the older page is fetched to open at the first', async ({ browser, request }) => {
  const alice = await newUser(browser, 'alice3', run);
  const bob = await newUser(browser, 'bob3', run);
  await befriend(alice, bob);
  await openDm(bob, alice);
  const id = openConversationId(bob.page);
  await nav(alice.page, 'Friends').click();

  // 130 messages: the newest page (100) alone does not reach the first unread one.
  const headers = await bearerOf(request, bob);
  for (let n = 1; n <= 130; n++) {
    const sent = await request.post(`/api/v1/conversations/${id}/messages`, {
      headers,
      data: { client_msg_id: randomUUID(), body: `Backlog ${String(n).padStart(3, '0')}` },
    });
    expect(sent.ok()).toBe(true);
  }
  await expect(alice.page).toHaveTitle('(130) Confab');

  // A reload first, so the history is fetched from the server rather than found in memory.
  await alice.page.reload();
  await nav(alice.page, 'Chats').click();
  await alice.page.getByTestId('conversation').filter({ hasText: bob.name }).click();
  await expect(alice.page.getByTestId('unread-divider')).toHaveText('130 new messages');
  await expect(message(alice.page, 'Backlog 001')).toBeInViewport();
  await expect(message(alice.page, 'Backlog 130')).not.toBeInViewport();
  await expect(alice.page).toHaveTitle('Confab');

  await alice.context.close();
  await bob.context.close();
});

test('a draft is kept per conversation across switching and reloading, until it is sent', async ({ browser }) => {
  const alice = await newUser(browser, 'alice2', run);
  const bob = await newUser(browser, 'bob2', run);
  const carol = await newUser(browser, 'carol2', run);
  await befriend(alice, bob);
  await befriend(alice, carol);
  await openDm(alice, carol);
  await send(alice.page, 'Hello Carol');
  await openDm(alice, bob);
  await send(alice.page, 'Hello Bob');

  // Half a message to Bob, then over to Carol: Bob's line says what waits.
  const composer = alice.page.getByTestId('composer');
  await composer.fill('See you at the station at noon');
  const bobLine = alice.page.getByTestId('conversation').filter({ hasText: bob.name });
  const carolLine = alice.page.getByTestId('conversation').filter({ hasText: carol.name });
  await carolLine.click();
  await expect(alice.page.getByTestId('conversation-title')).toHaveText(carol.name);
  await expect(composer).toHaveValue('');
  await expect(bobLine.getByTestId('conversation-preview')).toHaveText('Draft: See you at the station at noon');
  await expect(carolLine.getByTestId('conversation-preview')).toHaveText('You: Hello Carol');
  // Shot from the list itself, which a phone shows alone.
  await nav(alice.page, 'Chats').click();
  await expect(bobLine.getByTestId('conversation-preview')).toHaveText('Draft: See you at the station at noon');
  await shootWidths(alice.page, 'draft-in-list');

  // Back to Bob: the text is there; and after a reload too, with the list still marking it.
  await bobLine.click();
  await expect(composer).toHaveValue('See you at the station at noon');
  await carolLine.click();
  await alice.page.reload();
  await expect(bobLine.getByTestId('conversation-preview')).toHaveText('Draft: See you at the station at noon');
  await bobLine.click();
  await expect(composer).toHaveValue('See you at the station at noon');

  // Sent, it is no draft any more, here or after another reload.
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
  await expect(bodies(alice.page).filter({ hasText: 'See you at the station at noon' })).toHaveCount(1);
  await carolLine.click();
  await expect(bobLine.getByTestId('conversation-preview')).toHaveText('You: See you at the station at noon');
  await alice.page.reload();
  await expect(bobLine.getByTestId('conversation-preview')).toHaveText('You: See you at the station at noon');
  await bobLine.click();
  await expect(composer).toHaveValue('');

  // Signing out removes the drafts from the browser.
  await composer.fill('Never sent');
  await carolLine.click();
  await expect(bobLine.getByTestId('conversation-preview')).toHaveText('Draft: Never sent');
  await alice.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(alice.page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  const kept = await alice.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('confab.draft.')));
  expect(kept).toEqual([]);

  for (const user of [alice, bob, carol]) await user.context.close();
});

// Unread messages are not skipped: a conversation opened with unread messages opens at the
// first of them under a "N new messages" divider (with a control back to it), and the tab
// title counts them.
import { randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { befriend, bodies, nav, newUser, openDm, runSuffix, send, shootWidths, type User } from './support';

const run = runSuffix();

/** Signs `user` in through the API (newUser's password); its bearer header. */
async function bearer(request: APIRequestContext, user: User): Promise<Record<string, string>> {
  const password = `${user.username.split('_')[0]}-secret-pw`;
  const answer = await request.post('/api/v1/auth/login', { data: { username: user.username, password } });
  expect(answer.status()).toBe(200);
  return { Authorization: `Bearer ${(await answer.json()).access_token}` };
}

/** The id of the conversation open in `page` (its URL is /chat/{id}). */
function openConversation(page: Page): string {
  const id = /\/chat\/([0-9a-f-]{36})/.exec(page.url())?.[1];
  if (!id) throw new Error(`no conversation open at ${page.url()}`);
  return id;
}

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
  const id = openConversation(bob.page);

  // Alice reads the first message, then goes elsewhere.
  await nav(alice.page, 'Chats').click();
  await alice.page.getByTestId('conversation').filter({ hasText: bob.name }).click();
  await expect(message(alice.page, 'Already read')).toBeVisible();
  await expect(alice.page).toHaveTitle('Confab');
  await nav(alice.page, 'Friends').click();

  const headers = await bearer(request, bob);
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

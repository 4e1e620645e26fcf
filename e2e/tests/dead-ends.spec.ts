// No dead ends around friends and blocks: a request can be answered with a block (asked first);
// a stranger's profile offers "Add friend" and "Block", never a "Message" that would fail; and
// in a DM with someone who is no longer a friend the composer says why instead of failing after
// a send. Screenshots at 390 and 1280 px, light and dark.
import { test, expect, type APIRequestContext } from '@playwright/test';
import {
  accessTokenOf,
  befriend,
  createGroup,
  nav,
  newUser,
  openDm,
  runSuffix,
  shootWidths,
  type User,
} from './support';

const run = runSuffix();

async function idOf(request: APIRequestContext, token: string, username: string): Promise<string> {
  const found = await request.get(`/api/v1/users?q=${username}`, { headers: { Authorization: `Bearer ${token}` } });
  const user = (await found.json()).items.find((u: { username: string }) => u.username === username);
  return user.id;
}

test('requests can be blocked, strangers befriended, and a lost friend explained', async ({ browser, request }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  const carol = await newUser(browser, 'carol', run);
  const dave = await newUser(browser, 'dave', run);
  const aliceToken = await accessTokenOf(request, alice);

  // Bob asks; Alice blocks him straight from the request, after a confirmation.
  const bobToken = await accessTokenOf(request, bob);
  const asked = await request.post('/api/v1/friend-requests', {
    headers: { Authorization: `Bearer ${bobToken}` },
    data: { user_id: await idOf(request, bobToken, alice.username) },
  });
  expect(asked.ok()).toBeTruthy();
  await nav(alice.page, 'Requests').click();
  const incoming = alice.page.getByTestId('incoming').locator(`li[data-username="${bob.username}"]`);
  await incoming.getByRole('button', { name: 'Block' }).click();
  const dialog = alice.page.getByRole('alertdialog', { name: `Block ${bob.name}?` });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shootWidths(alice.page, 'dead-ends-block-request');
  await dialog.getByRole('button', { name: 'Block' }).click();
  await expect(alice.page.getByRole('status')).toContainText(`Blocked ${bob.name}`);
  await expect(incoming).toHaveCount(0);
  await nav(alice.page, 'Blocked').click();
  await expect(alice.page.locator(`li[data-username="${bob.username}"]`)).toBeVisible();

  // A stranger's profile: "Add friend" and "Block", no "Message".
  await alice.page.goto(`/users/${await idOf(request, aliceToken, carol.username)}`);
  await expect(alice.page.getByRole('heading', { name: carol.name })).toBeVisible();
  await expect(alice.page.getByRole('button', { name: 'Message' })).toHaveCount(0);
  await shootWidths(alice.page, 'dead-ends-stranger');
  await alice.page.getByRole('button', { name: 'Add friend' }).click();
  await expect(alice.page.getByRole('status')).toContainText(`Friend request sent to ${carol.name}`);

  // A friend's profile offers "Message".
  await befriend(alice, dave);
  await alice.page.goto(`/users/${await idOf(request, aliceToken, dave.username)}`);
  await expect(alice.page.getByRole('button', { name: 'Message' })).toBeVisible();

  // Dave unfriends Alice: her open DM with him says why she cannot write, live.
  await openDm(alice, dave);
  await expect(alice.page.getByTestId('composer')).toBeVisible();
  await nav(dave.page, 'Friends').click();
  await dave.page.locator(`li[data-username="${alice.username}"]`).getByRole('button', { name: 'Unfriend' }).click();
  await dave.page.getByRole('alertdialog', { name: `Unfriend ${alice.name}?` }).getByRole('button', { name: 'Unfriend' }).click();
  const closed = alice.page.getByTestId('composer-closed');
  await expect(closed).toContainText(`You can't write to ${dave.name} here`);
  await expect(alice.page.getByTestId('composer')).toHaveCount(0);
  await shootWidths(alice.page, 'dead-ends-lost-friend');
});

test('leaving a group asks first, and Cancel keeps you in it', async ({ browser }) => {
  const alice = await newUser(browser, 'ann', run);
  const bob = await newUser(browser, 'ben', run);
  await befriend(alice, bob);
  const title = `Leavers ${run}`;
  await createGroup(alice, title, [bob]);
  await nav(bob.page, 'Chats').click();
  await bob.page.getByTestId('conversations').locator(`li[data-title="${title}"] a`).click();
  await bob.page.getByTestId('details-toggle').click();
  await bob.page.getByRole('button', { name: 'Leave group' }).click();
  const asking = bob.page.getByRole('alertdialog', { name: `Leave “${title}”?` });
  await expect(asking.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await asking.getByRole('button', { name: 'Cancel' }).click();
  await expect(bob.page.getByTestId('conversation-title')).toHaveText(title);
  await bob.page.getByRole('button', { name: 'Leave group' }).click();
  await asking.getByRole('button', { name: 'Leave group' }).click();
  await expect(bob.page.getByTestId('conversations').locator(`li[data-title="${title}"]`)).toHaveCount(0);
  await expect(alice.page.getByTestId('conversation-line').filter({ hasText: `${bob.name} left` })).toHaveCount(1);
});

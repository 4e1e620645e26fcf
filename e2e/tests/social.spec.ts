// Accounts and friends in the real app: people sign up, find each other, send, accept and
// decline friend requests, and see each other in their friends lists. Screenshots of each page
// in light and dark themes go to artifacts/.
import { test, expect, type Page } from '@playwright/test';
import { nav, newUser, runSuffix, shoot as shootThemes } from './support';

const run = runSuffix();

/** This spec's screenshots are full-page, and leave the page in the dark theme. */
function shoot(page: Page, name: string) {
  return shootThemes(page, name, { fullPage: true, backToLight: false });
}

test('sign-up shows rule and server errors beside the fields', async ({ page, request }) => {
  await page.goto('/signup');
  await page.getByLabel('Username').fill('x');
  await page.getByLabel('Display name').fill('X');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#field-username-error')).toContainText('3 to 32 characters');
  await expect(page.locator('#field-password-error')).toContainText('At least 8 characters');
  await shoot(page, 'signup-errors');

  // A taken username is only known to the server; its answer lands beside the field.
  const taken = `taken_${run}`;
  const created = await request.post('/api/v1/auth/register', {
    data: { username: taken, display_name: 'Taken', password: 'taken-password' },
  });
  expect(created.status()).toBe(201);
  await page.getByLabel('Username').fill(taken.toUpperCase());
  await page.getByLabel('Password').fill('long-enough-pw');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#field-username-error')).toContainText('This username is taken');
  await page.goto('/signin');
  await page.getByLabel('Username').fill('nobody_here');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong username or password' })).toBeVisible();
  await shoot(page, 'signin-error');
});

test('two people befriend each other and a third is declined', async ({ browser }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run, 'dark');
  const carol = await newUser(browser, 'carol', run);

  // Alice finds Bob and asks.
  await nav(alice.page, 'Find people').click();
  await alice.page.getByRole('searchbox', { name: 'Search people' }).fill(bob.username.slice(0, 5));
  await alice.page.getByRole('button', { name: 'Search' }).click();
  const bobRow = alice.page.locator(`li[data-username="${bob.username}"]`);
  await expect(bobRow).toBeVisible();
  await shoot(alice.page, 'people');
  await bobRow.getByRole('button', { name: 'Add friend' }).click();
  await expect(alice.page.getByRole('status')).toContainText('Friend request sent');

  // Alice asks Carol too.
  await alice.page.getByRole('searchbox', { name: 'Search people' }).fill(carol.username);
  await alice.page.getByRole('button', { name: 'Search' }).click();
  await alice.page.locator(`li[data-username="${carol.username}"]`).getByRole('button', { name: 'Add friend' }).click();
  await expect(alice.page.getByRole('status')).toContainText(`Friend request sent to Carol`);

  // Bob sees a request waiting, and accepts it.
  await bob.page.reload();
  await expect(bob.page.getByTestId('requests-badge')).toHaveText('1');
  await nav(bob.page, 'Requests').click();
  const incoming = bob.page.getByTestId('incoming').locator(`li[data-username="${alice.username}"]`);
  await expect(incoming).toBeVisible();
  await shoot(bob.page, 'requests');
  await incoming.getByRole('button', { name: 'Accept' }).click();
  await expect(bob.page.getByRole('status')).toContainText('are friends now');
  await expect(bob.page.getByTestId('requests-badge')).toHaveCount(0);

  // Carol, the third, declines Alice's request; it is gone on both sides.
  await nav(carol.page, 'Requests').click();
  const fromAlice = carol.page.getByTestId('incoming').locator(`li[data-username="${alice.username}"]`);
  await expect(fromAlice).toBeVisible();
  await fromAlice.getByRole('button', { name: 'Decline' }).click();
  await expect(carol.page.getByRole('status')).toContainText('Declined');
  await expect(fromAlice).toHaveCount(0);
  await nav(alice.page, 'Requests').click();
  await expect(alice.page.getByText('You have no pending requests.')).toBeVisible();

  // Both friends lists show the other; Carol's does not show Alice.
  await nav(alice.page, 'Friends').click();
  await expect(alice.page.getByTestId('friends').locator(`li[data-username="${bob.username}"]`)).toBeVisible();
  await shoot(alice.page, 'friends');
  // A friend's name opens their public profile.
  await alice.page.getByTestId('friends').locator(`li[data-username="${bob.username}"] a.user-names`).click();
  await expect(alice.page.getByRole('heading', { name: `Bob ${run}` })).toBeVisible();
  await expect(alice.page.getByText(`@${bob.username}`)).toBeVisible();
  await shoot(alice.page, 'profile');
  await nav(alice.page, 'Friends').click();
  await nav(bob.page, 'Friends').click();
  await expect(bob.page.getByTestId('friends').locator(`li[data-username="${alice.username}"]`)).toBeVisible();
  await nav(carol.page, 'Friends').click();
  await expect(carol.page.getByText('No friends yet.')).toBeVisible();

  // The session survives a reload (refresh cookie), and the settings page lists this device.
  await alice.page.reload();
  await expect(alice.page.getByTestId('friends').locator(`li[data-username="${bob.username}"]`)).toBeVisible();
  await alice.page.getByRole('link', { name: 'Settings' }).click();
  await expect(alice.page.getByTestId('sessions')).toContainText('This device');
  await shoot(alice.page, 'settings');

  // Blocking from the friends list moves Bob to the blocked page.
  await nav(alice.page, 'Friends').click();
  await alice.page.locator(`li[data-username="${bob.username}"]`).getByRole('button', { name: 'Block' }).click();
  // It asks first; Cancel keeps the friendship.
  const asking = alice.page.getByRole('alertdialog', { name: `Block ${bob.name}?` });
  await asking.getByRole('button', { name: 'Cancel' }).click();
  await expect(asking).toHaveCount(0);
  await expect(alice.page.locator(`li[data-username="${bob.username}"]`)).toBeVisible();
  await alice.page.locator(`li[data-username="${bob.username}"]`).getByRole('button', { name: 'Block' }).click();
  await asking.getByRole('button', { name: 'Block' }).click();
  await expect(alice.page.getByRole('status')).toContainText('Blocked');
  await nav(alice.page, 'Blocked').click();
  await expect(alice.page.getByTestId('blocked').locator(`li[data-username="${bob.username}"]`)).toBeVisible();
  await shoot(alice.page, 'blocked');

  // Phone width.
  await alice.page.setViewportSize({ width: 390, height: 844 });
  await nav(alice.page, 'Friends').click();
  await shoot(alice.page, 'friends-phone');

  // Signing out returns to sign-in; protected pages redirect there.
  await alice.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(alice.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await alice.page.goto('/friends');
  await expect(alice.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  for (const user of [alice, bob, carol]) await user.context.close();
});

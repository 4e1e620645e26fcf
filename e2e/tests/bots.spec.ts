// Bots and API tokens in the real app: a person creates a bot in the settings (a taken
// username is refused beside its field), makes a token for it (the secret shown once), adds the
// bot as a friend (it accepts at once) and opens a DM with it; the test then acts as the bot
// with plain HTTP and `Authorization: Bearer cfb_…`, and the person sees its messages with the
// "BOT" badge (DM header, conversation list, friends, a group's author line and members). The
// token is revoked in the UI and the API refuses it. Screenshots at 390 and 1280 px, light and
// dark.
import { randomUUID } from 'node:crypto';
import { test, expect, type Page } from '@playwright/test';
import { bodies, createGroup, nav, newUser, openConversationId, runSuffix, shootWidths, type User } from './support';

const run = runSuffix();

/** Sends `body` into conversation `id` as whoever `token` belongs to; returns the status. */
async function sendAs(page: Page, token: string, id: string, body: string): Promise<number> {
  const answer = await page.request.post(`/api/v1/conversations/${id}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { client_msg_id: randomUUID(), body },
  });
  return answer.status();
}

test('a bot made in the settings talks through its token, badged, until the token is revoked', async ({ browser }) => {
  const owner = await newUser(browser, 'robin', run);
  const page = owner.page;
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.locator('#bots');
  await expect(section.getByRole('heading', { name: 'Bots and API tokens' })).toBeVisible();
  await expect(section.getByText('No bots yet.')).toBeVisible();

  // A taken username is refused beside its field, and nothing is created.
  await section.getByLabel('Bot username').fill(owner.username);
  await section.getByLabel('Bot display name').fill('Helper');
  await section.getByRole('button', { name: 'Create bot' }).click();
  await expect(section.locator('#field-bot_username-error')).toContainText('taken');
  await expect(section.getByLabel('Bot username')).toHaveAttribute('aria-invalid', 'true');
  await expect(section.getByText('No bots yet.')).toBeVisible();

  const bot: User = { context: owner.context, page, username: `helper_${run}`, name: `Helper ${run}` };
  await section.getByLabel('Bot username').fill(bot.username);
  await section.getByLabel('Bot display name').fill(bot.name);
  await section.getByLabel('Description').first().fill('Answers questions about opening hours.');
  await section.getByRole('button', { name: 'Create bot' }).click();
  const row = section.locator(`li[data-username="${bot.username}"]`);
  await expect(row).toContainText(bot.name);
  await expect(row.getByTestId('bot-badge')).toHaveText('BOT');
  await expect(row).toContainText('Answers questions about opening hours.');

  // Edited in place: an empty name is refused beside its field; a new description is kept.
  await row.getByRole('button', { name: `Edit ${bot.name}` }).click();
  await row.getByLabel('Display name').fill('');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(row.getByLabel('Display name')).toHaveAttribute('aria-invalid', 'true');
  await expect(row.locator('.bot-edit .field-message').first()).not.toBeEmpty();
  await row.getByLabel('Display name').fill(bot.name);
  await row.getByLabel('Description').fill('Answers questions about opening hours, in English and French.');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(row.locator('.bot-edit')).toHaveCount(0);
  await expect(row).toContainText('in English and French.');

  // A token for the bot: read and send (checked by default), no expiry.
  await section.getByLabel('Token name').fill('e2e helper');
  await section.getByLabel('Acts as').selectOption({ label: `${bot.name} (bot)` });
  await expect(section.getByLabel(/^Read/)).toBeChecked();
  await expect(section.getByLabel(/^Send/)).toBeChecked();
  await expect(section.getByLabel(/^Manage/)).not.toBeChecked();
  await section.getByRole('button', { name: 'Create token' }).click();
  const fresh = section.getByTestId('new-token');
  await expect(fresh).toContainText('you won’t see it again');
  const token = (await fresh.getByTestId('new-token-secret').textContent())?.trim() ?? '';
  expect(token).toMatch(/^cfb_[0-9A-Za-z]{40,}$/);
  const listed = section.locator('li[data-name="e2e helper"]');
  await expect(listed).toContainText(bot.name);
  await expect(listed.getByTestId('bot-badge')).toBeVisible();
  await expect(listed).toContainText('Read');
  await expect(listed).toContainText('Send');
  await expect(listed).toContainText('Never used');
  await expect(listed).toContainText('No expiry');
  await shootWidths(page, 'bots-settings', () => section);
  await fresh.getByRole('button', { name: 'I have copied it' }).click();
  await expect(fresh).toHaveCount(0);
  // The secret is nowhere on the page any more.
  await expect(page.getByText(token)).toHaveCount(0);

  // The owner adds the bot like a friend; it accepts at once.
  await nav(page, 'Find people').click();
  await page.getByRole('searchbox', { name: 'Search people' }).fill(bot.username);
  await page.getByRole('button', { name: 'Search' }).click();
  const found = page.locator(`li[data-username="${bot.username}"]`);
  await expect(found.getByTestId('bot-badge')).toBeVisible();
  await found.getByRole('button', { name: 'Add friend' }).click();
  await expect(page.getByRole('status')).toContainText(`You added the bot ${bot.name}`);

  await nav(page, 'Friends').click();
  const friend = page.locator(`li[data-username="${bot.username}"]`);
  await expect(friend.getByTestId('bot-badge')).toHaveText('BOT');
  await friend.getByRole('button', { name: 'Message' }).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(bot.name);
  await expect(page.locator('.conversation-head').getByTestId('bot-badge')).toBeVisible();
  const dm = openConversationId(page);

  // The program, as the bot: plain HTTP with the token.
  expect(await sendAs(page, token, dm, 'Hello! We open at 9.')).toBe(201);
  await expect(bodies(page).last()).toHaveText('Hello! We open at 9.');
  const listItem = page.locator(`[data-testid="conversation"][data-title="${bot.name}"]`);
  await expect(listItem.getByTestId('bot-badge')).toBeVisible();
  await shootWidths(page, 'bots-dm');

  // In a group the bot's messages carry the badge on their author line, and so does its row
  // among the members.
  await createGroup(owner, `Help desk ${run}`, [bot]);
  const group = openConversationId(page);
  expect(await sendAs(page, token, group, 'Ask me anything.')).toBe(201);
  const message = page.getByTestId('message').filter({ hasText: 'Ask me anything.' });
  await expect(message.locator('.sender')).toHaveText(`${bot.name}BOT`);
  await expect(message.locator('.sender').getByTestId('bot-badge')).toBeVisible();
  await page.getByTestId('details-toggle').click();
  await expect(page.getByTestId('members').locator(`li[data-username="${bot.username}"]`).getByTestId('bot-badge')).toBeVisible();
  await shootWidths(page, 'bots-group');
  await page.getByTestId('details-toggle').click();

  // The token was used: the list says when.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(listed).toContainText('Last used');

  // Revoking asks first; "Cancel" keeps the token.
  await listed.getByRole('button', { name: 'Revoke e2e helper…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Revoke the token “e2e helper”?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shootWidths(page, 'bots-revoke');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect(await sendAs(page, token, dm, 'Still here.')).toBe(201);

  await listed.getByRole('button', { name: 'Revoke e2e helper…' }).click();
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await expect(listed).toHaveCount(0);
  await expect(section.getByText('No live tokens.')).toBeVisible();

  // The API refuses the revoked token, and nothing was stored.
  expect(await sendAs(page, token, dm, 'You should never see this.')).toBe(401);
  const me = await page.request.get('/api/v1/users/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(401);
  await page.goto(`/chat/${dm}`);
  await expect(bodies(page).last()).toHaveText('Still here.');
  await expect(page.getByText('You should never see this.')).toHaveCount(0);

  // A token of one's own with a last day: a past day is refused beside the field, a future one
  // is listed with its end.
  await page.getByRole('link', { name: 'Settings' }).click();
  await section.getByLabel('Token name').fill('nightly export');
  await section.getByLabel('Acts as').selectOption({ label: `Me (@${owner.username})` });
  await section.getByLabel('Last day (optional)').fill('2020-01-01');
  await section.getByRole('button', { name: 'Create token' }).click();
  await expect(section.locator('#field-token-expiry-message')).toContainText('future');
  await expect(section.getByLabel('Last day (optional)')).toHaveAttribute('aria-invalid', 'true');
  await section.getByLabel('Last day (optional)').fill('2030-01-15');
  await section.getByRole('button', { name: 'Create token' }).click();
  await expect(section.getByTestId('new-token')).toContainText('“nightly export” created');
  const own = section.locator('li[data-name="nightly export"]');
  await expect(own).toContainText(`You (@${owner.username})`);
  await expect(own).toContainText('Expires 15 Jan 2030, 23:59');
  await expect(own.getByTestId('bot-badge')).toHaveCount(0);

  // Deleting the bot asks first too.
  await row.getByRole('button', { name: `Delete ${bot.name}…` }).click();
  const remove = page.getByRole('alertdialog', { name: `Delete the bot ${bot.name}?` });
  await remove.getByRole('button', { name: 'Delete bot' }).click();
  await expect(row).toHaveCount(0);
  await expect(section.getByText('No bots yet.')).toBeVisible();
  await expect(own).toBeVisible();
});

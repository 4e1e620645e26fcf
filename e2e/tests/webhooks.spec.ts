// A bot owner's tools in the real app: a picture chosen for a bot in Settings shows on the bot
// in a conversation; a group admin creates an incoming webhook in the group's details panel
// (its secret URL shown once, with a curl example), the test POSTs to that URL with plain HTTP
// and no token, and the message appears live under the name it gave; revoking the webhook in
// the UI makes the next POST a 404; a plain member never sees the section; and an outgoing
// subscription created in Settings is listed with its health, then deleted. Screenshots at 390
// and 1280 px, light and dark.
import { deflateSync } from 'node:zlib';
import { test, expect, request, type Locator } from '@playwright/test';
import { befriend, bodies, createGroup, nav, newUser, runSuffix, shootWidths } from './support';

const run = runSuffix();

/** CRC-32 as PNG chunks need it (Node 20 has no zlib.crc32). */
function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `size`×`size` RGB PNG of rings, so a broken or blank picture shows in the screenshots. */
function robotPicture(size: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter method, no interlace
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < size; x++) {
      const ring = Math.floor(Math.hypot(x - size / 2, y - size / 2) / (size / 8)) % 2;
      rows.push(ring ? 250 : 30, ring ? 170 : 140, ring ? 40 : 200);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Whether the picture `img` has loaded real pixels. */
async function loaded(img: Locator) {
  return img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0);
}

test('a bot gets a picture, an incoming webhook posts live until revoked, and a subscription is listed', async ({ browser }) => {
  test.setTimeout(120_000);
  const owner = await newUser(browser, 'wanda', run);
  const member = await newUser(browser, 'milo', run);
  await befriend(owner, member);
  const page = owner.page;

  // A bot, and a picture for it chosen in Settings.
  await page.getByRole('link', { name: 'Settings' }).click();
  const bots = page.locator('#bots');
  const botUsername = `deploybot_${run}`;
  const botName = `Deploy bot ${run}`;
  await bots.getByLabel('Bot username').fill(botUsername);
  await bots.getByLabel('Bot display name').fill(botName);
  await bots.getByRole('button', { name: 'Create bot' }).click();
  const row = bots.locator(`li[data-username="${botUsername}"]`);
  await expect(row).toContainText(botName);
  const picker = row.getByRole('group', { name: `Picture of ${botName}` });
  await expect(picker.getByRole('button', { name: 'Choose a photo' })).toBeVisible();
  await row.getByTestId('photo-input').setInputFiles([{ name: 'bot.png', mimeType: 'image/png', buffer: robotPicture(160) }]);
  await expect(row.getByRole('button', { name: 'Change photo' })).toBeVisible();
  await expect.poll(() => loaded(row.locator('.user-row img.avatar'))).toBe(true);
  await shootWidths(page, 'webhooks-bot-picture', () => row);

  // The owner adds the bot; its picture shows in their DM's header and in the list.
  await nav(page, 'Find people').click();
  await page.getByRole('searchbox', { name: 'Search people' }).fill(botUsername);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator(`li[data-username="${botUsername}"]`).getByRole('button', { name: 'Add friend' }).click();
  await expect(page.getByRole('status')).toContainText(`You added the bot ${botName}`);
  await nav(page, 'Friends').click();
  await page.locator(`li[data-username="${botUsername}"]`).getByRole('button', { name: 'Message' }).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(botName);
  const face = page.locator('.conversation-head img.avatar');
  await expect(face).toHaveAttribute('src', /[?&]access=/);
  await expect.poll(() => loaded(face)).toBe(true);
  await expect.poll(() => loaded(page.locator(`[data-testid="conversation"][data-title="${botName}"] img.avatar`))).toBe(true);
  await shootWidths(page, 'webhooks-bot-dm');

  // An incoming webhook, made by the group's owner in its details panel.
  const group = `Deploys ${run}`;
  await createGroup(owner, group, [member]);
  await page.getByTestId('details-toggle').click();
  const panel = page.getByTestId('members-panel');
  const section = panel.getByTestId('webhooks');
  await expect(section.getByRole('heading', { name: 'Webhooks' })).toBeVisible();
  await expect(section.getByText('No webhooks yet.')).toBeVisible();
  await section.getByRole('button', { name: 'Create webhook' }).click();
  await expect(section.getByRole('alert')).toContainText('Give the webhook a name');
  await section.getByLabel('Webhook name').fill('Deploys');
  await section.getByRole('button', { name: 'Create webhook' }).click();
  const fresh = section.getByTestId('new-webhook');
  await expect(fresh).toContainText('you won’t see it again');
  const url = (await fresh.getByTestId('new-webhook-secret').textContent())?.trim() ?? '';
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/hooks\/[0-9a-f-]{36}\/\S+$/);
  await expect(fresh.getByTestId('webhook-example')).toContainText(`curl -X POST '${url}'`);
  await expect(fresh.getByRole('button', { name: 'Copy URL' })).toBeVisible();
  const listed = section.locator('li[data-name="Deploys"]');
  await expect(listed).toContainText('Made by you');
  // The panel is rebuilt when the group changes (here its description): the URL, shown only
  // once, stays until it is dismissed.
  // The rebuilt section reads its webhooks again: that request shows the rebuild happened.
  const reread = page.waitForResponse(
    (r) => r.request().method() === 'GET' && new URL(r.url()).pathname.endsWith('/webhooks'),
  );
  await panel.getByTestId('description-input').fill('Where deploys are announced');
  await panel.getByRole('button', { name: 'Save description' }).click();
  await reread;
  await expect(section.locator('li[data-name="Deploys"]')).toBeVisible();
  await expect(fresh.getByTestId('new-webhook-secret')).toHaveText(url);
  await shootWidths(page, 'webhooks-incoming-created', () => section);

  // The member opens the group too, to see the post arrive live.
  await nav(member.page, 'Chats').click();
  await member.page.locator(`[data-testid="conversation"][data-title="${group}"] a.conversation-link`).click();
  await expect(member.page.getByTestId('conversation-title')).toHaveText(group);

  // A program posts with plain HTTP: no token, no cookie; the URL is the credential.
  const outsider = await request.newContext();
  const posted = await outsider.post(url, { data: { body: 'deploy finished', username: 'CI' } });
  expect(posted.status()).toBe(201);
  for (const who of [owner, member]) {
    await expect(bodies(who.page).last()).toHaveText('deploy finished');
    const message = who.page.getByTestId('message').filter({ hasText: 'deploy finished' });
    await expect(message.locator('.sender')).toContainText('CI');
    // The list's preview names the message the same way.
    await expect(who.page.locator(`[data-testid="conversation"][data-title="${group}"]`)).toContainText('CI: deploy finished');
  }
  await shootWidths(member.page, 'webhooks-incoming-message');

  // A plain member has no webhooks section (the server would refuse them anyway).
  await member.page.getByTestId('details-toggle').click();
  const theirPanel = member.page.getByTestId('members-panel');
  await expect(theirPanel.getByTestId('members').locator(`li[data-username="${member.username}"]`)).toBeVisible();
  await expect(theirPanel.getByTestId('webhooks')).toHaveCount(0);
  await expect(theirPanel.getByText('Webhooks')).toHaveCount(0);

  // Revoking asks first; after it the URL is refused and nothing more is stored.
  await fresh.getByRole('button', { name: 'I have copied it' }).click();
  await expect(fresh).toHaveCount(0);
  await expect(page.getByText(url)).toHaveCount(0);
  await listed.getByRole('button', { name: 'Revoke Deploys…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Revoke the webhook “Deploys”?' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shootWidths(page, 'webhooks-incoming-revoke');
  await dialog.getByRole('button', { name: 'Revoke webhook' }).click();
  await expect(listed).toHaveCount(0);
  await expect(section.getByText('No webhooks yet.')).toBeVisible();
  const refused = await outsider.post(url, { data: { body: 'after the revocation', username: 'CI' } });
  expect(refused.status()).toBe(404);
  await outsider.dispose();
  await expect(bodies(page).last()).toHaveText('deploy finished');

  // An outgoing subscription in Settings: listed with its health, its secret shown once.
  await page.getByRole('link', { name: 'Settings' }).click();
  const subscriptions = page.locator('#webhooks');
  await expect(subscriptions.getByRole('heading', { name: 'Webhook subscriptions' })).toBeVisible();
  await expect(subscriptions.getByTestId('bot-subscription-help')).toContainText('bot’s own API token');
  await expect(subscriptions.getByText('No subscriptions.')).toBeVisible();
  const target = 'https://hooks.example.com/confab';
  await subscriptions.getByLabel('HTTPS URL').fill('http://hooks.example.com/confab');
  await subscriptions.getByRole('button', { name: 'Subscribe' }).click();
  await expect(subscriptions.getByLabel('HTTPS URL')).toHaveAttribute('aria-invalid', 'true');
  await expect(subscriptions.getByText('No subscriptions.')).toBeVisible();
  await subscriptions.getByLabel('HTTPS URL').fill(target);
  await expect(subscriptions.getByLabel(/^Messages/)).toBeChecked();
  await subscriptions.getByLabel(/^Mentions/).check();
  await subscriptions.getByRole('button', { name: 'Subscribe' }).click();
  const secret = subscriptions.getByTestId('new-subscription');
  await expect(secret.getByTestId('new-subscription-secret')).toHaveText(/^whsec_\S+$/);
  const subscription = subscriptions.locator(`li[data-url="${target}"]`);
  await expect(subscription).toContainText('Messages');
  await expect(subscription).toContainText('Mentions');
  await expect(subscription.getByTestId('subscription-health')).toHaveText('Active');
  await shootWidths(page, 'webhooks-subscriptions', () => subscriptions);
  await secret.getByRole('button', { name: 'I have copied it' }).click();
  await expect(secret).toHaveCount(0);

  await subscription.getByRole('button', { name: `Delete the subscription to ${target}…` }).click();
  const remove = page.getByRole('alertdialog', { name: `Delete the subscription to ${target}?` });
  await remove.getByRole('button', { name: 'Delete subscription' }).click();
  await expect(subscription).toHaveCount(0);
  await expect(subscriptions.getByText('No subscriptions.')).toBeVisible();

  await owner.context.close();
  await member.context.close();
});

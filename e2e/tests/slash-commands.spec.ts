// Slash commands in the web app: a person makes a bot and a token for it through the API, adds
// it as a friend and starts a group with it and a second person; the test, acting as the bot
// with plain HTTP and its `cfb_` token, declares /faq and /ticket. The composer suggests them
// as "/" and "/f" are typed, the keyboard picks one, sending invokes it (everyone sees the
// "used /faq shipping" line), and the bot's ephemeral answer reaches the invoker only, below
// that line, until dismissed or reloaded away. Over-long arguments are refused with the text
// kept; a "/word" that is no command is sent as a message. Screenshots of the suggestions and
// of the answer at 390 and 1280 px, light and dark.
import { randomUUID } from 'node:crypto';
import { test, expect } from '@playwright/test';
import {
  bearerOf,
  befriend,
  bodies,
  createGroup,
  nav,
  newUser,
  openConversationId,
  runSuffix,
  shootWidths,
  type User,
} from './support';

const run = runSuffix();

test('the composer suggests and invokes a bot’s slash commands; its ephemeral answer reaches the invoker only', async ({
  browser,
  request,
}) => {
  const ann = await newUser(browser, 'ann', run);
  const bea = await newUser(browser, 'bea', run);
  await befriend(ann, bea);

  // Ann makes the bot and a token for it through the API, and adds it (a bot accepts at once).
  const asAnn = await bearerOf(request, ann);
  const made = await request.post('/api/v1/bots', {
    headers: asAnn,
    data: { username: `desk_${run}`, display_name: `Desk ${run}`, description: 'Answers support questions' },
  });
  expect(made.status()).toBe(201);
  const botUser = (await made.json()).user;
  const minted = await request.post('/api/v1/tokens', {
    headers: asAnn,
    data: { name: 'slash commands', scopes: ['read', 'send', 'manage'], bot_id: botUser.id },
  });
  expect(minted.status()).toBe(201);
  const token: string = (await minted.json()).token;
  expect(token).toMatch(/^cfb_/);
  const asBot = { Authorization: `Bearer ${token}` };
  const added = await request.post('/api/v1/friend-requests', { headers: asAnn, data: { user_id: botUser.id } });
  expect(added.ok()).toBeTruthy();
  const bot: User = { context: ann.context, page: ann.page, username: botUser.username, name: botUser.display_name };

  const title = `Support ${run}`;
  await createGroup(ann, title, [bot, bea]);
  const group = openConversationId(ann.page);

  // The program, as the bot: its commands in the group.
  const declared = await request.put(`/api/v1/conversations/${group}/commands`, {
    headers: asBot,
    data: {
      commands: [
        { name: 'ticket', description: 'Opens a support ticket with a person' },
        { name: 'faq', description: 'Answers a frequent question: shipping, returns, payment' },
      ],
    },
  });
  expect(declared.status()).toBe(204);

  // Bea has the group open too.
  await nav(bea.page, 'Chats').click();
  await bea.page.locator(`[data-testid="conversation"][data-title="${title}"]`).click();
  await expect(bea.page.getByTestId('conversation-title')).toHaveText(title);

  // "/" offers both commands (alphabetically), each with what it does and which bot answers.
  const page = ann.page;
  const composer = page.getByTestId('composer');
  const picker = page.getByRole('listbox', { name: 'Slash commands' });
  const options = picker.getByRole('option');
  await composer.pressSequentially('/');
  await expect(options).toHaveCount(2);
  await expect(options.nth(0)).toContainText('/faq');
  await expect(options.nth(0)).toContainText('Answers a frequent question');
  await expect(options.nth(1)).toContainText('/ticket');
  await expect(options.nth(1)).toContainText('Opens a support ticket');
  await expect(options.nth(0)).toContainText(`Desk ${run}`);
  await expect(options.nth(0).getByTestId('bot-badge')).toHaveText('BOT');
  await expect(composer).toHaveAttribute('aria-controls', 'command-list');
  await expect(composer).toHaveAttribute('aria-expanded', 'true');
  await expect(composer).toHaveAttribute('aria-activedescendant', 'command-0');
  await expect(options.nth(0)).toHaveAttribute('aria-selected', 'true');
  // The arrow keys move the choice (and wrap), the composer keeping the focus.
  await composer.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(composer).toHaveAttribute('aria-activedescendant', 'command-1');
  await composer.press('ArrowDown');
  await expect(options.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(composer).toBeFocused();
  await shootWidths(page, 'slash-picker');
  // Escape closes the list and leaves the text.
  await composer.press('Escape');
  await expect(picker).toHaveCount(0);
  await expect(composer).toHaveValue('/');

  // A click (a tap on a phone) picks too, and the composer keeps the focus.
  await composer.pressSequentially('t');
  await expect(options).toHaveCount(1);
  await options.filter({ hasText: '/ticket' }).click();
  await expect(composer).toHaveValue('/ticket ');
  await expect(composer).toBeFocused();
  await composer.fill('');

  // "/f" narrows to /faq; Tab picks it and leaves room for the arguments.
  await composer.pressSequentially('/f');
  await expect(options).toHaveCount(1);
  await expect(options).toContainText('/faq');
  await composer.press('Tab');
  await expect(composer).toHaveValue('/faq ');
  await expect(picker).toHaveCount(0);
  await expect(composer).toBeFocused();
  await composer.pressSequentially('shipping');
  await composer.press('Enter');
  await expect(composer).toHaveValue('');

  // Everyone sees the invocation as a line, and no message was sent.
  await expect(page.getByTestId('conversation-line').filter({ hasText: 'You used /faq shipping' })).toBeVisible();
  const line = bea.page.getByTestId('conversation-line').filter({ hasText: `Ann ${run} used /faq shipping` });
  await expect(line).toBeVisible();
  await expect(bodies(page)).toHaveCount(0);

  // The bot finds the invocation in the group's log and answers Ann alone.
  const log = await request.get(`/api/v1/conversations/${group}/events?after_seq=0`, { headers: asBot });
  expect(log.status()).toBe(200);
  const invoked = (await log.json()).items.find(
    (e: { kind: { type: string; command?: string } }) => e.kind.type === 'command_invoked' && e.kind.command === 'faq',
  );
  expect(invoked?.kind.args).toBe('shipping');
  const seq: number = invoked.seq;
  const reply = (body: string) =>
    request.post(`/api/v1/conversations/${group}/commands/invocations/${seq}/reply`, { headers: asBot, data: { body } });
  const shipping = 'We ship **worldwide** in 3 to 5 working days.\n\n- Free above 50 €\n- Tracked';
  expect((await reply(shipping)).status()).toBe(204);

  // Ann sees it right below her invocation: the bot's name and badge, formatted, only hers.
  const answer = page.getByTestId('ephemeral');
  await expect(answer).toHaveCount(1);
  await expect(answer).toContainText('Only visible to you');
  await expect(answer.locator('.sender')).toHaveText(`Desk ${run}BOT`);
  await expect(answer.getByTestId('ephemeral-body').locator('strong')).toHaveText('worldwide');
  await expect(answer.getByTestId('ephemeral-body').locator('li')).toHaveText(['Free above 50 €', 'Tracked']);
  await expect(page.locator(`[data-testid="conversation-line"][data-seq="${seq}"] + [data-testid="ephemeral"]`)).toBeVisible();
  // It is no message: nothing unread anywhere.
  await expect(page.locator(`[data-testid="conversation"][data-title="${title}"]`).getByTestId('unread')).toHaveCount(0);
  await shootWidths(page, 'slash-ephemeral');

  // Bea never gets it: a message the bot sends afterwards reaches her, the answer does not.
  const later = await request.post(`/api/v1/conversations/${group}/messages`, {
    headers: asBot,
    data: { client_msg_id: randomUUID(), body: 'Anyone else need help?' },
  });
  expect(later.status()).toBe(201);
  await expect(bodies(bea.page).last()).toHaveText('Anyone else need help?');
  await expect(bea.page.getByTestId('ephemeral')).toHaveCount(0);
  await expect(bea.page.getByText('We ship')).toHaveCount(0);

  // Dismiss removes it; the line stays.
  await answer.getByRole('button', { name: 'Dismiss' }).click();
  await expect(answer).toHaveCount(0);
  await expect(page.getByTestId('conversation-line').filter({ hasText: 'You used /faq shipping' })).toBeVisible();

  // A second answer is gone after a reload: it was never stored.
  expect((await reply('Returns are free within 30 days.')).status()).toBe(204);
  await expect(answer).toContainText('Returns are free within 30 days.');
  await page.reload();
  await expect(page.getByTestId('conversation-line').filter({ hasText: 'You used /faq shipping' })).toBeVisible();
  await expect(bodies(page).last()).toHaveText('Anyone else need help?');
  await expect(answer).toHaveCount(0);

  // Arguments the server would refuse are refused in the composer, the text kept to shorten.
  const tooLong = `/faq ${'x'.repeat(201)}`;
  await composer.fill(tooLong);
  await composer.press('Enter');
  await expect(page.getByTestId('composer-error')).toHaveText('What follows /faq is at most 200 characters.');
  await expect(composer).toHaveValue(tooLong);
  await composer.fill('');
  await expect(page.getByTestId('composer-error')).toHaveCount(0);

  // A "/word" that is no command here is an ordinary message, so no text is lost.
  await composer.pressSequentially('/shrug not a command');
  await composer.press('Enter');
  await expect(bodies(bea.page).last()).toHaveText('/shrug not a command');
  await expect(bodies(page).last()).toHaveText('/shrug not a command');
});

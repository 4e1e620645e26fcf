// The example customer-service bot (crates/client/examples/faq_bot.rs), run as a real process
// against the e2e server with a real bot token: it declares /faq and /ticket, a customer picks
// them from the composer's suggestions in a DM with it, gets an answer everyone could read and
// one only they see, then opens a ticket: a new group with the customer and the agent, where
// the bot introduces them and leaves, and the agent answers live. Needs the example built
// (`cargo build -p client --example faq_bot`, done by scripts/test.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { accessTokenOf, artifacts, bodies, newUser, nav, runSuffix, send, type User } from './support';

const run = runSuffix();
const port = Number(process.env.CONFAB_E2E_PORT ?? 18080);
const botBinary = process.env.CONFAB_E2E_FAQ_BOT ?? '../target/debug/examples/faq_bot';

let bot: ChildProcess | undefined;
test.afterEach(() => {
  bot?.kill('SIGTERM');
  bot = undefined;
});

/** Registers `username` through the API; its access token. */
async function register(request: APIRequestContext, username: string, display: string): Promise<string> {
  const answer = await request.post('/api/v1/auth/register', {
    data: { username, display_name: display, password: `${username}-secret-pw` },
  });
  expect(answer.status()).toBe(201);
  return (await answer.json()).access_token;
}

/** Starts the example bot; resolves once it says it is connected. */
async function startBot(token: string, agents: string): Promise<ChildProcess> {
  const child = spawn(botBinary, ['../docs/faq.example.txt'], {
    env: { ...process.env, CONFAB_URL: `http://127.0.0.1:${port}`, CONFAB_TOKEN: token, CONFAB_AGENTS: agents },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not connect: ${said}`)), 20_000);
    child.stderr?.on('data', (chunk) => {
      said += chunk.toString();
      if (said.includes('faq_bot: connected')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`the bot exited with ${code}: ${said}`)));
  });
  return child;
}

/** The composer's suggestions. */
function suggestions(page: Page) {
  return page.getByRole('listbox', { name: 'Slash commands' }).getByRole('option');
}

/** Types `text` into the composer the way a person does (so the suggestions follow). */
async function type(page: Page, text: string) {
  const composer = page.getByTestId('composer');
  await composer.fill('');
  await composer.pressSequentially(text);
}

test('the example bot answers /faq and hands a /ticket over to an agent', async ({ browser, request }) => {
  // Never skipped: a missing build fails here, so the example cannot drop out of the suite.
  expect(existsSync(botBinary), `${botBinary} is not built (cargo build -p client --example faq_bot)`).toBe(true);
  const customer = await newUser(browser, 'cleo', run);
  const agent = await newUser(browser, 'ann', run);
  const page = customer.page;

  // The bot's owner makes it and a token through the API; customer and agent add it.
  const owner = await register(request, `owen_${run}`, `Owen ${run}`);
  const made = await request.post('/api/v1/bots', {
    headers: { Authorization: `Bearer ${owner}` },
    data: { username: `faqbot_${run}`, display_name: 'Help desk', description: 'Answers FAQs, opens tickets' },
  });
  expect(made.status()).toBe(201);
  const botUser = (await made.json()).user;
  const minted = await request.post('/api/v1/tokens', {
    headers: { Authorization: `Bearer ${owner}` },
    data: { name: 'faq bot', scopes: ['read', 'send', 'manage'], bot_id: botUser.id },
  });
  expect(minted.status()).toBe(201);
  for (const person of [customer, agent]) {
    const token = await accessTokenOf(request, person);
    const added = await request.post('/api/v1/friend-requests', {
      headers: { Authorization: `Bearer ${token}` },
      data: { user_id: botUser.id },
    });
    expect(added.ok()).toBeTruthy();
  }
  bot = await startBot((await minted.json()).token, agent.username);

  // The customer opens a DM with the bot; the bot declares its commands there as it joins.
  await nav(page, 'Friends').click();
  await page.locator(`li[data-username="${botUser.username}"]`).getByRole('button', { name: 'Message' }).click();
  await expect(page.getByTestId('conversation-title')).toHaveText('Help desk');

  // "/" offers both commands, "/f" only /faq; the keyboard picks it.
  await expect(async () => {
    await type(page, '/');
    await expect(suggestions(page).filter({ hasText: '/ticket' })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(suggestions(page).filter({ hasText: '/faq' })).toBeVisible();
  await type(page, '/f');
  await expect(suggestions(page)).toHaveCount(1);
  await expect(suggestions(page)).toContainText('Answers a question');
  await page.getByTestId('composer').press('Enter');
  await expect(page.getByTestId('composer')).toHaveValue('/faq ');
  await page.getByTestId('composer').pressSequentially('shipping');
  await page.getByTestId('composer').press('Enter');

  // The answer is a message, with the topic in bold; the invocation shows as a line.
  await expect(page.getByText('used /faq shipping')).toBeVisible();
  const answer = bodies(page).filter({ hasText: 'We ship worldwide' });
  await expect(answer).toBeVisible();
  await expect(answer.locator('strong')).toHaveText('shipping');

  // "/faq" alone lists the topics for the customer's eyes only.
  await type(page, '/faq');
  await page.getByTestId('composer').press('Escape');
  await page.getByTestId('composer').press('Enter');
  const topics = page.getByTestId('ephemeral').filter({ hasText: 'Ask me about' });
  await expect(topics).toContainText('opening hours, payment, returns, shipping');
  await expect(topics).toContainText('Only visible to you');
  await topics.getByRole('button', { name: 'Dismiss' }).click();
  await expect(topics).toHaveCount(0);

  // "/ticket ..." opens a group with the agent; the bot introduces them and leaves.
  await type(page, '/ticket my parcel has not arrived');
  await page.getByTestId('composer').press('Escape');
  await page.getByTestId('composer').press('Enter');
  const opened = page.getByTestId('ephemeral').filter({ hasText: 'I opened' });
  await expect(opened).toContainText(/I opened ["“]Ticket: my parcel has not arrived["”] with /);
  await expect(opened).toContainText(agent.name);
  await page.screenshot({ path: `${artifacts}/faq-bot-dm.png` });

  const title = 'Ticket: my parcel has not arrived';
  await nav(page, 'Chats').click();
  await page.locator(`[data-testid="conversation"][data-title="${title}"]`).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(title);
  await expect(bodies(page).first()).toContainText(`@${customer.username} asked for help`);
  await expect(bodies(page).first()).toContainText(`@${agent.username} will take it from here`);
  await expect(page.getByText('Help desk left')).toBeVisible();

  // The agent has it too, runs it now, and answers live.
  const agentPage = agent.page;
  await nav(agentPage, 'Chats').click();
  await agentPage.locator(`[data-testid="conversation"][data-title="${title}"]`).click();
  await send(agentPage, "Hi Cleo, I'm on it: your parcel left our depot this morning.");
  await expect(bodies(page).last()).toHaveText("Hi Cleo, I'm on it: your parcel left our depot this morning.");
  await page.getByTestId('details-toggle').click();
  const members = page.getByTestId('members');
  await expect(members.locator(`li[data-username="${botUser.username}"]`)).toHaveCount(0);
  await expect(members.locator(`li[data-username="${agent.username}"]`)).toContainText('Owner');
  await page.screenshot({ path: `${artifacts}/faq-bot-ticket.png` });
});

// Administration in the real app: an admin (promoted with the `confab admin` CLI against the
// running server) finds a user and disables them while they chat (they are signed out with a
// clear message), removes a message from two other users' DM (it goes live for both, as removed
// by a moderator), exports it, reads the audit log and the dashboard, and sets retention (after
// a confirmation; cancelled, nothing changes).
// Non-admins see "not allowed". An admin creates an account through the form (a taken username
// is refused beside the field) and its owner signs in. Screenshots at desktop and phone widths,
// light and dark, go to artifacts/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import {
  bearerOf,
  befriend,
  bodies,
  dataDir,
  nav,
  newUser,
  openDm,
  runSuffix,
  send,
  shoot as shootThemes,
} from './support';

const run = runSuffix();
const server = process.env.CONFAB_E2E_SERVER ?? '../target/debug/confab';

function adminNav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name });
}

/** This spec's screenshots are full-page. */
function shoot(page: Page, name: string) {
  return shootThemes(page, name, { fullPage: true });
}

async function number(page: Page, stat: string): Promise<number> {
  return Number(await page.getByTestId(`stat-${stat}`).locator('dd').innerText());
}

test('an admin disables a chatting user, moderates a DM, and reads the audit log and stats', async ({ browser }) => {
  test.setTimeout(180_000);
  const ada = await newUser(browser, 'ada', run);
  const dave = await newUser(browser, 'dave', run);
  const erin = await newUser(browser, 'erin', run);
  const frank = await newUser(browser, 'frank', run);

  // Ada becomes an administrator through the CLI, against the running server's data dir; the
  // app learns the role on its next start.
  execFileSync(server, ['--data-dir', dataDir, 'admin', 'promote', ada.username], { stdio: 'pipe' });
  await ada.page.reload();
  await expect(nav(ada.page, 'Admin')).toBeVisible();

  // Everyone else sees no link, and "not allowed" at /admin (no admin data is fetched).
  await expect(nav(dave.page, 'Friends')).toBeVisible();
  await expect(nav(dave.page, 'Admin')).toHaveCount(0);
  await dave.page.goto('/admin/users');
  await expect(dave.page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(dave.page.getByTestId('admin-users')).toHaveCount(0);

  // Dave and Erin chat; Erin and Frank have a DM too.
  await befriend(dave, erin);
  await befriend(erin, frank);
  await openDm(dave, erin);
  await send(dave.page, 'Hi Erin, are you there?');
  await openDm(erin, frank);
  await send(erin.page, 'Hello Frank');
  await openDm(frank, erin);
  await send(frank.page, 'Buy cheap watches at spam.example');
  await expect(bodies(erin.page)).toHaveText(['Hello Frank', 'Buy cheap watches at spam.example']);

  // Ada finds Dave on the users page and opens him.
  await nav(ada.page, 'Admin').click();
  await adminNav(ada.page, 'Users').click();
  await expect(ada.page.getByTestId('admin-users')).toContainText(ada.username);
  await ada.page.getByRole('searchbox', { name: 'Search users' }).fill(dave.username);
  await ada.page.getByRole('button', { name: 'Search' }).click();
  const rows = ada.page.getByTestId('admin-users').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-username', dave.username);
  await rows.first().getByRole('link').click();
  await expect(ada.page.getByRole('heading', { name: dave.name })).toBeVisible();
  await expect(ada.page.getByTestId('user-status')).toHaveText('Active');

  // Disabling him signs Dave out at once, mid-conversation, and says why.
  await ada.page.getByRole('button', { name: 'Disable' }).click();
  await expect(ada.page.getByRole('status')).toContainText('is disabled and was signed out everywhere');
  await expect(ada.page.getByTestId('user-status')).toHaveText('Disabled');
  await expect(dave.page.getByTestId('farewell')).toContainText('disabled by an administrator');
  await expect(dave.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await shoot(ada.page, 'admin-user-desktop');
  await shoot(dave.page, 'admin-disabled-signin');
  // Signing in again is refused with the same reason.
  await dave.page.getByLabel('Username').fill(dave.username);
  await dave.page.getByLabel('Password').fill('dave-secret-pw');
  await dave.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(dave.page.locator('.form-error')).toContainText('disabled by an administrator');

  // The server's refusals show plainly: Ada cannot demote herself, the last admin. Specs before
  // this one may have left administrators on the shared server: Ada demotes them first.
  const asAda = await bearerOf(ada.page.request, ada);
  const admins = await ada.page.request.get('/api/v1/admin/users?status=admin&limit=100', { headers: asAda });
  expect(admins.status()).toBe(200);
  let demoted = 0;
  for (const other of (await admins.json()).items as { id: string; username: string }[]) {
    if (other.username === ada.username) continue;
    demoted += 1;
    const answer = await ada.page.request.put(`/api/v1/admin/users/${other.id}/role`, {
      headers: asAda,
      data: { role: 'user' },
    });
    expect(answer.status()).toBe(200);
  }
  await adminNav(ada.page, 'Users').click();
  await ada.page.getByTestId('admin-users').locator(`tr[data-username="${ada.username}"] a`).click();
  await expect(ada.page.getByRole('heading', { name: ada.name })).toBeVisible();
  await ada.page.getByRole('button', { name: 'Remove admin role' }).click();
  await expect(ada.page.getByRole('alert').filter({ hasText: 'last administrator' })).toBeVisible();

  // The users list at phone width: rows become cards.
  await adminNav(ada.page, 'Users').click();
  await expect(ada.page.getByTestId('admin-users').locator(`tr[data-username="${dave.username}"]`)).toContainText('Disabled');
  await shoot(ada.page, 'admin-users-desktop');
  await ada.page.setViewportSize({ width: 390, height: 844 });
  await shoot(ada.page, 'admin-users-phone');
  await ada.page.setViewportSize({ width: 1280, height: 800 });

  // Ada opens Erin and Frank's DM and removes Frank's spam: both see it go, live.
  await adminNav(ada.page, 'Conversations').click();
  const dm = ada.page.getByTestId('admin-conversations').locator('tbody tr')
    .filter({ hasText: `@${erin.username}` }).filter({ hasText: `@${frank.username}` });
  await expect(dm).toHaveCount(1);
  await expect(dm.locator('td[data-label="Messages"]')).toHaveText('2');
  await shoot(ada.page, 'admin-conversations-desktop');
  await dm.getByRole('link').click();
  const spam = ada.page.getByTestId('admin-message').filter({ hasText: 'Buy cheap watches' });
  await expect(ada.page.getByTestId('admin-message-body')).toHaveText(['Hello Frank', 'Buy cheap watches at spam.example']);
  await spam.getByRole('button', { name: 'Remove' }).click();
  await expect(ada.page.getByTestId('admin-message').nth(1)).toContainText('removed');
  await expect(ada.page.getByTestId('admin-message-body')).toHaveText(['Hello Frank']);
  for (const member of [erin, frank]) {
    await expect(member.page.getByTestId('moderated')).toHaveText('This message was removed by a moderator');
    await expect(bodies(member.page)).toHaveText(['Hello Frank']);
  }
  await expect(erin.page.getByTestId('conversations').locator(`li[data-title="${frank.name}"]`))
    .toContainText('This message was removed by a moderator');
  await shoot(erin.page, 'admin-moderated-chat-desktop');
  await shoot(ada.page, 'admin-conversation-desktop');

  // The export downloads the whole history as JSON, tombstone included.
  const exported = ada.page.waitForEvent('download');
  await ada.page.getByRole('button', { name: 'Export JSON' }).click();
  const file = await exported;
  expect(file.suggestedFilename()).toMatch(/^conversation-[0-9a-f-]{36}\.json$/);
  const history = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(history.messages.map((m: { body: string }) => m.body)).toEqual(['Hello Frank', '']);
  expect(history.messages[1].deleted_at).not.toBeNull();

  // The audit log lists what Ada did, newest first, and filters by kind of action.
  await adminNav(ada.page, 'Audit log').click();
  const audit = ada.page.getByTestId('audit').locator('tbody tr');
  await expect(audit.first()).toHaveAttribute('data-action', 'conversation.export');
  const actions = await audit.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
  expect(actions).toEqual(expect.arrayContaining(['conversation.export', 'message.remove', 'user.disable']));
  await expect(audit.filter({ hasText: 'user.disable' })).toContainText(`@${ada.username}`);
  await expect(audit.filter({ hasText: 'user.disable' })).toContainText(dave.username);
  await shoot(ada.page, 'admin-audit-desktop');
  await ada.page.getByRole('combobox', { name: 'Action' }).selectOption({ label: 'Users' });
  // The demotions above are user actions too (none when this spec runs alone).
  await expect(audit).toHaveCount(1 + demoted);
  await expect(audit.filter({ hasText: 'user.disable' })).toHaveCount(1);
  await expect(audit.last()).toHaveAttribute('data-action', 'user.disable');
  await ada.page.getByRole('combobox', { name: 'Action' }).selectOption({ label: 'All actions' });
  await expect(audit).toHaveCount(3 + demoted);
  await ada.page.setViewportSize({ width: 390, height: 844 });
  await shoot(ada.page, 'admin-audit-phone');
  await ada.page.setViewportSize({ width: 1280, height: 800 });

  // The dashboard counts users, messages and live connections; retention can be set and undone.
  await adminNav(ada.page, 'Dashboard').click();
  await expect(ada.page.getByTestId('stat-users_total')).toBeVisible();
  expect(await number(ada.page, 'users_total')).toBeGreaterThanOrEqual(4);
  expect(await number(ada.page, 'messages_total')).toBeGreaterThanOrEqual(3);
  expect(await number(ada.page, 'messages_today')).toBeGreaterThanOrEqual(3);
  expect(await number(ada.page, 'websocket_connections')).toBeGreaterThanOrEqual(3);
  await expect(ada.page.getByTestId('stat-database_size')).toContainText('MB');
  await expect(ada.page.getByTestId('retention-policy')).toHaveText('Messages are kept forever.');
  // A period deletes older messages at once, so the dialog asks first, saying so; cancelled,
  // nothing changes (read again after a reload: no sweep has run).
  const confirm = ada.page.getByRole('alertdialog', { name: 'Delete messages older than 365 days?' });
  await ada.page.getByLabel('Keep messages for (days)').fill('365');
  await ada.page.getByRole('button', { name: 'Set retention' }).click();
  await expect(confirm).toContainText('Every message older than 365 days, in every conversation, is deleted for everyone');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await ada.page.reload();
  await expect(ada.page.getByTestId('retention-policy')).toHaveText('Messages are kept forever.');
  await expect(ada.page.getByTestId('retention-runs')).toContainText('never');
  // Confirmed, it is set.
  await ada.page.getByLabel('Keep messages for (days)').fill('365');
  await ada.page.getByRole('button', { name: 'Set retention' }).click();
  await confirm.getByRole('button', { name: 'Delete older messages' }).click();
  await expect(confirm).toBeHidden();
  await expect(ada.page.getByTestId('retention-policy')).toHaveText('Messages older than 365 days are removed.');
  await expect(ada.page.getByTestId('retention-runs')).not.toContainText('never');
  await shoot(ada.page, 'admin-dashboard-desktop');
  await ada.page.getByRole('button', { name: 'Keep forever' }).click();
  await expect(ada.page.getByTestId('retention-policy')).toHaveText('Messages are kept forever.');
  await ada.page.setViewportSize({ width: 390, height: 844 });
  await shoot(ada.page, 'admin-dashboard-phone');

  for (const user of [ada, dave, erin, frank]) await user.context.close();
});

test('an admin creates an account through the form, and its owner can sign in', async ({ browser }) => {
  const kim = await newUser(browser, 'kim', run);
  execFileSync(server, ['--data-dir', dataDir, 'admin', 'promote', kim.username], { stdio: 'pipe' });
  await kim.page.reload();
  await nav(kim.page, 'Admin').click();
  await adminNav(kim.page, 'Users').click();
  await kim.page.getByRole('button', { name: 'New user' }).click();
  const form = kim.page.getByTestId('new-user-form');
  await expect(form.getByLabel('Username')).toBeFocused();

  // A taken username is refused beside the field, and nothing else is lost.
  const username = `lena_${run}`;
  await form.getByLabel('Username').fill(kim.username);
  await form.getByLabel('Display name').fill(`Lena ${run}`);
  await form.getByLabel('Password').fill('lena-first-pw');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(kim.page.locator('#field-username-error')).toHaveText('This username is taken');
  await expect(form.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Display name')).toHaveValue(`Lena ${run}`);
  await shoot(kim.page, 'admin-new-user-error-desktop');
  await kim.page.setViewportSize({ width: 390, height: 844 });
  await shoot(kim.page, 'admin-new-user-error-phone');
  await kim.page.setViewportSize({ width: 1280, height: 800 });

  // Corrected, the account is made: the form says so, empties, and the list shows it.
  await form.getByLabel('Username').fill(username);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(kim.page.getByRole('status')).toContainText(`Created Lena ${run} (@${username}).`);
  await expect(form.getByLabel('Username')).toHaveValue('');
  await expect(form.getByLabel('Password')).toHaveValue('');
  const row = kim.page.getByTestId('admin-users').locator(`tr[data-username="${username}"]`);
  await expect(row).toContainText('Active');
  await expect(row).toContainText('User');
  await shoot(kim.page, 'admin-new-user-desktop');
  await kim.page.getByRole('status').getByRole('link', { name: 'Open their page' }).click();
  await expect(kim.page.getByRole('heading', { name: `Lena ${run}` })).toBeVisible();

  // Lena signs in with the password the admin chose.
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1280, height: 800 } });
  const lena = await context.newPage();
  await lena.goto('/signin');
  await lena.getByLabel('Username').fill(username);
  await lena.getByLabel('Password').fill('lena-first-pw');
  await lena.getByRole('button', { name: 'Sign in' }).click();
  await expect(lena.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await expect(nav(lena, 'Admin')).toHaveCount(0);

  await context.close();
  await kim.context.close();
});

test('anyone can download their own data from the settings', async ({ browser }) => {
  const gail = await newUser(browser, 'gail', run);
  await gail.page.getByRole('link', { name: 'Settings' }).click();
  const saved = gail.page.waitForEvent('download');
  await gail.page.getByRole('button', { name: 'Download my data' }).click();
  const file = await saved;
  expect(file.suggestedFilename()).toBe('confab-export.json');
  const data = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(data.profile.username).toBe(gail.username);
  expect(data.messages).toEqual([]);
  await expect(gail.page.getByRole('status')).toContainText('confab-export.json');
  await gail.context.close();
});

// Settings that ask for the password again: a wrong one is an error beside its field and leaves
// the session alone (no refresh, no sign-out, the page stays); the right one then works.
import { test, expect } from '@playwright/test';
import { nav, newUser, runSuffix } from './support';

const run = runSuffix();

test('a wrong current password is shown beside the field and keeps you signed in', async ({ browser }) => {
  const pat = await newUser(browser, 'pat', run);
  const page = pat.page;
  // Before the fix, the app took the refusal for an ended session: it refreshed, retried and
  // signed out. No refresh may happen here.
  const refreshes: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/auth/refresh')) refreshes.push(request.url());
  });
  await page.getByRole('link', { name: 'Settings' }).click();

  const current = page.getByLabel('Current password');
  await current.fill('not-my-password');
  await page.getByLabel('New password').fill('pat-second-secret-pw');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#field-current_password-error')).toHaveText('Wrong password');
  await expect(current).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('heading', { name: 'Password' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  // Deleting the account with a wrong password: the same, and nothing is deleted.
  const confirm = page.getByLabel('Confirm with your password');
  await confirm.fill('still-not-my-password');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.locator('#field-password-error')).toHaveText('Wrong password');
  await expect(confirm).toHaveAttribute('aria-invalid', 'true');
  expect(refreshes).toEqual([]);

  // Still signed in: other pages load, and a reload restores the session from its cookie.
  await nav(page, 'Friends').click();
  await expect(page.getByText('No friends yet.')).toBeVisible();
  await page.reload();
  await expect(page.getByText('No friends yet.')).toBeVisible();

  // The right password changes it; signing in again takes the new one.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Current password').fill('pat-secret-pw');
  await page.getByLabel('New password').fill('pat-second-secret-pw');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toContainText('Password changed');
  await expect(page.locator('#field-current_password-error')).toHaveText('');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Username').fill(pat.username);
  await page.getByLabel('Password').fill('pat-second-secret-pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();

  await pat.context.close();
});

// Two-factor authentication in the real app, with codes computed here as an authenticator app
// would (TOTP from the key shown on screen): turning it on (password, QR code and key, first
// code, recovery codes copied and downloaded), signing in with a code (a wrong one is refused
// beside the field, "Back" keeps what was typed) and with a recovery code, turning it off.
// Administrators: the policy switch needs one's own second factor, and an admin without it is
// sent to their settings. Screenshots at phone and desktop widths, light and dark.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { dataDir, nav, newUser, runSuffix, shootWidths, totp } from './support';

const run = runSuffix();
const server = process.env.CONFAB_E2E_SERVER ?? '../target/debug/confab';

/** A 6-digit code that is not `code`. */
function wrong(code: string): string {
  return ((Number(code) + 500_000) % 1_000_000).toString().padStart(6, '0');
}

/** Turns two-factor authentication on from the settings; returns the key and recovery codes. */
async function turnOn(page: Page, password: string, screenshots = false) {
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.locator('#two-factor');
  await expect(section.getByTestId('two-factor-status')).toHaveAttribute('data-enabled', 'false');
  await section.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  const confirm = section.getByLabel('Your password', { exact: true });
  await expect(confirm).toBeFocused();
  if (screenshots) {
    // A wrong password is refused beside the field.
    await confirm.fill('not-the-password');
    await section.getByRole('button', { name: 'Continue' }).click();
    await expect(section.locator('#field-two_factor_password-error')).toHaveText('Wrong password');
    await expect(confirm).toHaveAttribute('aria-invalid', 'true');
  }
  await confirm.fill(password);
  await section.getByRole('button', { name: 'Continue' }).click();

  const qr = section.getByRole('img', { name: /QR code/ });
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const secret = (await section.getByTestId('two-factor-secret').innerText()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const field = section.getByLabel('Enter the 6-digit code the app shows');
  await expect(field).toHaveAttribute('inputmode', 'numeric');
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
  if (screenshots) {
    await section.getByRole('button', { name: 'Copy key' }).click();
    await expect(section.getByRole('button', { name: 'Copied ✓' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await field.fill(wrong(totp(secret)));
    await section.getByRole('button', { name: 'Turn on', exact: true }).click();
    await expect(section.locator('#field-two_factor_code-error')).toHaveText('Wrong or already used code');
    await shootWidths(page, 'two-factor-setup', () => section);
  }
  await field.fill(totp(secret));
  await section.getByRole('button', { name: 'Turn on', exact: true }).click();

  const list = section.getByTestId('recovery-codes').locator('li');
  await expect(list).toHaveCount(10);
  const codes = await list.allInnerTexts();
  for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  await expect(section).toContainText('Save these recovery codes now');
  await expect(section.getByTestId('two-factor-status')).toContainText('10 recovery codes left');
  if (screenshots) {
    await section.getByRole('button', { name: 'Copy codes' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
    const saved = page.waitForEvent('download');
    await section.getByRole('button', { name: 'Download .txt' }).click();
    const file = await saved;
    expect(file.suggestedFilename()).toBe('confab-recovery-codes.txt');
    const text = readFileSync(await file.path(), 'utf8');
    for (const code of codes) expect(text).toContain(`\n${code}\n`);
    await shootWidths(page, 'two-factor-recovery-codes', () => section);
  }
  await section.getByRole('button', { name: 'I have saved them' }).click();
  await expect(section.getByTestId('recovery-codes')).toHaveCount(0);
  await expect(section.getByTestId('two-factor-status')).toHaveAttribute('data-enabled', 'true');
  return { secret, codes };
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

async function signInWithPassword(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('two-factor authentication: on with an app, asked for at sign-in, recovery codes, off', async ({ browser }) => {
  test.setTimeout(120_000);
  const sam = await newUser(browser, 'sam', run);
  const page = sam.page;
  await sam.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const password = 'sam-secret-pw';
  const { secret, codes } = await turnOn(page, password, true);

  // Signing in now asks for a code after the password.
  await signOut(page);
  await signInWithPassword(page, sam.username, password);
  const code = page.getByLabel('Authentication code');
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute('inputmode', 'numeric');
  await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(page.getByLabel('Password')).toHaveCount(0);
  await expect(page.getByTestId('two-factor-step')).toContainText(`@${sam.username}`);
  await expect(page.locator('#field-totp_code-error')).toHaveText('');
  // "Back" returns to the password with what was typed.
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Username')).toHaveValue(sam.username);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(code).toBeFocused();
  // A wrong code is refused beside the field.
  await code.fill(wrong(totp(secret)));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.locator('#field-totp_code-error')).toHaveText('Wrong or already used code');
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await shootWidths(page, 'two-factor-sign-in');
  // The code that turned it on is spent (each step counts once); the next step's is accepted.
  await code.fill(totp(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();

  // A recovery code signs in once in place of the app.
  await signOut(page);
  await signInWithPassword(page, sam.username, password);
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  const recovery = page.getByLabel('Recovery code');
  await expect(recovery).toBeFocused();
  await recovery.fill(codes[0]);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();

  // Turning it off takes the password and a code; a used recovery code is refused.
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.locator('#two-factor');
  await expect(section.getByTestId('two-factor-status')).toContainText('9 recovery codes left');
  await section.getByRole('button', { name: 'Turn off…' }).click();
  await section.getByLabel('Your password', { exact: true }).fill(password);
  await section.getByLabel('Code from your app, or a recovery code').fill(codes[0]);
  await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(section.locator('#field-two_factor_code-error')).toHaveText('Wrong or already used code');
  await section.getByLabel('Code from your app, or a recovery code').fill(codes[1]);
  await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(section.getByRole('status')).toHaveText('Two-factor authentication is off.');
  await expect(section.getByTestId('two-factor-status')).toHaveAttribute('data-enabled', 'false');

  // The password alone signs in again.
  await signOut(page);
  await signInWithPassword(page, sam.username, password);
  await expect(page.getByRole('heading', { name: 'Chats' })).toBeVisible();
  await sam.context.close();
});

test('requiring two-factor authentication of admins needs your own, and sends other admins to settings', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const ida = await newUser(browser, 'ida', run);
  const jon = await newUser(browser, 'jon', run);
  for (const admin of [ida, jon]) {
    execFileSync(server, ['--data-dir', dataDir, 'admin', 'promote', admin.username], { stdio: 'pipe' });
    await admin.page.reload();
    await expect(nav(admin.page, 'Admin')).toBeVisible();
  }
  const policy = (page: Page) =>
    page.getByRole('switch', { name: 'Require two-factor authentication for administrators' });

  // Without her own second factor, Ida cannot require it: the server's refusal shows, the
  // switch goes back, and the message links to her settings.
  await nav(ida.page, 'Admin').click();
  await expect(policy(ida.page)).not.toBeChecked();
  await policy(ida.page).click();
  const refusal = ida.page.getByRole('alert').filter({ hasText: 'before requiring it of administrators' });
  await expect(refusal).toBeVisible();
  await expect(policy(ida.page)).not.toBeChecked();
  const card = ida.page.locator('section', { has: ida.page.getByRole('heading', { name: 'Security' }) });
  await shootWidths(ida.page, 'two-factor-admin-policy', () => card);
  await expect(refusal.getByRole('link', { name: 'Set it up' })).toHaveAttribute(
    'href',
    '/settings#two-factor',
  );

  // With it on, she can.
  await turnOn(ida.page, 'ida-secret-pw');
  await nav(ida.page, 'Admin').click();
  await expect(policy(ida.page)).not.toBeChecked();
  await policy(ida.page).check();
  await expect(ida.page.getByRole('status')).toContainText('Administrators need two-factor authentication');
  await expect(policy(ida.page)).toBeChecked();

  try {
    // Jon, an admin without it, is kept out of every admin page and pointed to his settings.
    await nav(jon.page, 'Admin').click();
    const kept = jon.page.getByTestId('admin-needs-two-factor');
    await expect(kept).toContainText('must turn on two-factor authentication');
    await expect(jon.page.getByTestId('stat-users_total')).toHaveCount(0);
    await jon.page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
    await expect(kept).toBeVisible();
    await expect(jon.page.getByTestId('admin-users')).toHaveCount(0);
    await shootWidths(jon.page, 'two-factor-admin-required');
    await kept.getByRole('link', { name: 'Turn on two-factor authentication' }).click();
    await expect(jon.page).toHaveURL(/\/settings#two-factor$/);
    await expect(jon.page.locator('#two-factor')).toBeInViewport();
  } finally {
    // Leave the shared server as the other specs expect it.
    await nav(ida.page, 'Admin').click();
    await expect(policy(ida.page)).toBeChecked();
    await policy(ida.page).uncheck();
    await expect(ida.page.getByRole('status')).toContainText('no longer need');
  }
  await ida.context.close();
  await jon.context.close();
});

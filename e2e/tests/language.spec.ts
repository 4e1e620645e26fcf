// The interface's language: the browser's own (German here) until one is chosen in Settings,
// which switches the whole app at once and is kept after a reload; `<html lang>` follows it, and
// dates are written the chosen language's way (by the browser's Intl, not by hand).
import { test, expect, type Page } from '@playwright/test';
import { runSuffix, shootWidths } from './support';

const run = runSuffix();

/** Today as the browser's Intl writes it for `locale` with `options`: what the app must show. */
function today(page: Page, locale: string, options: Intl.DateTimeFormatOptions): Promise<string> {
  return page.evaluate(
    ([locale, options]) => new Intl.DateTimeFormat(locale as string, options as Intl.DateTimeFormatOptions).format(new Date()),
    [locale, options] as const,
  );
}

test('a German browser gets German until English is chosen in Settings', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();

  // Signed out: the sign-in page speaks German, and says so to assistive technology.
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByLabel('Benutzername')).toBeVisible();
  await expect(page.getByText('Neu hier?')).toBeVisible();
  // The server's refusal, by its code, in German too.
  await page.getByLabel('Benutzername').fill(`nobody_${run}`);
  await page.getByLabel('Passwort').fill('not-a-password');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page.locator('.form-error')).toHaveText('Benutzername oder Passwort ist falsch');
  await shootWidths(page, 'language-de-signin');

  // Signing up, in German.
  await page.getByRole('link', { name: 'Konto erstellen' }).click();
  await expect(page.getByRole('heading', { name: 'Konto erstellen' })).toBeVisible();
  await page.getByLabel('Benutzername').fill(`lena_${run}`);
  await page.getByLabel('Anzeigename').fill(`Lena ${run}`);
  await page.getByLabel('Passwort').fill('lena-secret-pw');
  await page.getByRole('button', { name: 'Konto erstellen' }).click();
  const mainNav = page.getByRole('navigation', { name: 'Hauptmenü' });
  await expect(mainNav.getByRole('link', { name: 'Freunde' })).toBeVisible();
  // German words are longer: at phone width the navigation still fits without scrolling sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(mainNav.getByRole('link', { name: 'Blockiert' })).toBeInViewport({ ratio: 1 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await shootWidths(page, 'language-de-chats');

  // Settings: German headings, and the membership month and sign-in date as German writes them.
  await page.getByRole('link', { name: /^Einstellungen/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Einstellungen' })).toBeVisible();
  const germanMonth = await today(page, 'de-DE', { month: 'long', year: 'numeric' });
  await expect(page.getByText(`@lena_${run} · Mitglied seit ${germanMonth}`)).toBeVisible();
  const germanDate = await today(page, 'de-DE', { day: 'numeric', month: 'short', year: 'numeric' });
  await expect(page.getByTestId('sessions')).toContainText(`Angemeldet am ${germanDate}`);
  await shootWidths(page, 'language-de-settings');
  const chooser = page.getByLabel('Sprache der App');
  await expect(chooser).toHaveValue('de');

  // Choosing English switches everything at once, without a reload.
  await chooser.selectOption({ label: 'English' });
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Friends' })).toBeVisible();
  await expect(page.getByLabel('Current password')).toBeVisible();
  const englishMonth = await today(page, 'en-GB', { month: 'long', year: 'numeric' });
  await expect(page.getByText(`@lena_${run} · member since ${englishMonth}`)).toBeVisible();
  expect(englishMonth).not.toBe(germanMonth);

  // The choice is remembered: English after a reload, though the browser still prefers German.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByLabel('Language of the app')).toHaveValue('en');
  const englishDate = await today(page, 'en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
  await expect(page.getByTestId('sessions')).toContainText(`Signed in ${englishDate}`);
  await context.close();
});

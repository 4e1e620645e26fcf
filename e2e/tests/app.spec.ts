// The web app loads under the strict Content-Security-Policy, talks to the real server, and
// renders in light and dark themes at phone and desktop widths (screenshots in artifacts/).
import { test, expect, type Page } from '@playwright/test';
import { artifacts } from './support';

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

test('the app renders and reports the server online', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Confab' })).toBeVisible();
  await expect(page.getByTestId('server-status')).toContainText('Server online');
  // A CSP violation or a wasm load failure shows up as a console error.
  expect(errors).toEqual([]);
});

test('client-side routes survive a reload and unknown ones show a not-found page', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to Confab' }).click();
  await expect(page.getByRole('heading', { name: 'Confab' })).toBeVisible();
});

test('the theme switch toggles dark mode and remembers it', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

for (const [name, size] of [
  ['phone', { width: 390, height: 844 }],
  ['desktop', { width: 1280, height: 800 }],
] as const) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`screenshot: home, ${name}, ${scheme}`, async ({ page }) => {
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto('/');
      await expect(page.getByTestId('server-status')).toContainText('Server online');
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
      await page.screenshot({ path: `${artifacts}/home-${name}-${scheme}.png`, fullPage: true });
    });
  }
}

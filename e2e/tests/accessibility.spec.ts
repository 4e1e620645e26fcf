// Accessibility at zero, and a picture of every page: axe-core (injected from node_modules, no
// network) checks every page of the app, signed out (sign-in, sign-up, home) and signed in
// (chats, an open DM with a reply, a reaction and an attachment, a group with its members panel,
// friends, requests with one waiting, people, blocked, a profile, settings) and the
// administration pages, in the light and dark themes, at desktop (1280×800) and phone (390×844)
// widths, in English and in German (longer words, other labels). Any critical or serious
// violation fails the test, and so does a page without an h1; each is printed with its rule,
// impact, the elements' selectors and, for contrast, the colours and ratio axe measured. Each
// page, size, theme and language is also shot as artifacts/page-<language>-<page>-<size>-<theme>.png.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, expect, type Browser, type Page } from '@playwright/test';
import { artifacts, dataDir, nav, newUser, runSuffix, send, type User } from './support';

const run = runSuffix();
const server = process.env.CONFAB_E2E_SERVER ?? '../target/debug/confab';
const axeScript = join(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');

const sizes = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;
const schemes = ['light', 'dark'] as const;

/** The languages of the interface, with the browser locale that picks each and the few visible
 * words the checks below wait for. */
const languages = {
  en: { locale: 'en-GB', signIn: 'Sign in', signUp: 'Create your account', audit: 'Audit log' },
  de: { locale: 'de-DE', signIn: 'Anmelden', signUp: 'Konto erstellen', audit: 'Protokoll' },
} as const;
type Language = keyof typeof languages;

/** Rules that fail the test whatever axe's impact: every page names itself with an h1, and
 * no control sits (even partly) outside the screen (our own check, beside axe's: a longer
 * German label pushed a button past a phone's edge once). */
const alwaysFailing = new Set(['page-has-heading-one', 'control-outside-viewport']);

/** Controls that reach past the left or right edge of the viewport, unless they sit in a box
 * that scrolls sideways on purpose (a wide table) or are hidden for screen readers only. */
function controlsOutsideViewport(): string[] {
  const width = document.documentElement.clientWidth;
  const scrollsSideways = (element: Element) => {
    for (let box = element.parentElement; box; box = box.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('button, a[href], select, input, textarea')]
    .filter((element) => {
      const box = element.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || getComputedStyle(element).visibility === 'hidden') return false;
      return (box.right > width + 0.5 || box.left < -0.5) && !scrollsSideways(element);
    })
    .map((element) => {
      const box = element.getBoundingClientRect();
      const name = (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().slice(0, 40);
      return `${element.tagName.toLowerCase()} "${name}" spans ${Math.round(box.left)}–${Math.round(box.right)} px of ${width}`;
    });
}

type Finding = { page: string; rule: string; impact: string; help: string; nodes: string[] };

/** A new user whose browser context lets the page take axe's inline script past the CSP. */
function signUp(browser: Browser, name: string): Promise<User> {
  return newUser(browser, name, run, 'light', { bypassCSP: true });
}

/** axe's words for one failing element: its selector, and for contrast the colours measured. */
function describeNode(node: { target: unknown[]; any: { id: string; data?: unknown }[] }): string {
  const where = node.target.map(String).join(' ');
  const contrast = node.any.find((check) => check.id === 'color-contrast' && check.data)?.data as
    | { fgColor: string; bgColor: string; contrastRatio: number; expectedContrastRatio: string; fontSize: string; fontWeight: string }
    | undefined;
  if (!contrast) return where;
  return `${where} — ${contrast.fgColor} on ${contrast.bgColor}: ${contrast.contrastRatio}:1, needs ${contrast.expectedContrastRatio} (${contrast.fontSize}, ${contrast.fontWeight})`;
}

/** Runs axe on `page` as it is now, in every size and theme, and shoots each; returns what
 * fails. */
async function audit(page: Page, language: Language, label: string, ready: () => Promise<void>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [size, viewport] of sizes) {
    await page.setViewportSize(viewport);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      // What the theme switch does (state/theme.rs): the stylesheet keys on data-theme.
      await page.evaluate((s) => document.documentElement.setAttribute('data-theme', s), scheme);
      await ready();
      await page.screenshot({ path: `${artifacts}/page-${language}-${label.replaceAll(' ', '-')}-${size}-${scheme}.png` });
      const outside = await page.evaluate(controlsOutsideViewport);
      if (outside.length > 0) {
        findings.push({
          page: `${label} (${language}, ${size}, ${scheme})`,
          rule: 'control-outside-viewport',
          impact: 'serious',
          help: 'Controls must be on screen',
          nodes: outside,
        });
      }
      if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axeScript });
      const results = await page.evaluate(async () => {
        // @ts-expect-error axe is injected above
        const axe = window.axe;
        return axe.run(document, {
          // The name of a link or button must contain its visible text (WCAG 2.5.3).
          rules: { 'label-content-name-mismatch': { enabled: true } },
          resultTypes: ['violations'],
        });
      });
      for (const violation of results.violations as {
        id: string;
        impact: string;
        help: string;
        nodes: { target: unknown[]; any: { id: string; data?: unknown }[] }[];
      }[]) {
        findings.push({
          page: `${label} (${language}, ${size}, ${scheme})`,
          rule: violation.id,
          impact: violation.impact ?? 'none',
          help: violation.help,
          nodes: violation.nodes.map(describeNode),
        });
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
  return findings;
}

function failing(finding: Finding) {
  return finding.impact === 'critical' || finding.impact === 'serious' || alwaysFailing.has(finding.rule);
}

test('every page passes axe in both themes at desktop and phone widths', async ({ browser }) => {
  test.setTimeout(720_000);
  const findings: Finding[] = [];
  const check = async (page: Page, language: Language, label: string, ready: () => Promise<void>) => {
    findings.push(...(await audit(page, language, label, ready)));
  };

  // Signed out: home, sign-in and sign-up, in a browser of each language.
  for (const [language, words] of Object.entries(languages) as [Language, (typeof languages)[Language]][]) {
    const visitor = await browser.newContext({ bypassCSP: true, locale: words.locale, viewport: { width: 1280, height: 800 } });
    const guest = await visitor.newPage();
    await guest.goto('/');
    await check(guest, language, 'home', () => expect(guest.getByTestId('server-status')).toContainText('Server online'));
    await guest.goto('/signin');
    await check(guest, language, 'sign in', () => expect(guest.getByRole('heading', { name: words.signIn })).toBeVisible());
    await guest.goto('/signup');
    await check(guest, language, 'sign up', () => expect(guest.getByRole('heading', { name: words.signUp })).toBeVisible());
    await visitor.close();
  }

  // Ada (an administrator), her friends Bea and Cal, Dan who asks to be her friend, Eve she blocks.
  const ada = await signUp(browser, 'ada');
  const bea = await signUp(browser, 'bea');
  const cal = await signUp(browser, 'cal');
  const dan = await signUp(browser, 'dan');
  const eve = await signUp(browser, 'eve');
  execFileSync(server, ['--data-dir', dataDir, 'admin', 'promote', ada.username], { stdio: 'pipe' });
  await ada.page.reload();
  await expect(nav(ada.page, 'Admin')).toBeVisible();
  for (const friend of [bea, cal]) {
    await nav(ada.page, 'Find people').click();
    await ada.page.getByRole('searchbox', { name: 'Search people' }).fill(friend.username);
    await ada.page.getByRole('button', { name: 'Search' }).click();
    await ada.page.locator(`li[data-username="${friend.username}"]`).getByRole('button', { name: 'Add friend' }).click();
    await expect(ada.page.getByRole('status')).toContainText('Friend request sent');
    await friend.page.goto('/requests');
    await friend.page.getByTestId('incoming').locator(`li[data-username="${ada.username}"]`).getByRole('button', { name: 'Accept' }).click();
    await expect(friend.page.getByRole('status')).toContainText('are friends now');
  }
  await nav(dan.page, 'Find people').click();
  await dan.page.getByRole('searchbox', { name: 'Search people' }).fill(ada.username);
  await dan.page.getByRole('button', { name: 'Search' }).click();
  await dan.page.locator(`li[data-username="${ada.username}"]`).getByRole('button', { name: 'Add friend' }).click();
  await expect(dan.page.getByRole('status')).toContainText('Friend request sent');

  // A DM with messages both ways, a reply, a reaction and a picture.
  await nav(ada.page, 'Friends').click();
  await ada.page.locator(`li[data-username="${bea.username}"]`).getByRole('button', { name: 'Message' }).click();
  await expect(ada.page.getByTestId('conversation-title')).toHaveText(bea.name);
  const dm = ada.page.url();
  await send(ada.page, 'Hello Bea, lunch at noon?');
  await bea.page.goto(dm);
  await send(bea.page, 'Sounds good, see you there');
  // The first: the reply quotes it.
  const hers = ada.page.getByTestId('message').filter({ hasText: 'Sounds good' }).first();
  await hers.hover();
  await hers.getByRole('button', { name: 'Reply' }).click();
  await send(ada.page, 'Great, the usual place');
  await hers.hover();
  await hers.getByTestId('react').click();
  await ada.page.getByRole('button', { name: 'React with 👍' }).click();
  await expect(hers.getByTestId('reaction')).toHaveCount(1);
  await ada.page.getByTestId('attach-input').setInputFiles([
    { name: 'menu.txt', mimeType: 'text/plain', buffer: Buffer.from('Soup of the day\n') },
  ]);
  await expect(ada.page.getByTestId('attachment-chip')).toHaveAttribute('data-state', 'done');
  await ada.page.getByRole('button', { name: 'Send' }).click();
  await expect(ada.page.getByTestId('file-card')).toHaveCount(1);
  await ada.page.getByTestId('messages').click({ position: { x: 5, y: 5 } });

  // A group with Bea and Cal.
  await nav(ada.page, 'Chats').click();
  await ada.page.getByRole('button', { name: 'New group' }).click();
  await ada.page.getByLabel('Title').fill(`Lunch club ${run}`);
  for (const member of [bea, cal]) await ada.page.locator(`label[data-username="${member.username}"] input`).check();
  await ada.page.getByRole('button', { name: 'Create group' }).click();
  await expect(ada.page.getByTestId('conversation-title')).toHaveText(`Lunch club ${run}`);
  const group = ada.page.url();
  await send(ada.page, 'Welcome to the lunch club');

  // Eve is blocked.
  await ada.page.goto(`/people`);
  await ada.page.getByRole('searchbox', { name: 'Search people' }).fill(eve.username);
  await ada.page.getByRole('button', { name: 'Search' }).click();
  await ada.page.locator(`li[data-username="${eve.username}"] a.user-names`).click();
  const profile = ada.page.url();
  await ada.page.getByRole('button', { name: 'Block' }).click();
  await ada.page.getByRole('alertdialog').getByRole('button', { name: 'Block' }).click();
  await expect(ada.page.getByRole('status')).toContainText('Blocked');

  const page = ada.page;
  const heading = (name: string | RegExp) => () => expect(page.getByRole('heading', { name }).first()).toBeVisible();

  for (const [language, words] of Object.entries(languages) as [Language, (typeof languages)[Language]][]) {
    // The choice Settings saves; every page below is loaded anew, in that language.
    await page.evaluate((code) => localStorage.setItem('confab.language', code), language);
    await page.goto('/chat');
    await expect(page.locator('html')).toHaveAttribute('lang', language);
    await check(page, language, 'chat list', () => expect(page.getByTestId('conversations')).toBeVisible());
    await page.goto(dm);
    await check(page, language, 'open DM', () => expect(page.getByTestId('file-card')).toBeVisible());
    await page.goto(group);
    await page.getByTestId('details-toggle').click();
    await check(page, language, 'group with members', () => expect(page.getByTestId('members')).toContainText(cal.name));
    await page.goto('/friends');
    await check(page, language, 'friends', () => expect(page.getByTestId('friends')).toContainText(bea.name));
    await page.goto('/requests');
    await check(page, language, 'requests', () => expect(page.getByTestId('incoming')).toContainText(dan.name));
    await page.goto('/people');
    await page.getByRole('searchbox').fill(cal.username);
    await page.getByRole('searchbox').press('Enter');
    await check(page, language, 'people', () => expect(page.locator(`li[data-username="${cal.username}"]`)).toBeVisible());
    await page.goto('/blocked');
    await check(page, language, 'blocked', () => expect(page.getByTestId('blocked')).toContainText(eve.name));
    await page.goto(profile);
    await check(page, language, 'profile', heading(eve.name));
    await page.goto('/settings');
    await check(page, language, 'settings', () => expect(page.getByTestId('sessions')).toBeVisible());
    await page.goto('/admin');
    await check(page, language, 'admin dashboard', () => expect(page.getByTestId('stat-users_total')).toBeVisible());
    await page.goto('/admin/users');
    await check(page, language, 'admin users', () => expect(page.getByTestId('admin-users')).toContainText(bea.username));
    await page.getByTestId('admin-users').locator(`tr[data-username="${bea.username}"]`).getByRole('link').click();
    await check(page, language, 'admin user', () => expect(page.getByTestId('admin-user')).toBeVisible());
    await page.goto('/admin/conversations');
    await check(page, language, 'admin conversations', () =>
      expect(page.getByTestId('admin-conversations')).toContainText(`Lunch club ${run}`),
    );
    await page.getByTestId('admin-conversations').locator('tbody tr').filter({ hasText: `Lunch club ${run}` }).getByRole('link').click();
    await check(page, language, 'admin conversation', () =>
      expect(page.getByTestId('admin-messages')).toContainText('Welcome to the lunch club'),
    );
    await page.goto('/admin/audit');
    await check(page, language, 'admin audit', heading(words.audit));
  }

  // The whole report (moderate and minor too), then the verdict on what must be zero.
  const byRule = new Map<string, number>();
  for (const finding of findings) {
    const key = `${finding.rule} (${finding.impact})`;
    byRule.set(key, (byRule.get(key) ?? 0) + finding.nodes.length);
  }
  console.log(`axe findings by rule (elements, summed over pages, sizes and themes):\n${[...byRule].map(([rule, n]) => `  ${rule}: ${n}`).join('\n') || '  none'}`);
  const failures = findings.filter(failing);
  const report = failures
    .map((f) => `${f.page}: ${f.rule} [${f.impact}] ${f.help}\n${f.nodes.map((n) => `    ${n}`).join('\n')}`)
    .join('\n');
  expect(failures, `axe violations:\n${report}`).toEqual([]);

  for (const user of [ada, bea, cal, dan, eve]) await user.context.close();
});

// Rich messages in the real app: Markdown and bare links arrive as elements, raw HTML and script
// URLs arrive as text (no dialog opens, no element is injected, no href runs script), and the
// emoji picker puts the chosen emoji at the caret. Screenshots of a formatted conversation and
// of the open picker at phone and desktop widths, light and dark, go to artifacts/.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { befriend, bodies, newUser, openDm, runSuffix, send, shoot, type User } from './support';

const run = runSuffix();

const FORMATTED = '**bold** _it_ ~~gone~~ `code` https://example.com';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">html link</a>',
  '[md link](javascript:alert(1))',
  '[mixed case](JaVaScRiPt:alert(1))',
  '<javascript:alert(1)>',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![image](javascript:alert(1))',
  '<details open ontoggle=alert(1)>',
].join('\n\n'); // each its own block: one HTML block would swallow the lines after it

const BLOCKS = [
  '> Quoted, with a [link](https://example.org/docs)',
  '',
  '- first item',
  '- second item',
  '',
  '```',
  'fn main() { println!("a code block with a line long enough to scroll sideways in a bubble"); }',
  '```',
].join('\n');

/** Fails the test if `page` ever opens an alert, confirm or prompt. */
function forbidDialogs(page: Page, opened: string[]) {
  page.on('dialog', async (dialog) => {
    opened.push(dialog.message());
    await dialog.dismiss();
  });
}

/** Two friends with their DM open on both sides. */
async function twoFriendsInADm(browser: Browser, a: string, b: string): Promise<[User, User]> {
  const first = await newUser(browser, a, run);
  const second = await newUser(browser, b, run);
  await befriend(first, second);
  await openDm(first, second);
  await openDm(second, first);
  return [first, second];
}

test('formatting arrives as elements and markup as text', async ({ browser }) => {
  test.setTimeout(120_000);
  const [alice, bob] = await twoFriendsInADm(browser, 'alice', 'bob');
  const dialogs: string[] = [];
  forbidDialogs(alice.page, dialogs);
  forbidDialogs(bob.page, dialogs);

  await send(alice.page, FORMATTED);
  await send(alice.page, PAYLOADS);
  await send(alice.page, BLOCKS);
  await expect(bodies(bob.page)).toHaveCount(3);

  // Bob sees the formatting as elements.
  const formatted = bodies(bob.page).nth(0);
  await expect(formatted.locator('strong')).toHaveText('bold');
  await expect(formatted.locator('em')).toHaveText('it');
  await expect(formatted.locator('del, s')).toHaveText('gone');
  await expect(formatted.locator('code')).toHaveText('code');
  const link = formatted.getByRole('link', { name: 'https://example.com' });
  await expect(link).toHaveAttribute('href', 'https://example.com');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(formatted).toHaveText('bold it gone code https://example.com');

  const blocks = bodies(bob.page).nth(2);
  await expect(blocks.locator('blockquote')).toContainText('Quoted, with a link');
  await expect(blocks.locator('blockquote a')).toHaveAttribute('href', 'https://example.org/docs');
  await expect(blocks.locator('ul > li')).toHaveText(['first item', 'second item']);
  await expect(blocks.locator('pre code')).toContainText('fn main()');

  // The payloads are shown as the text they are, on both sides (Alice's copy was drawn while
  // pending, then as stored).
  for (const page of [alice.page, bob.page]) {
    const payloads = bodies(page).nth(1);
    await expect(payloads).toContainText('<script>alert(1)</script>');
    await expect(payloads).toContainText('<img src=x onerror=alert(1)>');
    await expect(payloads).toContainText('md link');
    await expect(payloads).toContainText('javascript:alert(1)');
    const list = page.getByTestId('messages');
    await expect(list.locator('script, img, iframe, object, embed, details')).toHaveCount(0);
    const hrefs = await list.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => /javascript:/i.test(h))).toEqual([]);
    expect(hrefs.filter((h) => !/^(https?:\/\/|mailto:)/i.test(h))).toEqual([]);
    const handlers = await list.evaluate((root) =>
      [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith('on')),
    );
    expect(handlers).toEqual([]);
  }

  // An image's onerror or an svg's onload would have fired by now.
  await bob.page.waitForTimeout(500);
  expect(dialogs).toEqual([]);

  await shoot(bob.page, 'formatting-desktop');
  await shoot(alice.page, 'formatting-own-desktop');
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await shoot(bob.page, 'formatting-phone');
  await alice.context.close();
  await bob.context.close();
});

test('the emoji picker puts the chosen emoji at the caret', async ({ browser }) => {
  test.setTimeout(120_000);
  const [carol, dave] = await twoFriendsInADm(browser, 'carol', 'dave');
  const page = carol.page;
  const composer = page.getByTestId('composer');
  const toggle = page.getByRole('button', { name: 'Emoji', exact: true });
  const picker = page.getByRole('dialog', { name: 'Emoji picker' });
  const search = picker.getByRole('searchbox', { name: 'Search emoji' });

  // With the mouse: search, pick; the emoji goes in where the caret was.
  await composer.fill('Hi there');
  await composer.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(2, 2));
  await toggle.click();
  await expect(picker).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(search).toBeFocused();
  await expect(picker.getByRole('group', { name: 'Smileys & emotion' })).toBeVisible();
  await search.fill('party popper');
  await expect(picker.getByRole('group')).toHaveCount(1);
  await expect(picker.getByRole('group').getByRole('button')).toHaveCount(1);
  await picker.getByRole('button', { name: 'party popper' }).click();
  await expect(picker).toHaveCount(0);
  await expect(composer).toBeFocused();
  await expect(composer).toHaveValue('Hi🎉 there');
  // The caret is after the emoji: typing goes on from there.
  await composer.press('!');
  await expect(composer).toHaveValue('Hi🎉! there');

  // With the keyboard: open, search, ↓ into the grid, → to the next one, Enter.
  await composer.press('End');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(search).toBeFocused();
  await page.keyboard.type('thumbs');
  await page.keyboard.press('ArrowDown');
  await expect(picker.getByRole('button', { name: 'thumbs up' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(picker.getByRole('button', { name: 'thumbs down' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(composer).toHaveValue('Hi🎉! there👎');

  // Esc closes without picking and gives the focus back to the text.
  await toggle.click();
  await expect(search).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(picker).toHaveCount(0);
  await expect(composer).toBeFocused();
  await expect(composer).toHaveValue('Hi🎉! there👎');

  await composer.press('Enter');
  await expect(bodies(dave.page)).toHaveText(['Hi🎉! there👎']);

  // Screenshots of the open picker, desktop then phone.
  await toggle.click();
  await expect(picker).toBeVisible();
  await shoot(page, 'emoji-picker-desktop');
  await page.keyboard.press('Escape');
  await page.setViewportSize({ width: 390, height: 844 });
  await toggle.click();
  await search.fill('heart');
  await expect(picker.getByRole('button', { name: 'red heart' })).toBeVisible();
  await shoot(page, 'emoji-picker-phone');
  await carol.context.close();
  await dave.context.close();
});

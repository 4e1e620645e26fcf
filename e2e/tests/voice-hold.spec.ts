// Press and hold on the microphone (Chromium's fake microphone, as in voice.spec.ts, which
// covers tap, Cancel and Send): while held, the recorder says "Release to send, slide away to
// cancel"; sliding far away or Escape ends it with nothing sent; holding about 1.5 s and
// releasing sends a voice message of about that length, which the other friend gets. The
// holding state is shot at phone width, light and dark, into artifacts/.
import { test, expect, type Page } from '@playwright/test';
import { withFakeMicrophone } from '../chromium';
import { befriend, newUser, openDm, runSuffix, shoot } from './support';

// The fake capture device and an automatic yes to the permission prompt, as in voice.spec.ts.
test.use({ launchOptions: withFakeMicrophone });

const run = runSuffix();
const HINT = 'Release to send, slide away to cancel';

/** "m:ss" as seconds. */
function seconds(clock: string): number {
  const [m, s] = clock.trim().split(':').map(Number);
  return m * 60 + s;
}

/** Puts the mouse on the microphone's centre and presses it. */
async function pressMicrophone(page: Page) {
  const box = (await page.getByRole('button', { name: 'Record a voice message' }).boundingBox())!;
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down();
  return centre;
}

test('holding the microphone records until release and sends; sliding away or Escape sends nothing', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  await alice.context.grantPermissions(['microphone']);
  await befriend(alice, bob);
  await openDm(alice, bob);
  await openDm(bob, alice);
  const page = alice.page;
  await page.setViewportSize({ width: 390, height: 844 });
  const recorder = page.getByTestId('voice-recorder');
  const hint = page.getByTestId('hold-hint');
  const composer = page.getByTestId('composer');

  // A long press opens no context menu (the page's contextmenu is prevented).
  const menuAllowed = await page
    .getByRole('button', { name: 'Record a voice message' })
    .evaluate((button) => button.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true })));
  expect(menuAllowed).toBe(false);

  // Hold, then slide far away: the recorder closes at once and the release sends nothing.
  const centre = await pressMicrophone(page);
  await expect(hint).toHaveText(HINT);
  await expect(recorder.getByTestId('recording-time')).toHaveText('0:01');
  await expect(recorder.getByRole('button')).toHaveCount(0);
  await shoot(page, 'voice-holding-phone');
  await page.mouse.move(centre.x - 250, centre.y - 300, { steps: 6 });
  await expect(recorder).toHaveCount(0);
  await page.mouse.up();
  await expect(composer).toBeVisible();

  // Hold, then Escape: the same.
  await pressMicrophone(page);
  await expect(hint).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(recorder).toHaveCount(0);
  await page.mouse.up();
  await expect(composer).toBeVisible();

  // Hold about 1.5 s and release: sent.
  await pressMicrophone(page);
  const downAt = Date.now();
  await expect(hint).toBeVisible();
  await page.waitForTimeout(Math.max(0, 1_500 - (Date.now() - downAt)));
  await page.mouse.up();
  await expect(recorder).toHaveCount(0);
  await expect(composer).toBeVisible();
  await expect(page.getByTestId('voice-note')).toHaveCount(1);
  await expect(page.getByTestId('voice-error')).toHaveCount(0);

  // Bob gets that one voice message only, about 1.5 s long.
  const voice = bob.page.getByTestId('voice-note');
  await expect(voice).toHaveCount(1);
  const length = seconds(await voice.locator('.voice-length').innerText());
  expect(length).toBeGreaterThanOrEqual(1);
  expect(length).toBeLessThanOrEqual(2);
  const audio = voice.locator('audio');
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration)).toBeGreaterThan(1.0);
  expect(await audio.evaluate((el: HTMLAudioElement) => el.duration)).toBeLessThan(2.6);
  await bob.page.waitForTimeout(500);
  await expect(voice).toHaveCount(1);
});

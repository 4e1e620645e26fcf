// Voice messages recorded in the app: Chromium's fake microphone (a real beep, with the
// permission granted and no prompt) feeds the composer's recorder. Cancelling sends nothing and
// turns the microphone off; a recording of about two seconds reaches the other friend as a
// voice message with its length and waveform, which plays (its time advances) and seeks from
// the waveform; a refused microphone is explained beside the composer. Screenshots of the
// recorder and the bubble at phone and desktop width, light and dark, go to artifacts/.
import { test, expect, type Page } from '@playwright/test';
import { withFakeMicrophone } from '../chromium';
import { befriend, newUser, openDm, runSuffix, shoot } from './support';

// This spec alone gets the fake microphone (a worker of its own): the same browser as the
// config's, plus the fake capture device and an automatic yes to the permission prompt.
test.use({ launchOptions: withFakeMicrophone });

const run = runSuffix();

/** Keeps every microphone stream the page opens, so the test can see its tracks stopped. */
async function watchMicrophone(page: Page) {
  await page.addInitScript(() => {
    const streams: MediaStream[] = [];
    (window as unknown as { __streams: MediaStream[] }).__streams = streams;
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await original(constraints);
      streams.push(stream);
      return stream;
    };
  });
  await page.reload();
}

/** How many microphone tracks the page opened, and how many are still live. */
function tracks(page: Page) {
  return page.evaluate(() => {
    const all = (window as unknown as { __streams: MediaStream[] }).__streams.flatMap((s) => s.getTracks());
    return { opened: all.length, live: all.filter((t) => t.readyState === 'live').length };
  });
}

/** "m:ss" as seconds. */
function seconds(clock: string): number {
  const [m, s] = clock.trim().split(':').map(Number);
  return m * 60 + s;
}

test('a friend records a voice message with the microphone; the other plays it; cancelling sends nothing', async ({ browser }) => {
  test.setTimeout(120_000);
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  await alice.context.grantPermissions(['microphone']);
  await watchMicrophone(alice.page);
  await befriend(alice, bob);
  await openDm(alice, bob);
  await openDm(bob, alice);

  // An empty composer offers the microphone where Send would be; text brings Send back.
  const mic = alice.page.getByRole('button', { name: 'Record a voice message' });
  const composer = alice.page.getByTestId('composer');
  await expect(mic).toBeVisible();
  await expect(alice.page.getByRole('button', { name: 'Send', exact: true })).toHaveCount(0);
  await composer.fill('hi');
  await expect(mic).toHaveCount(0);
  await expect(alice.page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();
  await composer.fill('');

  // Cancel: the recorder goes, nothing is sent, and the microphone is off again.
  await mic.click();
  const recorder = alice.page.getByTestId('voice-recorder');
  await expect(recorder).toBeVisible();
  await expect(composer).toHaveCount(0);
  await expect(recorder.getByTestId('recording-time')).toHaveText('0:01');
  expect((await tracks(alice.page)).live).toBe(1);
  await recorder.getByRole('button', { name: 'Cancel voice message' }).click();
  await expect(recorder).toHaveCount(0);
  await expect(composer).toBeVisible();
  await expect.poll(async () => (await tracks(alice.page)).live).toBe(0);

  // Record about two seconds, with the level meter moving, and send.
  await mic.click();
  await expect(recorder.getByTestId('recording-time')).toHaveText('0:02');
  await expect.poll(() => recorder.getByTestId('level-meter').locator('rect').count()).toBeGreaterThan(10);
  await shoot(alice.page, 'voice-recording-desktop');
  await alice.page.setViewportSize({ width: 390, height: 844 });
  await shoot(alice.page, 'voice-recording-phone');
  await recorder.getByRole('button', { name: 'Send voice message' }).click();
  await expect(recorder).toHaveCount(0);
  await expect.poll(async () => (await tracks(alice.page)).live).toBe(0);
  expect((await tracks(alice.page)).opened).toBe(2);
  await expect(alice.page.getByTestId('voice-note')).toHaveCount(1);
  await expect(alice.page.getByTestId('voice-error')).toHaveCount(0);

  // Bob gets exactly one voice message (the cancelled one never left): a length of at least a
  // second, a waveform, and a player that plays.
  const voice = bob.page.getByTestId('voice-note');
  await expect(voice).toHaveCount(1);
  const length = seconds(await voice.locator('.voice-length').innerText());
  expect(length).toBeGreaterThanOrEqual(1);
  expect(length).toBeLessThanOrEqual(5);
  const bars = voice.getByTestId('waveform').locator('rect');
  expect(await bars.count()).toBeGreaterThanOrEqual(10);
  const audio = voice.locator('audio');
  await expect(audio).toHaveAttribute('src', /[?&]access=/);
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.readyState)).toBeGreaterThanOrEqual(1);
  // A recording from MediaRecorder has no length in its header; the app has the browser learn it,
  // so its own slider can seek too.
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration)).toBeLessThan(length + 1);
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBe(0);
  await expect(voice.locator('rect.played')).toHaveCount(0);
  await audio.evaluate((el: HTMLAudioElement) => el.play());
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.3);
  await audio.evaluate((el: HTMLAudioElement) => el.pause());
  const paused = await audio.evaluate((el: HTMLAudioElement) => [el.paused, el.currentTime] as const);
  expect(paused[0]).toBe(true);
  await bob.page.waitForTimeout(400);
  expect(await audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBe(paused[1]);
  // A click on the waveform's last quarter seeks there, and the bars before it show as played.
  const box = (await voice.getByTestId('waveform').boundingBox())!;
  await bob.page.mouse.click(box.x + box.width * 0.8, box.y + box.height / 2);
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBeGreaterThan(length * 0.5);
  await expect.poll(() => voice.locator('rect.played').count()).toBeGreaterThan(0);
  await shoot(bob.page, 'voice-note-desktop');
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await bob.page.getByTestId('messages').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(voice).toBeInViewport();
  await shoot(bob.page, 'voice-note-phone');

  // A microphone refused by the browser says so beside the composer, which stays as it was.
  await bob.page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await bob.page.reload();
  await bob.page.getByRole('button', { name: 'Record a voice message' }).click();
  await expect(bob.page.getByTestId('voice-error')).toHaveText(/may not use your microphone/);
  await expect(bob.page.getByTestId('voice-recorder')).toHaveCount(0);
  await expect(bob.page.getByTestId('composer')).toBeVisible();
  await shoot(bob.page, 'voice-denied-phone');
});

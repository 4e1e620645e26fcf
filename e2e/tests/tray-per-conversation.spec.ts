// A file waiting in the composer (uploaded, not yet sent) stays with its conversation: Alice
// attaches a file in her DM with Bob, looks at her DM with Carol (whose tray is empty), comes
// back, finds the file still there and sends it; Bob gets it, Carol gets nothing.
import { test, expect } from '@playwright/test';
import { befriend, newUser, openDm, runSuffix } from './support';

const run = runSuffix();

test('a file waiting in the composer is still there after visiting another conversation', async ({ browser }) => {
  test.setTimeout(90_000);
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  const carol = await newUser(browser, 'carol', run);
  await befriend(alice, bob);
  await befriend(alice, carol);
  await openDm(alice, carol);
  await openDm(alice, bob);
  await openDm(bob, alice);

  const chips = alice.page.getByTestId('attachment-chip');
  await alice.page.getByTestId('attach-input').setInputFiles([
    { name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Minutes of the meeting\n') },
  ]);
  await expect(chips).toHaveCount(1);
  await expect(chips).toHaveAttribute('data-state', 'done');

  await openDm(alice, carol);
  await expect(chips).toHaveCount(0);
  await openDm(alice, bob);
  await expect(chips).toHaveCount(1);
  await expect(chips).toContainText('minutes.txt');
  await expect(chips).toHaveAttribute('data-state', 'done');

  await alice.page.getByRole('button', { name: 'Send' }).click();
  await expect(chips).toHaveCount(0);
  await expect(bob.page.getByTestId('file-card')).toContainText('minutes.txt');
  await openDm(carol, alice);
  await expect(carol.page.getByTestId('file-card')).toHaveCount(0);
  await expect(carol.page.getByTestId('message')).toHaveCount(0);
});

// Presence detail in a DM's header: "online" while the friend has the app open, then "last seen
// just now" (from the presence frame) when they close it, and the same after a reload (from the
// friends list in `ready`), instead of a bare "offline".
import { test, expect } from '@playwright/test';
import { befriend, newUser, openDm, runSuffix, shoot } from './support';

const run = runSuffix();

test('a DM says when the friend was last seen', async ({ browser }) => {
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  await befriend(alice, bob);
  await openDm(alice, bob);
  const status = alice.page.locator('.conversation-head').getByText(/^(online|offline|last seen .*)$/);
  await expect(status).toHaveText('online');
  await bob.context.close();
  await expect(status).toHaveText('last seen just now');
  await alice.page.reload();
  await expect(status).toHaveText('last seen just now');
  await shoot(alice.page, 'last-seen');
});

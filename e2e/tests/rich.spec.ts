// Rich messages in the real app: two friends in a group react (and take a reaction back),
// mention each other from the autocomplete, pin a message (the pinned bar at both ends), forward
// a message into their DM, and see the group's rename and a member's removal as lines in the
// history at both ends, also after a reload. Screenshots at phone and desktop width, light and
// dark, go to artifacts/.
import { test, expect, type Page } from '@playwright/test';
import { befriend, bodies, createGroup, nav, newUser, openDm, runSuffix, send, shoot } from './support';

const run = runSuffix();

async function openConversation(page: Page, title: string) {
  // On a phone an open conversation hides the main navigation: its back link leads to the list.
  const back = page.getByRole('link', { name: 'Back to conversations' });
  if (await back.isVisible()) await back.click();
  else await nav(page, 'Chats').click();
  await page.getByTestId('conversations').locator(`li[data-title="${title}"] a`).click();
  await expect(page.getByTestId('conversation-title')).toHaveText(title);
}

function message(page: Page, text: string) {
  return page.getByTestId('messages').getByTestId('message').filter({ hasText: text });
}

test('friends react, mention, pin, forward and see group changes as lines', async ({ browser }) => {
  test.setTimeout(180_000);
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  const carol = await newUser(browser, 'carol', run);
  await befriend(alice, bob);
  await befriend(alice, carol);

  const group = `Plans ${run}`;
  await createGroup(alice, group, [bob, carol]);
  await openConversation(bob.page, group);
  await expect(bob.page.getByTestId('conversation-line').first()).toContainText(`created the group “${group}”`);

  // Alice mentions Bob, picked from the autocomplete with the keyboard.
  const composer = alice.page.getByTestId('composer');
  await composer.fill('Dinner on Friday? @' + bob.username.slice(0, 3));
  await expect(alice.page.getByTestId('mention-option').first()).toContainText(bob.username);
  await composer.press('Enter');
  await expect(composer).toHaveValue(`Dinner on Friday? @${bob.username} `);
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
  const dinner = message(bob.page, 'Dinner on Friday?');
  await expect(dinner).toHaveClass(/mentions-me/);
  await expect(message(alice.page, 'Dinner on Friday?')).not.toHaveClass(/mentions-me/);

  // Bob reacts with a thumbs up from the palette; Alice sees the chip live, and joins it.
  await dinner.hover();
  await dinner.getByTestId('react').click();
  await bob.page.getByRole('button', { name: 'React with 👍' }).click();
  const aliceChip = message(alice.page, 'Dinner on Friday?').getByTestId('reaction');
  await expect(aliceChip).toHaveText('👍1');
  await expect(aliceChip).toHaveAttribute('aria-pressed', 'false');
  await aliceChip.click();
  await expect(aliceChip).toHaveText('👍2');
  await expect(aliceChip).toHaveAttribute('aria-pressed', 'true');
  await expect(dinner.getByTestId('reaction')).toHaveText('👍2');
  // Bob takes his back.
  await dinner.getByTestId('reaction').click();
  await expect(aliceChip).toHaveText('👍1');
  await expect(aliceChip).toHaveAttribute('aria-label', /^👍1: You reacted with 👍$/);

  // Alice pins the message: the pinned bar appears at both ends, with a line in the history.
  const mine = message(alice.page, 'Dinner on Friday?');
  await mine.hover();
  await mine.getByTestId('pin').click();
  for (const user of [alice, bob]) {
    await expect(user.page.getByTestId('pinned-bar')).toContainText('Dinner on Friday?');
    await expect(user.page.getByTestId('conversation-line').last()).toContainText('pinned a message');
  }
  // Plain members cannot pin in a group.
  await dinner.hover();
  await expect(dinner.getByTestId('pin')).toHaveCount(0);

  // Alice renames the group and removes Carol: lines at both ends.
  await alice.page.getByTestId('details-toggle').click();
  const renamed = `Friday ${run}`;
  await alice.page.getByLabel('Group title').fill(renamed);
  await alice.page.getByRole('button', { name: 'Rename' }).click();
  await alice.page.getByTestId('description-input').fill('Where and when we eat');
  await alice.page.getByRole('button', { name: 'Save description' }).click();
  await expect(bob.page.getByTestId('conversation-sub')).toContainText('Where and when we eat');
  await alice.page.locator(`li[data-username="${carol.username}"]`).getByRole('button', { name: 'Remove' }).click();
  await alice.page.getByRole('alertdialog', { name: `Remove ${carol.name} from the group?` }).getByRole('button', { name: 'Remove' }).click();
  await alice.page.getByTestId('details-toggle').click();
  for (const user of [alice, bob]) {
    const lines = user.page.getByTestId('conversation-line');
    await expect(lines.filter({ hasText: `renamed the group to “${renamed}”` })).toHaveCount(1);
    await expect(lines.filter({ hasText: `removed ${carol.name}` })).toHaveCount(1);
    await expect(lines.filter({ hasText: 'changed the group description' })).toHaveCount(1);
  }
  await expect(alice.page.getByTestId('conversation-line').filter({ hasText: 'removed' })).toContainText('You removed');
  await shoot(bob.page, 'rich-group-desktop');

  // After a reload the lines, the pin and the reaction come back from the server.
  await bob.page.reload();
  await expect(bob.page.getByTestId('conversation-line').filter({ hasText: 'renamed the group' })).toHaveCount(1);
  await expect(bob.page.getByTestId('pinned-bar')).toContainText('Dinner on Friday?');
  await expect(message(bob.page, 'Dinner on Friday?').getByTestId('reaction')).toHaveText('👍1');

  // Bob forwards the message into his DM with Alice; it arrives marked "Forwarded".
  await openDm(alice, bob);
  const again = message(bob.page, 'Dinner on Friday?');
  await again.hover();
  await again.getByTestId('forward').click();
  const dialog = bob.page.getByTestId('forward-dialog');
  await dialog.getByTestId('forward-target').filter({ hasText: alice.name }).locator('input').check();
  await dialog.getByTestId('forward-send').click();
  await expect(dialog).toHaveCount(0);
  await expect(bodies(alice.page)).toHaveText([`Dinner on Friday? @${bob.username}`]);
  await expect(message(alice.page, 'Dinner on Friday?').getByTestId('forwarded')).toHaveText('Forwarded');

  // Read by: Bob has read Alice's message in the group.
  await openConversation(alice.page, renamed);
  const hers = message(alice.page, 'Dinner on Friday?');
  await hers.hover();
  await hers.getByTestId('read-by-toggle').click();
  await expect(alice.page.getByTestId('readers')).toContainText(bob.name);

  // Bob mutes and archives the group: it leaves his list (behind "Archived (1)") until Alice
  // writes again; the mute shows as a bell and a grey badge.
  await bob.page.getByTestId('mute').selectOption('week');
  await expect(bob.page.getByTestId('mute')).toHaveValue('keep');
  await bob.page.getByTestId('archive').click();
  await expect(bob.page.getByTestId('archive')).toHaveText('Unarchive');
  await openDm(bob, alice);
  const bobsList = bob.page.getByTestId('conversations');
  await expect(bobsList.locator(`li[data-title="${renamed}"]`)).toHaveCount(0);
  await expect(bob.page.getByTestId('archive-toggle')).toHaveText('Archived (1)');
  await send(alice.page, 'Still on?');
  const back = bobsList.locator(`li[data-title="${renamed}"]`);
  await expect(back).toHaveCount(1);
  await expect(back.getByTestId('unread')).toHaveClass(/muted/);
  await expect(back.getByLabel('Muted')).toBeVisible();

  // Phone width, light and dark.
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await openConversation(bob.page, renamed);
  await shoot(bob.page, 'rich-group-phone');
});

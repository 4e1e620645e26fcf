// Attachments in the real app: in a DM, one friend attaches a picture and a PDF (made here, in
// memory) with the paper clip, sees them upload into the tray and sends them with no text; the
// other sees the thumbnail (fetched with the media-access token), opens the viewer, closes it
// with Esc (focus back on the thumbnail), downloads the PDF from its card, byte for byte, and
// replies to it (the quote names the attachments). A pasted and a dropped picture go together
// with a caption and are stepped through with the arrow keys. On a slow uplink an upload shows
// its progress and is cancelled; a file over the server's limit is refused with the server's
// reason beside the composer. A shared location arrives as a card with a geo: link, and a
// voice message as its waveform, length and a player; a profile photo chosen in Settings
// replaces the initials, and so does a group's photo set from its members panel.
// Screenshots at phone and desktop width, light and dark, go to artifacts/.
import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { test, expect, type Page } from '@playwright/test';
import { befriend, createGroup, newUser, openDm, runSuffix, send, shoot } from './support';

const run = runSuffix();

/** CRC-32 as PNG chunks need it (Node 20 has no zlib.crc32). */
function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width`×`height` RGB PNG: a diagonal gradient, so a broken or blank picture shows. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter method, no interlace
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < width; x++) rows.push((x * 255) / width, (y * 255) / height, 160);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-page PDF saying hello. */
function pdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    '<< /Length 41 >>\nstream\nBT /F1 18 Tf 20 40 Td (Hello Bob) Tj ET\nendstream',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

/** `ms` milliseconds of a 440 Hz tone as an 8 kHz, 8-bit mono WAV. */
function wav(ms: number): Buffer {
  const samples = Math.round((8000 * ms) / 1000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24); // sample rate
  header.writeUInt32LE(8000, 28); // byte rate
  header.writeUInt16LE(1, 32); // block align
  header.writeUInt16LE(8, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples, 40);
  const data = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) data[i] = 128 + Math.round(100 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return Buffer.concat([header, data]);
}

/** Whether `page`'s picture `img` has loaded real pixels. */
async function loaded(img: ReturnType<Page['locator']>) {
  return img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0);
}

test('friends share pictures, a PDF, a location and a voice message, and set profile and group photos', async ({ browser }) => {
  test.setTimeout(180_000);
  const alice = await newUser(browser, 'alice', run);
  const bob = await newUser(browser, 'bob', run);
  await befriend(alice, bob);
  await openDm(alice, bob);
  await openDm(bob, alice);

  const picture = png(640, 400);
  const notes = pdf();
  await alice.page.getByTestId('attach-input').setInputFiles([
    { name: 'sunset.png', mimeType: 'image/png', buffer: picture },
    { name: 'notes.pdf', mimeType: 'application/pdf', buffer: notes },
  ]);
  const chips = alice.page.getByTestId('attachment-chip');
  await expect(chips).toHaveCount(2);
  await expect(chips.nth(0)).toHaveAttribute('data-state', 'done');
  await expect(chips.nth(1)).toHaveAttribute('data-state', 'done');
  // The stored picture's thumbnail replaces its icon in the tray.
  await expect.poll(() => loaded(chips.nth(0).locator('img'))).toBe(true);
  await expect(chips.nth(1)).toContainText('notes.pdf');
  await shoot(alice.page, 'media-tray-desktop');

  // Sent with no text: the tray empties, and the message has attachments but no text block.
  await alice.page.getByRole('button', { name: 'Send' }).click();
  await expect(chips).toHaveCount(0);
  const sent = alice.page.getByTestId('messages').getByTestId('message').filter({ has: alice.page.getByTestId('file-card') });
  await expect(sent.getByTestId('ticks')).toHaveAttribute('data-state', /sent|read/);
  await expect(sent.getByTestId('message-body')).toHaveCount(0);

  // Bob sees it live: a thumbnail with its space reserved, and the PDF's card.
  const received = bob.page.getByTestId('messages').getByTestId('message').filter({ has: bob.page.getByTestId('file-card') });
  const tile = received.getByTestId('image-tile');
  await expect(tile).toHaveCount(1);
  const thumbnail = tile.getByRole('img', { name: 'sunset.png' });
  await expect(thumbnail).toHaveAttribute('width', '280');
  await expect(thumbnail).toHaveAttribute('height', '175');
  await expect(thumbnail).toHaveAttribute('loading', 'lazy');
  await expect.poll(() => loaded(thumbnail)).toBe(true);
  // Under it, its blurred colours (the server's ThumbHash) for while it loads.
  await expect(tile.locator('img.placeholder')).toHaveAttribute('src', /^data:image\/bmp;base64,/);
  await expect.poll(() => loaded(tile.locator('img.placeholder'))).toBe(true);
  await expect(received.getByTestId('message-body')).toHaveCount(0);
  const card = received.getByTestId('file-card');
  await expect(card).toContainText('notes.pdf');
  await expect(card).toContainText(/PDF · \d/);
  // The conversation list says what came, since there is no text.
  await expect(bob.page.getByTestId('conversation').filter({ hasText: alice.name })).toContainText('📎 2 attachments');
  await expect(alice.page.getByTestId('conversation').filter({ hasText: bob.name })).toContainText('You: 📎 2 attachments');
  await shoot(bob.page, 'media-desktop');

  // The viewer: the full picture in a modal dialog; Esc closes it and focus returns.
  await tile.click();
  const viewer = bob.page.getByRole('dialog', { name: 'sunset.png' });
  await expect(viewer).toBeVisible();
  await expect.poll(() => loaded(viewer.getByTestId('viewer-image'))).toBe(true);
  await expect(viewer.getByRole('button', { name: 'Close' })).toBeFocused();
  // Focus stays inside: Tab cycles through the dialog's own controls.
  for (let i = 0; i < 3; i++) {
    await bob.page.keyboard.press('Tab');
    expect(await viewer.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await shoot(bob.page, 'media-viewer-desktop');
  await bob.page.keyboard.press('Escape');
  await expect(viewer).toHaveCount(0);
  await expect(tile).toBeFocused();

  // The PDF downloads byte for byte.
  const [download] = await Promise.all([bob.page.waitForEvent('download'), card.getByRole('link', { name: 'Download notes.pdf' }).click()]);
  expect(download.suggestedFilename()).toBe('notes.pdf');
  const saved = await readFile(await download.path());
  expect(saved.equals(notes)).toBe(true);

  // Bob replies to it: with no text to quote, the quote says what it was.
  await received.hover();
  await received.getByRole('button', { name: 'Reply' }).click();
  await expect(bob.page.getByTestId('replying')).toContainText('📎 2 attachments');
  await send(bob.page, 'Nice colours');
  const reply = alice.page.getByTestId('message').filter({ hasText: 'Nice colours' });
  await expect(reply.locator('.reply-quote')).toContainText('📎 2 attachments');

  // Bob pastes a picture into the composer and drops another on the conversation, then sends
  // both with a caption: Alice sees two thumbnails in a grid and steps between them.
  await bob.page.getByTestId('composer').evaluate((el, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, [...png(300, 480)]);
  await bob.page.getByTestId('messages').evaluate((el, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      el.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }
  }, [...png(480, 300)]);
  const bobChips = bob.page.getByTestId('attachment-chip');
  await expect(bobChips).toHaveCount(2);
  await expect(bobChips.nth(0)).toContainText('pasted.png');
  await expect(bobChips.nth(1)).toContainText('dropped.png');
  await expect(bobChips.nth(1)).toHaveAttribute('data-state', 'done');
  await expect(bobChips.nth(0)).toHaveAttribute('data-state', 'done');
  await send(bob.page, 'Two more');
  const pair = alice.page.getByTestId('message').filter({ hasText: 'Two more' });
  await expect(pair.getByTestId('image-tile')).toHaveCount(2);
  await expect(pair.getByTestId('message-body')).toHaveText('Two more');
  await pair.getByTestId('image-tile').first().click();
  const pairViewer = alice.page.getByRole('dialog');
  await expect(pairViewer).toHaveAccessibleName('pasted.png');
  await expect(pairViewer).toContainText('1 of 2');
  await alice.page.keyboard.press('ArrowRight');
  await expect(pairViewer).toHaveAccessibleName('dropped.png');
  await expect(pairViewer).toContainText('2 of 2');
  await alice.page.keyboard.press('ArrowRight');
  await expect(pairViewer).toHaveAccessibleName('pasted.png');
  await alice.page.keyboard.press('Escape');
  await expect(pairViewer).toHaveCount(0);
  await expect(pair.getByTestId('image-tile').first()).toBeFocused();
  await shoot(alice.page, 'media-grid-desktop');

  // Alice shares her location: Bob sees a card that opens his map app, and the list says so.
  await alice.context.grantPermissions(['geolocation']);
  await alice.context.setGeolocation({ latitude: 48.85837, longitude: 2.294481, accuracy: 12 });
  await alice.page.getByRole('button', { name: 'Share location' }).click();
  const place = bob.page.getByTestId('location-card');
  await expect(place).toContainText('48.85837° N, 2.29448° E');
  await expect(place).toContainText('within 12 m');
  await expect(place).toHaveAttribute('href', 'geo:48.858370,2.294481;u=12');
  await expect(bob.page.getByTestId('conversation').filter({ hasText: alice.name })).toContainText('📍 Location');
  await shoot(bob.page, 'media-location-desktop');

  // A voice message sent through the API as Alice (a WAV with its duration and waveform; the
  // microphone's own path is voice.spec.ts) plays in Bob's app, drawn as bars with its length.
  const login = await alice.page.request.post('/api/v1/auth/login', {
    data: { username: alice.username, password: 'alice-secret-pw' },
  });
  const bearer = { Authorization: `Bearer ${(await login.json()).access_token}` };
  const levels = Array.from({ length: 64 }, (_, i) => Math.round(127 + 120 * Math.sin(i / 4)));
  const uploaded = await alice.page.request.post('/api/v1/media', {
    headers: bearer,
    multipart: {
      kind: 'voice',
      duration_ms: '2300',
      waveform: levels.join(','),
      file: { name: 'voice.wav', mimeType: 'audio/wav', buffer: wav(2300) },
    },
  });
  expect(uploaded.status()).toBe(201);
  const conversation = /\/chat\/([0-9a-f-]{36})/.exec(alice.page.url())?.[1];
  const spoken = await alice.page.request.post(`/api/v1/conversations/${conversation}/messages`, {
    headers: bearer,
    data: { client_msg_id: crypto.randomUUID(), body: '', attachments: [(await uploaded.json()).id] },
  });
  expect(spoken.ok()).toBe(true);
  const voice = bob.page.getByTestId('voice-note');
  await expect(voice).toContainText('0:02');
  await expect(voice.getByTestId('waveform').locator('rect')).toHaveCount(48);
  await expect(voice.locator('audio')).toHaveAttribute('src', /[?&]access=/);
  await expect(voice.locator('audio')).toHaveAttribute('aria-label', 'Voice message, 0:02');
  await expect(bob.page.getByTestId('conversation').filter({ hasText: alice.name })).toContainText('🎤 Voice message (0:02)');
  await shoot(bob.page, 'media-voice-desktop');

  // Alice chooses a profile photo in Settings: her header shows it, and so does Bob's app
  // instead of her initials.
  await alice.page.getByRole('link', { name: 'Settings' }).click();
  await alice.page.getByTestId('photo-input').setInputFiles([{ name: 'me.png', mimeType: 'image/png', buffer: png(200, 200) }]);
  await expect(alice.page.getByRole('button', { name: 'Change photo' })).toBeVisible();
  await expect.poll(() => loaded(alice.page.locator('.me-link img.avatar'))).toBe(true);
  await shoot(alice.page, 'media-settings-photo-desktop');
  await openDm(alice, bob);
  await bob.page.reload();
  const face = bob.page.getByTestId('conversation').filter({ hasText: alice.name }).locator('img.avatar');
  await expect(face).toHaveAttribute('src', /[?&]access=/);
  await expect.poll(() => loaded(face)).toBe(true);
  await expect(voice).toBeVisible();

  // Phone width.
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await bob.page.getByTestId('messages').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(voice).toBeInViewport();
  await shoot(bob.page, 'media-phone');
  await tile.click();
  await expect(viewer).toBeVisible();
  await shoot(bob.page, 'media-viewer-phone');
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(viewer).toHaveCount(0);

  // On a slow uplink the tray shows the upload's progress, and × cancels it: no error, no chip.
  await alice.page.setViewportSize({ width: 390, height: 844 });
  const cdp = await alice.context.newCDPSession(alice.page);
  await cdp.send('Network.enable');
  const uplink = (bytesPerSecond: number) =>
    cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });
  await uplink(256 * 1024);
  await alice.page.getByTestId('attach-input').setInputFiles([
    { name: 'slow.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(4 * 1024 * 1024, 7) },
  ]);
  const slow = chips.filter({ hasText: 'slow.bin' });
  await expect(slow).toHaveAttribute('data-state', 'uploading');
  const bar = slow.getByRole('progressbar', { name: 'Uploading slow.bin' });
  await expect.poll(() => bar.evaluate((p: HTMLProgressElement) => p.value)).toBeGreaterThan(0);
  await shoot(alice.page, 'media-progress-phone');
  await slow.getByRole('button', { name: 'Cancel upload of slow.bin' }).click();
  await expect(chips).toHaveCount(0);
  await expect(alice.page.getByTestId('upload-error')).toHaveCount(0);
  await uplink(-1);

  // Over the limit (25 MiB): refused with the server's reason beside the composer.
  await alice.page.getByTestId('attach-input').setInputFiles([
    { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(25 * 1024 * 1024 + 1) },
  ]);
  await expect(alice.page.getByTestId('upload-error')).toContainText('huge.bin');
  await expect(chips).toHaveCount(0);
  await shoot(alice.page, 'media-error-phone');

  // A group's photo, set from its members panel: a line in the history, and the group's
  // avatar in Bob's list, live.
  await alice.page.setViewportSize({ width: 1280, height: 800 });
  const group = `Pictures ${run}`;
  await createGroup(alice, group, [bob]);
  await alice.page.getByTestId('details-toggle').click();
  await alice.page.getByTestId('photo-input').setInputFiles([{ name: 'group.png', mimeType: 'image/png', buffer: png(120, 90) }]);
  await expect(alice.page.getByRole('button', { name: 'Change photo' })).toBeVisible();
  await expect(alice.page.getByTestId('conversation-line').last()).toHaveText(/You changed the group photo/);
  await bob.page.setViewportSize({ width: 1280, height: 800 });
  const groupFace = bob.page.getByTestId('conversation').filter({ hasText: group }).locator('img.avatar');
  await expect.poll(() => loaded(groupFace)).toBe(true);

  await alice.context.close();
  await bob.context.close();
});

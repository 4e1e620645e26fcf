// The browser every spec drives: Debian's Chromium (never a downloaded one) and the flags it
// needs on these machines. Without the background-networking flags it keeps trying to reach
// Google's hosts, which the closed network refuses; the rest keep runs quiet and repeatable.

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch options for specs that record voice: Chromium's fake microphone (a real beep) and an
 * automatic yes to the permission prompt, with playback allowed without a gesture. */
export const withFakeMicrophone = {
  executablePath: chromiumPath,
  args: [
    ...chromiumArgs,
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ],
};

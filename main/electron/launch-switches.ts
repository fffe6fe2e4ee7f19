/**
 * Chromium switches the kiosk must be started with. They must be on the command line itself:
 * the platform is chosen before the app's code runs, so `app.commandLine.appendSwitch` is too late
 * for it. electron-builder's `executableArgs` reach only the desktop entry, so the service's start
 * line (packaging/linux/checkpoint-kiosk-session, which the systemd unit runs under cage) carries
 * them too; test/unit/electron-packaging.test.ts checks both against this list.
 */
export const KIOSK_CHROMIUM_SWITCHES = ['--ozone-platform=wayland'] as const;

/**
 * A warning when the shell runs on Linux without the explicit Wayland switch (null when fine):
 * under cage Chromium would otherwise guess, and fall back to X11 where there is none.
 */
export function platformSwitchWarning(platform: NodeJS.Platform, switchValue: (name: string) => string): string | null {
  if (platform !== 'linux') return null;
  const ozone = switchValue('ozone-platform');
  if (ozone === 'wayland') return null;
  return `started without --ozone-platform=wayland (ozone-platform is "${ozone}"); the kiosk service starts it with ${KIOSK_CHROMIUM_SWITCHES.join(' ')} (packaging/linux/checkpoint-kiosk-session)`;
}

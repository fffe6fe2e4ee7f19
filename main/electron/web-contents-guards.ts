import type { Session, WebContents } from 'electron';
import { APP_ORIGIN } from './channels.js';

/**
 * Applied to every web contents the app creates: no navigation away, no new windows, no webviews.
 * The kiosk has no external links at all, so everything is denied rather than filtered.
 */
export function guardWebContents(contents: WebContents, log: (msg: string) => void = () => {}): void {
  contents.on('will-navigate', (event, url) => {
    if (isOwnEntry(url)) return;
    event.preventDefault();
    log(`navigation refused (${safeOrigin(url)})`);
  });
  contents.on('will-redirect', (event, url) => {
    if (isOwnEntry(url)) return;
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log(`new window refused (${safeOrigin(url)})`);
    return { action: 'deny' };
  });
}

/** Reloads of our own page are allowed; anything else is not. */
export function isOwnEntry(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'unparseable URL';
  }
}

/** Camera, microphone, notifications, serial, HID ...: the renderer needs none of them. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

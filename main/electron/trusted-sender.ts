import { APP_ORIGIN } from './channels.js';

/** The parts of an IPC event the check reads (Electron's IpcMainEvent has them). */
export interface SenderLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * True only for a message from the main frame of one of our own windows showing our own origin.
 * Sub-frames, detached frames, other web contents and other origins are refused (Electron security
 * checklist item 17; the URL is parsed, never prefix-matched).
 */
export function isTrustedSender(event: SenderLike, ourWebContentsIds: ReadonlySet<number>): boolean {
  if (!ourWebContentsIds.has(event.sender.id)) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return url.origin === APP_ORIGIN || `${url.protocol}//${url.host}` === APP_ORIGIN;
}

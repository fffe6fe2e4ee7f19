/** The ID-card reader protocols the kiosk speaks: SAM frames (docs/protocols/sam-reader.md §2–§5) or a number per ASCII line (docs/protocols/ascii-line.md §5). */
export type IdCardProtocol = 'sam' | 'ascii-line';

export const IDCARD_PROTOCOLS: readonly IdCardProtocol[] = ['sam', 'ascii-line'];

/** SAM modules' factory rate, 8N1 (docs/protocols/sam-reader.md §1; other rates only after a set-baud command). */
export const SAM_DEFAULT_BAUD = 115200;
/**
 * ASCII-line (keyboard-wedge style) readers: no public protocol exists (docs/protocols/ascii-line.md §5); 9600 8N1 is
 * the rate such serial modules ship with. A technician sets the real one with `baudRate`.
 */
export const LINE_READER_DEFAULT_BAUD = 9600;

/** The line speed to open an ID-card reader's port at when the configuration gives none. */
export function defaultIdCardBaud(protocol: IdCardProtocol): number {
  return protocol === 'sam' ? SAM_DEFAULT_BAUD : LINE_READER_DEFAULT_BAUD;
}

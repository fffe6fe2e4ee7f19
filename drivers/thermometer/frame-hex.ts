const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

/** Bytes as upper-case hex pairs separated by spaces (`5A 5A 45 04`): the `raw` form of binary frames. */
export function frameHex(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += i === 0 ? BYTE_HEX[bytes[i]!] : ` ${BYTE_HEX[bytes[i]!]}`;
  return text;
}

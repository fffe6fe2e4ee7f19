/** Bytes as upper-case hex pairs separated by spaces (`5A 5A 45 04`): the `raw` form of binary frames. */
export function frameHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');
}

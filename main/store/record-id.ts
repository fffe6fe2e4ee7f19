import { uuidv7 } from 'uuidv7';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A new record id: UUIDv7 (time-ordered), also the record's upload idempotency key. */
export const newRecordId = (): string => uuidv7();

export function assertRecordId(id: string, what: string): void {
  if (!UUID_V7.test(id)) throw new Error(`${what} id "${id}" is not a UUIDv7; create ids with uuidv7() (they are the upload idempotency keys)`);
}

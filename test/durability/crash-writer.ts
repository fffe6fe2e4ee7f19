/**
 * Child process of crash.test.ts: opens the store in argv[2] and writes records as fast as it can,
 * printing one line per commit *after* commit() returned (stdout to a pipe is synchronous on Linux,
 * so a printed line means the commit was acknowledged before the kill):
 *   ACK <screeningId> <round> <index>
 *   ACKD <dispositionId> <screeningId>
 *   ACKS <value>             (a settings change, which also appends an audit entry; round·10⁶ + index)
 * The parent kills it with SIGKILL at a random moment.
 */
import { KioskStore } from '../../main/store/kiosk-store.js';
import { newRecordId } from '../../main/store/record-id.js';
import { crashRecord } from './crash-records.js';

const [dataDir, roundText] = process.argv.slice(2);
if (!dataDir || !roundText) throw new Error('usage: crash-writer.ts <dataDir> <round>');
const round = Number(roundText);
const out = (line: string) => process.stdout.write(`${line}\n`);

const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
out('READY');
for (let index = 0; ; index++) {
  const record = crashRecord(newRecordId(), round, index);
  await store.records.commit(record);
  out(`ACK ${record.id} ${round} ${index}`);
  if (record.fever) {
    const d = await store.dispositions.record({ screeningId: record.id, staffId: `staff-${round}`, action: 'referred', note: `round ${round} index ${index}` });
    out(`ACKD ${d.id} ${record.id}`);
  }
  if (index % 25 === 24) {
    // Grows across rounds too, so a later value is always a larger one.
    const value = round * 1_000_000 + index;
    await store.settings.set('crash.counter', value, `writer-${round}`);
    out(`ACKS ${value}`);
  }
}

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { diagnosticsFiles, withoutSecrets, writeDiagnosticsArchive } from '../../main/console/diagnostics.js';
import { SerialMonitor } from '../../main/console/serial-monitor.js';
import { commandFrame, SAM_COMMANDS } from '../../drivers/idcard/sam-commands.js';
import { buildReadBaseReply } from '../../drivers/idcard/card-text-encoder.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { LATEST_SCHEMA_VERSION } from '../../main/store/migrations.js';
import { residentCard, SAMPLE_PEOPLE, screeningRecord } from '../fixtures/store/screening-records.js';
import { containsText, tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * The diagnostics archive holds no personal data: a store with screenings (cards), a registration
 * (name, passport number, phone), a disposition note and a serial monitor that saw a whole card
 * read; the archive is unpacked and scanned for every personal value, as UTF-8 and UTF-16LE.
 */
let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;
beforeEach(async () => {
  data = tempDataDir('kiosk-diag-');
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
});
afterEach(() => {
  store.close();
  data.cleanup();
});

/** Entries of a tar archive (ustar: 512-byte headers, data padded to 512). */
function untar(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= buf.length; ) {
    const name = buf.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(buf.subarray(off + 124, off + 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8);
    out.set(name, buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('diagnostics export', () => {
  it('the archive has logs, configuration, devices, calibrations and versions, and none of the personal data in the store', async () => {
    for (let i = 0; i < 3; i++) await store.records.commit(screeningRecord({ fever: i === 0 }, i));
    const held = [...store.records.between(0, Date.now() + 1000)].find((r) => r.decision === 'HOLD')!;
    await store.dispositions.record({ screeningId: held.id, staffId: 'staff:wang', action: 'handed-to-medical', note: `handed over: ${SAMPLE_PEOPLE[0]!.name}, 13912345678` });
    await store.registrations.record({ staffId: 'staff:wang', documentType: 'passport', numberCheck: 'no-rule', documentNumber: 'G98765432', name: 'Jane Roe', phone: '13912345678' });
    await store.calibrations.record({ deviceId: 'thermo-0', gain: 1.03, offsetC: 0.6, points: [{ referenceC: 35, measuredC: 33.35 }], technicianId: 'technician:li' });
    // The serial monitor saw the whole SAM read of a card (1295 bytes of card data).
    const monitor = new SerialMonitor({ thermometerProtocol: 'gy-mcu90614' });
    monitor.tap('idcard', { direction: 'tx', bytes: commandFrame(SAM_COMMANDS.readBase) });
    const card = residentCard(0);
    monitor.tap('idcard', { direction: 'rx', bytes: buildReadBaseReply(card) });
    const config = parseKioskConfig({ checkpoint: { id: 'c-1', name: '测试站' } });
    if (!config.ok) throw new Error('config');
    const personal = [...SAMPLE_PEOPLE.flatMap((p) => [p.idNumber, p.name, p.address]), 'G98765432', 'Jane Roe', '13912345678', '1949-12-31'];

    const logLines = [JSON.stringify({ level: 30, msg: 'screening: result', screeningId: held.id, decision: 'HOLD' })];
    const r = await writeDiagnosticsArchive(data.dir, { store, config: config.config, deviceIds: ['thermo-0', 'idcard-0'], devicesNow: [], health: {}, logLines, serialMonitor: monitor.exportText(), softwareVersion: '0.1.0' });
    const files = untar(gunzipSync(readFileSync(r.path)));
    expect([...files.keys()].sort()).toEqual(
      ['audit-log.json', 'calibrations.json', 'config.json', 'devices.json', 'logs.jsonl', 'outbox.json', 'serial-monitor.txt', 'settings-history.json', 'settings.json', 'versions.json'].map((f) => `diagnostics/${f}`),
    );
    const all = Buffer.concat([...files.values()]);
    for (const value of personal) expect(containsText(all, value), `archive contains ${value}`).toBe(false);
    expect(files.get('diagnostics/serial-monitor.txt')!.toString()).toContain('bytes withheld: card data');
    expect(files.get('diagnostics/calibrations.json')!.toString()).toContain('1.03');
    expect(JSON.parse(files.get('diagnostics/versions.json')!.toString())).toMatchObject({ kiosk: '0.1.0', schemaVersion: LATEST_SCHEMA_VERSION });
    expect(files.get('diagnostics/logs.jsonl')!.toString()).toContain(held.id);
    // Whatever else is in the archive: the in-memory rendering holds none of it either.
    const rendered = diagnosticsFiles({ store, config: config.config, deviceIds: ['thermo-0'], devicesNow: [], health: {}, logLines: [], serialMonitor: '', softwareVersion: 'x' });
    for (const value of personal) expect(rendered.some((f) => f.text.includes(value))).toBe(false);
  });

  it('fields named like secrets are dropped from the configuration', () => {
    expect(withoutSecrets({ central: { url: 'https://c', deviceToken: 't', apiKey: 'k' }, a: [{ password: 'p', b: 1 }] })).toEqual({ central: { url: 'https://c' }, a: [{ b: 1 }] });
  });
});

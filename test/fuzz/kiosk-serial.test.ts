import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isSocatAvailable, PtyPair } from '../../drivers/sim/pty-pair.js';
import { HostEventSchema, type HostEvent, type ScreenState } from '../../main/contract/messages.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { maskedIdentityOf } from '../../main/host/screen-model.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { startKiosk, tempDir, type RunningKiosk } from '../e2e/kiosk-harness.js';
import { isCalendarDate, isValidResidentNumber, startFuzzSam, startFuzzThermometer, type FuzzDevice } from './fuzz-devices.js';
import { fuzzSeed } from './fuzz-seed.js';

/**
 * Fuzzing the real-device path: a running kiosk (`kiosk start --browser --config`, serial devices
 * on socat pseudo-terminals, as a technician configures them) fed random and structure-aware SAM
 * and thermometer frames (fuzz-devices.ts), watched by a UI on the WebSocket like the page.
 *
 * Invariants, checked against the host's logs (what the engine decided), the UI's screens (what was
 * shown) and the store read back after the kiosk stopped (what was kept):
 * 1. the host stays up;
 * 2. every screening the engine decides is shown (a pass or hold screen with its id);
 * 3. what is shown is what is stored (decision, temperature, reasons, masked identity);
 * 4. no PASS without a plausible temperature (an estimate in the 34.0–42.0 °C measuring range of the
 *    screening-instrument draft standard, docs/configuration.md "References", and below the fever
 *    threshold) and a valid identity (a GB 11643 check digit computed here, real and current dates).
 *
 * Some of these depend on fixes made elsewhere (issue 9 items 2, 3, 10): see docs/fuzzing.md.
 */
const RUN_MS = 20_000;
const FEVER_C = 37.3;

const dirs = { data: tempDir('kiosk-fuzz-data-'), ptys: tempDir('kiosk-fuzz-pty-') };
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Logged {
  msg?: string;
  screeningId?: string;
  decision?: string;
  [k: string]: unknown;
}

describe.skipIf(!isSocatAvailable())('fuzz: SAM and thermometer frames into a running kiosk', () => {
  it('the host stays up; every decided screening is shown; what is shown is stored; no PASS without a plausible temperature and a valid identity', async () => {
    const f = fuzzSeed('kiosk-serial');
    const card = await PtyPair.start({ linkA: join(dirs.ptys, 'sam.device'), linkB: join(dirs.ptys, 'sam') });
    cleanups.push(() => card.stop());
    const thermo = await PtyPair.start({ linkA: join(dirs.ptys, 'gy.device'), linkB: join(dirs.ptys, 'gy') });
    cleanups.push(() => thermo.stop());
    const devices: FuzzDevice[] = [await startFuzzSam(card.linkA, f), await startFuzzThermometer(thermo.linkA, f)];
    cleanups.push(async () => {
      for (const d of devices) await d.close();
    });

    const config = join(dirs.data, 'fuzz-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        checkpoint: { id: 'fuzz-1', name: '模糊测试卡口' },
        devices: {
          idcard: { source: 'serial', path: card.linkB, baudRate: 115200 },
          thermometer: { source: 'serial', path: thermo.linkB, protocol: 'gy-mcu90614', baudRate: 9600 },
        },
        screening: { timeouts: { identifyingMs: 1000, measuringMs: 2500, remeasuringMs: 2500, resultMs: 600 }, subjectRearmMs: 0 },
        temperature: { samples: 3, minSamples: 2, windowMs: 600, model: { kind: 'heat-balance' } },
        policy: { feverThresholdC: FEVER_C, staleWatchlist: 'pass-flagged' },
        calibration: { whenMissingOrExpired: 'pass-with-warning' },
      }),
    );
    const kiosk: RunningKiosk = await startKiosk({ config, dataDir: dirs.data });
    cleanups.push(() => kiosk.stop());

    // The UI, as the page: hello, then every screen.
    const screens: ScreenState[] = [];
    const invalid: unknown[] = [];
    const ui = new WebSocket(`ws://${new URL(kiosk.url).host}/ws?token=${kiosk.token}`, { origin: kiosk.origin });
    ui.on('message', (d) => {
      const parsed = HostEventSchema.safeParse(JSON.parse(String(d)));
      if (!parsed.success) return void invalid.push(d);
      const e: HostEvent = parsed.data;
      if (e.type === 'screen') screens.push(e.screen);
      if (e.type === 'snapshot') screens.push(e.screen);
    });
    await new Promise<void>((resolve, reject) => {
      ui.once('open', () => resolve());
      ui.once('error', reject);
    });
    ui.send(JSON.stringify({ type: 'hello', id: 1, version: 1 }));
    cleanups.push(() => ui.terminate());

    await new Promise((r) => setTimeout(r, RUN_MS));
    for (const d of devices) d.quiesce();

    const logs = (): Logged[] => kiosk.logs.map((l) => JSON.parse(l) as Logged);
    const decided = () => logs().filter((l) => l.msg === 'screening: result');
    const shownIds = () => new Set(screens.filter((s) => s.screen === 'pass' || s.screen === 'hold').map((s) => s.screeningId));
    // Settle: no screening in progress (every start has its result or abandon), then the last screens.
    const settle = Date.now() + 8000;
    for (;;) {
      const all = logs();
      const started = all.filter((l) => l.msg === 'screening: started').length;
      const ended = all.filter((l) => l.msg === 'screening: result' || l.msg === 'screening: abandoned').length;
      if ((started === ended && decided().every((d) => shownIds().has(d.screeningId!))) || Date.now() > settle) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // 1. The host stayed up.
    expect(kiosk.proc.exitCode, `seed ${f.seed}`).toBeNull();
    expect(invalid, `seed ${f.seed}: invalid events on the socket`).toEqual([]);
    await kiosk.stop();
    expect(kiosk.logs.filter((l) => /"level":60/.test(l)), `seed ${f.seed}: fatal log lines`).toEqual([]);

    const store = await KioskStore.open({ dataDir: dirs.data, maintenanceIntervalMs: 0 });
    const stored = new Map<string, ScreeningRecord>();
    try {
      for (const r of store.records.between(0, Date.now() + 86_400_000)) stored.set(r.id, r);
    } finally {
      store.close();
    }
    const results = decided();
    expect(results.length, `seed ${f.seed}: the fuzz run decided no screening at all`).toBeGreaterThan(0);

    const problems: string[] = [];
    // 2. Every screening the engine decided was shown.
    for (const d of results) if (!shownIds().has(d.screeningId!)) problems.push(`decided ${d.decision} ${d.screeningId} was never shown`);
    // 3. What is shown is what is stored.
    for (const s of screens) {
      if ((s.screen !== 'pass' && s.screen !== 'hold') || s.screeningId === null) continue;
      const r = stored.get(s.screeningId);
      if (!r) {
        problems.push(`shown ${s.screen} ${s.screeningId} is not in the store`);
        continue;
      }
      if (r.decision !== (s.screen === 'pass' ? 'PASS' : 'HOLD')) problems.push(`shown ${s.screen} but stored ${r.decision} for ${r.id}`);
      // The screen shows the stored estimate; an implausible one (flagged so in the record, which
      // keeps its value) is shown as no temperature (main/host/screen-model.ts).
      const latest = r.temperatures.at(-1);
      const shownAs = latest && !latest.implausible ? latest.estimateC : null;
      if (shownAs !== s.temperatureC) problems.push(`shown ${s.temperatureC} °C but stored ${latest?.estimateC} °C${latest?.implausible ? ' (implausible)' : ''} for ${r.id}`);
      const shownCodes = s.reasons.map((x) => x.code).join(',');
      if (shownCodes !== r.reasons.map((x) => x.code).join(',')) problems.push(`shown reasons ${shownCodes} but stored ${r.reasons.map((x) => x.code).join(',')} for ${r.id}`);
      if (r.card && JSON.stringify(s.identity) !== JSON.stringify(maskedIdentityOf(r.card))) problems.push(`shown identity differs from the stored card for ${r.id}`);
    }
    // 4. No PASS without a plausible temperature and a valid identity.
    const today = new Date().toISOString().slice(0, 10);
    for (const r of stored.values()) {
      if (r.decision !== 'PASS') continue;
      const est = r.temperatures.at(-1)?.estimateC;
      if (est === undefined || !(est >= 34.0 && est < FEVER_C)) problems.push(`PASS ${r.id} with estimate ${est} °C (plausible: 34.0 to below ${FEVER_C})`);
      const c = r.card;
      if (!c) {
        problems.push(`PASS ${r.id} without an identity`);
        continue;
      }
      if (c.type === 'resident' && !isValidResidentNumber(c.idNumber)) problems.push(`PASS ${r.id} with an invalid ID number`);
      const until = c.validUntil;
      if (until !== 'long-term' && (!isCalendarDate(until) || until < today)) problems.push(`PASS ${r.id} with card expiry ${JSON.stringify(until)}`);
      if (!isCalendarDate(c.validFrom) || c.validFrom > today) problems.push(`PASS ${r.id} with card valid from ${JSON.stringify(c.validFrom)}`);
    }
    // Why an event never reached the screen, if the host said so (paths and codes only, no content).
    const refused = [...new Set(logs().filter((l) => l.msg === 'contract: refused to send an invalid event').map((l) => String(l.issues)))];
    expect(problems, `seed ${f.seed}: ${results.length} screenings decided, ${stored.size} stored; events the host refused to send: ${refused.join(' | ') || 'none'}`).toEqual([]);
  }, 90_000);
});

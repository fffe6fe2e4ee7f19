import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { defaultBaudFor } from '../../../drivers/thermometer/default-baud.js';
import { THERMO_PROTOCOLS, type ThermoProtocol, type ThermoReading } from '../../../drivers/thermometer/reading.js';
import { ThermometerDriver } from '../../../drivers/thermometer/thermometer-driver.js';
import { SerialLink } from '../../../drivers/transport/serial-link.js';
import { CalibrationConfigSchema } from '../../config/kiosk-config.js';
import { CalibrationWizard, SET_POINTS, VERIFY_AT_C, WizardError } from '../../console/calibration-wizard.js';
import { StoreCalibrationSource } from '../../host/local-lists.js';
import { parseKioskConfig } from '../../config/kiosk-config.js';
import { softwareVersion } from '../../host/software-version.js';
import { actorOf } from '../../store/accounts.js';
import { defaultDataDir } from '../../store/data-dir.js';
import { KioskStore } from '../../store/kiosk-store.js';
import { openIdKey } from '../../host/id-key.js';
import { calibrationState } from '../../engine/calibration-source.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

const usage = [
  'usage: kiosk calibrate --port PATH --protocol P --technician NAME --blackbody-id ID --certificate-date YYYY-MM-DD',
  '                       --ambient C [--kind two-point|one-point] [--points 35,39] [--baud N] [--device-id ID]',
  '                       [--samples N] [--max-spread C] [--max-residual C] [--settle-timeout S] [--yes] [--data DIR]',
  '       kiosk calibrate --drift-check --port PATH --protocol P --technician NAME [...]',
  '',
  'The blackbody calibration of the technician console, from the command line (scripted and headless',
  'use): at each set-point it asks you to set the blackbody and press Enter (with --yes it goes on at',
  'once), waits until the readings are stable (the last N within the spread), then fits gain and',
  'offset, verifies at 37 °C (residual against the limit) and saves the calibration with the run',
  '(blackbody, certificate, ambient, points, residuals) when the verification passes; exit 1 otherwise.',
  'The first line of stdin (or the terminal) is the technician\'s PIN. Stop the kiosk first: the',
  'thermometer\'s port can be open in one program only. The result is printed as one JSON object.',
  '',
  `  --protocol P        ${THERMO_PROTOCOLS.join(', ')}`,
  '  --points A,B        set-points (default 35,39; one-point: 37)',
  '  --samples N         stability window (default: the configuration, 5)',
  '  --max-spread C      stability spread (default: the configuration, 0.1 °C)',
  '  --max-residual C    verification limit at 37 °C (default: the configuration, 0.3 °C)',
  '  --settle-timeout S  give up when a set-point is not stable within S seconds (default 600)',
].join('\n');

export const calibrateCommand: CliCommand = {
  name: 'calibrate',
  summary: 'blackbody calibration or daily drift check of a thermometer on a serial port (headless)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        protocol: { type: 'string' },
        baud: { type: 'string' },
        technician: { type: 'string' },
        'blackbody-id': { type: 'string' },
        'certificate-date': { type: 'string' },
        ambient: { type: 'string' },
        kind: { type: 'string', default: 'two-point' },
        points: { type: 'string' },
        'device-id': { type: 'string', default: 'thermo-0' },
        samples: { type: 'string' },
        'max-spread': { type: 'string' },
        'max-residual': { type: 'string' },
        'settle-timeout': { type: 'string', default: '600' },
        'drift-check': { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        data: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"; see \`kiosk calibrate --help\``);
    if (!values.port) throw new CliError('--port PATH is required (the thermometer\'s serial port)');
    const protocol = values.protocol as ThermoProtocol | undefined;
    if (!protocol || !THERMO_PROTOCOLS.includes(protocol)) throw new CliError(`--protocol must be one of ${THERMO_PROTOCOLS.join(', ')}`);
    if (!values.technician) throw new CliError('--technician NAME is required (a technician account: kiosk pin set --role technician)');
    const kind = values.kind === 'one-point' ? 'one-point' : values.kind === 'two-point' ? 'two-point' : null;
    if (!kind) throw new CliError('--kind must be two-point or one-point');
    const num = (flag: string, raw: string | undefined) => {
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${raw}"`);
      return n;
    };
    const cal = CalibrationConfigSchema.safeParse({
      ...(values.samples !== undefined && { stabilitySamples: num('--samples', values.samples) }),
      ...(values['max-spread'] !== undefined && { stabilityMaxSpreadC: num('--max-spread', values['max-spread']) }),
      ...(values['max-residual'] !== undefined && { verifyMaxResidualC: num('--max-residual', values['max-residual']) }),
    });
    if (!cal.success) throw new CliError(`calibration options: ${cal.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const points = values.points ? values.points.split(',').map((p) => num('--points', p.trim())!) : [...SET_POINTS[kind]];
    if (points.length !== (kind === 'two-point' ? 2 : 1)) throw new CliError(`--points needs ${kind === 'two-point' ? 'two' : 'one'} set-point(s) for a ${kind} calibration`);
    const settleMs = (num('--settle-timeout', values['settle-timeout']) ?? 600) * 1000;

    const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
    const lines = rl[Symbol.asyncIterator]();
    const nextLine = async (prompt: string) => {
      io.stderr.write(prompt);
      const r = await lines.next();
      return r.done ? null : r.value;
    };
    const pin = await nextLine(io.stdinIsTty ? 'technician PIN: ' : '');
    if (!pin) {
      rl.close();
      throw new CliError('no PIN on stdin');
    }
    const dataDir = values.data ?? defaultDataDir();
    const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
    // A new data directory gets its ID key with its database, as the host makes them (main/host/id-key.ts):
    // a kiosk whose first step was this command must still start.
    if (store.createdNow) await openIdKey(dataDir, { newDataDir: true });
    const link = new SerialLink({ path: values.port, baudRate: num('--baud', values.baud) ?? defaultBaudFor(protocol), watchdogMs: 5000 });
    const driver = new ThermometerDriver({ link, deviceId: values['device-id']!, protocol });
    try {
      const technician = store.accounts.verifyPin(values.technician, pin.trim());
      if (!technician || technician.role !== 'technician') {
        store.audit.append('cli', 'calibration.refused', { reason: 'wrong-technician-pin' });
        throw new CliError('wrong technician name or PIN; nothing was measured (recorded in the audit log)', 1);
      }
      const actor = actorOf(technician);
      const config = parseKioskConfig({ checkpoint: { id: 'cli', name: 'cli' }, calibration: cal.data });
      if (!config.ok) throw new CliError(config.problems.join('; '));
      const source = new StoreCalibrationSource(() => store, config.config, false);
      let onlineSince: number | null = null;
      const wizard = new CalibrationWizard({
        config: cal.data,
        deviceId: values['device-id']!,
        protocol,
        softwareVersion: softwareVersion(),
        now: () => performance.now(),
        warmUp: () => ({ minutes: onlineSince === null ? 0 : (performance.now() - onlineSince) / 60_000, requiredMinutes: 0 }),
        current: () => {
          const c = source.current(values['device-id']!);
          return c ? { ...c, state: calibrationState(c, new Date()) } : null;
        },
        history: () => store.calibrations.history(values['device-id']!, 5),
        save: (r) => store.calibrations.record({ deviceId: values['device-id']!, gain: r.gain, offsetC: r.offsetC, points: r.points, technicianId: r.technicianId, run: r.run }),
        saveCheck: (c) => store.calibrations.recordCheck(c),
      });
      driver.on('reading', (r: ThermoReading) => wizard.onReading(r.objectC));
      driver.on('status', (s) => (onlineSince = s.state === 'online' ? (onlineSince ?? performance.now()) : null));
      driver.on('problem', (p) => io.stderr.write(`thermometer: ${p.code}: ${p.message}\n`));
      await driver.start();

      /** Waits for the technician (Enter) unless --yes, then for a stable window, and captures it. */
      const measureAt = async (setPointC: number, what: string) => {
        if (!values.yes) {
          const l = await nextLine(`set the blackbody to ${setPointC.toFixed(1)} °C, aim the thermometer at it, then press Enter (${what})\n`);
          if (l === null) throw new CliError('stdin closed before the set-point was confirmed', 1);
        } else io.stderr.write(`measuring at ${setPointC.toFixed(1)} °C (${what})\n`);
        wizard.setPoint(setPointC);
        const until = performance.now() + settleMs;
        for (;;) {
          try {
            wizard.capture();
            const st = wizard.view();
            io.stderr.write(`  stable at ${setPointC.toFixed(1)} °C${st.captured.at(-1) ? `: mean ${st.captured.at(-1)!.meanC.toFixed(3)} °C` : ''}\n`);
            return;
          } catch (err) {
            if (!(err instanceof WizardError) || err.field !== 'stability') throw err;
          }
          if (performance.now() > until) throw new CliError(`readings at ${setPointC} °C did not settle within ${settleMs / 1000} s; check the blackbody and the aim`, 1);
          await new Promise((r) => setTimeout(r, 200));
        }
      };

      if (values['drift-check']) {
        wizard.startDriftCheck(actor);
        await measureAt(VERIFY_AT_C, 'drift check');
        const v = wizard.view();
        io.stdout.write(`${JSON.stringify({ driftCheck: v.drift, calibration: v.current?.id ?? null })}\n`);
        return v.drift?.flagged ? 1 : 0;
      }

      const blackbodyId = values['blackbody-id'];
      const certificateDate = values['certificate-date'];
      const ambientC = num('--ambient', values.ambient);
      if (!blackbodyId || !certificateDate || ambientC === undefined) throw new CliError('--blackbody-id, --certificate-date and --ambient are required for a calibration');
      try {
        wizard.start({ kind, blackbodyId, certificateDate, ambientC, technicianId: actor });
      } catch (err) {
        if (err instanceof WizardError) throw new CliError(`--${err.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${err.message}`);
        throw err;
      }
      for (let i = 0; i < points.length; i++) await measureAt(points[i]!, `point ${i + 1} of ${points.length}`);
      await measureAt(VERIFY_AT_C, 'verification');
      const view = wizard.view();
      const result = { fit: view.fit, points: view.captured, verification: view.verification, calibrationId: null as string | null };
      if (!view.verification?.pass) {
        io.stdout.write(`${JSON.stringify(result)}\n`);
        io.stderr.write(`verification FAILED: residual ${view.verification?.maxAbsResidualC.toFixed(3)} °C > ${view.verification?.limitC} °C; nothing was saved\n`);
        return 1;
      }
      const saved = await wizard.save();
      result.calibrationId = saved.id;
      io.stdout.write(`${JSON.stringify(result)}\n`);
      io.stderr.write(`calibration ${saved.id} saved (gain ${saved.gain.toFixed(5)}, offset ${saved.offsetC.toFixed(4)} °C); recorded in the audit log\n`);
      return 0;
    } finally {
      rl.close();
      await driver.stop();
      store.close();
    }
  },
};

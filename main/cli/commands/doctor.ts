import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { printJsonLine } from '../io.js';
import { defaultDataDir } from '../../store/data-dir.js';
import { exitCodeOf, formatFindings } from '../../doctor/findings.js';
import { runDoctor } from '../../doctor/run-doctor.js';

const usage = `usage: kiosk doctor [--data DIR] [--config FILE] [--no-devices] [--timeout SECONDS] [--json]

Checks a kiosk and says what is wrong and how to fix it: the configuration; the data directory,
its keys (where kept, owner, 0600), free disk space and the database; the clock; each serial
device (present, openable by the kiosk's user in dialout, answering its protocol through the
kiosk's own driver: the SAM its status, the thermometer a reading); the thermometer's calibration
(recorded, valid, drift); where the body-temperature model comes from (default or site-fitted);
the central service and the upload backlog, when one is configured. Changes nothing.

Exit status: 0 when nothing is wrong (warnings allowed), 1 when something is, 2 for bad usage.
Run it as the kiosk's user (sudo kiosk doctor does, on an installed kiosk). The devices cannot be
asked while the running kiosk holds their ports: stop it first (sudo systemctl stop checkpoint-kiosk).

options:
  --data DIR         data directory (default $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)
  --config FILE      configuration (default <data>/config.json, else the built-in default)
  --no-devices       check ports and permissions only; ask the devices nothing
  --timeout SECONDS  how long each device has to answer (default 8)
  --json             one JSON object per check instead of the report`;

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check the kiosk (devices, permissions, clock, disk, keys, calibration) and say how to fix it',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        config: { type: 'string' },
        'no-devices': { type: 'boolean', default: false },
        timeout: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"; see \`kiosk doctor --help\``);
    let timeoutMs = 8000;
    if (values.timeout !== undefined) {
      const s = Number(values.timeout);
      if (!(s > 0 && s <= 120)) throw new CliError(`--timeout "${values.timeout}" is not a number of seconds between 0 and 120`);
      timeoutMs = s * 1000;
    }
    const findings = await runDoctor({ dataDir: values.data ?? defaultDataDir(), configFile: values.config ?? null, probeDevices: !values['no-devices'], deviceTimeoutMs: timeoutMs });
    if (values.json) for (const f of findings) printJsonLine(io, f);
    else io.stdout.write(`${formatFindings(findings)}\n`);
    return exitCodeOf(findings);
  },
};

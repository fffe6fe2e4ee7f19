import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSimDir, DEVICE_LINK_SUFFIX, STARTING_SUFFIX } from '../../../drivers/sim/sim-host.js';
import { realpath } from 'node:fs/promises';
import { listSerialPorts, type DiscoveredPort } from '../../../drivers/transport/port-discovery.js';
import { udevRulesFor, UdevRuleError } from '../../../drivers/transport/udev-rules.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { printJsonLine, type CliIo } from '../io.js';

const usage = `usage: kiosk ports [--json] [--include PATH ...] [--no-sim]
       kiosk ports --udev-rules NAME=PATH [--udev-rules NAME=PATH ...]

Lists serial ports with their USB identity (vendor:product, serial number, manufacturer) and
stable names (/dev/serial/by-id, /dev/serial/by-path), to fill the kiosk configuration.
Works without udevadm: the kernel's sysfs and /dev/serial links are read directly.
Pseudo-terminals of running \`kiosk sim --pty\` simulators (in $KIOSK_SIM_DIR, default
<tmp>/kiosk-sim) are listed too, as source "configured".

options:
  --json            one JSON object per line instead of a table
  --include PATH    also list PATH when it exists (repeatable)
  --no-sim          do not list simulator pseudo-terminals
  --udev-rules NAME=PATH
                    print udev rules that name the device on PATH /dev/kiosk-NAME by its USB
                    identity (adding its serial number, or its USB socket, when another adapter
                    has the same ids), e.g. --udev-rules idcard=/dev/ttyUSB0 --udev-rules
                    thermometer=/dev/ttyUSB1; install them as
                    /etc/udev/rules.d/61-checkpoint-kiosk-names.rules (docs/wiring.md)`;

export const portsCommand: CliCommand = {
  name: 'ports',
  summary: 'list serial ports with USB ids and /dev/serial/by-id names',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        include: { type: 'string', multiple: true, default: [] },
        'no-sim': { type: 'boolean', default: false },
        'udev-rules': { type: 'string', multiple: true, default: [] },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values['udev-rules'].length > 0) {
      io.stdout.write(await udevRules(values['udev-rules']));
      return 0;
    }
    const extraPaths = [...values.include, ...(values['no-sim'] ? [] : await simulatorLinks())];
    const ports = await listSerialPorts({ extraPaths });
    if (values.json) {
      for (const port of ports) printJsonLine(io, port);
    } else {
      io.stdout.write(`${formatTable(ports)}\n`);
    }
    return 0;
  },
};

/** `NAME=PATH` pairs → rules for those ports, found among the ports the machine has. */
async function udevRules(pairs: string[]): Promise<string> {
  const ports = await listSerialPorts();
  const named = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--udev-rules "${pair}": give NAME=PATH, e.g. idcard=/dev/ttyUSB0`);
    const name = pair.slice(0, eq);
    const given = pair.slice(eq + 1);
    const real = await realpath(given).catch(() => null);
    if (!real) throw new CliError(`--udev-rules ${name}: ${given} does not exist; \`kiosk ports\` lists the serial ports`, 1);
    const port = ports.find((p) => p.path === real || p.byId === given || p.byPath === given);
    if (!port) throw new CliError(`--udev-rules ${name}: ${given} is not among the serial ports this machine lists; \`kiosk ports\` shows them`, 1);
    named.push({ name, port });
  }
  try {
    return udevRulesFor(named, ports);
  } catch (err) {
    if (err instanceof UdevRuleError) throw new CliError(err.message, 1);
    throw err;
  }
}

/** Host-side links of running simulators (device-side and not-yet-ready links are not for the kiosk). */
async function simulatorLinks(): Promise<string[]> {
  const dir = defaultSimDir();
  try {
    return (await readdir(dir)).filter((n) => !n.endsWith(DEVICE_LINK_SUFFIX) && !n.endsWith(STARTING_SUFFIX)).map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function formatTable(ports: DiscoveredPort[]): string {
  if (ports.length === 0) return 'no serial ports found';
  const rows = ports.map((p) => [
    p.path,
    p.vendorId ? `${p.vendorId}:${p.productId ?? '????'}` : '-',
    p.serialNumber ?? '-',
    p.manufacturer ?? '-',
    p.byId ?? p.byPath ?? '-',
    p.source,
  ]);
  const header = ['PATH', 'USB ID', 'SERIAL', 'MANUFACTURER', 'STABLE NAME', 'SOURCE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SimulatedBench } from '../../../drivers/sim/blackbody.js';
import { createSimulator, defaultSimulatorBaud, SIMULATOR_KINDS, SimulatorOptionError, type SimulatorKind } from '../../../drivers/sim/create-simulator.js';
import { isSocatAvailable } from '../../../drivers/sim/pty-pair.js';
import { defaultSimDir, SimHost, type SimEndpoint } from '../../../drivers/sim/sim-host.js';
import { SCENARIOS, type ScenarioName } from '../../../drivers/sim/simulated-device.js';
import { THERMO_PROTOCOLS, type ThermoProtocol } from '../../../drivers/thermometer/reading.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

const usage = `usage: kiosk sim idcard|thermo --scenario NAME [--protocol P] [--pty [--link PATH] | --port PATH]
                 [--time-scale X] [--baud N] [--seed N]

Runs a device simulator speaking the device's real bytes behind a serial port, and prints the
port the kiosk should open as the first line of output. Runs until Ctrl-C (SIGINT) or SIGTERM,
then removes its pseudo-terminals.

  --scenario NAME   ${SCENARIOS.join(', ')}
  --protocol P      thermometer protocol: ${THERMO_PROTOCOLS.join(', ')} (default gy-mcu90614)
  --pty             (default) a socat pseudo-terminal pair; the printed path is the kiosk's end
  --link PATH       where to put the kiosk's end (default $KIOSK_SIM_DIR/<kind>, KIOSK_SIM_DIR
                    defaulting to <tmp>/kiosk-sim); the simulator's end is PATH.device
  --port PATH       run on a real serial port instead (bench: null-modem cable to the kiosk)
  --time-scale X    multiply every scripted delay (0.1 = ten times faster; default 1)
  --baud N          device-side line speed (real ports only; default per device)
  --seed N          seed of the simulator's noise and temperature model (default 1)
  --sensor-gain G, --sensor-offset C, --sensor-noise C
                    thermometer: report gain·T + offset ± noise (a sensor to calibrate; default 1, 0, 0)
  --blackbody       thermometer: a simulated blackbody in front of the sensor; type a set-point
                    (e.g. 35) and Enter on stdin to move it, "off" to take it away`;

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'run an ID-card or thermometer simulator on a pseudo-terminal or serial port',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        scenario: { type: 'string' },
        protocol: { type: 'string' },
        pty: { type: 'boolean', default: false },
        link: { type: 'string' },
        port: { type: 'string' },
        'time-scale': { type: 'string' },
        baud: { type: 'string' },
        seed: { type: 'string' },
        'sensor-gain': { type: 'string' },
        'sensor-offset': { type: 'string' },
        'sensor-noise': { type: 'string' },
        blackbody: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });

    const kind = positionals[0];
    if (positionals.length !== 1 || !isKind(kind)) {
      throw new CliError(`say which device to simulate: kiosk sim ${SIMULATOR_KINDS.join('|')} --scenario NAME (got ${positionals.length === 0 ? 'nothing' : `"${positionals.join(' ')}"`})`);
    }
    const scenario = values.scenario;
    if (scenario === undefined || !isScenario(scenario)) {
      throw new CliError(`${scenario === undefined ? 'missing --scenario' : `unknown scenario "${scenario}"`}; valid scenarios: ${SCENARIOS.join(', ')}`);
    }
    const protocol = values.protocol;
    if (protocol !== undefined && kind === 'idcard') throw new CliError('--protocol applies to thermometers only; the ID-card reader always speaks SAM frames');
    if (protocol !== undefined && !isProtocol(protocol)) {
      throw new CliError(`unknown protocol "${protocol}"; valid protocols: ${THERMO_PROTOCOLS.join(', ')}`);
    }
    if (values.pty && values.port !== undefined) throw new CliError('give either --pty or --port PATH, not both');
    if (values.port !== undefined && values.link !== undefined) throw new CliError('--link only applies to --pty; with --port the kiosk opens the other end of your cable');
    const timeScale = positiveNumber('--time-scale', values['time-scale']);
    const seed = integer('--seed', values.seed);
    const baudRate = integer('--baud', values.baud) ?? defaultSimulatorBaud(kind, protocol);

    const sensorGiven = values['sensor-gain'] !== undefined || values['sensor-offset'] !== undefined || values['sensor-noise'] !== undefined;
    if ((sensorGiven || values.blackbody) && kind !== 'thermo') throw new CliError('--sensor-* and --blackbody apply to the thermometer simulator only');
    const finite = (flag: string, raw: string | undefined, dflt: number) => {
      if (raw === undefined) return dflt;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${raw}"`);
      return n;
    };
    const bench =
      sensorGiven || values.blackbody
        ? new SimulatedBench({ gain: finite('--sensor-gain', values['sensor-gain'], 1), offsetC: finite('--sensor-offset', values['sensor-offset'], 0), noiseC: finite('--sensor-noise', values['sensor-noise'], 0) })
        : undefined;
    let device;
    try {
      device = createSimulator(kind, {
        scenario,
        ...(bench && { bench }),
        ...(protocol !== undefined && { protocol }),
        ...(timeScale !== undefined && { timeScale }),
        ...(seed !== undefined && { seed }),
      });
    } catch (err) {
      if (err instanceof SimulatorOptionError || err instanceof TypeError) throw new CliError(err.message);
      throw err;
    }

    let endpoint: SimEndpoint;
    if (values.port !== undefined) {
      endpoint = { kind: 'port', path: values.port };
    } else {
      if (!isSocatAvailable()) throw new CliError('socat is not installed, so no pseudo-terminal can be made: install it (apt-get install socat) or use --port PATH', 1);
      const hostPath = values.link ?? join(defaultSimDir(), kind);
      if (existsSync(hostPath)) {
        // existsSync follows the link: its pseudo-terminal is alive, so another simulator owns it.
        throw new CliError(`${hostPath} is in use (another simulator is running?); stop it or pass --link PATH`, 1);
      }
      // A dangling link (a simulator killed with SIGKILL) is replaced by PtyPair.
      endpoint = { kind: 'pty', hostPath };
    }

    const host = await SimHost.start({ device, endpoint, baudRate });
    io.stdout.write(`${host.hostPath}\n`);
    const note = (text: string) => io.stderr.write(`kiosk sim: ${text}\n`);
    note(`${kind} simulator, scenario ${scenario}${kind === 'thermo' ? `, protocol ${protocol ?? 'gy-mcu90614'}` : ''}; open ${host.hostPath}${endpoint.kind === 'pty' ? '' : ` at ${baudRate} baud`}; Ctrl-C stops`);
    host.on('unplugged', ({ forMs }) => note(`unplugged: ${host.hostPath} gone for ${forMs} ms`));
    host.on('replugged', () => note(`plugged back in at ${host.hostPath}`));
    host.on('problem', (err) => note(`problem: ${err.message}`));
    device.on('done', () => note(`scenario ${scenario} played out; the device stays connected and idle`));
    if (values.blackbody && bench) {
      note('blackbody: type a set-point in °C and Enter (e.g. 37), or "off"');
      createInterface({ input: io.stdin }).on('line', (line) => {
        const text = line.trim();
        if (text === 'off') bench.blackbody.set(null);
        else if (Number.isFinite(Number(text)) && text !== '') bench.blackbody.set(Number(text));
        else return note(`blackbody: "${text}" is not a set-point`);
        note(`blackbody: ${text === 'off' ? 'taken away' : `set to ${Number(text).toFixed(2)} °C`}`);
      });
    }

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await host.stop();
    note(`stopped (${signal})`);
    return 0;
  },
};

function isKind(value: string | undefined): value is SimulatorKind {
  return value !== undefined && (SIMULATOR_KINDS as readonly string[]).includes(value);
}
function isScenario(value: string): value is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(value);
}
function isProtocol(value: string): value is ThermoProtocol {
  return (THERMO_PROTOCOLS as readonly string[]).includes(value);
}
function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a number > 0, got "${raw}"`);
  return n;
}
function integer(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} must be a whole number, got "${raw}"`);
  return n;
}

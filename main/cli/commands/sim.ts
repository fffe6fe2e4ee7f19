import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSimulator, defaultSimulatorBaud, SIMULATOR_KINDS, SimulatorOptionError, type SimulatorKind } from '../../../drivers/sim/create-simulator.js';
import { BenchSession } from '../../../drivers/sim/bench-session.js';
import { isSocatAvailable } from '../../../drivers/sim/pty-pair.js';
import { defaultSimDir, SimHost, type SimEndpoint } from '../../../drivers/sim/sim-host.js';
import { SCENARIOS, type ScenarioName } from '../../../drivers/sim/simulated-device.js';
import { THERMO_PROTOCOLS, type ThermoProtocol } from '../../../drivers/thermometer/reading.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

/** Bench keys (stdin a terminal): one letter each, no Enter. */
export const BENCH_KEYS = {
  idcard: [
    ['c', 'place a card on the reader', 'card'],
    ['l', 'lift the card off the reader', 'lift'],
  ],
  thermo: [
    ['n', 'a person with a normal temperature steps up to the thermometer', 'normal'],
    ['f', 'a febrile person steps up', 'fever'],
    ['x', 'the person steps away (nobody in front)', 'none'],
  ],
  both: [
    ['r', 'play the scenario again now', 'replay'],
    ['?', 'show these keys', 'help'],
    ['q', 'quit (also Ctrl-C)', 'quit'],
  ],
} as const;

const keyLines = (keys: readonly (readonly [string, string, string])[]) => keys.map(([k, what]) => `    ${k}  ${what}`).join('\n');

const usage = `usage: kiosk sim idcard|thermo [--scenario NAME] [--repeat [--pause S]] [--now] [--protocol P]
                 [--pty [--link PATH] | --port PATH] [--time-scale X] [--baud N] [--seed N]

Runs a device simulator speaking the device's real bytes behind a serial port, and prints the
port the kiosk should open as the first line of output. Runs until Ctrl-C (SIGINT) or SIGTERM,
then removes its pseudo-terminals.

The scenario starts when the kiosk first speaks to the device (it has opened the port and listens),
so a kiosk started later sees all of it; a streaming ASCII thermometer, which the kiosk never writes
to, starts at once. After the scenario the device stays connected and idle.

  --scenario NAME   ${SCENARIOS.join(', ')}
                    (may be left out in a terminal: nobody comes until a key brings them)
  --repeat          play the scenario again after each pause, until stopped
  --pause S         seconds between repeats (default 3)
  --now             start the first round at once instead of when the kiosk first speaks
  --protocol P      thermometer protocol: ${THERMO_PROTOCOLS.join(', ')} (default gy-mcu90614)
  --query Q         ascii: answer this query (e.g. '?T\\r', Raytek style replies) instead of streaming
                    T:.. TA:.. lines; \\r and \\n are written as such
  --pty             (default) a socat pseudo-terminal pair; the printed path is the kiosk's end
  --link PATH       where to put the kiosk's end (default $KIOSK_SIM_DIR/<kind>, KIOSK_SIM_DIR
                    defaulting to <tmp>/kiosk-sim); the simulator's end is PATH.device
  --port PATH       run on a real serial port instead (bench: null-modem cable to the kiosk)
  --time-scale X    multiply every scripted delay (0.1 = ten times faster; default 1)
  --baud N          device-side line speed (real ports only; default per device)
  --seed N          seed of the simulator's noise and temperature model (default 1)

Keys, when stdin is a terminal (one letter, no Enter):
  idcard:
${keyLines(BENCH_KEYS.idcard)}
  thermo:
${keyLines(BENCH_KEYS.thermo)}
  both:
${keyLines(BENCH_KEYS.both)}`;

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
        repeat: { type: 'boolean', default: false },
        pause: { type: 'string' },
        now: { type: 'boolean', default: false },
        query: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });

    const kind = positionals[0];
    if (positionals.length !== 1 || !isKind(kind)) {
      throw new CliError(`say which device to simulate: kiosk sim ${SIMULATOR_KINDS.join('|')} --scenario NAME (got ${positionals.length === 0 ? 'nothing' : `"${positionals.join(' ')}"`})`);
    }
    const scenario = values.scenario;
    if (scenario !== undefined && !isScenario(scenario)) {
      throw new CliError(`unknown scenario "${scenario}"; valid scenarios: ${SCENARIOS.join(', ')}`);
    }
    if (scenario === undefined && !io.stdinIsTty) {
      throw new CliError(`missing --scenario (only in a terminal may it be left out, to drive the device by keys); valid scenarios: ${SCENARIOS.join(', ')}`);
    }
    if (scenario === undefined && values.repeat) throw new CliError('--repeat needs a --scenario to repeat');
    if (values.pause !== undefined && !values.repeat) throw new CliError('--pause applies to --repeat only');
    const protocol = values.protocol;
    if (protocol !== undefined && kind === 'idcard') throw new CliError('--protocol applies to thermometers only; the ID-card reader always speaks SAM frames');
    if (protocol !== undefined && !isProtocol(protocol)) {
      throw new CliError(`unknown protocol "${protocol}"; valid protocols: ${THERMO_PROTOCOLS.join(', ')}`);
    }
    if (values.query !== undefined && (kind !== 'thermo' || protocol !== 'ascii')) throw new CliError('--query applies to --protocol ascii thermometers only');
    const query = values.query?.replace(/\\r/g, '\r').replace(/\\n/g, '\n');
    if (values.pty && values.port !== undefined) throw new CliError('give either --pty or --port PATH, not both');
    if (values.port !== undefined && values.link !== undefined) throw new CliError('--link only applies to --pty; with --port the kiosk opens the other end of your cable');
    const timeScale = positiveNumber('--time-scale', values['time-scale']);
    const pauseS = values.pause === undefined ? 3 : nonNegativeNumber('--pause', values.pause);
    const seed = integer('--seed', values.seed);
    const baudRate = integer('--baud', values.baud) ?? defaultSimulatorBaud(kind, protocol);

    let device;
    try {
      device = createSimulator(kind, {
        // Without a scenario nobody comes by script: a powered, idle device ("no-card" plays nothing on either).
        scenario: scenario ?? 'no-card',
        autoPlay: false,
        ...(protocol !== undefined && { protocol }),
        ...(query !== undefined && { ascii: { query } }),
        ...(timeScale !== undefined && { timeScale }),
        ...(seed !== undefined && { seed }),
      });
    } catch (err) {
      if (err instanceof SimulatorOptionError || err instanceof TypeError) throw new CliError(err.message);
      throw err;
    }
    // A streaming ASCII thermometer never hears from the kiosk: nothing to wait for.
    const silentKiosk = kind === 'thermo' && protocol === 'ascii' && query === undefined;
    const bench = new BenchSession({ device, scripted: scenario !== undefined, repeat: values.repeat, pauseMs: pauseS * 1000, startOn: values.now || silentKiosk ? 'now' : 'kiosk' });

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

    const host = await SimHost.start({ device: bench, endpoint, baudRate });
    io.stdout.write(`${host.hostPath}\n`);
    const note = (text: string) => io.stderr.write(`kiosk sim: ${text}\n`);
    const what = scenario === undefined ? 'no scenario (keys only)' : `scenario ${scenario}${values.repeat ? `, repeated every ${pauseS} s` : ''}`;
    note(`${kind} simulator, ${what}${kind === 'thermo' ? `, protocol ${protocol ?? 'gy-mcu90614'}` : ''}; open ${host.hostPath}${endpoint.kind === 'pty' ? '' : ` at ${baudRate} baud`}; Ctrl-C stops`);
    if (scenario !== undefined && bench.round === 0) note('waiting for the kiosk to open the port and speak; the scenario starts then');
    host.on('unplugged', ({ forMs }) => note(`unplugged: ${host.hostPath} gone for ${forMs} ms`));
    host.on('replugged', () => note(`plugged back in at ${host.hostPath}`));
    host.on('problem', (err) => note(`problem: ${err.message}`));
    bench.progress.on('kiosk', () => note('the kiosk is talking to the device'));
    bench.progress.on('round', (n) => note(`round ${n}: scenario ${scenario ?? ''} starts`));
    bench.progress.on('pause', ({ ms }) => note(`round played out; the next starts in ${ms / 1000} s`));
    bench.on('done', () => note(`scenario ${scenario ?? ''} played out; the device stays connected and idle`));

    let stopKeys = () => {};
    const signal = await new Promise<NodeJS.Signals | 'quit key'>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
      if (io.stdinIsTty) {
        stopKeys = benchKeys(io, kind, bench, note, () => resolve('quit key'));
        note(`keys: ${[...BENCH_KEYS[kind], ...BENCH_KEYS.both].map(([k, , name]) => `${k} ${name}`).join(', ')}`);
      }
    });
    stopKeys();
    await host.stop();
    note(`stopped (${signal})`);
    return 0;
  },
};

/** Reads single keys from a terminal stdin (raw mode) and acts on the bench; returns the undo. */
function benchKeys(io: CliIo, kind: SimulatorKind, bench: BenchSession, note: (t: string) => void, quit: () => void): () => void {
  const stdin = io.stdin as NodeJS.ReadStream;
  const raw = typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode(true);
  const onKey = (chunk: Buffer | string) => {
    for (const key of String(chunk)) {
      switch (key) {
        case 'c':
          if (bench.placeCard()) note('card placed on the reader');
          break;
        case 'l':
          if (bench.liftCard()) note('card lifted');
          break;
        case 'n':
          if (bench.present('normal')) note('a person with a normal temperature is in front of the thermometer');
          break;
        case 'f':
          if (bench.present('fever')) note('a febrile person is in front of the thermometer');
          break;
        case 'x':
          if (bench.present('none')) note('nobody in front of the thermometer');
          break;
        case 'r':
          bench.replay();
          break;
        case '?':
          note(`keys: ${[...BENCH_KEYS[kind], ...BENCH_KEYS.both].map(([k, w]) => `${k} ${w}`).join('; ')}`);
          break;
        case 'q':
        case '\u0003': // Ctrl-C arrives as a key in raw mode
          quit();
          break;
      }
    }
  };
  stdin.on('data', onKey);
  stdin.resume();
  return () => {
    stdin.off('data', onKey);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  };
}

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
function nonNegativeNumber(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`${flag} must be a number of seconds >= 0, got "${raw}"`);
  return n;
}
function integer(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} must be a whole number, got "${raw}"`);
  return n;
}

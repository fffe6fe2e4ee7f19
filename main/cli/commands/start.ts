import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { electronPackageDirOf, electronReadiness } from '../electron-readiness.js';
import { BROWSER_ENDED_EXIT, freshProfileDir, openKioskBrowser } from '../kiosk-browser.js';
import { startBrowserMode } from '../../host/browser-mode.js';
import { HostOptionError, hostArgsFor, loadHostConfig, parseHostOptions, type HostOptions } from '../../host/host-options.js';
import { createLogger } from '../../host/logger.js';

const USAGE = `usage: kiosk start [--browser] [--chromium PATH] [--sim] [--port N] [--data DIR] [--config FILE] [--scenario a,b,c]

Starts the kiosk. With Electron's binary installed it opens the kiosk window; otherwise (or with
--browser) it serves the screen to a browser on 127.0.0.1 and prints the URL to open (token
included) as the first line on stdout, e.g. \`chromium --kiosk "<url>"\`.

  --browser         browser mode even when Electron is available
  --chromium PATH   browser mode, and open the screen in that Chromium, full screen (a kiosk without
                    Electron: packaging/linux/checkpoint-kiosk-browser.service); when it ends, the
                    command ends with code 4 so the service restarts both
  --sim             simulate both devices (the default unless the configuration names real ports)
  --port N          browser mode: the port on 127.0.0.1 (default 0: a free port)
  --data DIR        data directory (default $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)
  --config FILE     configuration file (default <data>/config.json, else simulated defaults)
  --scenario LIST   simulation: people to play one after another, then idle. Each entry is a
                    scenario (normal, fever, no-card, card-left, garbage, bad-checksum, unplug,
                    slow) or <card-reader scenario>/<thermometer scenario>, e.g. normal,fever,no-card/unplug
Logs (JSON, no personal data) go to stderr.`;

/** The package root: dist/cli.js lives one level below it. */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

/**
 * Electron's binary, found WITHOUT requiring the `electron` package (which, in plain Node, tries
 * to download the binary when it is missing): its installer writes `path.txt` and unpacks `dist/`.
 */
export function findElectronBinary(root = packageRoot()): string | null {
  const pkg = join(root, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const rel = readFileSync(pathTxt, 'utf8').trim();
  if (rel === '') return null;
  const bin = join(pkg, 'dist', rel);
  return existsSync(bin) ? bin : null;
}

async function runElectron(bin: string, opts: HostOptions, io: CliIo): Promise<number> {
  const main = join(packageRoot(), 'dist', 'electron', 'main.cjs');
  if (!existsSync(main)) throw new CliError('dist/electron/main.cjs is missing; run `npm run build` first');
  io.stderr.write(`kiosk start: starting the Electron kiosk (${bin})\n`);
  const child = spawn(bin, [main, '--', ...hostArgsFor(opts)], { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (err) => {
      io.stderr.write(`kiosk start: could not run Electron (${err.message})\n`);
      resolve(1);
    });
  });
}

async function runBrowser(opts: HostOptions, io: CliIo, chromium: string | null): Promise<number> {
  const log = createLogger({ destination: io.stderr });
  const { config, source } = await loadHostConfig(opts);
  log.info({ config: source, dataDir: opts.dataDir, simulate: opts.simulate, scenarios: opts.scenarios?.length ?? null }, 'start: browser mode');
  const running = await startBrowserMode(opts, config, log);
  // Listen for the stop signal before printing: whoever reads the URL may signal at once.
  const stopped = new Promise<'signal'>((resolve) => {
    const done = () => resolve('signal');
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  // The first line on stdout: the URL to open, token included.
  io.stdout.write(`${running.server.url}\n`);
  const browser = chromium ? openKioskBrowser(chromium, running.server.url, freshProfileDir()) : null;
  const why = await Promise.race([stopped, browser?.ended ?? new Promise<never>(() => {})]);
  if (why === 'signal') {
    log.info({}, 'start: stopping');
    await browser?.close();
    await running.stop();
    return 0;
  }
  log.error({ reason: why }, 'start: the kiosk browser ended; stopping the host so the service restarts both');
  await running.stop();
  return BROWSER_ENDED_EXIT;
}

/** Takes `--chromium PATH` / `--chromium=PATH` (this command's own) out of the host options. */
function takeChromiumOption(args: string[]): { chromium: string | null; rest: string[] } {
  const rest: string[] = [];
  let chromium: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--chromium' || a.startsWith('--chromium=')) {
      const value = a === '--chromium' ? args[++i] : a.slice('--chromium='.length);
      if (!value || value.startsWith('--')) throw new CliError('--chromium needs the path of the Chromium binary, e.g. --chromium /usr/bin/chromium');
      chromium = value;
      continue;
    }
    rest.push(a);
  }
  return { chromium, rest };
}

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'start the kiosk (Electron window, or browser mode on 127.0.0.1)',
  usage: USAGE,
  async run(args, io) {
    const { chromium, rest } = takeChromiumOption(args);
    let opts: HostOptions;
    try {
      opts = parseHostOptions(rest);
    } catch (err) {
      if (err instanceof HostOptionError) throw new CliError(err.message);
      throw err;
    }
    if (!opts.browser && !chromium) {
      const bin = findElectronBinary();
      const unready = bin ? electronReadiness(bin, electronPackageDirOf(bin)) : null;
      if (bin && unready === null) return runElectron(bin, opts, io);
      if (bin) io.stderr.write(`kiosk start: Electron is installed, but ${unready}. Running in browser mode instead: open the URL printed on stdout in Chromium, e.g. \`chromium --kiosk --autoplay-policy=no-user-gesture-required "<url>"\`.\n`);
      else io.stderr.write(
        "kiosk start: Electron's binary is not installed (node_modules/electron/dist is missing), so the kiosk runs in browser mode: " +
          'open the URL printed on stdout in Chromium, e.g. `chromium --kiosk --autoplay-policy=no-user-gesture-required "<url>"` (the flag lets the voice prompts play). Pass --browser to choose this mode explicitly.\n',
      );
    }
    try {
      return await runBrowser(opts, io, chromium);
    } catch (err) {
      if (err instanceof HostOptionError) throw new CliError(err.message);
      throw err;
    }
  },
};

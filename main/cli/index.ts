import { CliError } from './cli-error.js';
import type { CliCommand } from './command.js';
import { processIo, type CliIo } from './io.js';

/**
 * `kiosk` — the technician and launcher CLI. Each command lives in its own module under
 * commands/ and is loaded only when asked for, so `kiosk decode` never opens a database.
 */
const commands: Record<string, () => Promise<CliCommand>> = {
  decode: async () => (await import('./commands/decode.js')).decodeCommand,
  sim: async () => (await import('./commands/sim.js')).simCommand,
  ports: async () => (await import('./commands/ports.js')).portsCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  config: async () => (await import('./commands/config.js')).configCommand,
  policy: async () => (await import('./commands/policy.js')).policyCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  privacy: async () => (await import('./commands/privacy.js')).privacyCommand,
  start: async () => (await import('./commands/start.js')).startCommand,
  central: async () => (await import('./commands/central.js')).centralCommand,
  pin: async () => (await import('./commands/pin.js')).pinCommand,
  calibrate: async () => (await import('./commands/calibrate.js')).calibrateCommand,
};

async function usage(): Promise<string> {
  const lines = ['usage: kiosk <command> [options]', '', 'commands:'];
  for (const name of Object.keys(commands)) {
    const cmd = await commands[name]!();
    lines.push(`  ${name.padEnd(8)} ${cmd.summary}`);
  }
  lines.push('', 'kiosk <command> --help shows the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${await usage()}\n`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`kiosk: unknown command "${name}"; run \`kiosk --help\` for the list\n`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`kiosk ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // parseArgs errors are usage errors too: say which option is wrong.
    if (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`kiosk ${name}: ${err.message}; see \`kiosk ${name} --help\`\n`);
      return 2;
    }
    io.stderr.write(`kiosk ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && /(?:^|[/\\])(?:kiosk(?:\.js)?|cli\.js|index\.ts)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kiosk: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

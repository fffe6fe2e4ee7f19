import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { printJsonLine, readAll, type CliIo } from '../io.js';
import { createLogger } from '../../host/logger.js';

const USAGE = `usage: kiosk central <start|enroll|export|admin|lists|regions|policy> [options]

The reference central service: receives every kiosk's records, pushes signed lists, shows the dashboard.

  kiosk central start [--port N] [--host ADDR] [--data DIR] [--database URL] [--tls-cert FILE --tls-key FILE] [--public-url URL]
      Serves the API and the dashboard; prints its URL as the first line on stdout. Logs (JSON) go to stderr.
      Without --database it uses the embedded database (PGlite) in <data>/pgdata.
  kiosk central enroll --checkpoint ID --kiosk ID [--checkpoint-name NAME] [--url URL] [--data DIR] [--database URL]
      Enrols a kiosk and prints one JSON line {"url","kioskId","token"}: the kiosk configuration's
      "central" section as it stands. The token is shown once; central keeps only its hash.
  kiosk central export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl] [--data DIR] [--database URL]
      Received screenings finished between the two dates (China time, both included), masked.
  kiosk central admin add --user NAME [--data DIR] [--database URL]
      Adds an admin account; the password is read from stdin (or CENTRAL_ADMIN_PASSWORD), at least 12 characters.
  kiosk central lists import FILE --list ID [--replace] [--data DIR] [--database URL]
      Imports a list CSV (id_number,colour[,reason][,expires_at]); ID numbers are stored only as keyed hashes.
  kiosk central regions import FILE [--data DIR] [--database URL]
      Replaces the key regions from a CSV (prefix,colour[,reason]).
  kiosk central policy set FILE [--data DIR] [--database URL]
      Pushes central's policy (JSON) to every kiosk: {"version", and any of "mode", "feverThresholdC",
      "colourActions", "watchlistMaxAgeHours", "staleWatchlist"} with the kiosk configuration's ranges.
      Kiosks apply it to the screenings that start after it arrives and record its version.

With the embedded database, enroll, export, admin, lists, regions and policy need the service to be stopped
(one process at a time may open it); with PostgreSQL they work while it runs.

  --data DIR        central's data directory (keys, embedded database; default $CENTRAL_DATA_DIR or
                    ~/.local/share/checkpoint-kiosk-central)
  --database URL    postgres://user:password@host:port/db (or $CENTRAL_DATABASE_URL)`;

const COMMON = { data: { type: 'string' }, database: { type: 'string' } } as const;

function dataDirOf(values: { data?: string }): string {
  return values.data ?? process.env.CENTRAL_DATA_DIR ?? join(homedir(), '.local', 'share', 'checkpoint-kiosk-central');
}

function databaseOf(values: { database?: string }): string | null {
  const url = values.database ?? process.env.CENTRAL_DATABASE_URL ?? null;
  if (url !== null && !/^postgres(ql)?:\/\//.test(url)) throw new CliError(`--database "${url.slice(0, 40)}" is not a postgres:// URL; omit it to use the embedded database`);
  return url;
}

/** dist/cli.js → dist/central (the built dashboard assets). */
function assetsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'central');
}

async function withData<T>(values: { data?: string; database?: string }, fn: (d: Awaited<ReturnType<typeof import('../../../central/central-service.js').openCentralData>>) => Promise<T>): Promise<T> {
  const { openCentralData } = await import('../../../central/central-service.js');
  let opened;
  try {
    opened = await openCentralData({ dataDir: dataDirOf(values), databaseUrl: databaseOf(values) });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  }
  try {
    return await fn(opened);
  } finally {
    await opened.release();
  }
}

async function start(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...COMMON, port: { type: 'string' }, host: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'public-url': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"; see \`kiosk central --help\``);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port "${values.port}" is not a port number; give 0–65535 (0 picks a free port)`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new CliError('give both --tls-cert and --tls-key (PEM files), or neither');
  const { startCentral } = await import('../../../central/central-service.js');
  const log = createLogger({ destination: io.stderr });
  let central;
  try {
    central = await startCentral({
      dataDir: dataDirOf(values),
      databaseUrl: databaseOf(values),
      port,
      host: values.host ?? '127.0.0.1',
      log,
      assetsDir: assetsDir(),
      ...(values['tls-cert'] && values['tls-key'] && { tls: { certFile: values['tls-cert'], keyFile: values['tls-key'] } }),
      ...(values['public-url'] && { publicUrl: values['public-url'] }),
    });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  }
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  io.stdout.write(`${central.url}\n`);
  await stopped;
  log.info({}, 'central: stopping');
  await central.stop();
  return 0;
}

async function enroll(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...COMMON, checkpoint: { type: 'string' }, kiosk: { type: 'string' }, 'checkpoint-name': { type: 'string' }, url: { type: 'string' } }, strict: true });
  if (!values.checkpoint) throw new CliError('--checkpoint ID is required (the checkpoint id in the kiosk configuration)');
  if (!values.kiosk) throw new CliError('--kiosk ID is required (the kiosk id in the kiosk configuration, checkpoint.kioskId)');
  const dataDir = dataDirOf(values);
  const { CENTRAL_URL_FILE } = await import('../../../central/central-service.js');
  const urlFile = join(dataDir, CENTRAL_URL_FILE);
  const url = values.url ?? (existsSync(urlFile) ? readFileSync(urlFile, 'utf8').trim() : undefined);
  if (!url) throw new CliError('central has not been started with this data directory yet, so its URL is unknown: give --url https://central.example:8443');
  const enrolled = await withData(values, (d) =>
    import('../../../central/kiosks.js').then(({ Kiosks }) =>
      new Kiosks(d.db).enroll({ checkpointId: values.checkpoint!, kioskId: values.kiosk!, ...(values['checkpoint-name'] && { checkpointName: values['checkpoint-name'] }), actor: 'cli' }),
    ),
  ).catch((err: unknown) => {
    throw err instanceof CliError ? err : new CliError(err instanceof Error ? err.message : String(err), 1);
  });
  printJsonLine(io, { url, kioskId: enrolled.kioskId, token: enrolled.token });
  return 0;
}

/** YYYY-MM-DD at midnight China time (UTC+8, no daylight saving). */
function chinaDay(text: string | undefined, option: string): Date {
  if (text === undefined) throw new CliError(`${option} is required, as YYYY-MM-DD`);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(`${text}T00:00:00+08:00`) : null;
  if (!m || !d || !Number.isFinite(d.getTime()) || d.toISOString().slice(0, 10) !== new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).toISOString().slice(0, 10)) {
    throw new CliError(`${option} "${text}" is not a date: use YYYY-MM-DD`);
  }
  return d;
}

async function exportRecords(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...COMMON, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'csv' } }, strict: true });
  const from = chinaDay(values.from, '--from');
  const to = chinaDay(values.to, '--to');
  if (to < from) throw new CliError(`--to ${values.to} is before --from ${values.from}: swap them`);
  if (values.format !== 'csv' && values.format !== 'jsonl') throw new CliError(`--format "${values.format}" is not supported: use csv or jsonl`);
  const format = values.format;
  const { exportScreenings } = await import('../../../central/export.js');
  const { count } = await withData(values, (d) => exportScreenings(d.db, { from, to: new Date(to.getTime() + 86_400_000), format, actor: 'cli' }, (chunk) => io.stdout.write(chunk)));
  io.stderr.write(`exported ${count} screening(s), masked; recorded in central's audit log\n`);
  return 0;
}

async function admin(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'add') throw new CliError('usage: kiosk central admin add --user NAME (password on stdin)');
  const { values } = parseArgs({ args: rest, options: { ...COMMON, user: { type: 'string' } }, strict: true });
  if (!values.user) throw new CliError('--user NAME is required');
  const password = (process.env.CENTRAL_ADMIN_PASSWORD || (io.stdinIsTty ? '' : await readAll(io.stdin))).replace(/\r?\n$/, '');
  if (password === '') throw new CliError('give the password on stdin (e.g. from a password manager) or in CENTRAL_ADMIN_PASSWORD');
  const { AdminAccounts } = await import('../../../central/admin-accounts.js');
  await withData(values, (d) => new AdminAccounts(d.db).add(values.user!, password, 'cli')).catch((err: unknown) => {
    throw err instanceof CliError ? err : new CliError(err instanceof Error ? err.message : String(err), 1);
  });
  io.stderr.write(`admin "${values.user}" added\n`);
  return 0;
}

async function importCsv(kind: 'lists' | 'regions', args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'import') throw new CliError(`usage: kiosk central ${kind} import FILE`);
  const { values, positionals } = parseArgs({ args: rest, options: { ...COMMON, list: { type: 'string' }, replace: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  const file = positionals[0];
  if (!file) throw new CliError(`kiosk central ${kind} import: give the CSV file`);
  if (kind === 'lists' && !values.list) throw new CliError('--list ID is required (the list the file replaces or extends, e.g. red-2026-11)');
  const text = readFileSync(file, 'utf8');
  const { ListImportError, parseListCsv, parseRegionCsv } = await import('../../../central/lists.js');
  try {
    const versions = await withData(values, async (d) => {
      const { Lists } = await import('../../../central/lists.js');
      const lists = new Lists(d.db, d.keys);
      return kind === 'lists' ? lists.importList(values.list!, parseListCsv(text, d.keys.idHasher), { replace: values.replace, actor: 'cli' }) : [await lists.importKeyRegions(parseRegionCsv(text), 'cli')];
    });
    io.stderr.write(`${file}: imported; list version(s) ${versions.join(', ') || '(none: nothing changed)'}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ListImportError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
}

async function policy(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'set') throw new CliError('usage: kiosk central policy set FILE (JSON: {"version", ...the fields central may set})');
  const { values, positionals } = parseArgs({ args: rest, options: { ...COMMON }, strict: true, allowPositionals: true });
  const file = positionals[0];
  if (!file) throw new CliError('kiosk central policy set: give the policy file (JSON)');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: not a readable JSON file (${err instanceof Error ? err.message : String(err)})`);
  }
  const { CentralPolicyError, Lists } = await import('../../../central/lists.js');
  try {
    const version = await withData(values, (d) => new Lists(d.db, d.keys).setPolicy(json, 'cli'));
    io.stderr.write(`${file}: central policy pushed as list version ${version}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CentralPolicyError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
}

export const centralCommand: CliCommand = {
  name: 'central',
  summary: 'the reference central service: start, enroll a kiosk, export, admins, lists, policy',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'start':
        return start(rest, io);
      case 'enroll':
        return enroll(rest, io);
      case 'export':
        return exportRecords(rest, io);
      case 'admin':
        return admin(rest, io);
      case 'lists':
      case 'regions':
        return importCsv(sub, rest, io);
      case 'policy':
        return policy(rest, io);
      default:
        throw new CliError(`${sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`}: use start, enroll, export, admin, lists, regions or policy (see \`kiosk central --help\`)`);
    }
  },
};

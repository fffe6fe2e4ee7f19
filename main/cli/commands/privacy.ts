import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { printJsonLine, type CliIo } from '../io.js';
import { readSecretLines } from '../read-secret.js';
import type { KioskConfig } from '../../config/kiosk-config.js';
import { HmacIdHasher } from '../../engine/id-hasher.js';
import { openIdKey } from '../../host/id-key.js';
import { HostOptionError, loadHostConfig } from '../../host/host-options.js';
import { PrivacyRequestError, PrivacyService } from '../../privacy/privacy-service.js';
import { formatReport } from '../../privacy/processing-report.js';
import { privacyStoreOptions } from '../../privacy/store-options.js';
import { writeSubjectExport } from '../../privacy/subject-export-file.js';
import { DATABASE_FILE, defaultDataDir } from '../../store/data-dir.js';
import { actorOf } from '../../store/accounts.js';
import { KioskStore } from '../../store/kiosk-store.js';
import { KeySourceError, StoreFullError, WrongKeyError } from '../../store/store-errors.js';

const usage = [
  'usage: kiosk privacy report [--json] [--data DIR] [--config FILE]',
  '       kiosk privacy lookup [--json] [--data DIR] [--config FILE]',
  '       kiosk privacy export --request REF [--output FILE] [--data DIR] [--config FILE]',
  '       kiosk privacy delete --request REF [--data DIR] [--config FILE]',
  '',
  'report   the live processing summary: fields collected, retention in force, what is held now',
  '         (counts, oldest record), records kept past the window because central has not',
  '         acknowledged them, the last retention run and purge. No personal data, no PIN.',
  'lookup   what this kiosk holds about one ID number (masked): each screening, its decision,',
  '         dispositions and upload state. Found by the keyed blind index, never by scanning.',
  'export   everything held about one ID number, in full, as JSON for the person who asked',
  '         (to --output FILE, created 0600 and never overwritten, or stdout).',
  'delete   deletes everything held about one ID number: screenings, dispositions, their upload',
  '         rows. A kiosk with a central service queues an erasure request for central.',
  '',
  'The ID number is read from the terminal (not echoed) or as the first line of stdin — never from',
  'the command line, so it is in no shell history and no `ps` listing. lookup, export and delete',
  'also need the technician PIN: asked on the terminal, the second line of stdin, or',
  'KIOSK_TECHNICIAN_PIN. Every lookup, export and deletion (and every refusal) is recorded in the',
  'audit log, with --request naming the documented request (e.g. REQ-2026-0042; never a name or',
  'number of the person). docs/privacy.md explains each step.',
  '',
  'options:',
  '  --request REF   the documented request (required for export and delete)',
  '  --output FILE   export: write to FILE (mode 0600; an existing file is not overwritten)',
  '  --json          report, lookup: one JSON object instead of text',
  '  --data DIR      the kiosk data directory (default: $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)',
  '  --config FILE   the configuration (default <data>/config.json, else the defaults)',
].join('\n');

const SUBCOMMANDS = ['report', 'lookup', 'export', 'delete'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const privacyCommand: CliCommand = {
  name: 'privacy',
  summary: "processing report; a person's records by ID number: lookup, export, delete (kiosk privacy --help)",
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { request: { type: 'string' }, output: { type: 'string' }, json: { type: 'boolean', default: false }, data: { type: 'string' }, config: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [sub, ...extra] = positionals;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) throw new CliError(`say what to do: kiosk privacy ${SUBCOMMANDS.join('|')}; see \`kiosk privacy --help\``);
    if (extra.length > 0) {
      // Never echo it: it may be the ID number typed where it must not be.
      throw new CliError('unexpected argument: an ID number is never given on the command line (shell history and `ps` would keep it); type it when asked, or pipe it on stdin');
    }
    const command = sub as Subcommand;
    if ((command === 'export' || command === 'delete') && !values.request) throw new CliError(`${command} needs --request REF naming the documented request (e.g. --request REQ-2026-0042)`);
    if (values.output !== undefined && command !== 'export') throw new CliError('--output is only used with export');

    const dataDir = values.data ?? defaultDataDir();
    if (!existsSync(join(dataDir, DATABASE_FILE))) throw new CliError(`no kiosk database at ${join(dataDir, DATABASE_FILE)}; pass the data directory with --data DIR`);
    const config = await configFor(dataDir, values.config ?? null);
    const store = await openStore(dataDir, config);
    try {
      const hasher = command === 'delete' ? await deploymentHasher(dataDir) : null;
      const privacy = new PrivacyService({ config, store: () => store, hasher: () => hasher });
      if (command === 'report') {
        const report = privacy.report();
        if (values.json) printJsonLine(io, report);
        else io.stdout.write(`${formatReport(report)}\n`);
        return 0;
      }
      const [idNumber, pin] = await readIdNumberAndPin(io);
      const request = { actor: authorise(store, pin, command), reference: values.request };
      switch (command) {
        case 'lookup': {
          const found = privacy.lookup(idNumber, request);
          if (values.json) printJsonLine(io, found);
          else io.stdout.write(`${lookupText(found)}\n`);
          return 0;
        }
        case 'export': {
          let doc: ReturnType<PrivacyService['exportFor']>;
          if (values.output === undefined) {
            doc = privacy.exportFor(idNumber, request);
            io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          } else {
            doc = writeSubjectExport(values.output, () => privacy.exportFor(idNumber, request)).doc;
          }
          io.stderr.write(`exported ${doc.records.length} screening(s) and ${doc.registrations.length} registration(s) for request ${doc.reference}${values.output ? ` to ${values.output}` : ''}; recorded in the audit log. This is the person's own data in full: hand it over and delete the file.\n`);
          return 0;
        }
        case 'delete': {
          const r = privacy.erase(idNumber, request);
          const byIdOnly = hasher === null ? ' (by record id only: the ID key is not in the data directory)' : '';
          io.stdout.write(
            `deleted ${r.screenings} screening(s), ${r.dispositions} disposition(s), ${r.registrations} registration(s), ${r.outboxRows} upload row(s); audit entry ${r.auditSeq}` +
              `${r.erasureRequestId ? `; erasure request ${r.erasureRequestId} queued for central${byIdOnly}` : ''}\n`,
          );
          return 0;
        }
      }
    } catch (err) {
      if (err instanceof PrivacyRequestError) throw new CliError(err.message);
      if (err instanceof StoreFullError) throw new CliError(err.message, 1);
      throw err;
    } finally {
      store.close();
    }
  },
};

async function configFor(dataDir: string, configFile: string | null): Promise<KioskConfig> {
  try {
    return (await loadHostConfig({ dataDir, configFile })).config;
  } catch (err) {
    if (err instanceof HostOptionError) throw new CliError(err.message);
    throw err;
  }
}

async function openStore(dataDir: string, config: KioskConfig): Promise<KioskStore> {
  try {
    return await KioskStore.open({ dataDir, maintenanceIntervalMs: 0, ...privacyStoreOptions(config) });
  } catch (err) {
    if (err instanceof KeySourceError || err instanceof WrongKeyError) throw new CliError(err.message, 1);
    throw err;
  }
}

/** The deployment's ID hasher for the erasure request (central finds its copies by it); null when the key is not there. */
async function deploymentHasher(dataDir: string): Promise<HmacIdHasher | null> {
  try {
    return new HmacIdHasher(await openIdKey(dataDir, { newDataDir: false }));
  } catch {
    return null; // the request then names the records by id only (said in the output)
  }
}

async function readIdNumberAndPin(io: CliIo): Promise<[string, string]> {
  const fromEnv = process.env.KIOSK_TECHNICIAN_PIN || undefined;
  const prompts = io.stdinIsTty ? ['ID number (not shown): ', ...(fromEnv ? [] : ['technician PIN: '])] : ['', ...(fromEnv ? [] : [''])];
  const [idNumber = '', pin = fromEnv ?? ''] = await readSecretLines(io, prompts);
  if (idNumber.trim() === '') throw new CliError('no ID number was given: type it when asked, or pipe it as the first line of stdin');
  return [idNumber, fromEnv ?? pin];
}

/**
 * The technician PIN must check (a technician account's, or the legacy technician PIN); returns the
 * audit actor (`technician:<name>`, or `cli`). A refusal is audited (no personal data).
 */
function authorise(store: KioskStore, pin: string, command: Subcommand): string {
  if (!store.technicianPin.isSet()) {
    store.audit.append('cli', 'privacy.refused', { request: command, reason: 'no-technician-pin' });
    throw new CliError(`${command} needs a technician PIN, and none is set on this kiosk; create a technician account with \`kiosk pin set --role technician --name NAME\``, 1);
  }
  const account = pin === '' ? null : store.accounts.verifyAnyTechnicianPin(pin);
  if (account) return actorOf(account);
  if (pin === '' || !store.technicianPin.verify(pin)) {
    store.audit.append('cli', 'privacy.refused', { request: command, reason: 'wrong-technician-pin' });
    throw new CliError(`the technician PIN is wrong; the ${command} was refused (and recorded in the audit log)`, 1);
  }
  return 'cli';
}

function lookupText(found: ReturnType<PrivacyService['lookup']>): string {
  if (found.screenings.length === 0 && found.registrations.length === 0) return 'nothing is held about this ID number';
  const who = found.identity ? `${found.identity.name} ${found.identity.idNumber}` : '(identity unreadable)';
  const lines = [`${who}: ${found.screenings.length} screening(s)${found.registrations.length > 0 ? `, ${found.registrations.length} registration(s) by staff` : ''}`];
  for (const r of found.registrations) {
    lines.push(`  ${r.at ?? '?'}  ${r.id}  registered by staff (${r.documentType ?? '?'})  screening ${r.screeningId ?? 'none'}  upload ${r.delivery ?? 'none'}${r.integrity === 'ok' ? '' : '  INTEGRITY unreadable'}`);
  }
  for (const s of found.screenings) {
    lines.push(
      `  ${s.finishedAt}  ${s.id}  ${s.checkpointId}  ${s.decision ?? s.outcome}${s.fever ? ' fever' : ''}  dispositions ${s.dispositions}  photo ${s.photoKept ? 'kept' : 'none'}  upload ${s.delivery ?? 'none'}${s.integrity === 'ok' ? '' : `  INTEGRITY ${s.integrity}`}`,
    );
  }
  return lines.join('\n');
}

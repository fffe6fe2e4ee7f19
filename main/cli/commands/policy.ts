import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadKioskConfig } from '../../config/kiosk-config.js';
import { caseReport, parsePolicyCase, runPolicyCase } from '../../engine/policy-case.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

const usage = [
  'usage: kiosk policy try --config FILE [--hmac-key-file KEYFILE] CASE.json',
  '',
  'Prints (JSON) what a kiosk with this configuration would decide for one case, using the same',
  'temperature pipeline and decision policy as the kiosk. Nothing is stored; the ID number is not printed.',
  '',
  'CASE.json fields (only samplesC is required):',
  '  idNumber            the ID number on the card (omit: no card)',
  '  samplesC            raw thermometer readings, °C, e.g. [36.4, 36.5, 36.5, 36.6, 36.5]',
  '  remeasureSamplesC   readings of the re-measurement after an elevated first one',
  '  ambientC            ambient temperature reported with the readings',
  '  watchlist           [{"idNumber": ..., "colour": "red"}] (hashed with a throw-away key) or',
  '                      [{"hmac": ..., "colour": ...}] (needs --hmac-key-file with the deployment key, hex)',
  '  keyRegions          [{"prefix": "4201", "colour": "orange"}]',
  '  watchlistAgeHours   age of the lists (default 0)',
  '  cardType            resident | hmt-permit | foreign-2017 | foreign-2023 (default: from the number)',
  '  cardValidUntil      "YYYYMMDD", "YYYY-MM-DD" or "long-term" (default)',
  '  cardValidFrom       validity start as on the card (default: not checked)',
  '  cardBirthDate       birth date as on the card (default: not checked)',
  '  calibration         {"gain": 1.0, "offset": 0.0} (default), "missing" or "expired"',
  '  duplicate           true: the same card was screened within the duplicate window',
  '  now                 ISO time of the decision (default: now)',
].join('\n');

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}); fix the syntax`);
  }
}

export const policyCommand: CliCommand = {
  name: 'policy',
  summary: 'try a decision policy on a case before rolling it out',
  usage,
  async run(args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, 'hmac-key-file': { type: 'string' } },
    });
    const [sub, caseFile, ...extra] = positionals;
    if (sub !== 'try') throw new CliError(`say what to do: kiosk policy try --config FILE CASE.json (got ${sub === undefined ? 'nothing' : `"${sub}"`})`);
    if (!values.config) throw new CliError('give the kiosk configuration: --config FILE');
    if (!caseFile) throw new CliError('name the case file: kiosk policy try --config FILE CASE.json');
    if (extra.length) throw new CliError(`one case at a time: unexpected ${extra.map((e) => `"${e}"`).join(' ')}`);

    const cfg = await loadKioskConfig(values.config);
    if (!cfg.ok) {
      for (const p of cfg.problems) io.stdout.write(`${p}\n`);
      throw new CliError(`${values.config}: ${cfg.problems.length} configuration problem(s); run \`kiosk config check ${values.config}\``);
    }
    const parsed = parsePolicyCase(await readJson(caseFile, 'case file'));
    if (!parsed.ok) {
      for (const p of parsed.problems) io.stdout.write(`${p}\n`);
      throw new CliError(`${caseFile}: ${parsed.problems.length} problem(s) in the case`);
    }
    let key: Buffer | undefined;
    if (values['hmac-key-file']) {
      const hex = (await readFile(values['hmac-key-file'], 'utf8').catch(() => {
        throw new CliError(`cannot read the key file ${values['hmac-key-file']}; check the path`);
      })).trim();
      if (!/^(?:[0-9a-fA-F]{2}){16,}$/.test(hex)) throw new CliError('the key file must hold the ID key as hex (at least 32 hex digits)');
      key = Buffer.from(hex, 'hex');
    }
    let outcome;
    try {
      outcome = runPolicyCase(cfg.config, parsed.value, key);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err));
    }
    io.stdout.write(`${JSON.stringify(caseReport(cfg.config, outcome), null, 2)}\n`);
    return 0;
  },
};

import { parseArgs } from 'node:util';
import { loadKioskConfig } from '../../config/kiosk-config.js';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

const usage = [
  'usage: kiosk config check FILE',
  '       kiosk config print FILE',
  '',
  'check   validates a kiosk configuration (JSON). Exit 0 when valid; otherwise exit 2 and one line',
  '        per problem on stdout: the field, the bad value and the fix.',
  'print   prints the effective configuration (the file plus every default) as JSON.',
  '',
  'A minimal file: {"checkpoint": {"id": "yk-qiancang-330", "name": "千仓卡口"}}',
].join('\n');

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'check a kiosk configuration file, or print it with its defaults',
  usage,
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const [sub, file, ...extra] = positionals;
    if (sub !== 'check' && sub !== 'print') throw new CliError(`say what to do: kiosk config check FILE | kiosk config print FILE (got ${sub === undefined ? 'nothing' : `"${sub}"`})`);
    if (!file) throw new CliError(`name the configuration file: kiosk config ${sub} FILE`);
    if (extra.length) throw new CliError(`one file at a time: unexpected ${extra.map((e) => `"${e}"`).join(' ')}`);
    const result = await loadKioskConfig(file);
    if (!result.ok) {
      for (const p of result.problems) io.stdout.write(`${p}\n`);
      io.stderr.write(`kiosk config: ${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`);
      return 2;
    }
    const c = result.config;
    if (sub === 'print') {
      io.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(
      `ok: ${file} is valid (checkpoint ${c.checkpoint.id}, station ${c.station.mode}, policy ${c.policy.name}@${c.policy.version} ${c.policy.mode}, fever ≥ ${c.policy.feverThresholdC} °C)\n`,
    );
    return 0;
  },
};

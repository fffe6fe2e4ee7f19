import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chromiumKioskArgs } from '../../main/cli/kiosk-browser.js';
import { ShellExit } from '../../main/electron/exit-codes.js';
import { KIOSK_CHROMIUM_SWITCHES } from '../../main/electron/launch-switches.js';
import { parseHostOptions } from '../../main/host/host-options.js';

/**
 * The files that make an installed kiosk a service (packaging/linux/): the two systemd units, the
 * kiosk user, the udev rules, the site settings and the one-time set-up. Checked against systemd's
 * own parser (`systemd-analyze verify`, where systemd is installed) and against what the code they
 * start expects (exit codes, options, data directory).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const LINUX = join(ROOT, 'packaging', 'linux');
const read = (name: string) => readFileSync(join(LINUX, name), 'utf8');

/** An INI unit as section → key → values (repeated keys keep every value). */
function unit(name: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of read(name).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      out[section] = {};
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    (out[section]![key] ??= []).push(line.slice(eq + 1));
  }
  return out;
}
const one = (u: Record<string, Record<string, string[]>>, section: string, key: string) => u[section]?.[key]?.at(-1);

const systemdAnalyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
const DATA_DIR = /^KIOSK_DATA_DIR=(.*)$/m.exec(read('checkpoint-kiosk.default'))![1]!;

describe.each(['checkpoint-kiosk.service', 'checkpoint-kiosk-browser.service'])('%s', (name) => {
  const u = unit(name);

  it.skipIf(!systemdAnalyze)(`passes systemd-analyze verify (only the known warnings of an older systemd or a machine without cage)${systemdAnalyze ? '' : ': skipped, no systemd-analyze'}`, () => {
    const r = spawnSync('systemd-analyze', ['verify', join(LINUX, name)], { encoding: 'utf8' });
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    const known = [
      /Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$/, // systemd < 254
      /Command \/usr\/bin\/(cage|node) is not executable: No such file or directory$/, // not installed on this machine
    ];
    expect(lines.filter((l) => !known.some((k) => k.test(l)))).toEqual([]);
  });

  it('runs full screen under cage as the unprivileged user kiosk, in dialout, with a private runtime and data directory', () => {
    expect(one(u, 'Service', 'User')).toBe('kiosk');
    expect(one(u, 'Service', 'SupplementaryGroups')?.split(' ')).toEqual(expect.arrayContaining(['dialout', 'video', 'render', 'audio']));
    expect(one(u, 'Service', 'ExecStart')).toMatch(/^\/usr\/bin\/cage -s -- /);
    expect(u.Service!.Environment).toEqual(expect.arrayContaining([`KIOSK_DATA_DIR=${DATA_DIR}`, 'LIBSEAT_BACKEND=seatd', 'XDG_RUNTIME_DIR=/run/checkpoint-kiosk']));
    expect(one(u, 'Service', 'EnvironmentFile')).toBe('-/etc/default/checkpoint-kiosk');
    expect(one(u, 'Service', 'StateDirectory')).toBe('checkpoint-kiosk');
    expect(`/var/lib/${one(u, 'Service', 'StateDirectory')}`).toBe(DATA_DIR);
    expect(one(u, 'Service', 'UMask')).toBe('0077');
    // No PAM session: it would move the host out of the unit's cgroup, where its keep-alives count.
    expect(u.Service!.PAMName).toBeUndefined();
    expect(one(u, 'Unit', 'Wants')).toContain('seatd.service');
  });

  it('restarts always, never gives up, and leaves a bad start line (exit 2) failed for the technician', () => {
    expect(one(u, 'Service', 'Restart')).toBe('always');
    expect(one(u, 'Unit', 'StartLimitIntervalSec')).toBe('0');
    expect(one(u, 'Service', 'RestartPreventExitStatus')).toBe(String(ShellExit.BadOptions));
    expect(Number(one(u, 'Service', 'RestartSec'))).toBeGreaterThan(0);
  });

  it("has a watchdog fed by the host (NotifyAccess=all), longer than the fault screen and the host's restarts", () => {
    expect(one(u, 'Service', 'Type')).toBe('notify');
    expect(one(u, 'Service', 'NotifyAccess')).toBe('all');
    const watchdogMs = Number(one(u, 'Service', 'WatchdogSec')) * 1000;
    // shell.ts shows the fault screen for 60 s after the host's last restart, then exits 3.
    // The supervisor's restart delays, read from its source (importing it needs Electron).
    const delays = /DEFAULT_HOST_RESTART_POLICY[^=]*=\s*\{\s*delaysMs:\s*\[([\d_,\s]+)\]/.exec(readFileSync(join(ROOT, 'main', 'electron', 'host-supervisor.ts'), 'utf8'))![1]!;
    const hostRestartsMs = delays.split(',').map((d) => Number(d.replaceAll('_', '').trim())).reduce((a, b) => a + b, 0);
    expect(hostRestartsMs).toBe(5250);
    expect(watchdogMs).toBeGreaterThan(60_000 + hostRestartsMs);
  });

  it('passes the data directory to the host in a form its option parser accepts', () => {
    const exec = one(u, 'Service', 'ExecStart')!.replaceAll('${KIOSK_DATA_DIR}', DATA_DIR).replaceAll('${KIOSK_SOURCE_DIR}', '/opt/checkpoint-kiosk');
    const args = exec.split(' ');
    const hostArgs = name === 'checkpoint-kiosk.service' ? args.slice(args.lastIndexOf('--') + 1) : args.slice(args.indexOf('start') + 1).filter((a, i, all) => a !== '--chromium' && all[i - 1] !== '--chromium');
    expect(parseHostOptions(hostArgs, {}).dataDir).toBe(DATA_DIR);
  });
});

describe('the browser-mode unit', () => {
  it('starts the host in browser mode and Debian\'s chromium full screen through `kiosk start --chromium`', () => {
    expect(one(unit('checkpoint-kiosk-browser.service'), 'Service', 'ExecStart')).toBe(
      '/usr/bin/cage -s -- /usr/bin/node ${KIOSK_SOURCE_DIR}/bin/kiosk.js start --browser --chromium /usr/bin/chromium --data=${KIOSK_DATA_DIR}',
    );
    expect(one(unit('checkpoint-kiosk-browser.service'), 'Unit', 'Conflicts')).toContain('checkpoint-kiosk.service');
  });

  it('chromium gets kiosk mode, Wayland, autoplay for the voice, a private profile and the URL last', () => {
    const args = chromiumKioskArgs('http://127.0.0.1:1234/?token=abc', '/run/checkpoint-kiosk/checkpoint-kiosk-chromium');
    expect(args).toEqual(expect.arrayContaining(['--kiosk', ...KIOSK_CHROMIUM_SWITCHES, '--autoplay-policy=no-user-gesture-required', '--no-first-run', '--user-data-dir=/run/checkpoint-kiosk/checkpoint-kiosk-chromium']));
    expect(args.at(-1)).toBe('http://127.0.0.1:1234/?token=abc');
    expect(args).not.toContain('--no-sandbox');
  });
});

describe('udev rules (60-checkpoint-kiosk.rules)', () => {
  const rules = read('60-checkpoint-kiosk.rules')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(/,\s*/).map((kv) => /^([A-Z_]+(?:\{[\w]+\})?)(==|\+=|=)"([^"]*)"$/.exec(kv.trim())));

  it('parses: every rule is KEY op "value" pairs, on tty devices only', () => {
    for (const r of rules) {
      expect(r.every((kv) => kv !== null)).toBe(true);
      expect(r[0]?.slice(1)).toEqual(['SUBSYSTEM', '==', 'tty']);
    }
  });

  it('gives the supported USB-serial bridges to dialout (0660, never 0666) and keeps ModemManager away', () => {
    const access = rules.filter((r) => r.some((kv) => kv![1] === 'MODE'));
    expect(access.length).toBeGreaterThanOrEqual(4);
    for (const r of access) {
      const kv = Object.fromEntries(r.map((x) => [x![1], x![3]]));
      expect(kv).toMatchObject({ GROUP: 'dialout', MODE: '0660', 'ENV{ID_MM_DEVICE_IGNORE}': '1' });
      expect(kv['ATTRS{idVendor}']).toMatch(/^[0-9a-f]{4}$/);
      expect(kv['ATTRS{idProduct}']).toMatch(/^[0-9a-f]{4}$/);
    }
    // CH340 (GY-MCU90614 adapters), CP210x, FTDI, PL2303
    const ids = access.map((r) => `${r.find((x) => x![1] === 'ATTRS{idVendor}')![3]}:${r.find((x) => x![1] === 'ATTRS{idProduct}')![3]}`);
    expect(ids).toEqual(expect.arrayContaining(['1a86:7523', '10c4:ea60', '0403:6001', '067b:2303']));
  });

  it('names the reference build\'s card reader and thermometer /dev/kiosk-idcard and /dev/kiosk-thermometer by their USB ids', () => {
    const names = rules.filter((r) => r.some((kv) => kv![1] === 'SYMLINK')).map((r) => Object.fromEntries(r.map((x) => [x![1], x![3]])));
    expect(names.map((n) => [n.SYMLINK, `${n['ATTRS{idVendor}']}:${n['ATTRS{idProduct}']}`])).toEqual([
      ['kiosk-idcard', '10c4:ea60'],
      ['kiosk-thermometer', '1a86:7523'],
    ]);
    for (const n of names) expect(names.filter((m) => m.SYMLINK === n.SYMLINK)).toHaveLength(1);
  });
});

describe('the kiosk user, the site settings and the set-up', () => {
  it('sysusers: a system user kiosk whose home is the data directory, in dialout, video, render and audio', () => {
    const lines = read('checkpoint-kiosk.sysusers')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((l) => l.match(/"[^"]*"|\S+/g)!);
    const user = lines.find((l) => l[0] === 'u')!;
    expect(user.slice(0, 2)).toEqual(['u', 'kiosk']);
    expect(user[4]).toBe(DATA_DIR);
    expect(user[5]).toBe('/usr/sbin/nologin');
    expect(lines.filter((l) => l[0] === 'm' && l[1] === 'kiosk').map((l) => l[2])).toEqual(['dialout', 'video', 'render', 'audio']);
  });

  it('one data directory for the service and the technician\'s command', () => {
    expect(DATA_DIR).toBe('/var/lib/checkpoint-kiosk');
    expect(read('kiosk')).toContain('${KIOSK_DATA_DIR:-/var/lib/checkpoint-kiosk}');
    expect(read('kiosk')).toContain('/etc/default/checkpoint-kiosk');
  });

  it('the set-up script is valid sh, executable, and installs only files the package carries', () => {
    expect(spawnSync('sh', ['-n', join(LINUX, 'checkpoint-kiosk-setup')]).status).toBe(0);
    expect(statSync(join(LINUX, 'checkpoint-kiosk-setup')).mode & 0o111).not.toBe(0);
    const carried = (parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { extraFiles: { to: string }[] }).extraFiles.map((f) => f.to);
    const used = [...read('checkpoint-kiosk-setup').matchAll(/"\$SYSTEM\/([\w.-]+)"/g)].map((m) => `system/${m[1]}`);
    expect(used.length).toBe(4);
    for (const f of used) expect(carried).toContain(f);
  });
});

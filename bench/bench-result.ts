import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, freemem, loadavg, release, totalmem, type, version } from 'node:os';

/** One measured figure. `met` is computed from the measurement against the goal, never set by hand. */
export interface Figure {
  value: number;
  unit: string;
  goal?: string;
  met?: boolean;
  /** How many samples the value is computed from (a p99 of fewer than 100 is their maximum). */
  samples?: number;
}

export interface BenchResult {
  /**
   * What the figures include and what they leave out (mocked parts, time scale, in-process or
   * not, which processes, which filesystem): printed with the figures and saved with them.
   */
  scope: string;
  figures: Record<string, Figure>;
  /** Anything else worth keeping with the numbers (sample counts, settings). */
  notes?: Record<string, unknown>;
}

/** What `bench/run.ts` hands every bench. */
export interface BenchContext {
  /** A fresh directory of this bench's own, on the bench filesystem (removed after the run). */
  dir: string;
  /** A directory shared by the benches of one run (a database built once, reused). */
  shared: string;
  /** Short smoke run (`--smoke` / `KIOSK_BENCH_SMOKE=1`): checks that the bench works, measures nothing worth keeping. */
  smoke: boolean;
}

/** A bench module: `bench/<name>.bench.ts` exporting `run`. */
export type BenchRun = (ctx: BenchContext) => Promise<BenchResult>;

/** The filesystem a directory lives on, and the device under it. */
export interface FilesystemInfo {
  path: string;
  mountpoint: string | null;
  filesystem: string | null;
  device: string | null;
  mountOptions: string | null;
  /** lsblk of the device: model, rotational, size (null when it is not a block device, e.g. tmpfs, overlay). */
  blockDevice: Record<string, unknown> | null;
  problem?: string;
}

/** The machine, the software and the bench directory a result was measured on. */
export interface BenchEnvironment {
  gitCommit: string | null;
  /** Uncommitted changes outside bench/results when the run started. */
  gitDirty: boolean | null;
  os: string;
  kernel: string;
  arch: string;
  cpu: { model: string; cores: number; mhz: number };
  memory: { totalGiB: number; availableGiBAtStart: number };
  node: string;
  chromium: string | null;
  benchDirectory: FilesystemInfo;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function run(file: string, args: string[], cwd?: string): string | null {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return null;
  }
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? type();
  } catch {
    return type();
  }
}

/** findmnt + lsblk of the filesystem holding `dir` (util-linux). */
export function filesystemOf(dir: string): FilesystemInfo {
  const info: FilesystemInfo = { path: dir, mountpoint: null, filesystem: null, device: null, mountOptions: null, blockDevice: null };
  const mount = run('findmnt', ['-J', '-T', dir, '-o', 'TARGET,SOURCE,FSTYPE,OPTIONS']);
  if (!mount) return { ...info, problem: 'findmnt failed (util-linux missing?)' };
  const fs = (JSON.parse(mount) as { filesystems: Array<{ target: string; source: string; fstype: string; options: string }> }).filesystems[0];
  if (!fs) return { ...info, problem: 'findmnt found no filesystem' };
  info.mountpoint = fs.target;
  info.filesystem = fs.fstype;
  info.device = fs.source;
  info.mountOptions = fs.options;
  if (fs.source.startsWith('/dev/')) {
    const blk = run('lsblk', ['-J', '-d', '-o', 'NAME,MODEL,ROTA,TYPE,SIZE,TRAN', fs.source]);
    if (blk) info.blockDevice = (JSON.parse(blk) as { blockdevices: Array<Record<string, unknown>> }).blockdevices[0] ?? null;
  }
  return info;
}

/** `chromium --version` of the browser the benches drive (CHROMIUM_PATH or /usr/bin/chromium). */
export function chromiumVersion(): string | null {
  const file = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(file) ? run(file, ['--version']) : null;
}

/** Captured once when a run starts (the git state before any result file is written). */
export function describeEnvironment(root: string, benchDir: string): BenchEnvironment {
  const status = run('git', ['status', '--porcelain', '--', '.', ':(exclude)bench/results'], root);
  const cpu = cpus()[0];
  return {
    gitCommit: run('git', ['rev-parse', 'HEAD'], root),
    gitDirty: status === null ? null : status.length > 0,
    os: osName(),
    kernel: `${type()} ${release()} ${version()}`,
    arch: arch(),
    cpu: { model: cpu?.model ?? 'unknown', cores: cpus().length, mhz: cpu?.speed ?? 0 },
    memory: { totalGiB: round2(totalmem() / 2 ** 30), availableGiBAtStart: round2(freemem() / 2 ** 30) },
    node: process.version,
    chromium: chromiumVersion(),
    benchDirectory: filesystemOf(benchDir),
  };
}

/** The 1, 5 and 15 minute load averages now. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [round2(a ?? 0), round2(b ?? 0), round2(c ?? 0)];
}

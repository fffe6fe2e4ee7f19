import { existsSync } from 'node:fs';
import { lstat, readFile, readdir, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { PortInfo } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' }; // its exports map has no ESM types

/**
 * Finding serial ports and telling them apart by what is plugged in, not by tty number.
 *
 * `SerialPort.list()` on Linux shells out to `udevadm info -e`; on images and containers without
 * udev it rejects (`spawn udevadm ENOENT`) or knows nothing about the devices. So the list here is
 * the udev list when it works, merged with what the kernel itself publishes:
 *
 * - `/dev/serial/by-id/*` and `/dev/serial/by-path/*` links (made by systemd's 60-serial.rules);
 * - `/sys/class/tty/<name>/device`, whose USB ancestor directory holds `idVendor`, `idProduct`,
 *   `serial` and `manufacturer`.
 *
 * Legacy `platform` ttys (the 32 `ttyS*` placeholders of the 8250 driver) are left out, as pyserial does.
 */
export interface DiscoveredPort {
  /** The device node to open (`/dev/ttyUSB0`), or a configured link (a simulator's pseudo-terminal). */
  path: string;
  /** `/dev/serial/by-id/...` link to this port: follows the device (vendor, model, serial). */
  byId?: string;
  /** `/dev/serial/by-path/...` link to this port: follows the USB socket. */
  byPath?: string;
  /** USB vendor id, 4 lower-case hex digits (`1a86`). */
  vendorId?: string;
  /** USB product id, 4 lower-case hex digits (`7523`). */
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /**
   * The USB device's name in sysfs (`1-1.3`: bus 1, hub port 1, port 3): it follows the USB socket,
   * so it tells two adapters with the same ids and no serial number apart (udev's `KERNELS==`).
   */
  usbPath?: string;
  /** Where the entry came from: udev's database, the kernel's sysfs, or a configured link. */
  source: 'udev' | 'sysfs' | 'configured';
}

/** How to pick one device among the ports. Every given field must match. */
export interface PortMatch {
  /** USB vendor id, hex, case-insensitive (`1a86`, `0x1A86`). */
  vendorId?: string;
  /** USB product id, hex, case-insensitive. */
  productId?: string;
  /** USB serial number, exact. */
  serialNumber?: string;
  /** A substring of the port's `/dev/serial/by-id/...` name (or the full link path). */
  byIdContains?: string;
}

export interface PortDiscoveryOptions {
  /** Root of the device nodes; tests point it at a fake tree. Default `/dev`. */
  devRoot?: string;
  /** Root of sysfs; tests point it at a fake tree. Default `/sys`. */
  sysRoot?: string;
  /**
   * The udev-backed list (`SerialPort.list` by default). `null` skips udev entirely. A rejection
   * (udevadm missing) is not an error: the sysfs scan answers alone.
   */
  udevList?: (() => Promise<PortInfo[]>) | null;
  /** Extra paths to list when they exist (pseudo-terminal links made by `kiosk sim --pty`). */
  extraPaths?: string[];
}

/** Lists serial ports. Never throws: unreadable sources are skipped. */
export async function listSerialPorts(options: PortDiscoveryOptions = {}): Promise<DiscoveredPort[]> {
  const devRoot = options.devRoot ?? '/dev';
  const sysRoot = options.sysRoot ?? '/sys';
  const [udev, sysfs] = await Promise.all([
    listFromUdev(options.udevList === undefined ? defaultUdevList : options.udevList, devRoot),
    listFromSysfs(devRoot, sysRoot),
  ]);

  const byPath = new Map<string, DiscoveredPort>();
  for (const port of udev) byPath.set(port.path, port);
  for (const port of sysfs) {
    const known = byPath.get(port.path);
    if (!known) {
      byPath.set(port.path, port);
      continue;
    }
    // udev wins where it answered; the kernel fills the gaps (udev without its database knows nothing).
    for (const key of ['byId', 'byPath', 'vendorId', 'productId', 'serialNumber', 'manufacturer', 'usbPath'] as const) {
      if (known[key] === undefined && port[key] !== undefined) known[key] = port[key];
    }
  }
  for (const extra of options.extraPaths ?? []) {
    if (!byPath.has(extra) && existsSync(extra)) byPath.set(extra, { path: extra, source: 'configured' });
  }
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Every port matching all the given fields (empty match → no port: a match must say something). */
export function matchPort(ports: readonly DiscoveredPort[], match: PortMatch): DiscoveredPort[] {
  if (!hasCriteria(match)) return [];
  const vendorId = match.vendorId === undefined ? undefined : normaliseUsbId(match.vendorId);
  const productId = match.productId === undefined ? undefined : normaliseUsbId(match.productId);
  return ports.filter(
    (p) =>
      (vendorId === undefined || p.vendorId === vendorId) &&
      (productId === undefined || p.productId === productId) &&
      (match.serialNumber === undefined || p.serialNumber === match.serialNumber) &&
      (match.byIdContains === undefined || (p.byId !== undefined && p.byId.includes(match.byIdContains))),
  );
}

/** `vendorId=1a86 productId=7523` — a match as a human reads it (no personal data in here). */
export function describeMatch(match: PortMatch): string {
  return (['vendorId', 'productId', 'serialNumber', 'byIdContains'] as const)
    .filter((k) => match[k] !== undefined)
    .map((k) => `${k}=${match[k]}`)
    .join(' ');
}

export function hasCriteria(match: PortMatch): boolean {
  return match.vendorId !== undefined || match.productId !== undefined || match.serialNumber !== undefined || match.byIdContains !== undefined;
}

/** `0x1A86` → `1a86`. */
export function normaliseUsbId(id: string): string {
  return id.trim().toLowerCase().replace(/^0x/, '').padStart(4, '0');
}

async function defaultUdevList(): Promise<PortInfo[]> {
  // Loaded lazily: the native binding is not needed to scan sysfs.
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}

async function listFromUdev(list: (() => Promise<PortInfo[]>) | null, devRoot: string): Promise<DiscoveredPort[]> {
  if (!list) return [];
  let infos: PortInfo[];
  try {
    infos = await list();
  } catch {
    return []; // udevadm missing or failing: sysfs answers alone.
  }
  return infos.map((info) => {
    const port: DiscoveredPort = { path: info.path, source: 'udev' };
    if (info.vendorId) port.vendorId = normaliseUsbId(info.vendorId);
    if (info.productId) port.productId = normaliseUsbId(info.productId);
    if (info.serialNumber) port.serialNumber = info.serialNumber;
    if (info.manufacturer) port.manufacturer = info.manufacturer;
    // bindings-cpp reports the by-id link name as pnpId.
    if (info.pnpId && !info.pnpId.includes('/')) port.byId = join(devRoot, 'serial', 'by-id', info.pnpId);
    return port;
  });
}

async function listFromSysfs(devRoot: string, sysRoot: string): Promise<DiscoveredPort[]> {
  const [byIdLinks, byPathLinks] = await Promise.all([readLinks(join(devRoot, 'serial', 'by-id')), readLinks(join(devRoot, 'serial', 'by-path'))]);
  const ports = new Map<string, DiscoveredPort>();

  const ttyClass = join(sysRoot, 'class', 'tty');
  for (const name of await readdirOrEmpty(ttyClass)) {
    const deviceLink = join(ttyClass, name, 'device');
    if (!(await exists(deviceLink))) continue; // virtual terminals, pts, console: no device
    const subsystem = await linkBasename(join(deviceLink, 'subsystem'));
    if (subsystem === 'platform') continue; // 8250 placeholders, not real hardware
    const port: DiscoveredPort = { path: join(devRoot, name), source: 'sysfs' };
    const usb = await findUsbAncestor(deviceLink);
    if (usb) {
      const [vendorId, productId, serialNumber, manufacturer] = await Promise.all(
        ['idVendor', 'idProduct', 'serial', 'manufacturer'].map((f) => readAttribute(join(usb, f))),
      );
      if (vendorId) port.vendorId = normaliseUsbId(vendorId);
      if (productId) port.productId = normaliseUsbId(productId);
      if (serialNumber) port.serialNumber = serialNumber;
      if (manufacturer) port.manufacturer = manufacturer;
      port.usbPath = basename(usb);
    }
    ports.set(port.path, port);
  }

  // /dev/serial links name ports even where sysfs is not mounted.
  for (const [target, link] of byIdLinks) {
    const port = ports.get(target) ?? { path: target, source: 'sysfs' as const };
    port.byId = link;
    ports.set(target, port);
  }
  for (const [target, link] of byPathLinks) {
    const port = ports.get(target) ?? { path: target, source: 'sysfs' as const };
    port.byPath = link;
    ports.set(target, port);
  }
  return [...ports.values()];
}

/** Walks up from a tty's device directory to the USB device that carries `idVendor`. */
async function findUsbAncestor(deviceLink: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = await realpath(deviceLink);
  } catch {
    return undefined;
  }
  for (let depth = 0; depth < 6; depth++) {
    if (await exists(join(dir, 'idVendor'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** link target (absolute) → link path, for every symlink in a directory. */
async function readLinks(dir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const name of (await readdirOrEmpty(dir)).sort()) {
    const link = join(dir, name);
    try {
      links.set(resolve(dir, await readlink(link)), link);
    } catch {
      // not a link: ignore
    }
  }
  return links;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function linkBasename(link: string): Promise<string | undefined> {
  try {
    return basename(await readlink(link));
  } catch {
    return undefined;
  }
}

async function readAttribute(path: string): Promise<string | undefined> {
  try {
    const value = (await readFile(path, 'utf8')).trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSerialPorts, matchPort, type DiscoveredPort } from '../../drivers/transport/port-discovery.js';

/**
 * A fake /dev + /sys shaped like a Linux machine with:
 * - ttyUSB0: CH340 (1a86:7523, no serial) behind usb-serial, with by-id and by-path links;
 * - ttyACM0: a CDC device (2341:0043, serial 7563...) whose tty device is the USB interface;
 * - ttyS0:   an 8250 platform placeholder (must be left out);
 * - tty1:    a virtual terminal (no device link, left out).
 */
let root: string;
let dev: string;
let sys: string;

function file(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${content}\n`);
}
function link(path: string, target: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kiosk-sysfs-'));
  dev = join(root, 'dev');
  sys = join(root, 'sys');

  const usb1 = join(sys, 'devices/pci0000:00/0000:00:14.0/usb1/1-2');
  file(join(usb1, 'idVendor'), '1a86');
  file(join(usb1, 'idProduct'), '7523');
  file(join(usb1, 'manufacturer'), 'QinHeng Electronics');
  const usbSerialPort = join(usb1, '1-2:1.0/ttyUSB0');
  mkdirSync(join(usbSerialPort, 'tty/ttyUSB0'), { recursive: true });
  link(join(usbSerialPort, 'subsystem'), join(sys, 'bus/usb-serial'));
  link(join(usbSerialPort, 'tty/ttyUSB0/device'), usbSerialPort);
  link(join(sys, 'class/tty/ttyUSB0'), join(usbSerialPort, 'tty/ttyUSB0'));

  const usb2 = join(sys, 'devices/pci0000:00/0000:00:14.0/usb1/1-3');
  file(join(usb2, 'idVendor'), '2341');
  file(join(usb2, 'idProduct'), '0043');
  file(join(usb2, 'serial'), '75633313233351F0A1B2');
  const acmIf = join(usb2, '1-3:1.0');
  mkdirSync(join(acmIf, 'tty/ttyACM0'), { recursive: true });
  link(join(acmIf, 'subsystem'), join(sys, 'bus/usb'));
  link(join(acmIf, 'tty/ttyACM0/device'), acmIf);
  link(join(sys, 'class/tty/ttyACM0'), join(acmIf, 'tty/ttyACM0'));

  const serial8250 = join(sys, 'devices/platform/serial8250');
  mkdirSync(join(serial8250, 'tty/ttyS0'), { recursive: true });
  link(join(serial8250, 'subsystem'), join(sys, 'bus/platform'));
  link(join(serial8250, 'tty/ttyS0/device'), serial8250);
  link(join(sys, 'class/tty/ttyS0'), join(serial8250, 'tty/ttyS0'));

  mkdirSync(join(sys, 'devices/virtual/tty/tty1'), { recursive: true });
  link(join(sys, 'class/tty/tty1'), join(sys, 'devices/virtual/tty/tty1'));

  link(join(dev, 'serial/by-id/usb-1a86_USB_Serial-if00-port0'), '../../ttyUSB0');
  link(join(dev, 'serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0'), '../../ttyUSB0');
  link(join(dev, 'serial/by-id/usb-Arduino_Uno_75633313233351F0A1B2-if00'), '../../ttyACM0');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('listSerialPorts', () => {
  it('without udevadm, reads USB ids from sysfs parents and names from /dev/serial', async () => {
    const udevList = () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' }));
    const ports = await listSerialPorts({ devRoot: dev, sysRoot: sys, udevList });
    expect(ports).toEqual<DiscoveredPort[]>([
      {
        path: join(dev, 'ttyACM0'),
        byId: join(dev, 'serial/by-id/usb-Arduino_Uno_75633313233351F0A1B2-if00'),
        vendorId: '2341',
        productId: '0043',
        serialNumber: '75633313233351F0A1B2',
        usbPath: '1-3',
        source: 'sysfs',
      },
      {
        path: join(dev, 'ttyUSB0'),
        byId: join(dev, 'serial/by-id/usb-1a86_USB_Serial-if00-port0'),
        byPath: join(dev, 'serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0'),
        vendorId: '1a86',
        productId: '7523',
        manufacturer: 'QinHeng Electronics',
        usbPath: '1-2',
        source: 'sysfs',
      },
    ]);
  });

  it('keeps udev answers and fills what udev did not know from sysfs', async () => {
    const udevList = async () => [
      { path: join(dev, 'ttyUSB0'), manufacturer: '1a86', serialNumber: undefined, pnpId: 'usb-1a86_USB_Serial-if00-port0', locationId: undefined, vendorId: '1A86', productId: '7523' },
    ];
    const ports = await listSerialPorts({ devRoot: dev, sysRoot: sys, udevList });
    const usb = ports.find((p) => p.path === join(dev, 'ttyUSB0'));
    expect(usb).toEqual({
      path: join(dev, 'ttyUSB0'),
      byId: join(dev, 'serial/by-id/usb-1a86_USB_Serial-if00-port0'),
      byPath: join(dev, 'serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0'),
      vendorId: '1a86',
      productId: '7523',
      manufacturer: '1a86',
      usbPath: '1-2',
      source: 'udev',
    });
    expect(ports.find((p) => p.path === join(dev, 'ttyACM0'))?.source).toBe('sysfs');
  });

  it('never throws when nothing is readable, and lists configured links that exist', async () => {
    const missing = join(root, 'nothing-here');
    const pty = join(root, 'idcard-host');
    writeFileSync(pty, '');
    const ports = await listSerialPorts({ devRoot: missing, sysRoot: missing, udevList: null, extraPaths: [pty, join(root, 'absent')] });
    expect(ports).toEqual([{ path: pty, source: 'configured' }]);
  });
});

describe('matchPort', () => {
  const ports: DiscoveredPort[] = [
    { path: '/dev/ttyUSB0', byId: '/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0', vendorId: '1a86', productId: '7523', source: 'sysfs' },
    { path: '/dev/ttyUSB1', byId: '/dev/serial/by-id/usb-1a86_USB_Serial_B-if00-port0', vendorId: '1a86', productId: '7523', serialNumber: 'B', source: 'sysfs' },
    { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043', source: 'sysfs' },
  ];

  it('matches USB ids case-insensitively, with or without 0x', () => {
    expect(matchPort(ports, { vendorId: '0x2341', productId: '0043' }).map((p) => p.path)).toEqual(['/dev/ttyACM0']);
    expect(matchPort(ports, { vendorId: '1A86' }).map((p) => p.path)).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB1']);
  });

  it('narrows by serial number or by-id name', () => {
    expect(matchPort(ports, { vendorId: '1a86', serialNumber: 'B' }).map((p) => p.path)).toEqual(['/dev/ttyUSB1']);
    expect(matchPort(ports, { byIdContains: 'Serial_B' }).map((p) => p.path)).toEqual(['/dev/ttyUSB1']);
    expect(matchPort(ports, { byIdContains: 'nope' })).toEqual([]);
  });

  it('an empty match selects nothing', () => {
    expect(matchPort(ports, {})).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { DiscoveredPort } from '../../drivers/transport/port-discovery.js';
import { udevRulesFor, UdevRuleError } from '../../drivers/transport/udev-rules.js';

/** The rules `kiosk ports --udev-rules` prints, for the set-ups docs/wiring.md describes. */
const ch340 = (path: string, usbPath: string, serialNumber?: string): DiscoveredPort => ({ path, vendorId: '1a86', productId: '7523', usbPath, ...(serialNumber && { serialNumber }), source: 'sysfs' });
const cp2102: DiscoveredPort = { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: '0001', manufacturer: 'Silicon Labs', usbPath: '1-1.2', source: 'sysfs' };
const rules = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('udev rules for stable device names', () => {
  it('different adapters: vendor and product ids are enough', () => {
    const t = ch340('/dev/ttyUSB1', '1-1.3');
    expect(rules(udevRulesFor([{ name: 'idcard', port: cp2102 }, { name: 'thermometer', port: t }], [cp2102, t]))).toEqual([
      'SUBSYSTEM=="tty", ATTRS{idVendor}=="10c4", ATTRS{idProduct}=="ea60", SYMLINK+="kiosk-idcard", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"',
      'SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", SYMLINK+="kiosk-thermometer", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"',
    ]);
  });

  it('two identical adapters with serial numbers: the serial number tells them apart', () => {
    const a = ch340('/dev/ttyUSB0', '1-1.2', 'A1');
    const b = ch340('/dev/ttyUSB1', '1-1.3', 'B2');
    expect(rules(udevRulesFor([{ name: 'idcard', port: a }, { name: 'thermometer', port: b }], [a, b]))[1]).toBe(
      'SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", ATTRS{serial}=="B2", SYMLINK+="kiosk-thermometer", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"',
    );
  });

  it('two identical adapters without serial numbers: the USB socket does, and the comment says to keep the cables in place', () => {
    const a = ch340('/dev/ttyUSB0', '1-1.2');
    const b = ch340('/dev/ttyUSB1', '1-1.3');
    const text = udevRulesFor([{ name: 'idcard', port: a }, { name: 'thermometer', port: b }], [a, b]);
    expect(rules(text).map((r) => /KERNELS=="([^"]+)"/.exec(r)?.[1])).toEqual(['1-1.2', '1-1.3']);
    expect(text).toContain('keep each cable in its socket');
  });

  it('refuses what it cannot name safely: a port without USB ids, a serial with a quote, a name twice or a bad name', () => {
    const pty: DiscoveredPort = { path: '/tmp/kiosk-sim/thermo', source: 'configured' };
    expect(() => udevRulesFor([{ name: 'thermometer', port: pty }], [pty])).toThrow(UdevRuleError);
    const a = ch340('/dev/ttyUSB0', '', 'x"y');
    const b = ch340('/dev/ttyUSB1', '');
    expect(() => udevRulesFor([{ name: 'idcard', port: a }], [a, b])).toThrow(/neither a unique serial number nor a known USB socket/);
    expect(() => udevRulesFor([{ name: 'idcard', port: cp2102 }, { name: 'idcard', port: cp2102 }], [cp2102])).toThrow(/named twice/);
    expect(() => udevRulesFor([{ name: 'Card Reader', port: cp2102 }], [cp2102])).toThrow(/cannot be a device name/);
  });
});

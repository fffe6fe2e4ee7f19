import type { DiscoveredPort } from './port-discovery.js';

/**
 * udev rules that give the kiosk's devices stable names (`/dev/kiosk-idcard`, ...) from their USB
 * identity, whatever ttyUSB number the kernel hands out (docs/wiring.md). One rule per device:
 *
 * - its vendor and product ids, when no other serial port shares them;
 * - plus its USB serial number, when another port shares the ids and this one has a unique serial;
 * - plus the USB socket it is plugged into (`KERNELS==`), when identical adapters have no serial
 *   number (cheap CH340s): the name then follows the socket, so the cables must stay where they are.
 *
 * Every rule also gives the port to the group dialout, 0660, and keeps ModemManager away.
 */
export interface NamedPort {
  /** The name after `kiosk-`: `idcard`, `thermometer`. */
  name: string;
  port: DiscoveredPort;
}

export class UdevRuleError extends Error {
  override name = 'UdevRuleError';
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** udev match values may not contain quotes or glob characters; a serial number with them cannot be matched safely. */
const SAFE_VALUE = /^[\x21-\x7e]+$/;
const UNSAFE = /["*?[\]\\]/;

export function udevRulesFor(named: readonly NamedPort[], all: readonly DiscoveredPort[]): string {
  const lines = ['# Stable names for the checkpoint kiosk\'s devices, made by `kiosk ports --udev-rules`.', '# Install as /etc/udev/rules.d/61-checkpoint-kiosk-names.rules, then: udevadm control --reload-rules && udevadm trigger'];
  const seen = new Set<string>();
  for (const { name, port } of named) {
    if (!NAME.test(name)) throw new UdevRuleError(`"${name}" cannot be a device name: use lower-case letters, digits and "-", e.g. idcard`);
    if (seen.has(name)) throw new UdevRuleError(`"${name}" is named twice`);
    seen.add(name);
    if (!port.vendorId || !port.productId) throw new UdevRuleError(`${port.path} is not a USB device (no vendor and product id): a rule cannot name it by USB identity; use its /dev/serial/by-path name in the configuration`);
    const twins = all.filter((p) => p.path !== port.path && p.vendorId === port.vendorId && p.productId === port.productId);
    const match = [`SUBSYSTEM=="tty"`, `ATTRS{idVendor}=="${port.vendorId}"`, `ATTRS{idProduct}=="${port.productId}"`];
    let note = `${port.path}: USB ${port.vendorId}:${port.productId}${port.manufacturer ? ` (${port.manufacturer})` : ''}`;
    if (twins.length > 0) {
      const serial = port.serialNumber;
      if (serial && SAFE_VALUE.test(serial) && !UNSAFE.test(serial) && !twins.some((t) => t.serialNumber === serial)) {
        match.push(`ATTRS{serial}=="${serial}"`);
        note += `, serial ${serial} (another port has the same ids)`;
      } else if (port.usbPath) {
        match.push(`KERNELS=="${port.usbPath}"`);
        note += `, USB socket ${port.usbPath} (another port has the same ids and no telling serial number: keep each cable in its socket)`;
      } else {
        throw new UdevRuleError(`${port.path} shares its USB ids with ${twins.map((t) => t.path).join(', ')} and has neither a unique serial number nor a known USB socket; use the /dev/serial/by-path names in the configuration`);
      }
    }
    lines.push(`# ${name}: ${note}`);
    lines.push(`${match.join(', ')}, SYMLINK+="kiosk-${name}", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"`);
  }
  return `${lines.join('\n')}\n`;
}

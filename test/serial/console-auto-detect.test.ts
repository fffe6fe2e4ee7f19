import { describe, expect, it } from 'vitest';
import { SimulatedBench } from '../../drivers/sim/blackbody.js';
import { createSimulator } from '../../drivers/sim/create-simulator.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import type { SimulatedDevice } from '../../drivers/sim/simulated-device.js';
import { ThermometerSimulator } from '../../drivers/sim/thermometer-simulator.js';
import { detectDevice } from '../../drivers/probe/auto-detect.js';
import { rigLifecycle } from './link-fixtures.js';

/**
 * Auto-detection against the simulators behind socat pseudo-terminals, opened with the real
 * serialport bindings: each device is told apart by its answer to a harmless query (or its stream).
 * Ptys ignore the line speed, so the first rate tried answers; the protocol is what is checked.
 */
const rigs = rigLifecycle<SimHost>('detect');

async function rig(name: string, device: SimulatedDevice): Promise<string> {
  const host = rigs.track(await SimHost.start({ device, endpoint: { kind: 'pty', hostPath: rigs.path(name) } }));
  return host.hostPath;
}

describe('auto-detection over pseudo-terminals', () => {
  it('finds a SAM ID-card reader by its status reply', async () => {
    const path = await rig('sam', createSimulator('idcard', { scenario: 'no-card' }));
    const r = await detectDevice(path);
    expect(r.candidates).toEqual([expect.objectContaining({ kind: 'idcard', protocol: 'sam', baudRate: 115200, evidence: expect.stringContaining('SW3 90') })]);
  }, 30_000);

  it('finds a streaming GY-MCU90614 by its frames', async () => {
    const path = await rig('gy', createSimulator('thermo', { scenario: 'normal', protocol: 'gy-mcu90614' }));
    const r = await detectDevice(path);
    expect(r.candidates).toEqual([expect.objectContaining({ kind: 'thermometer', protocol: 'gy-mcu90614', evidence: expect.stringContaining('streaming') })]);
  }, 30_000);

  it('finds a quiet GY (no auto output) by its answer to A5 15 BA', async () => {
    const path = await rig('gy-quiet', new ThermometerSimulator({ protocol: 'gy-mcu90614', scenario: 'normal', gyAutoOutput: false }));
    const r = await detectDevice(path);
    expect(r.candidates).toEqual([expect.objectContaining({ protocol: 'gy-mcu90614', evidence: expect.stringContaining('A5 15 BA') })]);
    expect(r.tried.some((t) => t.includes('SAM status: no answer'))).toBe(true);
  }, 30_000);

  it('finds a Raytek ASCII pyrometer by its answer to ?T', async () => {
    const path = await rig('raytek', createSimulator('thermo', { scenario: 'normal', protocol: 'ascii', ascii: { query: '?T\r' } }));
    const r = await detectDevice(path);
    expect(r.candidates).toEqual([expect.objectContaining({ protocol: 'ascii', evidence: expect.stringContaining('?T') })]);
  }, 30_000);

  it('finds an Optris CT by two plausible replies to 01', async () => {
    const path = await rig('optris', createSimulator('thermo', { scenario: 'normal', protocol: 'optris-ct', bench: new SimulatedBench() }));
    const r = await detectDevice(path);
    expect(r.candidates).toEqual([expect.objectContaining({ kind: 'thermometer', protocol: 'optris-ct', evidence: expect.stringMatching(/two 2-byte replies/) })]);
  }, 30_000);

  it('proposes nothing for a port where nothing answers', async () => {
    const silent = createSimulator('thermo', { scenario: 'normal', protocol: 'optris-ct' });
    silent.receive = () => undefined; // a device that never answers
    const path = await rig('silent', silent);
    const r = await detectDevice(path, { rates: [9600] });
    expect(r.candidates).toEqual([]);
    expect(r.tried).toHaveLength(5);
  }, 30_000);
});

/**
 * A device simulator in a process of its own (the bench rig's "device"): the project's
 * IdCardSimulator or ThermometerSimulator behind a socat pseudo-terminal, exactly as
 * `kiosk sim --pty` runs them (drivers/sim/sim-host.ts), driven by the bench process over IPC
 * (rig-messages.ts): lay a card, lift it, bring a person, pull the cable.
 *
 * The one addition is a clock on the wire: the simulator's port writes synchronously, and every
 * reply is stamped the moment its last byte is in the kernel (stampingBinding), before socat
 * relays it and before the kiosk reads it.
 *
 *   node --import tsx bench/rig/sim-child.ts '<SimChildOptions JSON>'   (forked with an IPC channel)
 */
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { writeSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import type { SamFrame } from '../../drivers/idcard/sam-frame.js';
import { decodeSamResponse } from '../../drivers/idcard/sam-response.js';
import { SW3 } from '../../drivers/idcard/sw3.js';
import { defaultSimulatorBaud } from '../../drivers/sim/create-simulator.js';
import { IdCardSimulator } from '../../drivers/sim/idcard-simulator.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import { ThermometerSimulator } from '../../drivers/sim/thermometer-simulator.js';
import { monotonicMs } from './monotonic-ms.js';
import type { CardFrameKind, SimChildOptions, SimCommand, SimEvent } from './rig-messages.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as SimChildOptions;
const send = (e: SimEvent) => process.send?.(e);

/**
 * The platform binding, with each port's write done by writeSync on the port's descriptor and
 * stamped the moment the last byte is in the kernel (the binding's own asynchronous write completes
 * in libuv's thread pool and is seen later, by an amount that grows with load). A full pty buffer
 * (EAGAIN) is waited out. Only the simulator's side changes: the kiosk's port is untouched.
 */
function stampingBinding(base: BindingInterface, onWritten: (bytes: Buffer, atMs: number) => void): BindingInterface {
  return {
    list: () => base.list(),
    async open(options) {
      const port = await base.open(options);
      const asyncWrite = port.write.bind(port);
      port.write = async (buffer: Buffer) => {
        const fd = (port as unknown as { fd: number | null }).fd;
        if (typeof fd !== 'number' || !port.isOpen) return asyncWrite(buffer); // closed: the binding says so
        let offset = 0;
        while (offset < buffer.length) {
          try {
            offset += writeSync(fd, buffer, offset, buffer.length - offset);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        onWritten(buffer, monotonicMs());
      };
      return port;
    },
  };
}

/** Classifies the SAM frames in what the card reader wrote (the stream may join queued writes). */
const samParser = new SamFrameParser();
let lastWriteAt = 0;
samParser.on('data', (frame: SamFrame) => {
  const sw3 = decodeSamResponse(frame)?.sw3;
  const kind: CardFrameKind = frame.bytes.length >= 1295 && sw3 === SW3.SUCCESS ? 'read-base' : sw3 === SW3.CARD_FOUND ? 'card-found' : sw3 === SW3.NO_CARD ? 'no-card' : 'other';
  send({ type: 'card-frame', atMs: lastWriteAt, frame: kind });
});

const card = opts.kind === 'idcard' ? new IdCardSimulator({ scenario: 'no-card', autoPlay: false, timeScale: opts.timeScale ?? 1 }) : null;
const thermo =
  opts.kind === 'thermo'
    ? new ThermometerSimulator({
        protocol: opts.protocol ?? 'gy-mcu90614',
        scenario: 'normal',
        autoPlay: false,
        timeScale: opts.timeScale ?? 1,
        seed: opts.seed ?? 1,
        ...(opts.asciiQuery !== undefined && { ascii: { query: opts.asciiQuery } }),
      })
    : null;
const device = (card ?? thermo)!;

if (opts.stampAll) {
  const receive = device.receive.bind(device);
  device.receive = (bytes: Buffer) => {
    send({ type: 'received', atMs: monotonicMs(), bytes: new Uint8Array(bytes) });
    receive(bytes);
  };
}

const binding = stampingBinding(SerialPort.binding as BindingInterface, (bytes, atMs) => {
  if (card) {
    lastWriteAt = atMs;
    samParser.write(bytes);
  }
  if (opts.stampAll) send({ type: 'written', atMs, bytes: new Uint8Array(bytes) });
});

const host = await SimHost.start({
  device,
  endpoint: { kind: 'pty', hostPath: opts.hostPath },
  baudRate: defaultSimulatorBaud(opts.kind, opts.protocol),
  binding,
});
host.on('unplugged', () => send({ type: 'unplugged', atMs: monotonicMs() }));
host.on('replugged', () => send({ type: 'replugged', atMs: monotonicMs() }));
host.on('problem', (err) => send({ type: 'problem', message: err.message }));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await host.stop();
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());

process.on('message', (msg: SimCommand) => {
  switch (msg.type) {
    case 'place': {
      const atMs = monotonicMs();
      card?.placeCard(msg.card);
      send({ type: 'placed', atMs });
      return;
    }
    case 'lift': {
      const atMs = monotonicMs();
      card?.liftCard();
      send({ type: 'lifted', atMs });
      return;
    }
    case 'present':
      thermo?.present(msg.subject);
      return;
    case 'unplug':
      // The simulator's own unplug event: SimHost kills socat and recreates the pair at the same paths.
      device.emit('unplug', { forMs: msg.forMs });
      return;
    case 'stop':
      void stop();
      return;
  }
});

send({ type: 'ready', hostPath: host.hostPath, pid: process.pid });

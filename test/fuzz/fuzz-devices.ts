import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortStream } from '@serialport/stream';
import { encodeCardText, syntheticWlt } from '../../drivers/idcard/card-text-encoder.js';
import { RESIDENT_LAYOUT } from '../../drivers/idcard/card-text-layout.js';
import type { ResidentCard } from '../../drivers/idcard/id-card.js';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import { buildSamFrame, type SamFrame } from '../../drivers/idcard/sam-frame.js';
import type { Fuzz } from './fuzz-seed.js';

/**
 * Fuzzing devices on the device side of a socat pseudo-terminal pair: a SAM ID-card reader and a
 * GY-MCU90614 thermometer that answer the kiosk with random and structure-aware bytes.
 */

/** GB 11643-1999 check character (ISO 7064 MOD 11-2), written here independently of the drivers. */
export function gb11643Check(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * weights[i]!;
  return '10X98765432'[sum % 11]!;
}

export function isValidResidentNumber(n: string): boolean {
  return /^\d{17}[\dX]$/.test(n) && gb11643Check(n.slice(0, 17)) === n[17];
}

/** A real calendar date YYYY-MM-DD (or the card's 'long-term'). */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

async function openDeviceSide(path: string, baudRate: number): Promise<SerialPortStream> {
  const binding = (await import('serialport')).SerialPort.binding as BindingInterface;
  const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false });
  const failed = await new Promise<Error | null>((resolve) => port.open(resolve));
  if (failed) throw failed;
  port.on('error', () => undefined); // a hang-up at the end of the test
  return port;
}

/** A valid synthetic resident: region 110105, a random birth date, a random sequence, correct check digit. */
function validCard(f: Fuzz): ResidentCard {
  const year = f.int(1940, 2005);
  const month = String(f.int(1, 12)).padStart(2, '0');
  const day = String(f.int(1, 28)).padStart(2, '0');
  const first17 = `110105${year}${month}${day}${String(f.int(0, 999)).padStart(3, '0')}`;
  return {
    type: 'resident',
    name: f.pick(['张三', '李四', '王小明', '欧阳娜娜']),
    sex: 'female',
    sexCode: '2',
    nationCode: '01',
    nation: '汉',
    birthDate: `${year}-${month}-${day}`,
    address: '模拟省样本市示例区测试路1号',
    idNumber: `${first17}${gb11643Check(first17)}`,
    idNumberValid: true,
    issuer: '样本市公安局',
    validFrom: '2016-01-01',
    validUntil: f.pick(['2036-01-01', 'long-term']),
    photoWlt: syntheticWlt(),
    hasUnusualCharacters: false,
  };
}

/** UCS-2LE of `text` padded with spaces to `bytes`. */
function ucs2(text: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 2) out.writeUInt16LE(0x20, i);
  Buffer.from(text, 'utf16le').copy(out, 0, 0, bytes);
  return out;
}

/** The text block of a valid card with one field damaged the way real cards and readers get it wrong. */
function mutatedText(f: Fuzz): Buffer {
  const text = encodeCardText(validCard(f));
  const L = RESIDENT_LAYOUT;
  switch (f.int(0, 8)) {
    case 0:
      ucs2('', L.idNumber.bytes).copy(text, L.idNumber.offset); // empty ID number
      break;
    case 1: {
      const chars = '0123456789X*?A中\u202e';
      const id = Array.from({ length: 18 }, () => f.pick([...chars])).join('');
      ucs2(id, L.idNumber.bytes).copy(text, L.idNumber.offset); // characters outside [0-9X]
      break;
    }
    case 2:
      text.fill(0xff); // the whole text block 0xFF
      break;
    case 3:
      ucs2(f.pick(['20991399', 'ABCDEFGH', '20000101', '00000000']), L.validUntil.bytes).copy(text, L.validUntil.offset);
      break;
    case 4:
      ucs2(f.pick(['20990101', '2016010', '99999999']), L.validFrom.bytes).copy(text, L.validFrom.offset);
      break;
    case 5:
      for (let i = 0; i < L.name.bytes; i++) text[L.name.offset + i] = f.int(0, 255); // random name bytes (lone surrogates, controls)
      break;
    case 6:
      for (let i = 0; i < 8; i++) text[f.int(0, text.length - 1)] = f.int(0, 255);
      break;
    case 7: {
      // A wrong check digit.
      const card = validCard(f);
      const last = card.idNumber[17] === '0' ? '1' : '0';
      ucs2(`${card.idNumber.slice(0, 17)}${last}`, L.idNumber.bytes).copy(text, L.idNumber.offset);
      break;
    }
    default:
      text[248] = f.int(0, 255); // unknown card-type flag
  }
  return text;
}

function readBaseReply(text: Buffer): Buffer {
  const photo = Buffer.from(syntheticWlt());
  const lengths = Buffer.alloc(4);
  lengths.writeUInt16BE(text.length, 0);
  lengths.writeUInt16BE(photo.length, 2);
  return buildSamFrame(Buffer.concat([Buffer.from([0x00, 0x00, 0x90]), lengths, text, photo]));
}

export interface FuzzDevice {
  /** Stops new people (cards, subjects); the device keeps answering. */
  quiesce(): void;
  close(): Promise<void>;
}

/**
 * A SAM reader answering the kiosk's driver: status 90, find 9F when the next card is due, select
 * 90, and for read-base one of: a valid card, a structure-aware damaged card, a random well-framed
 * reply, a bad checksum, a truncated reply, garbage, silence, a read error. Cards come every
 * 0.8–2 s after a read.
 */
export async function startFuzzSam(path: string, f: Fuzz): Promise<FuzzDevice> {
  const port = await openDeviceSide(path, 115200);
  const parser = new SamFrameParser();
  let nextCardAt = Date.now() + 1500;
  let cardUp = false;
  let quiet = false;
  const send = (bytes: Buffer) => port.write(bytes);
  const status = (sw3: number) => send(buildSamFrame([0x00, 0x00, sw3]));
  parser.on('data', (frame: SamFrame) => {
    const key = `${frame.body[0]?.toString(16)} ${frame.body[1]?.toString(16)}`;
    switch (key) {
      case '11 ff':
      case '10 ff':
      case '61 ff':
        return status(0x90);
      case '12 ff':
        return send(buildSamFrame([0x00, 0x00, 0x90, ...Buffer.alloc(16, 1)]));
      case '20 1':
        if (!quiet && !cardUp && Date.now() >= nextCardAt) cardUp = true;
        return cardUp ? send(buildSamFrame([0x00, 0x00, 0x9f, 0, 0, 0, 0])) : status(0x80);
      case '20 2':
        return cardUp ? send(buildSamFrame([0x00, 0x00, 0x90, ...Buffer.alloc(8)])) : status(0x81);
      case '30 1':
      case '30 10': {
        cardUp = false;
        nextCardAt = Date.now() + f.int(800, 2000);
        const p = f.random();
        if (p < 0.4) return send(readBaseReply(encodeCardText(validCard(f))));
        if (p < 0.85) return send(readBaseReply(mutatedText(f)));
        if (p < 0.9) return send(buildSamFrame([0x00, 0x00, 0x90, ...Array.from({ length: f.int(0, 1400) }, () => f.int(0, 255))]));
        if (p < 0.93) {
          const frame = readBaseReply(encodeCardText(validCard(f)));
          frame[frame.length - 1]! ^= 0x5a;
          return send(frame);
        }
        // Each of these costs the driver its reply timeout (3 s): rare.
        if (p < 0.95) return send(readBaseReply(encodeCardText(validCard(f))).subarray(0, f.int(1, 1200)));
        if (p < 0.97) return send(Buffer.from(Array.from({ length: f.int(1, 64) }, () => f.int(0, 255))));
        if (p < 0.98) return; // silence
        return status(0x41);
      }
      case '30 3':
        return status(0x91);
      default:
        return status(0x21);
    }
  });
  port.on('data', (bytes: Buffer) => parser.write(bytes));
  return {
    quiesce: () => {
      quiet = true;
    },
    close: () => new Promise<void>((resolve) => port.close(() => resolve())),
  };
}

/**
 * A GY-MCU90614 streaming frames every 60 ms: a scene that alternates between nobody (the wall,
 * ~25 °C) and a person (skin 33.5–36.6 °C) at 18–30 °C ambient, with now and then an impossible
 * ambient (125, −40, 85 °C), an object reading at the rated limits, a wrong checksum, noise
 * (including false header starts) or a frame cut short.
 */
export async function startFuzzThermometer(path: string, f: Fuzz): Promise<FuzzDevice> {
  const port = await openDeviceSide(path, 9600);
  let person = false;
  let quiet = false;
  let skin = 34.5;
  let ambient = 24;
  const scene = setInterval(() => {
    person = !quiet && f.chance(0.85);
    skin = f.chance(0.25) ? 35.8 + f.random() * 0.8 : 33.5 + f.random() * 2;
    ambient = 18 + f.random() * 12;
  }, 1800);
  const frame = (objectC: number, ambientC: number, goodSum: boolean): Buffer => {
    const b = Buffer.alloc(9);
    b.set([0x5a, 0x5a, 0x45, 0x04]);
    b.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(objectC * 100))), 4);
    b.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(ambientC * 100))), 6);
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += b[i]!;
    b[8] = (sum + (goodSum ? 0 : 1)) & 0xff;
    return b;
  };
  const tick = setInterval(() => {
    const p = f.random();
    let objectC = person ? skin + (f.random() - 0.5) * 0.2 : 25 + (f.random() - 0.5);
    let ambientC = ambient;
    if (p < 0.05) ambientC = f.pick([125, -40, 85, 60]);
    else if (p < 0.08) objectC = f.pick([-70, 380, 60, 0, 43.5]);
    if (p > 0.97) return void port.write(Buffer.from([0x5a, 0x5a, 0x45, ...Array.from({ length: f.int(0, 12) }, () => f.int(0, 255))]));
    if (p > 0.95) return void port.write(frame(objectC, ambientC, true).subarray(0, f.int(1, 8)));
    port.write(frame(objectC, ambientC, p < 0.93));
  }, 60);
  return {
    quiesce: () => {
      quiet = true;
      person = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(scene);
        clearInterval(tick);
        port.close(() => resolve());
      }),
  };
}

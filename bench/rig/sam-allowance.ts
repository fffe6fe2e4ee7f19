import { buildReadBaseReply } from '../../drivers/idcard/card-text-encoder.js';
import { SAM_DEFAULT_BAUD } from '../../drivers/idcard/default-baud.js';
import { commandFrame, SAM_COMMANDS } from '../../drivers/idcard/sam-commands.js';
import { buildSamFrame } from '../../drivers/idcard/sam-frame.js';
import { SW3 } from '../../drivers/idcard/sw3.js';
import { DEFAULT_SIM_CARD, SIM_TIMINGS } from '../../drivers/sim/idcard-simulator.js';

/** Wire time of `bytes` at `baud`, 8N1: 10 bits per byte (start, 8 data, stop). */
export function wireMs(bytes: number, baud = SAM_DEFAULT_BAUD): number {
  return ((bytes * 10) / baud) * 1000;
}

export interface SamAllowance {
  /** Bytes of one card read on the wire: find, select and read-base commands and their replies. */
  exchangeBytes: number;
  /** Their wire time at 115200 8N1. */
  wireMs: number;
  /** The card's RF authentication and transfer: the simulated SAM's read time less the reply's own wire time. */
  rfMs: number;
  /** The SAM's reply latency to find and select (the simulated SAM's, per reply). */
  controlRepliesMs: number;
  totalMs: number;
}

/**
 * What the SAM itself takes to read one card, which the card tap → painted goal allows for on top
 * of its 1.0 s: the wire time of the frames of one read (sizes from the project's own frame
 * builders: find 10 → 15 bytes, select 10 → 19, read base 10 → 1295; docs/protocols/sam-reader.md
 * §4–§5) at the SAM's 115200 8N1 (§1), plus the RF time. The protocol gives no RF duration (its
 * §11 item 4 has only observed reply times and the timeouts set from them), so the RF time is what
 * the simulated SAM models and the bench therefore contains: its read reply comes
 * `SIM_TIMINGS.readReply` (300 ms:
 * "RF authentication + transfer + 1295 bytes on the wire") after the command, of which the reply's
 * wire time is already counted above; find and select replies come `SIM_TIMINGS.controlReply` after
 * theirs. On a pseudo-terminal the bytes themselves arrive at once: the simulator's delays stand for
 * the wire.
 */
export function samAllowance(): SamAllowance {
  const readReply = buildReadBaseReply(DEFAULT_SIM_CARD).length;
  const frames = [
    commandFrame(SAM_COMMANDS.findCard).length,
    buildSamFrame([0x00, 0x00, SW3.CARD_FOUND, 0, 0, 0, 0]).length,
    commandFrame(SAM_COMMANDS.selectCard).length,
    buildSamFrame([0x00, 0x00, SW3.SUCCESS, 0, 0, 0, 0, 0, 0, 0, 0]).length,
    commandFrame(SAM_COMMANDS.readBase).length,
    readReply,
  ];
  const exchangeBytes = frames.reduce((a, b) => a + b, 0);
  const wire = wireMs(exchangeBytes);
  const rfMs = SIM_TIMINGS.readReply - wireMs(readReply);
  const controlRepliesMs = 2 * SIM_TIMINGS.controlReply;
  return { exchangeBytes, wireMs: wire, rfMs, controlRepliesMs, totalMs: wire + rfMs + controlRepliesMs };
}

import { parseArgs } from 'node:util';
import { decodeReadBasePayload, ReadBaseReplyError } from '../../../drivers/idcard/read-base-reply.js';
import type { IdCard } from '../../../drivers/idcard/id-card.js';
import { formatSamId, identifyCommand } from '../../../drivers/idcard/sam-commands.js';
import { SamFrameParser, type SamRejection } from '../../../drivers/idcard/sam-frame-parser.js';
import type { SamFrame } from '../../../drivers/idcard/sam-frame.js';
import { decodeSamResponse } from '../../../drivers/idcard/sam-response.js';
import { hex2, SW3 } from '../../../drivers/idcard/sw3.js';
import { hasWltMagic } from '../../../drivers/idcard/wlt-photo.js';
import { CliError } from '../cli-error.js';
import { readHexInput } from '../hex-input.js';
import { printJsonLine, type CliIo } from '../io.js';

/**
 * `kiosk decode idcard [HEX ...]`: finds every SAM frame in the bytes and prints one JSON object
 * per line, in stream order:
 *
 * - reply:   `{frame, sw3, status, card?}` (`card` for read-base replies; photo shown as length +
 *            magic check, never the bytes; find/select/SAM-id replies show their data fields);
 * - command: `{frame, command, name}` for host→SAM frames;
 * - broken:  `{error: "checksum" | "overlap" | "incomplete", frame}`.
 *
 * Bytes outside frames (noise, heartbeats, vendor prefixes) are skipped. Exit 0 when at least one
 * frame (good or broken) was found, 1 when none was.
 */
export async function decodeIdcard(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {}, strict: true });
  const bytes = await readHexInput(positionals, io);
  const lines: unknown[] = [];
  const parser = new SamFrameParser();
  parser.on('data', (frame: SamFrame) => lines.push(describeFrame(frame)));
  parser.on('rejected', (r: SamRejection) => lines.push({ error: r.reason, frame: r.bytes.toString('hex') }));
  parser.feed(bytes);
  parser.reset(); // reports a frame cut off at the end as incomplete
  for (const line of lines) printJsonLine(io, line);
  if (lines.length === 0) {
    throw new CliError(`no SAM frame (starting AA AA AA 96 69) found in ${bytes.length} bytes: check that the capture is from the ID-card reader`, 1);
  }
  return 0;
}

function describeFrame(frame: SamFrame): Record<string, unknown> {
  const hex = frame.bytes.toString('hex');
  const r = decodeSamResponse(frame);
  if (!r || r.sw1 !== 0 || r.sw2 !== 0) {
    const cmd = identifyCommand(frame.body);
    return { frame: hex, command: [...frame.body].map(hex2).join(' '), name: cmd?.description ?? 'unknown command' };
  }
  const out: Record<string, unknown> = { frame: hex, sw3: hex2(r.sw3), status: r.status };
  if (r.data.length === 0) return out;
  if (r.sw3 === SW3.CARD_FOUND && r.data.length === 4) {
    out.iin = r.data.toString('hex');
  } else if (r.sw3 === SW3.SUCCESS && r.data.length === 8) {
    out.sn = r.data.toString('hex');
  } else if (r.sw3 === SW3.SUCCESS && r.data.length === 16) {
    out.samId = formatSamId(r.data);
  } else if (r.sw3 === SW3.SUCCESS && r.data.length >= 6) {
    try {
      const { card, layout } = decodeReadBasePayload(r.data);
      out.layout = layout;
      out.card = cardForDisplay(card);
    } catch (err) {
      out.cardError = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ReadBaseReplyError)) out.dataBytes = r.data.length;
    }
  } else {
    out.data = r.data.toString('hex');
  }
  return out;
}

/** The card without its binary parts: photo and fingerprint shown as sizes only. */
function cardForDisplay(card: IdCard): Record<string, unknown> {
  const { photoWlt, fingerprint, rawText: _raw, ...fields } = card;
  return {
    ...fields,
    photo: { bytes: photoWlt.length, wltMagic: hasWltMagic(photoWlt) },
    ...(fingerprint ? { fingerprintBytes: fingerprint.length } : {}),
  };
}

/**
 * The card photo: 1024 bytes of proprietary wavelet-compressed "WLT" data (docs/protocols/sam-reader.md §8). No open-source
 * decoder exists; every public project wraps a licensed vendor binary. The driver therefore keeps
 * the raw bytes, and decoding is an optional plug-in registered per platform. None is registered
 * by default. The photo is biometric data: store it only when a purpose requires it.
 */
export const WLT_PHOTO_BYTES = 1024;
/** First four bytes of every real capture ("WLf\0"). A sanity check only, not a validation. */
export const WLT_MAGIC: Readonly<Uint8Array> = Uint8Array.from([0x57, 0x4c, 0x66, 0x00]);
/** Decoded size: 102 × 126 RGB. */
export const WLT_DECODED = { width: 102, height: 126 } as const;

export function hasWltMagic(bytes: Uint8Array): boolean {
  return bytes.length >= WLT_MAGIC.length && WLT_MAGIC.every((b, i) => bytes[i] === b);
}

export interface DecodedPhoto {
  width: number;
  height: number;
  /** Packed 8-bit RGB, width × height × 3 bytes. */
  rgb: Uint8Array;
}

/** A WLT decoder plug-in (typically a wrapper around a licensed vendor library). */
export interface PhotoDecoder {
  /** Name for diagnostics, e.g. "libwlt (vendor X)". */
  readonly name: string;
  decode(wlt: Uint8Array): Promise<DecodedPhoto>;
}

export class NoPhotoDecoderError extends Error {
  constructor() {
    super('no WLT photo decoder is registered (decoding needs a licensed vendor library plug-in)');
    this.name = 'NoPhotoDecoderError';
  }
}

/** Registered decoders, tried in registration order. */
export class PhotoDecoderRegistry {
  private readonly decoders: PhotoDecoder[] = [];

  register(decoder: PhotoDecoder): void {
    this.decoders.push(decoder);
  }

  unregister(decoder: PhotoDecoder): void {
    const i = this.decoders.indexOf(decoder);
    if (i >= 0) this.decoders.splice(i, 1);
  }

  get names(): string[] {
    return this.decoders.map((d) => d.name);
  }

  /**
   * Decodes with the first registered decoder. Rejects with NoPhotoDecoderError when none is
   * registered, and with a RangeError when the bytes do not start with the WLT magic.
   */
  async decode(wlt: Uint8Array): Promise<DecodedPhoto> {
    const decoder = this.decoders[0];
    if (!decoder) throw new NoPhotoDecoderError();
    if (!hasWltMagic(wlt)) throw new RangeError('the photo bytes do not start with the WLT magic 57 4C 66 00');
    return decoder.decode(wlt);
  }
}

/** The process-wide registry; empty unless a platform plug-in registers itself. */
export const photoDecoders = new PhotoDecoderRegistry();

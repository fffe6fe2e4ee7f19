import { describe, expect, it } from 'vitest';
import { syntheticWlt } from '../../drivers/idcard/card-text-encoder.js';
import { hasWltMagic, NoPhotoDecoderError, PhotoDecoderRegistry, photoDecoders, type PhotoDecoder } from '../../drivers/idcard/wlt-photo.js';

describe('WLT photo', () => {
  it('checks the 57 4C 66 00 magic', () => {
    expect(hasWltMagic(syntheticWlt())).toBe(true);
    expect(hasWltMagic(new Uint8Array(1024))).toBe(false);
    expect(hasWltMagic(Uint8Array.from([0x57, 0x4c]))).toBe(false);
  });

  it('has no decoder by default', async () => {
    expect(photoDecoders.names).toEqual([]);
    await expect(new PhotoDecoderRegistry().decode(syntheticWlt())).rejects.toBeInstanceOf(NoPhotoDecoderError);
  });

  it('uses a registered plug-in, after the magic check', async () => {
    const reg = new PhotoDecoderRegistry();
    const seen: number[] = [];
    const plugin: PhotoDecoder = {
      name: 'test plug-in',
      async decode(wlt) {
        seen.push(wlt.length);
        return { width: 102, height: 126, rgb: new Uint8Array(102 * 126 * 3) };
      },
    };
    reg.register(plugin);
    expect(reg.names).toEqual(['test plug-in']);
    await expect(reg.decode(syntheticWlt())).resolves.toMatchObject({ width: 102, height: 126 });
    await expect(reg.decode(new Uint8Array(1024))).rejects.toThrow(/magic/);
    expect(seen).toEqual([1024]);
    reg.unregister(plugin);
    expect(reg.names).toEqual([]);
  });
});

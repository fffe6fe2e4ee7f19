import type { Keystore } from '../store/key-source.js';

/** The part of Electron's safeStorage the kiosk uses: the asynchronous calls (the sync ones are deprecated in Electron 45 and can block the main thread on Linux). */
export type AsyncSafeStorage = Pick<Electron.SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>;

/** Electron's safeStorage as the store's Keystore. Use after `app.ready` (Linux picks its backend then). */
export function safeStorageKeystore(safeStorage: AsyncSafeStorage, platform: NodeJS.Platform = process.platform): Keystore {
  return {
    backend: () => (platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os'),
    isAvailable: () => safeStorage.isAsyncEncryptionAvailable(),
    encrypt: (plainText) => safeStorage.encryptStringAsync(plainText),
    decrypt: async (wrapped) => {
      const r = await safeStorage.decryptStringAsync(wrapped);
      return { text: r.result, shouldReEncrypt: r.shouldReEncrypt };
    },
  };
}

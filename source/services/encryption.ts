import {generateKey, KeyRing} from '../crypto/index.js';

/** A new random ENCRYPTION_KEY: 32 bytes as 64 hex characters (`eval752 keygen`). */
export function newEncryptionKey(): string {
	return generateKey();
}

/** The ring of the configured master keys (current first, then ENCRYPTION_KEY_PREVIOUS); none without ENCRYPTION_KEY. */
export function keyRingOf(keys: {readonly encryptionKey: Buffer | undefined; readonly encryptionKeyPrevious: readonly Buffer[]}): KeyRing | undefined {
	return keys.encryptionKey ? KeyRing.from(keys.encryptionKey, [...keys.encryptionKeyPrevious]) : undefined;
}

/**
 * Secrets at rest: master key parsing, the v1 envelope, the key ring and the
 * display hint. Other modules import from here, not from the files behind it.
 */
export {KeyFormatError, generateKey, parseEncryptionKey, parsePreviousKeys} from './key.js';
export {DecryptFailed, parseEnvelope} from './envelope.js';
export type {DecryptFailedReason, ParsedEnvelope, SecretPurpose} from './envelope.js';
export {CANARY_PLAINTEXT, KeyRing, deriveMasterKey} from './keyring.js';
export type {MasterKey} from './keyring.js';
export {FULL_MASK, displayHint} from './mask.js';

import type { Backend } from '../../framework/types.js';
import { backupPaths } from './paths/backup.js';
import { cryptPaths } from './paths/crypt.js';
import { datakeyPaths } from './paths/datakey.js';
import { exportPaths } from './paths/export.js';
import { hmacPaths } from './paths/hmac.js';
import { keyPaths } from './paths/keys.js';
import { signPaths } from './paths/sign.js';
import { toolPaths } from './paths/tools.js';

/**
 * Vault's transit engine: named keys with versions (AES, ChaCha20, ed25519, ECDSA, RSA, HMAC),
 * encrypt, decrypt, rewrap, data keys, sign, verify, HMAC, hash, random, export, backup and
 * restore. Key material lives only in the mount's barrier-encrypted storage.
 */
export function transitBackend(): Backend {
  return {
    type: 'transit',
    paths: [...keyPaths(), ...cryptPaths(), ...datakeyPaths(), ...signPaths(), ...hmacPaths(), ...exportPaths(), ...backupPaths(), ...toolPaths()],
  };
}

import sodium from 'sodium-native';

/** `length` bytes from the operating system's CSPRNG (libsodium's randombytes). */
export function randomBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  sodium.randombytes_buf(out);
  return out;
}

/** A fresh 256-bit symmetric key. */
export function randomKey(): Buffer {
  return randomBytes(32);
}

/** A random identifier: `bytes` of entropy rendered as URL-safe base64 (256 bits by default). */
export function randomId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

import sodium from 'sodium-native';
import { asBuffer } from './bytes.js';

/** Overwrites key material with zeros in a way the compiler cannot optimise away. */
export function zeroize(...buffers: (Uint8Array | undefined)[]): void {
  for (const buffer of buffers) if (buffer && buffer.byteLength > 0) sodium.sodium_memzero(asBuffer(buffer));
}

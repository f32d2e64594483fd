import { randomBytes } from 'node:crypto';

/**
 * The client side of Vault's generate-root OTP encoding (as Vault's sdk/helper/roottoken): the
 * server answers the new root token XORed with the OTP, in unpadded standard base64.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 OTP of `length` characters (the server's otp_length), as `-generate-otp` prints. */
export function generateRootTokenOtp(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(32)) {
      // 248 = 4 * 62: bytes above would favour the first digits.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** The root token inside an `encoded_token`; throws when the encoding and the OTP do not fit. */
export function decodeRootToken(encoded: string, otp: string): string {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('the encoded token is not base64');
  const tokenBytes = Buffer.from(text, 'base64');
  const otpBytes = Buffer.from(otp.trim(), 'utf8');
  if (tokenBytes.length !== otpBytes.length) {
    throw new Error(`the OTP does not fit the encoded token: ${otpBytes.length} characters for a ${tokenBytes.length}-byte token`);
  }
  for (let i = 0; i < tokenBytes.length; i++) tokenBytes[i] = tokenBytes[i]! ^ otpBytes[i]!;
  return tokenBytes.toString('utf8');
}

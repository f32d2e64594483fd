import { SERVICE_TOKEN_LENGTH, randomBase62 } from './token/ids.js';
import { invalidRequest } from '../framework/errors.js';

/**
 * Vault's one-time-password encoding of a generated root token: the token's bytes XORed with the
 * OTP's (both otp_length ASCII characters long), in unpadded standard base64 (Go's
 * base64.RawStdEncoding), so `vault operator generate-root -decode` reads it as Vault's own.
 */
export const OTP_LENGTH = SERVICE_TOKEN_LENGTH;

/** A fresh OTP, as a server that was sent none hands out (Vault 1.10 and later). */
export function newRootTokenOtp(): string {
  return randomBase62(OTP_LENGTH);
}

/** 400 unless `otp` has the right length (Vault's "OTP string is wrong length"). */
export function checkRootTokenOtp(otp: string): void {
  if (Buffer.byteLength(otp, 'utf8') !== OTP_LENGTH) throw invalidRequest(`OTP string is wrong length: expected ${OTP_LENGTH} characters, got ${otp.length}`);
}

/** The token XORed with the OTP, base64 without padding. */
export function encodeRootToken(token: string, otp: string): string {
  const tokenBytes = Buffer.from(token, 'utf8');
  const otpBytes = Buffer.from(otp, 'utf8');
  if (tokenBytes.length !== otpBytes.length) throw new Error('the root token and the OTP differ in length');
  const xored = Buffer.alloc(tokenBytes.length);
  for (let i = 0; i < xored.length; i++) xored[i] = tokenBytes[i]! ^ otpBytes[i]!;
  return xored.toString('base64').replace(/=+$/, '');
}

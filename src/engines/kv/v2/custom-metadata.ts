import { invalidRequest } from '../../../framework/errors.js';

const MAX_KEYS = 64;
const MAX_KEY_BYTES = 128;
const MAX_VALUE_BYTES = 512;
const PREFIX = 'custom_metadata validation failed';
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * Turns a custom_metadata object into strings, converting numbers and booleans as Vault's weak decoding
 * does. With `allowNull` (PATCH) a null value is kept: it removes that key.
 */
export function parseCustomMetadata(raw: Record<string, unknown>, allowNull: false): Map<string, string>;
export function parseCustomMetadata(raw: Record<string, unknown>, allowNull: true): Map<string, string | null>;
export function parseCustomMetadata(raw: Record<string, unknown>, allowNull: boolean): Map<string, string | null> {
  const parsed = new Map<string, string | null>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === null && allowNull) parsed.set(key, null);
    else if (typeof value === 'string') parsed.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') parsed.set(key, String(value));
    else if (value === null) parsed.set(key, '');
    else throw invalidRequest(`${PREFIX}: value for key ${JSON.stringify(key)} is not a string`);
  }
  return parsed;
}

/** Go's multierror rendering, which Vault returns verbatim as the error text. */
function formatErrors(errors: string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

/** Vault's limits on custom_metadata: at most 64 keys; keys 1..128 bytes, values 1..512 bytes, printable. */
export function validateCustomMetadata(metadata: Map<string, string>): void {
  if (metadata.size > MAX_KEYS) {
    throw invalidRequest(formatErrors([`${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${metadata.size}`]));
  }
  const errors: string[] = [];
  for (const [key, value] of metadata) {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    const quoted = JSON.stringify(key);
    if (keyBytes === 0 || keyBytes > MAX_KEY_BYTES)
      errors.push(`${PREFIX}: length of key ${quoted} is ${keyBytes} but must be 0 < len(key) <= ${MAX_KEY_BYTES}`);
    if (valueBytes === 0 || valueBytes > MAX_VALUE_BYTES)
      errors.push(`${PREFIX}: length of value for key ${quoted} is ${valueBytes} but must be 0 < len(value) <= ${MAX_VALUE_BYTES}`);
    if (!PRINTABLE.test(key)) errors.push(`${PREFIX}: key ${quoted} contains unprintable characters`);
    if (!PRINTABLE.test(value)) errors.push(`${PREFIX}: value for key ${quoted} contains unprintable characters`);
  }
  if (errors.length > 0) throw invalidRequest(formatErrors(errors));
}

/** Stored form: Vault answers null, not {}, for a key without custom metadata. */
export function toStored(metadata: Map<string, string>): Record<string, string> | null {
  return metadata.size === 0 ? null : Object.fromEntries(metadata);
}

import type { AwsKmsSealConfig } from '../../kms/awskms.js';
import { PKCS11_MECHANISMS, type Pkcs11SealConfig } from '../../kms/pkcs11.js';
import { parseTransitSeal, type TransitSealConfig } from '../../kms/transit.js';
import { strictBoolean } from './booleans.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

function sealString(type: string, body: Json, key: string, at: BlockAt): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') return at.fail(key, `seal "${type}": ${key} must be a non-empty string`);
  return value;
}

/** `seal "awskms" { region, kms_key_id, endpoint }`; credentials come from the standard AWS environment. */
export function awsKmsSeal(body: Json, at: BlockAt): AwsKmsSealConfig {
  const kmsKeyId = sealString('awskms', body, 'kms_key_id', at);
  if (!kmsKeyId) return at.failHere('seal "awskms" needs kms_key_id (the id, ARN or alias of a symmetric KMS key)');
  const region = sealString('awskms', body, 'region', at);
  const endpoint = sealString('awskms', body, 'endpoint', at);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    at.fail('endpoint', `seal "awskms": endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return { type: 'awskms', kmsKeyId, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** `seal "pkcs11" { lib, slot | token_label, pin, key_label, mechanism, generate_key }`. */
export function pkcs11Seal(body: Json, at: BlockAt): Pkcs11SealConfig {
  const lib = sealString('pkcs11', body, 'lib', at);
  if (!lib) return at.failHere('seal "pkcs11" needs lib (the path of the PKCS#11 library)');
  const keyLabel = sealString('pkcs11', body, 'key_label', at);
  if (!keyLabel) return at.failHere('seal "pkcs11" needs key_label');
  const tokenLabel = sealString('pkcs11', body, 'token_label', at);
  // Vault takes the slot id as a number or a string, decimal or 0x hex.
  const rawSlot = body.slot;
  let slot: number | undefined;
  if (rawSlot !== undefined) {
    const text = typeof rawSlot === 'string' ? rawSlot.trim() : '';
    slot = typeof rawSlot === 'number' ? rawSlot : /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(slot) || slot < 0) at.fail('slot', `seal "pkcs11": slot must be a slot id (a non-negative integer), got ${JSON.stringify(rawSlot)}`);
  }
  if ((slot === undefined) === (tokenLabel === undefined)) at.failHere('seal "pkcs11" needs exactly one of slot and token_label');
  const pin = sealString('pkcs11', body, 'pin', at);
  const mechanism = body.mechanism ?? 'CKM_AES_GCM';
  if (!(PKCS11_MECHANISMS as readonly unknown[]).includes(mechanism)) {
    at.fail('mechanism', `seal "pkcs11": mechanism must be one of ${PKCS11_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`);
  }
  const generateKey = body.generate_key === undefined ? false : strictBoolean(body.generate_key);
  if (generateKey === undefined) return at.fail('generate_key', `seal "pkcs11": generate_key must be true or false, got ${JSON.stringify(body.generate_key)}`);
  return {
    type: 'pkcs11',
    lib,
    ...(slot !== undefined ? { slot } : {}),
    ...(tokenLabel !== undefined ? { tokenLabel } : {}),
    ...(pin !== undefined ? { pin } : {}),
    keyLabel,
    mechanism: mechanism as Pkcs11SealConfig['mechanism'],
    generateKey,
  };
}

/** `seal "transit" {...}`, checked by the transit KMS's parser; an error naming an option points at that option's line. */
export function transitSeal(body: Json, at: BlockAt): TransitSealConfig {
  try {
    return parseTransitSeal(body);
  } catch (err) {
    const message = (err as Error).message;
    const option = Object.keys(body).find((key) => message.includes(`"${key}"`) || message.includes(` ${key} `));
    return option ? at.fail(option, message) : at.failHere(message);
  }
}

import { CofferError, invalidRequest } from '../../framework/errors.js';
import { ok, type Resp } from '../../framework/types.js';
import { strictBase64 } from './cipher.js';

/** One item of a request: the top-level fields, or one entry of batch_input. */
export type Item = Record<string, unknown>;

/** A field that is absent, null or "" (Vault's batch items are string maps: absent and empty read alike). */
export const isBlank = (value: unknown): boolean => value === undefined || value === null || value === '';

/** Strict standard base64 (Go's StdEncoding, which Vault uses) of an item's field; `message` is the 400. */
export function base64Field(value: unknown, message: string): Buffer {
  const bytes = typeof value === 'string' ? strictBase64(value) : undefined;
  if (!bytes) throw invalidRequest(message);
  return bytes;
}

/** An optional base64 field: empty when blank. */
export function optionalBase64(value: unknown, name: string): Buffer {
  return isBlank(value) ? Buffer.alloc(0) : base64Field(value, `failed to base64-decode ${name}`);
}

/** An item's key_version (0 when blank); weakly typed, as Vault's framework reads "2" as 2. */
export function keyVersionOf(item: Item): number {
  const raw = item.key_version;
  if (isBlank(raw)) return 0;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalidRequest('key_version must be an integer');
  return n;
}

/** batch_input as a list of objects, or undefined when the request has none (a 400 when it is malformed or empty). */
export function batchItems(batch: unknown): Item[] | undefined {
  if (batch === undefined || batch === null) return undefined;
  if (!Array.isArray(batch) || !batch.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i))) {
    throw invalidRequest('failed to parse batch input: batch_input must be a list of objects');
  }
  if (batch.length === 0) throw invalidRequest('missing batch input to process');
  return batch as Item[];
}

/**
 * Runs one item, or each of batch_input. In a batch, an item the caller got wrong answers
 * {error} in its slot and the others still run; the request is a 400 only when every item failed
 * (Vault's batch rule). Anything that is not the caller's fault fails the whole request.
 */
export function runItems(batch: unknown, single: Item, work: (item: Item) => Record<string, unknown>): Resp {
  const items = batchItems(batch);
  if (!items) return ok(work(single));
  let failures = 0;
  const results = items.map((item) => {
    const reference = typeof item.reference === 'string' ? item.reference : '';
    try {
      return { ...work(item), reference };
    } catch (err) {
      if (!(err instanceof CofferError) || err.code !== 'invalid_request') throw err;
      failures += 1;
      return { error: err.message, reference };
    }
  });
  return { ...ok({ batch_results: results }), ...(failures === items.length ? { status: 400 } : {}) };
}

import { createHash, randomBytes } from 'node:crypto';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { base64Field } from '../batch.js';
import { HASH_PATH_ALGORITHMS, checkedHashAlgorithm, nodeDigest } from '../hash-algorithms.js';

/** Vault's limit on one random/ answer. */
const MAX_RANDOM_BYTES = 128 * 1024;
/** Where random bytes come from: Vault's names. Coffer has no HSM-backed seal entropy, so each is the OS CSPRNG (node:crypto). */
const RANDOM_SOURCES = new Set(['platform', 'seal', 'all']);

const FORMAT_ERROR = (format: string) => `unsupported encoding format ${format}; must be "hex" or "base64"`;

function encoded(bytes: Buffer, format: string): string {
  if (format === 'hex') return bytes.toString('hex');
  if (format === 'base64') return bytes.toString('base64');
  throw invalidRequest(FORMAT_ERROR(format));
}

const hashFields = {
  input: field.any({ description: 'Base64 of the data to hash.' }),
  algorithm: field.string({ default: 'sha2-256', description: 'sha2-224/256/384/512 or sha3-224/256/384/512 (also the last URL segment).' }),
  format: field.string({ default: 'hex', description: 'hex (default) or base64.' }),
};

async function hash(req: Req<typeof hashFields>): Promise<Resp> {
  const input = base64Field(req.fields.input ?? '', 'unable to decode input as base64');
  const format = req.fields.format;
  if (format !== 'hex' && format !== 'base64') throw invalidRequest(FORMAT_ERROR(format));
  const algorithm = checkedHashAlgorithm(req.fields.algorithm, HASH_PATH_ALGORITHMS, (n) => `unsupported algorithm ${n}`);
  return ok({ sum: encoded(createHash(nodeDigest(algorithm)).update(input).digest(), format) });
}

const randomFields = {
  source: field.string({ description: 'platform (default), seal or all: all are the OS CSPRNG here. A number here is the byte count.' }),
  urlbytes: field.string({ description: 'The byte count, from the URL.' }),
  bytes: field.int({ default: 32, description: 'How many bytes (at most 131072).' }),
  format: field.string({ default: 'base64', description: 'base64 (default) or hex.' }),
};

/** random(/:source)(/:bytes), read the way Vault's random API reads it: random/32 is 32 bytes, random/seal is a source. */
async function random(req: Req<typeof randomFields>): Promise<Resp> {
  let bytes = req.fields.bytes;
  const source = req.fields.source;
  const urlBytes = req.fields.urlbytes;
  const count = (text: string) => {
    if (!/^-?\d+$/.test(text)) throw invalidRequest(`error parsing url-set byte count: ${text} is not a number`);
    return Number(text);
  };
  if (source !== '' && urlBytes === '') {
    if (!RANDOM_SOURCES.has(source)) bytes = count(source);
  } else if (source !== '') {
    if (!RANDOM_SOURCES.has(source)) throw invalidRequest(`unsupported entropy source ${source}; must be "platform", "seal" or "all"`);
    bytes = count(urlBytes);
  }
  if (bytes < 1) throw invalidRequest('the number of bytes must be positive');
  if (bytes > MAX_RANDOM_BYTES) throw invalidRequest(`the number of bytes must be less than ${MAX_RANDOM_BYTES}`);
  const format = req.fields.format;
  if (format !== 'hex' && format !== 'base64') throw invalidRequest(FORMAT_ERROR(format));
  return ok({ random_bytes: encoded(randomBytes(bytes), format) });
}

const CACHE_KEY = 'config/cache';
/** Vault's smallest LRU size; 0 means unbounded. */
const MIN_CACHE_SIZE = 10;

const cacheFields = { size: field.int({ description: 'Policy cache entries (0: unlimited, else at least 10). Accepted and reported; this engine reads keys from storage each time.' }) };

async function readCacheConfig(_req: Req<typeof cacheFields>, store: MountStorage): Promise<Resp> {
  return ok({ size: (await store.get<{ size: number }>(CACHE_KEY))?.size ?? 0 });
}

async function writeCacheConfig(req: Req<typeof cacheFields>, store: MountStorage): Promise<Resp> {
  const size = req.fields.size;
  if (size !== 0 && size < MIN_CACHE_SIZE) throw invalidRequest(`size must be 0 or a value greater or equal to ${MIN_CACHE_SIZE}`);
  await store.put(CACHE_KEY, { size });
  return ok({ size }, { warnings: ['cache configurations will be applied when this backend is restarted'] });
}

/**
 * hash(/:algorithm) and random(/:source)(/:bytes) under `prefix`: transit's, and (with "tools/")
 * the system backend's sys/tools/*, which in Vault are the same handlers.
 */
export function hashAndRandomPaths(prefix = ''): PathDef[] {
  return [
    ...['hash/:algorithm', 'hash'].map((pattern) =>
      definePath({ pattern: `${prefix}${pattern}`, fields: hashFields, operations: { update: hash }, description: 'Hash base64 input (hex or base64 sum).' }),
    ),
    ...['random/:source/:urlbytes', 'random/:source', 'random'].map((pattern) =>
      definePath({ pattern: `${prefix}${pattern}`, fields: randomFields, operations: { update: random }, description: 'Random bytes from the OS CSPRNG.' }),
    ),
  ];
}

/** transit/hash(/:algorithm), random(/:source)(/:bytes) and cache-config. */
export function toolPaths(): PathDef[] {
  return [
    ...hashAndRandomPaths(),
    definePath({
      pattern: 'cache-config',
      fields: cacheFields,
      operations: { read: readCacheConfig, update: writeCacheConfig },
      description: 'The transit key cache size (accepted and reported; keys are not cached).',
    }),
  ];
}

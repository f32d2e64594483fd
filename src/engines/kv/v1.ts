import type { Backend } from '../../framework/types.js';
import { passthroughPath } from './passthrough.js';

/** The non-versioned KV engine (kv version 1): each path holds the last JSON object written to it. */
export function kvV1Backend(): Backend {
  return {
    type: 'kv',
    paths: [passthroughPath((_req, store) => store, 'Read, write, delete and list secrets; the body is the secret.')],
  };
}

/** A key that cannot name a secret (empty, an empty segment, "..", a character a path segment cannot hold). */
export class InvalidSecretKeyError extends Error {
  override readonly name = 'InvalidSecretKeyError';
}

/** A key refused because its path already holds a secret stored under another key. */
export class SecretKeyCollisionError extends Error {
  override readonly name = 'SecretKeyCollisionError';

  constructor(
    readonly key: string,
    /** The key the path's secret was stored under; undefined when it was written by something else. */
    readonly storedKey: string | undefined,
    /** Where both keys lead: a KV API path ("secret/data/a/b"), or an environment variable's name. */
    readonly path: string,
  ) {
    super(
      storedKey === undefined
        ? `key ${JSON.stringify(key)} maps to ${path}, which holds a secret not stored under this key (written by something else, or by a concurrent store)`
        : `key ${JSON.stringify(key)} maps to the same path as the stored key ${JSON.stringify(storedKey)} (${path})`,
    );
  }
}

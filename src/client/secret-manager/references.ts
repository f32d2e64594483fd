import type { SecretManagerLogger } from './types.js';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]{0,15}):\/\//;

/**
 * The key of a `<scheme>://<key>` reference, or undefined (with a warning) when `ref` is not one.
 * The warning names at most the other reference's scheme: a wrong "reference" is often the secret
 * itself, pasted where its reference belongs, so none of it may reach a log.
 */
export function keyOfReference(ref: unknown, scheme: string, logger: SecretManagerLogger): string | undefined {
  const prefix = `${scheme}://`;
  if (typeof ref === 'string' && ref.startsWith(prefix)) return ref.slice(prefix.length);
  const found = typeof ref === 'string' ? SCHEME.exec(ref)?.[1] : undefined;
  logger.warn(
    { expectedScheme: scheme, ...(found === undefined ? {} : { scheme: found }) },
    `secret reference is not a ${prefix} reference; answering as not found`,
  );
  return undefined;
}

/** The reference for `key`. */
export function referenceOf(scheme: string, key: string): string {
  return `${scheme}://${key}`;
}

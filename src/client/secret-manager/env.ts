import { InvalidSecretKeyError, SecretKeyCollisionError } from './errors.js';
import { stderrLogger } from './logger.js';
import { keyOfReference, referenceOf } from './references.js';
import type { SecretManager, SecretManagerLogger } from './types.js';

const SCHEME = 'env';
const KEY = /^[A-Za-z0-9._/-]+$/;
/** Variables that listSecrets may turn back into a key: upper case, digits and "_". */
const LISTABLE_NAME = /^[A-Z0-9_]+$/;

export interface EnvSecretManagerOptions {
  /** The variables to use (default process.env). */
  env?: Record<string, string | undefined>;
  logger?: SecretManagerLogger;
}

/** The variable a key lives in: "github.token" is GITHUB_TOKEN ("." "-" "/" become "_", letters upper case). */
export function envVariableName(key: string): string {
  if (typeof key !== 'string' || key === '') throw new InvalidSecretKeyError('secret key must not be empty');
  if (!KEY.test(key)) throw new InvalidSecretKeyError(`secret key ${JSON.stringify(key)} may hold only letters, digits, ".", "_", "-" and "/"`);
  return key.toUpperCase().replace(/[./-]/g, '_');
}

/**
 * A SecretManager over environment variables, for tests and local runs: storeSecret("github.token")
 * sets GITHUB_TOKEN and answers "env://github.token". Metadata is accepted and not kept. Two keys
 * for one variable ("a.b", "a_b") are refused once one of them was stored by this manager.
 *
 * listSecrets answers the keys this manager stored (and that are still set) and, for a non-empty
 * prefix, every variable whose name starts with the prefix's variable form, named by its
 * lower-cased name with "_" as "." (GITHUB_TOKEN is env://github.token). An empty prefix lists
 * only what this manager stored, not the whole environment.
 */
export class EnvSecretManager implements SecretManager {
  private readonly env: Record<string, string | undefined>;
  private readonly logger: SecretManagerLogger;
  /** Variable name → the key this manager stored it under. */
  private readonly stored = new Map<string, string>();

  constructor(options: EnvSecretManagerOptions = {}) {
    this.env = options.env ?? process.env;
    this.logger = options.logger ?? stderrLogger;
  }

  /** Sets the key's variable and answers "env://<key>". */
  async storeSecret(key: string, value: string, _metadata?: Record<string, string>): Promise<string> {
    const name = envVariableName(key);
    const storedKey = this.stored.get(name);
    if (storedKey !== undefined && storedKey !== key) throw new SecretKeyCollisionError(key, storedKey, name);
    this.env[name] = value;
    this.stored.set(name, key);
    return referenceOf(SCHEME, key);
  }

  /** The variable's value, or null when it is unset or `ref` is not an env:// reference. */
  async getSecret(ref: string): Promise<string | null> {
    const name = this.nameOf(ref);
    return name === undefined ? null : (this.env[name] ?? null);
  }

  /** Sets the variable when it is set already. */
  async updateSecret(ref: string, value: string): Promise<boolean> {
    const name = this.nameOf(ref);
    if (name === undefined || this.env[name] === undefined) return false;
    this.env[name] = value;
    return true;
  }

  /** Unsets the variable when it is set. */
  async deleteSecret(ref: string): Promise<boolean> {
    const name = this.nameOf(ref);
    if (name === undefined || this.env[name] === undefined) return false;
    delete this.env[name];
    this.stored.delete(name);
    return true;
  }

  /** See the class comment for what is listed. */
  async listSecrets(prefix = ''): Promise<string[]> {
    const keys = new Map<string, string>();
    for (const [name, key] of this.stored) if (this.env[name] !== undefined && key.startsWith(prefix)) keys.set(name, key);
    if (prefix !== '' && KEY.test(prefix)) {
      const namePrefix = envVariableName(prefix);
      for (const [name, value] of Object.entries(this.env)) {
        if (value === undefined || keys.has(name) || this.stored.has(name)) continue;
        if (name.startsWith(namePrefix) && LISTABLE_NAME.test(name)) keys.set(name, name.toLowerCase().replace(/_/g, '.'));
      }
    }
    return [...keys.values()].map((key) => referenceOf(SCHEME, key)).sort();
  }

  /** Nothing to release. */
  async close(): Promise<void> {}

  private nameOf(ref: string): string | undefined {
    const key = keyOfReference(ref, SCHEME, this.logger);
    return key === undefined ? undefined : envVariableName(key);
  }
}

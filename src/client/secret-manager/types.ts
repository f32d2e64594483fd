/**
 * What application code calls to keep a secret out of its own config: store a value under a key
 * and get back a reference ("vault://github.token") to put in config instead of the value.
 */
export interface SecretManager {
  /** Stores (or replaces) the value under `key` and answers its reference. */
  storeSecret(key: string, value: string, metadata?: Record<string, string>): Promise<string>;
  /** The value a reference names, or null when it does not exist or is not this manager's kind of reference. */
  getSecret(ref: string): Promise<string | null>;
  /** Replaces the value of an existing secret: true when it existed, false when not (or not this manager's reference). */
  updateSecret(ref: string, value: string): Promise<boolean>;
  /** Deletes a secret: true when it existed, false when not (or not this manager's reference). */
  deleteSecret(ref: string): Promise<boolean>;
  /** References of the stored secrets whose key starts with `prefix` (all when none), sorted. */
  listSecrets(prefix?: string): Promise<string[]>;
  /** Releases what the manager holds (a token it logged in for itself). */
  close(): Promise<void>;
}

/** The part of a pino logger a SecretManager uses; a pino Logger fits as it is. Never given a secret's value. */
export interface SecretManagerLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
}

/**
 * Names of fields whose values are secret material in Vault's answers (a password, a private key,
 * a token, a decrypted plaintext): the UI masks them until asked, whatever the engine.
 */
const SECRET_NAME = /password|passphrase|secret|token|private|plaintext|^key$|_key$|credential/i;
/** What describes such a value without being it (private_key_type, token_ttl, secret_id_num_uses). */
const ABOUT_A_SECRET = /_(type|format|bits|ttl|version|num_uses|accessor|policies)$/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name) && !ABOUT_A_SECRET.test(name);
}

/** A copy of a JSON value with every secret-looking field's value replaced by a mask. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, looksSecret(k) && v !== null && v !== '' && typeof v !== 'object' ? '••••••••' : maskSecrets(v)]));
}

import { invalidRequest } from '../../framework/errors.js';

/** Vault's framework.GenericNameRegex: word characters, with "-" and "." allowed only inside. */
const USERNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** Whether a (lower-cased) user name has a shape Vault accepts. */
export function isValidUsername(name: string): boolean {
  return USERNAME.test(name);
}

/** Vault lower-cases user names on every path, so "Alice" and "alice" are one user. 400 on a malformed name. */
export function normalizeUsername(raw: string): string {
  const name = raw.toLowerCase();
  if (!isValidUsername(name)) {
    throw invalidRequest(`invalid username "${raw}": use letters, digits, "_", "-" and "."; it may not begin or end with "-" or "."`);
  }
  return name;
}

import type { Backend } from '../../framework/types.js';
import { dummyHash } from './password-hash.js';
import { loginPaths } from './paths/login.js';
import { mfaPaths } from './paths/mfa.js';
import { userPaths } from './paths/users.js';
import { renewLogin } from './renew.js';

/** The `userpass` auth method: users with scrypt-hashed passwords, optional per-user TOTP, login. */
export function userpassBackend(): Backend {
  const dummy = dummyHash();
  // Awaited only by a login for an unknown user; this keeps an (unlikely) failure from going unhandled meanwhile.
  dummy.catch(() => undefined);
  return { type: 'userpass', paths: [...mfaPaths(), ...userPaths(), ...loginPaths(dummy)], renewLogin };
}

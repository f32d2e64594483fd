import type { Backend, MountInfo } from '../../core/framework/types.js';

/** The `jwt` (and `oidc`) auth method. */
export function jwtBackend(mount: MountInfo): Backend {
  return { type: mount.type, paths: [] };
}

import type { Core } from '../../../core.js';
import type { IdentityStore } from '../../../identity/store.js';
import { MIN_ROTATION_PERIOD_SECONDS, NAME_PATTERN } from '../../../identity/oidc/model.js';
import type { OidcStore } from '../../../identity/oidc/store.js';
import { noHandler } from '../../../../framework/errors.js';
import type { MountInfo, Req } from '../../../../framework/types.js';

/** What the server tells the identity backend about itself (wired in src/server/start.ts). */
export interface IdentityBackendOptions {
  /** This server's address as clients reach it (api_addr, else its first listener): the default issuer. */
  apiAddress?: () => string | undefined;
  /** The shortest rotation_period a named key may have, in seconds (Vault's: a minute; tests lower it). */
  minRotationPeriod?: number;
}

/** What every identity/oidc path of one identity mount works with. */
export interface OidcContext {
  core: Core;
  mount: MountInfo;
  oidc: OidcStore;
  /** The identity store of the mount's namespace (entities are looked up there). */
  identity(): IdentityStore;
  /** Vault's namespace claim: the id of the mount's namespace ("root" for the root). */
  namespaceId: string;
  minRotationPeriod: number;
  /** The issuer of this namespace's tokens: the configured base or the server's address, then /v1/<namespace path>identity/oidc. */
  issuer(): Promise<string>;
}

export function oidcContext(core: Core, mount: MountInfo, oidc: OidcStore, identity: () => IdentityStore, options: IdentityBackendOptions): OidcContext {
  const namespacePath = mount.namespace?.path ?? '';
  return {
    core,
    mount,
    oidc,
    identity,
    namespaceId: namespacePath === '' ? 'root' : mount.namespace!.id,
    minRotationPeriod: options.minRotationPeriod ?? MIN_ROTATION_PERIOD_SECONDS,
    issuer: async () => {
      const base = (await oidc.config()).issuer || options.apiAddress?.() || '';
      // Vault's effectiveIssuer: the base, then /v1/, the namespace's path, identity/oidc.
      return `${base.replace(/\/+$/, '')}/v1/${namespacePath}identity/oidc`;
    },
  };
}

/** The `name` of a key or role path; a name Vault's GenericNameRegex refuses matches no path there (404). */
export function nameOf(req: Req): string {
  const name = String(req.fields.name ?? '');
  if (!validName(name)) throw noHandler(req.mount.path + req.path);
  return name;
}

/** Whether Vault's GenericNameRegex takes `name`. */
export const validName = (name: string): boolean => NAME_PATTERN.test(name);

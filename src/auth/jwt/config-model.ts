import type { MountStorage } from '../../framework/types.js';

/** The mount's validation settings (Vault: auth/<mount>/config), as stored. */
export interface JwtConfig {
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  jwks_url: string;
  jwks_ca_pem: string;
  jwt_validation_pubkeys: string[];
  bound_issuer: string;
  jwt_supported_algs: string[];
  default_role: string;
}

export const CONFIG_KEY = 'config';

/** The stored config, or undefined before the first write. */
export async function loadConfig(store: MountStorage): Promise<JwtConfig | undefined> {
  return store.get<JwtConfig>(CONFIG_KEY);
}

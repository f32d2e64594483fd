import type { JwtConfig } from './config-model.js';
import { keySourceFor, type KeySource } from './keys.js';

/** What the paths of one jwt mount share: the key source of its current config, cached across logins. */
export class JwtContext {
  private cached: { fingerprint: string; source: KeySource } | undefined;

  /**
   * The key source for `config`. Remote key sets keep their fetched keys while the config stays the
   * same; a changed config (this node or another wrote it) gets a fresh source.
   */
  keySource(config: JwtConfig): KeySource {
    const fingerprint = JSON.stringify([
      config.jwt_validation_pubkeys,
      config.jwks_url,
      config.jwks_ca_pem,
      config.oidc_discovery_url,
      config.oidc_discovery_ca_pem,
    ]);
    if (this.cached?.fingerprint !== fingerprint) this.cached = { fingerprint, source: keySourceFor(config) };
    return this.cached.source;
  }
}

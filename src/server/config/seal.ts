import type { AwsKmsSealConfig } from '../../kms/awskms.js';
import type { Pkcs11SealConfig } from '../../kms/pkcs11.js';
import type { TransitSealConfig } from '../../kms/transit.js';
import { labelledStanzas } from '../config-keys.js';
import { truthy } from './booleans.js';
import type { BlockAt } from './problem.js';
import { awsKmsSeal, pkcs11Seal, transitSeal } from './seal-kms.js';
import { localSeal, type LocalSealConfig } from './seal-local.js';
import type { Json } from './syntax.js';

/**
 * local: the root key wrapped by a local KMS key; shamir: by an unseal key split into shares
 * (sys/init, sys/unseal); awskms, pkcs11, transit: by a key that never leaves that KMS.
 */
export type SealConfig = LocalSealConfig | { type: 'shamir' } | AwsKmsSealConfig | Pkcs11SealConfig | TransitSealConfig;

/**
 * The `seal` stanzas: the seal, and the former seal of a seal migration, whose stanza has
 * disabled = "true" (Vault's way). Only between shamir and a KMS seal, either way.
 */
export function sealStanzas(raw: Json, top: BlockAt): { seal: SealConfig; migrationSeal?: SealConfig } {
  const stanzas = labelledStanzas('seal', raw.seal);
  const enabled = stanzas.filter(({ body }) => !truthy(body.disabled));
  const disabled = stanzas.filter(({ body }) => truthy(body.disabled));
  if (enabled.length > 1 || disabled.length > 1) top.fail('seal', 'at most one seal stanza is allowed, plus one with disabled = "true" for a seal migration');
  // No enabled stanza is a Shamir seal: Vault's default (operator init splits an unseal key), and
  // where disabling the only (KMS) seal migrates to.
  const seal = enabled[0] ? sealStanza(enabled[0].label, enabled[0].body, top.inner(enabled[0].step)) : { type: 'shamir' as const };
  if (!disabled[0]) return { seal };
  const at = top.inner(disabled[0].step);
  const migrationSeal = sealStanza(disabled[0].label, disabled[0].body, at);
  if ((seal.type === 'shamir') === (migrationSeal.type === 'shamir')) {
    at.fail('disabled', `seal migration from "${migrationSeal.type}" to "${seal.type}" is not supported: only from shamir to a KMS seal (local, awskms, pkcs11, transit) or back`);
  }
  return { seal, migrationSeal };
}

function sealStanza(type: string, { disabled: _disabled, ...body }: Json, at: BlockAt): SealConfig {
  if (type === 'awskms') return awsKmsSeal(body, at);
  if (type === 'pkcs11') return pkcs11Seal(body, at);
  if (type === 'transit') return transitSeal(body, at);
  if (type === 'local') return localSeal(body, at);
  if (type !== 'shamir') at.failHere(`unknown seal type "${type}" (supported: local, shamir, awskms, pkcs11, transit)`);
  return { type: 'shamir' };
}

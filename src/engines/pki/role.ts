import { invalidRequest } from '../../framework/errors.js';
import { field } from '../../framework/fields.js';
import type { MountStorage } from '../../framework/types.js';
import { checkExtKeyUsages, checkKeyUsages, checkOids } from './certificate.js';
import { resolveKeySpec } from './keys.js';
import { checkedName, KEYS } from './model.js';
import type { NamePolicy } from './names.js';

/** roles/:name as stored; durations in seconds. Field names are Vault's. */
export interface RoleEntry extends NamePolicy {
  issuer_ref: string;
  ttl: number;
  max_ttl: number;
  not_before_duration: number;
  allow_ip_sans: boolean;
  allowed_uri_sans: string[];
  allowed_other_sans: string[];
  server_flag: boolean;
  client_flag: boolean;
  code_signing_flag: boolean;
  email_protection_flag: boolean;
  key_type: 'rsa' | 'ec' | 'ed25519' | 'any';
  key_bits: number;
  signature_bits: number;
  key_usage: string[];
  ext_key_usage: string[];
  ext_key_usage_oids: string[];
  use_csr_common_name: boolean;
  use_csr_sans: boolean;
  ou: string[];
  organization: string[];
  country: string[];
  locality: string[];
  province: string[];
  street_address: string[];
  postal_code: string[];
  generate_lease: boolean;
  no_store: boolean;
  require_cn: boolean;
  basic_constraints_valid_for_non_ca: boolean;
}

/** The subject name's attributes (besides the common name) a role or a CA path may set. */
export const subjectNameFields = {
  ou: field.strings(),
  organization: field.strings(),
  country: field.strings(),
  locality: field.strings(),
  province: field.strings(),
  street_address: field.strings(),
  postal_code: field.strings(),
};

/** The role table's fields, with Vault's defaults. */
export const roleFields = {
  name: field.string({ required: true }),
  issuer_ref: field.string({ default: 'default', description: 'The issuer that signs; "default", a name or an id.' }),
  ttl: field.duration({ description: "Validity of issued certificates; 0: the mount's default lease TTL." }),
  max_ttl: field.duration({ description: "Longest validity a request may ask for; 0: the mount's max lease TTL." }),
  not_before_duration: field.duration({ default: 30, description: 'How far NotBefore is backdated (clock skew).' }),
  allowed_domains: field.strings({ description: 'Domains names may be in (with allow_bare_domains, allow_subdomains, allow_glob_domains).' }),
  allow_bare_domains: field.bool({ description: 'Allow the allowed_domains themselves.' }),
  allow_subdomains: field.bool({ description: 'Allow subdomains (and wildcards) of allowed_domains.' }),
  allow_glob_domains: field.bool({ description: 'allowed_domains may hold globs ("*" matches across labels).' }),
  allow_wildcard_certificates: field.bool({ default: true, description: 'Allow RFC 6125 wildcards in names.' }),
  allow_any_name: field.bool({ description: 'Allow any name (enforce_hostnames still applies).' }),
  allow_localhost: field.bool({ default: true, description: 'Allow "localhost" and "localdomain".' }),
  allow_token_display_name: field.bool({ description: "Allow the caller's token display name." }),
  enforce_hostnames: field.bool({ default: true, description: 'Names must be valid hostnames (email addresses: their host part).' }),
  cn_validations: field.strings({ default: ['email', 'hostname'], description: 'What the common name may be: email, hostname, or "disabled".' }),
  allow_ip_sans: field.bool({ default: true, description: 'Allow IP subject alternative names.' }),
  allowed_uri_sans: field.strings({ description: 'URI SANs allowed (globs).' }),
  allowed_other_sans: field.strings({ description: 'Other SANs allowed (not supported yet: must stay empty).' }),
  server_flag: field.bool({ default: true, description: 'ExtKeyUsage serverAuth.' }),
  client_flag: field.bool({ default: true, description: 'ExtKeyUsage clientAuth.' }),
  code_signing_flag: field.bool({ description: 'ExtKeyUsage codeSigning.' }),
  email_protection_flag: field.bool({ description: 'ExtKeyUsage emailProtection.' }),
  key_type: field.string({ default: 'rsa', description: 'rsa, ec, ed25519, or any (signing CSRs only).' }),
  key_bits: field.int({ description: 'RSA 2048 (default), 3072, 4096, 8192; EC 256 (default), 384, 521.' }),
  signature_bits: field.int({ description: 'RSA issuers: 256 (default), 384 or 512.' }),
  use_pss: field.bool({ description: 'PSS signatures (not supported: must be false).' }),
  key_usage: field.strings({ default: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'], description: "Go's x509 KeyUsage names." }),
  ext_key_usage: field.strings({ description: "Go's x509 ExtKeyUsage names." }),
  ext_key_usage_oids: field.strings({ description: 'Further extended key usage OIDs.' }),
  use_csr_common_name: field.bool({ default: true, description: 'sign: take the common name from the CSR.' }),
  use_csr_sans: field.bool({ default: true, description: 'sign: take the SANs from the CSR.' }),
  ...subjectNameFields,
  generate_lease: field.bool({ description: 'Issue certificates under a lease whose revocation revokes them.' }),
  no_store: field.bool({ description: 'Do not store issued certificates (they cannot be listed or revoked by serial).' }),
  require_cn: field.bool({ default: true, description: 'A common name is required.' }),
  basic_constraints_valid_for_non_ca: field.bool({ description: 'Add CA:FALSE basic constraints to leaf certificates.' }),
};

type RoleFieldName = Exclude<keyof typeof roleFields, 'name' | 'use_pss'>;

/** A role from request fields over `base` (a POST: the defaults; a PATCH: the stored role), checked. */
export function buildRole(values: Record<string, unknown>, provided: (name: string) => boolean, base: RoleEntry | undefined): RoleEntry {
  if (provided('use_pss') && values.use_pss === true) throw invalidRequest('use_pss is not supported: PKCS#1 v1.5 signatures only');
  const pick = <K extends RoleFieldName>(name: K): RoleEntry[K] =>
    (base && !provided(name) ? base[name] : values[name]) as RoleEntry[K];
  const keyType = pick('key_type');
  if (!['rsa', 'ec', 'ed25519', 'any'].includes(keyType)) throw invalidRequest(`unknown key type: ${keyType}`);
  let keyBits = pick('key_bits');
  if (keyType !== 'any') keyBits = resolveKeySpec(keyType, keyBits).bits;
  else if (keyBits !== 0 && keyBits < 224) throw invalidRequest(`invalid key_bits ${keyBits} for key_type any`);
  let signatureBits = pick('signature_bits');
  if (signatureBits === 0 && keyType === 'rsa') signatureBits = 256;
  if (signatureBits !== 0 && ![256, 384, 512].includes(signatureBits)) throw invalidRequest(`unsupported signature_bits: ${signatureBits} (256, 384 or 512)`);
  const role: RoleEntry = {
    issuer_ref: pick('issuer_ref') || 'default',
    ttl: pick('ttl'),
    max_ttl: pick('max_ttl'),
    not_before_duration: pick('not_before_duration'),
    allowed_domains: pick('allowed_domains'),
    allow_bare_domains: pick('allow_bare_domains'),
    allow_subdomains: pick('allow_subdomains'),
    allow_glob_domains: pick('allow_glob_domains'),
    allow_wildcard_certificates: pick('allow_wildcard_certificates'),
    allow_any_name: pick('allow_any_name'),
    allow_localhost: pick('allow_localhost'),
    allow_token_display_name: pick('allow_token_display_name'),
    enforce_hostnames: pick('enforce_hostnames'),
    cn_validations: pick('cn_validations'),
    allow_ip_sans: pick('allow_ip_sans'),
    allowed_uri_sans: pick('allowed_uri_sans'),
    allowed_other_sans: pick('allowed_other_sans'),
    server_flag: pick('server_flag'),
    client_flag: pick('client_flag'),
    code_signing_flag: pick('code_signing_flag'),
    email_protection_flag: pick('email_protection_flag'),
    key_type: keyType,
    key_bits: keyBits,
    signature_bits: signatureBits,
    key_usage: checkKeyUsages(pick('key_usage')),
    ext_key_usage: checkExtKeyUsages(pick('ext_key_usage')),
    ext_key_usage_oids: checkOids(pick('ext_key_usage_oids')),
    use_csr_common_name: pick('use_csr_common_name'),
    use_csr_sans: pick('use_csr_sans'),
    ou: pick('ou'),
    organization: pick('organization'),
    country: pick('country'),
    locality: pick('locality'),
    province: pick('province'),
    street_address: pick('street_address'),
    postal_code: pick('postal_code'),
    generate_lease: pick('generate_lease'),
    no_store: pick('no_store'),
    require_cn: pick('require_cn'),
    basic_constraints_valid_for_non_ca: pick('basic_constraints_valid_for_non_ca'),
  };
  if (role.max_ttl > 0 && role.ttl > role.max_ttl) throw invalidRequest('"ttl" value must be less than "max_ttl" value');
  if (role.generate_lease && role.no_store) throw invalidRequest('"no_store" cannot be true when "generate_lease" is true');
  if (role.allowed_other_sans.length > 0) throw invalidRequest('allowed_other_sans is not supported yet');
  const validations = role.cn_validations;
  if (validations.includes('disabled') ? validations.length !== 1 : validations.some((v) => v !== 'email' && v !== 'hostname')) {
    throw invalidRequest('cn_validations: "email" and/or "hostname", or "disabled" alone');
  }
  return role;
}

/** A role as read answers it (Vault's role read: durations as seconds). */
export function describeRole(role: RoleEntry): Record<string, unknown> {
  return { ...role, use_pss: false, allowed_domains_template: false, allowed_uri_sans_template: false, not_after: '', policy_identifiers: [], allowed_serial_numbers: [], allowed_user_ids: [] };
}

export const loadRole = (store: MountStorage, name: string) => store.get<RoleEntry>(KEYS.role(checkedName(name, 'role')));

/** The role sign-verbatim uses without a name: no name rules (Vault's sign-verbatim role). */
export function verbatimRole(over: Partial<RoleEntry> = {}): RoleEntry {
  return {
    issuer_ref: 'default',
    ttl: 0,
    max_ttl: 0,
    not_before_duration: 30,
    allowed_domains: [],
    allow_bare_domains: false,
    allow_subdomains: false,
    allow_glob_domains: false,
    allow_wildcard_certificates: true,
    allow_any_name: true,
    allow_localhost: true,
    allow_token_display_name: false,
    enforce_hostnames: false,
    cn_validations: ['disabled'],
    allow_ip_sans: true,
    allowed_uri_sans: ['*'],
    allowed_other_sans: [],
    server_flag: false,
    client_flag: false,
    code_signing_flag: false,
    email_protection_flag: false,
    key_type: 'any',
    key_bits: 0,
    signature_bits: 0,
    key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
    ext_key_usage: [],
    ext_key_usage_oids: [],
    use_csr_common_name: true,
    use_csr_sans: true,
    ou: [],
    organization: [],
    country: [],
    locality: [],
    province: [],
    street_address: [],
    postal_code: [],
    generate_lease: false,
    no_store: false,
    require_cn: false,
    basic_constraints_valid_for_non_ca: false,
    ...over,
  };
}

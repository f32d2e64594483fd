import { invalidRequest } from '../../framework/errors.js';
import { formatDuration } from '../../framework/duration.js';
import type { MountStorage } from '../../framework/types.js';
import {
  checkIpSans,
  commonNameOf,
  extKeyUsageOids,
  keyUsageFlags,
  newSerial,
  sansOf,
  signCertificate,
  splitAltNames,
  subjectName,
  type Sans,
  type Signer,
} from './certificate.js';
import { formatPrivateKey, publicKeySpec, signatureHash, signingAlgorithm, type KeyPool, type KeySpec, type SigningKeys } from './keys.js';
import { KEYS, keySpecOf, loadKey, urlsConfig, type CertEntry, type IssuerEntry, type LeafNotAfterBehavior } from './model.js';
import { asDnsName, commonNameDisallowed, firstDisallowed, globMatch } from './names.js';
import type { RoleEntry } from './role.js';
import { serialOf } from './issuers.js';
import { caCertificate, toPem, x509 } from './x509.js';

/** The mount's lease TTLs in seconds (what certificate TTLs default to and are capped by). */
export interface MountTtls {
  defaultTtl: number;
  maxTtl: number;
}

/** An issuer ready to sign: its certificate, key spec and signer. */
export interface LoadedIssuer {
  entry: IssuerEntry;
  cert: x509.X509Certificate;
  spec: KeySpec;
  signer: Signer;
}

/** The issuer's key as a signer (signature_bits applies to RSA issuers). 400 when the mount has no key for it. */
export async function loadSigner(store: MountStorage, issuer: IssuerEntry, keys: SigningKeys, signatureBits = 0, usage: 'issuing-certificates' | 'crl-signing' = 'issuing-certificates'): Promise<LoadedIssuer> {
  const name = issuer.name || issuer.id;
  if (!issuer.usage.includes(usage)) throw invalidRequest(`issuer ${name} does not have the ${usage} usage${issuer.revocationTime ? ' (it was revoked)' : ''}`);
  const key = issuer.keyId ? await loadKey(store, issuer.keyId) : undefined;
  if (!key) throw invalidRequest(`issuer ${name} has no private key in this mount and cannot sign`);
  const spec = keySpecOf(key);
  const hash = signatureHash(spec, signatureBits);
  const privateKey = await keys.get(key.id, key.pkcs8, spec, hash);
  const cert = caCertificate(issuer.certificate);
  return { entry: issuer, cert, spec, signer: { certificate: cert, privateKey, algorithm: signingAlgorithm(spec, signatureBits) } };
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');

/**
 * Vault's notAfter rules (GetCertificateNotAfter): the requested ttl, else the role's, else the
 * mount's default; capped at the role's max_ttl (else the mount's max) with a warning; or an
 * explicit not_after. Then the issuer's leaf_not_after_behavior when it ends after the issuer.
 */
export function notAfterFor(o: {
  ttl: number;
  notAfter: string;
  roleTtl: number;
  roleMaxTtl: number;
  mount: MountTtls;
  issuer?: x509.X509Certificate;
  behavior: LeafNotAfterBehavior;
  now: number;
}): { notAfter: Date; warnings: string[] } {
  const warnings: string[] = [];
  if (o.ttl > 0 && o.notAfter !== '') throw invalidRequest('Either ttl or not_after should be provided. Both should not be provided in the same request.');
  let ttl = o.ttl || o.roleTtl || o.mount.defaultTtl;
  const maxTtl = o.roleMaxTtl || o.mount.maxTtl;
  if (ttl > maxTtl) {
    warnings.push(`TTL "${formatDuration(ttl)}" is longer than permitted maxTTL "${formatDuration(maxTtl)}", so maxTTL is being used`);
    ttl = maxTtl;
  }
  let notAfter: Date;
  if (o.notAfter !== '') {
    notAfter = new Date(o.notAfter);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(o.notAfter) || Number.isNaN(notAfter.getTime())) {
      throw invalidRequest(`parsing time "${o.notAfter}" as RFC 3339: cannot parse`);
    }
  } else {
    notAfter = new Date(o.now + ttl * 1000);
  }
  if (o.issuer && notAfter.getTime() > o.issuer.notAfter.getTime()) {
    if (o.behavior === 'truncate') notAfter = new Date(o.issuer.notAfter.getTime());
    else if (o.behavior === 'err') {
      throw invalidRequest(`cannot satisfy request, as TTL would result in notAfter of ${rfc3339(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339(o.issuer.notAfter)}`);
    }
  }
  return { notAfter, warnings };
}

/** The request fields issue and sign take (Vault's names). */
export interface LeafRequest {
  common_name: string;
  alt_names: string[];
  ip_sans: string[];
  uri_sans: string[];
  other_sans: string[];
  serial_number: string;
  ttl: number;
  not_after: string;
  exclude_cn_from_sans: boolean;
  format: string;
  private_key_format: string;
  remove_roots_from_chain: boolean;
}

/** What an issue or sign answers, before formatting. */
export interface Issued {
  cert: x509.X509Certificate;
  serial: string;
  issuer: LoadedIssuer;
  /** issue only: the generated key (extractable, in memory only: answered once, never stored). */
  privateKey?: { key: CryptoKey; spec: KeySpec };
  warnings: string[];
}

/** The key a CSR carries must be what the role asks for (Vault's messages). */
function checkCsrKey(role: RoleEntry, spec: KeySpec): void {
  if (spec.type === 'rsa' && spec.bits < 2048) throw invalidRequest(`RSA keys < 2048 bits are unsafe and not supported: got ${spec.bits}`);
  if (role.key_type === 'any') return;
  if (role.key_type !== spec.type) throw invalidRequest(`role requires keys of type ${role.key_type}`);
  if (spec.type !== 'ed25519' && spec.bits < role.key_bits) throw invalidRequest(`role requires a minimum of a ${role.key_bits}-bit key, but CSR's key is ${spec.bits} bits`);
}

/** The names of a leaf certificate as Vault's GenerateCreationBundle picks and checks them. */
function leafNames(role: RoleEntry, request: LeafRequest, csr: x509.Pkcs10CertificateRequest | undefined, displayName: string, verbatim: boolean): { cn: string; sans: Sans } {
  let cn = csr && role.use_csr_common_name ? commonNameOf(csr.subjectName) : '';
  if (cn === '') cn = request.common_name;
  if (cn === '' && role.require_cn) {
    throw invalidRequest('the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
  }
  const fromCsr = csr && role.use_csr_sans ? sansOf(csr) : undefined;
  const dns = [...(fromCsr?.dns ?? [])];
  const email = [...(fromCsr?.email ?? [])];
  if (cn !== '' && !request.exclude_cn_from_sans) {
    if (cn.includes('@')) email.push(cn);
    else {
      const asDns = asDnsName(cn);
      if (asDns) dns.push(asDns);
    }
  }
  if (!fromCsr) {
    const alt = splitAltNames([...new Set(request.alt_names)].sort());
    for (const name of alt.dns) {
      const asDns = asDnsName(name);
      if (asDns) dns.push(asDns);
    }
    email.push(...alt.email);
  }
  if (!verbatim) {
    if (cn !== '') {
      const bad = commonNameDisallowed(role, cn, displayName);
      if (bad) throw invalidRequest(`common name ${bad} not allowed by this role`);
    }
    const badDns = firstDisallowed(role, dns, displayName);
    if (badDns) throw invalidRequest(`subject alternate name ${badDns} not allowed by this role`);
    const badEmail = firstDisallowed(role, email, displayName);
    if (badEmail) throw invalidRequest(`email address ${badEmail} not allowed by this role`);
    if (request.other_sans.length > 0) {
      const oid = request.other_sans[0]!.split(';')[0];
      throw invalidRequest(`other SAN OID ${oid} not allowed by this role`);
    }
    if (request.serial_number !== '') throw invalidRequest(`serial_number ${request.serial_number} not allowed by this role`);
  }
  let ip: string[];
  let uri: string[];
  if (fromCsr) {
    if (fromCsr.ip.length > 0 && !role.allow_ip_sans) throw invalidRequest('IP Subject Alternative Names are not allowed in this role, but was provided some via CSR');
    if (fromCsr.uri.length > 0 && role.allowed_uri_sans.length === 0) throw invalidRequest('URI Subject Alternative Names are not allowed in this role, but were provided via CSR');
    if (fromCsr.uri.some((u) => !role.allowed_uri_sans.some((p) => globMatch(p, u)))) throw invalidRequest('URI Subject Alternative Names were provided via CSR which are not valid for this role');
    ip = fromCsr.ip;
    uri = fromCsr.uri;
  } else {
    if (request.ip_sans.length > 0 && !role.allow_ip_sans) throw invalidRequest(`IP Subject Alternative Names are not allowed in this role, but was provided [${request.ip_sans.join(' ')}]`);
    ip = checkIpSans(request.ip_sans);
    if (request.uri_sans.length > 0 && role.allowed_uri_sans.length === 0) throw invalidRequest('URI Subject Alternative Names are not allowed in this role, but were provided via the API');
    if (request.uri_sans.some((u) => !role.allowed_uri_sans.some((p) => globMatch(p, u)))) throw invalidRequest('URI Subject Alternative Names were provided via the API which are not valid for this role');
    for (const u of request.uri_sans) if (!URL.canParse(u)) throw invalidRequest(`the provided URI Subject Alternative Name "${u}" is not a valid URI`);
    uri = request.uri_sans;
  }
  return { cn, sans: { dns: [...new Set(dns)], email: [...new Set(email)], ip, uri } };
}

/**
 * Issues a leaf certificate under a role (Vault's issue, sign and sign-verbatim): names checked
 * against the role (unless verbatim), validity from ttl / not_after within max_ttl and the
 * issuer, a fresh key (issue) or the CSR's (sign), the role's key usages and subject fields, the
 * mount's AIA/CRL URLs; stored under certs/ unless the role says no_store.
 */
export async function issueLeaf(o: {
  store: MountStorage;
  pool: KeyPool;
  signingKeys: SigningKeys;
  role: RoleEntry;
  issuer: IssuerEntry;
  request: LeafRequest;
  csr?: x509.Pkcs10CertificateRequest;
  verbatim?: { keyUsage: string[]; extKeyUsage: string[]; extKeyUsageOids: string[] };
  displayName: string;
  mount: MountTtls;
  now: number;
}): Promise<Issued> {
  const { role, request, csr } = o;
  if (!csr && role.key_type === 'any') throw invalidRequest('role key type "any" not allowed for issuing certificates, only signing');
  if (csr) {
    if (!(await csr.verify().catch(() => false))) throw invalidRequest('certificate request signature is invalid');
    checkCsrKey(role, publicKeySpec(csr.publicKey.rawData));
  }
  const { cn, sans } = leafNames(role, request, csr, o.displayName, !!o.verbatim);
  const issuer = await loadSigner(o.store, o.issuer, o.signingKeys, role.signature_bits);
  const { notAfter, warnings } = notAfterFor({
    ttl: request.ttl,
    notAfter: request.not_after,
    roleTtl: role.ttl,
    roleMaxTtl: role.max_ttl,
    mount: o.mount,
    issuer: issuer.cert,
    behavior: issuer.entry.leafNotAfterBehavior,
    now: o.now,
  });
  let publicKey: CryptoKey | x509.PublicKey;
  let privateKey: Issued['privateKey'];
  if (csr) publicKey = csr.publicKey;
  else {
    // Generated last: every check that can refuse the request has passed (an RSA key costs ~140 ms).
    const spec: KeySpec = { type: role.key_type as KeySpec['type'], bits: role.key_type === 'ed25519' ? 0 : role.key_bits };
    const pair = await o.pool.take(spec);
    publicKey = pair.publicKey;
    privateKey = { key: pair.privateKey, spec };
  }
  const serial = newSerial();
  const urls = await urlsConfig(o.store);
  const flagEkus = [role.server_flag && 'ServerAuth', role.client_flag && 'ClientAuth', role.code_signing_flag && 'CodeSigning', role.email_protection_flag && 'EmailProtection'].filter((v): v is string => !!v);
  const copied: x509.Extension[] = [];
  let keyUsage = keyUsageFlags(role.key_usage);
  let ekus = [...new Set([...extKeyUsageOids([...flagEkus, ...role.ext_key_usage]), ...role.ext_key_usage_oids])];
  if (o.verbatim && csr) {
    // sign-verbatim: the CSR's own key usages win; the request's are defaults for a CSR without them.
    const ku = csr.getExtension('2.5.29.15');
    const eku = csr.getExtension('2.5.29.37');
    if (ku) copied.push(ku);
    else keyUsage = keyUsageFlags(o.verbatim.keyUsage);
    if (eku) copied.push(eku);
    else ekus = [...new Set([...extKeyUsageOids(o.verbatim.extKeyUsage), ...o.verbatim.extKeyUsageOids])];
  }
  const cert = await signCertificate(
    {
      subject: o.verbatim && csr ? csr.subjectName : subjectName({ common_name: cn, ou: role.ou, organization: role.organization, country: role.country, locality: role.locality, province: role.province, street_address: role.street_address, postal_code: role.postal_code }),
      publicKey,
      serial,
      notBefore: new Date(o.now - role.not_before_duration * 1000),
      notAfter,
      keyUsage,
      extKeyUsage: ekus,
      sans,
      urls,
      copied: role.basic_constraints_valid_for_non_ca ? [...copied, new x509.BasicConstraintsExtension(false, undefined, true)] : copied,
    },
    issuer.signer,
  );
  if (!role.no_store) {
    await o.store.put(KEYS.cert(serial), { certificate: cert.toString('pem') + '\n', issuerId: issuer.entry.id, notAfter: Math.floor(notAfter.getTime() / 1000) } satisfies CertEntry);
  }
  return { cert, serial: serialOf(cert), issuer, ...(privateKey ? { privateKey } : {}), warnings };
}

/** A certificate in the answer's format: PEM, or base64 DER for format=der. */
export const formatCert = (pemOrCert: string | x509.X509Certificate, format: string): string => {
  const cert = typeof pemOrCert === 'string' ? caCertificate(pemOrCert) : pemOrCert;
  return format === 'der' ? Buffer.from(cert.rawData).toString('base64') : toPem(cert.rawData, 'CERTIFICATE');
};

/** Checks the format field (pem, der, pem_bundle). */
export function checkFormat(format: string): string {
  if (format !== 'pem' && format !== 'der' && format !== 'pem_bundle') throw invalidRequest(`invalid format "${format}": pem, der or pem_bundle`);
  return format;
}

/** The issuer's chain as an issue answers it (remove_roots_from_chain drops self-signed ones). */
export async function answerChain(chain: string[], removeRoots: boolean, format: string): Promise<string[]> {
  const kept: string[] = [];
  for (const pem of chain) {
    const cert = caCertificate(pem);
    if (removeRoots && (await cert.isSelfSigned())) continue;
    kept.push(formatCert(cert, format === 'der' ? 'der' : 'pem'));
  }
  return kept;
}

/** The data of an issue / sign answer (Vault's field names). */
export async function issuedData(issued: Issued, request: Pick<LeafRequest, 'format' | 'private_key_format' | 'remove_roots_from_chain'>): Promise<Record<string, unknown>> {
  const format = request.format;
  const certOut = formatCert(issued.cert, format === 'der' ? 'der' : 'pem');
  const chain = await answerChain(issued.issuer.entry.caChain, request.remove_roots_from_chain, format);
  const data: Record<string, unknown> = {
    certificate: certOut,
    issuing_ca: formatCert(issued.issuer.cert, format === 'der' ? 'der' : 'pem'),
    ca_chain: chain,
    serial_number: issued.serial,
    expiration: Math.floor(issued.cert.notAfter.getTime() / 1000),
  };
  if (issued.privateKey) {
    data.private_key = formatPrivateKey(issued.privateKey.key, issued.privateKey.spec, request.private_key_format, format === 'der' ? 'der' : 'pem');
    data.private_key_type = issued.privateKey.spec.type;
  }
  if (format === 'pem_bundle') {
    data.certificate = [data.private_key ?? '', certOut, ...chain].filter(Boolean).map((p) => String(p).trimEnd() + '\n').join('');
  }
  return data;
}

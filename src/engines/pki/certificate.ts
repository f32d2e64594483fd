import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { invalidRequest } from '../../framework/errors.js';
import type { UrlsConfig } from './model.js';
import { x509 } from './x509.js';

/** The subject fields Vault's issuing paths and roles take. */
export interface SubjectFields {
  common_name: string;
  serial_number?: string;
  country?: string[];
  province?: string[];
  locality?: string[];
  street_address?: string[];
  postal_code?: string[];
  organization?: string[];
  ou?: string[];
}

/** Subject alternative names, by kind. */
export interface Sans {
  dns: string[];
  email: string[];
  ip: string[];
  uri: string[];
}

export const NO_SANS: Sans = { dns: [], email: [], ip: [], uri: [] };

const unique = (values: string[] = []) => [...new Set(values.filter((v) => v !== ''))];

/** A subject in Go's pkix.Name order (C, ST, L, street, postalCode, O, OU, CN, serialNumber), as Vault writes it. */
export function subjectName(s: SubjectFields): x509.JsonName {
  const rdns: x509.JsonName = [];
  const add = (type: string, values: string[]) => {
    if (values.length > 0) rdns.push({ [type]: values });
  };
  add('C', unique(s.country));
  add('ST', unique(s.province));
  add('L', unique(s.locality));
  add('2.5.4.9', unique(s.street_address));
  add('2.5.4.17', unique(s.postal_code));
  add('O', unique(s.organization));
  add('OU', unique(s.ou));
  add('CN', unique([s.common_name]));
  add('2.5.4.5', unique([s.serial_number ?? '']));
  return rdns;
}

/** Go's x509.KeyUsage names as Vault takes them (without the "KeyUsage" prefix; any case). */
const KEY_USAGES: Record<string, number> = {
  digitalsignature: x509.KeyUsageFlags.digitalSignature,
  contentcommitment: x509.KeyUsageFlags.nonRepudiation,
  keyencipherment: x509.KeyUsageFlags.keyEncipherment,
  dataencipherment: x509.KeyUsageFlags.dataEncipherment,
  keyagreement: x509.KeyUsageFlags.keyAgreement,
  certsign: x509.KeyUsageFlags.keyCertSign,
  crlsign: x509.KeyUsageFlags.cRLSign,
  encipheronly: x509.KeyUsageFlags.encipherOnly,
  decipheronly: x509.KeyUsageFlags.decipherOnly,
};

/** Go's x509.ExtKeyUsage names as Vault takes them, to their OIDs. */
const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  serverauth: '1.3.6.1.5.5.7.3.1',
  clientauth: '1.3.6.1.5.5.7.3.2',
  codesigning: '1.3.6.1.5.5.7.3.3',
  emailprotection: '1.3.6.1.5.5.7.3.4',
  ipsecendsystem: '1.3.6.1.5.5.7.3.5',
  ipsectunnel: '1.3.6.1.5.5.7.3.6',
  ipsecuser: '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  ocspsigning: '1.3.6.1.5.5.7.3.9',
  microsoftservergatedcrypto: '1.3.6.1.4.1.311.10.3.3',
  netscapeservergatedcrypto: '2.16.840.1.113730.4.1',
  microsoftcommercialcodesigning: '1.3.6.1.4.1.311.2.1.22',
  microsoftkernelcodesigning: '1.3.6.1.4.1.311.61.1.1',
};

const usageKey = (name: string) => name.trim().toLowerCase().replace(/^(ext)?keyusage/, '');

/** Checks key_usage names (400 for one Go's x509 has not) and answers them as given. */
export function checkKeyUsages(names: string[]): string[] {
  for (const name of names) if (KEY_USAGES[usageKey(name)] === undefined) throw invalidRequest(`unknown key_usage "${name}"`);
  return names;
}

export function checkExtKeyUsages(names: string[]): string[] {
  for (const name of names) if (EXT_KEY_USAGES[usageKey(name)] === undefined) throw invalidRequest(`unknown ext_key_usage "${name}"`);
  return names;
}

export function checkOids(oids: string[]): string[] {
  for (const oid of oids) if (!/^\d+(\.\d+)+$/.test(oid)) throw invalidRequest(`invalid OID "${oid}"`);
  return oids;
}

export const keyUsageFlags = (names: string[]) => names.reduce((flags, name) => flags | (KEY_USAGES[usageKey(name)] ?? 0), 0);
export const extKeyUsageOids = (names: string[]) => names.map((name) => EXT_KEY_USAGES[usageKey(name)]!).filter(Boolean);

/** A random positive 20-byte serial in colon form (first byte 01..7f, so DER keeps all 20 bytes). */
export function newSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0]! % 0x7f) + 1;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** What a new certificate says; the signer decides the issuer. */
export interface CertificateTemplate {
  subject: x509.JsonName | x509.Name;
  publicKey: CryptoKey | x509.PublicKey;
  /** Colon-separated hex. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** Set for a CA certificate: its path length (-1: no limit) and name constraints. */
  ca?: { maxPathLength: number; permittedDnsDomains: string[] };
  keyUsage: number;
  extKeyUsage: string[];
  sans: Sans;
  urls?: Pick<UrlsConfig, 'issuing_certificates' | 'crl_distribution_points' | 'ocsp_servers'>;
  /** Extensions copied from a CSR (sign-verbatim, use_csr_values), replacing the built ones of the same type. */
  copied?: x509.Extension[];
}

/** Who signs: an issuer certificate and its key, or (no certificate) the subject's own key. */
export interface Signer {
  certificate?: x509.X509Certificate;
  privateKey: CryptoKey;
  algorithm: Algorithm | EcdsaParams;
}

/** The AIA (OCSP, CA issuers) and CRL distribution point extensions for config/urls (none for empty lists). */
export function urlExtensions(urls: NonNullable<CertificateTemplate['urls']>): x509.Extension[] {
  const extensions: x509.Extension[] = [];
  if (urls.issuing_certificates.length > 0 || urls.ocsp_servers.length > 0) {
    extensions.push(new x509.AuthorityInfoAccessExtension({ ...(urls.ocsp_servers.length ? { ocsp: urls.ocsp_servers } : {}), ...(urls.issuing_certificates.length ? { caIssuers: urls.issuing_certificates } : {}) }));
  }
  if (urls.crl_distribution_points.length > 0) extensions.push(new x509.CRLDistributionPointsExtension(urls.crl_distribution_points));
  return extensions;
}

/** SANs as the X.509 library's general names. */
export function generalNames(sans: Sans): x509.JsonGeneralName[] {
  return [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.email.map((value) => ({ type: 'email' as const, value })),
    ...sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
}

function nameConstraints(domains: string[]): x509.Extension {
  const permitted = new GeneralSubtrees(domains.map((d) => new GeneralSubtree({ base: new GeneralName({ dNSName: d }) })));
  return new x509.Extension('2.5.29.30', true, AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted })));
}

/** The issuer's key identifier as its own certificate states it (an imported CA's may not be the SHA-1 of its key). */
async function authorityKeyId(signer: Signer, publicKey: CryptoKey | x509.PublicKey): Promise<x509.Extension> {
  const skid = signer.certificate?.getExtension(x509.SubjectKeyIdentifierExtension);
  if (skid) return new x509.AuthorityKeyIdentifierExtension(skid.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(signer.certificate ? signer.certificate.publicKey : publicKey);
}

/** Builds and signs a certificate: extensions as Vault's certutil writes them (critical basic constraints and key usage). */
/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (Node's hash: WebCrypto's digest costs more than it hashes). */
function subjectKeyIdentifier(spki: x509.PublicKey): x509.SubjectKeyIdentifierExtension {
  const bits = AsnConvert.parse(spki.rawData, SubjectPublicKeyInfo).subjectPublicKey;
  return new x509.SubjectKeyIdentifierExtension(createHash('sha1').update(Buffer.from(bits)).digest('hex'));
}

export async function signCertificate(t: CertificateTemplate, signer: Signer): Promise<x509.X509Certificate> {
  // Exported to SubjectPublicKeyInfo once, for the certificate and both key identifiers.
  const publicKey = t.publicKey instanceof x509.PublicKey ? t.publicKey : await x509.PublicKey.create(t.publicKey);
  const extensions: x509.Extension[] = [];
  if (t.ca) extensions.push(new x509.BasicConstraintsExtension(true, t.ca.maxPathLength >= 0 ? t.ca.maxPathLength : undefined, true));
  if (t.keyUsage !== 0) extensions.push(new x509.KeyUsagesExtension(t.keyUsage, true));
  if (t.extKeyUsage.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(t.extKeyUsage));
  const skid = subjectKeyIdentifier(publicKey);
  extensions.push(skid);
  extensions.push(signer.certificate ? await authorityKeyId(signer, publicKey) : new x509.AuthorityKeyIdentifierExtension(skid.keyId));
  const names = generalNames(t.sans);
  const subject = t.subject instanceof x509.Name ? t.subject : new x509.Name(t.subject);
  // RFC 5280 4.2.1.6: the SAN extension is critical when the subject is empty.
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, subject.toJSON().length === 0));
  if (t.ca && t.ca.permittedDnsDomains.length > 0) extensions.push(nameConstraints(t.ca.permittedDnsDomains));
  if (t.urls) extensions.push(...urlExtensions(t.urls));
  const copied = t.copied ?? [];
  const final = [...extensions.filter((e) => !copied.some((c) => c.type === e.type)), ...copied];
  return x509.X509CertificateGenerator.create({
    serialNumber: t.serial.replace(/:/g, ''),
    subject,
    issuer: signer.certificate ? signer.certificate.subjectName : subject,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions: final,
  });
}

/** Splits requested alternative names the way Vault does: an "@" makes an email address, the rest are DNS names. */
export function splitAltNames(names: string[]): { dns: string[]; email: string[] } {
  const dns: string[] = [];
  const email: string[] = [];
  for (const name of names) (name.includes('@') ? email : dns).push(name);
  return { dns, email };
}

/** 400 for an ip_sans entry that is not an IP address (Vault's message). */
export function checkIpSans(values: string[]): string[] {
  for (const v of values) if (isIP(v) === 0) throw invalidRequest(`the value "${v}" is not a valid IP address`);
  return values;
}

/** A certificate's SANs by kind. */
export function sansOf(source: x509.X509Certificate | x509.Pkcs10CertificateRequest): Sans {
  const found = source.getExtension('2.5.29.17');
  const ext = found ? new x509.SubjectAlternativeNameExtension(found.rawData) : undefined;
  const sans: Sans = { dns: [], email: [], ip: [], uri: [] };
  for (const name of ext?.names.items ?? []) {
    if (name.type === 'dns') sans.dns.push(name.value);
    else if (name.type === 'email') sans.email.push(name.value);
    else if (name.type === 'ip') sans.ip.push(name.value);
    else if (name.type === 'url') sans.uri.push(name.value);
  }
  return sans;
}

/** The first common name of a subject ('' when it has none). */
export const commonNameOf = (name: x509.Name): string => name.getField('CN')[0] ?? '';

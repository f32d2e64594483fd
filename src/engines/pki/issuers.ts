import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { exportPkcs8, importPrivateKey, publicKeyDer, type KeySpec } from './keys.js';
import {
  checkedName,
  issuersConfig,
  ISSUER_USAGES,
  KEYS,
  loadAll,
  type IssuerEntry,
  type IssuersConfig,
  type IssuerUsage,
  type KeyEntry,
  type LeafNotAfterBehavior,
} from './model.js';
import { parseCertificate, pemBlocks, PEM, toPem, x509 } from './x509.js';

const colonSerial = (hex: string) => (hex.length % 2 ? `0${hex}` : hex).toLowerCase().match(/../g)!.join(':');

/** A certificate's serial in Vault's colon form. */
export const serialOf = (cert: x509.X509Certificate) => colonSerial(cert.serialNumber);

/** Checks a name for an issuer or key: Vault's name rules, not "default", unique among its kind. */
export async function checkNewName(store: MountStorage, name: string, kind: 'issuer' | 'key', selfId = ''): Promise<string> {
  if (name === '') return '';
  checkedName(name, kind);
  if (name === 'default') throw invalidRequest(`reserved keyword 'default' can not be used as ${kind} name`);
  const prefix = kind === 'issuer' ? KEYS.issuers : KEYS.keys;
  const taken = (await loadAll<{ id: string; name: string }>(store, prefix)).some((e) => e.name === name && e.id !== selfId);
  if (taken) throw invalidRequest(`${kind} name already in use`);
  return name;
}

/** Stores a new key; answers its entry. */
export async function storeKey(store: MountStorage, pkcs8: Buffer, spec: KeySpec, name: string): Promise<KeyEntry> {
  const entry: KeyEntry = { id: randomUUID(), name: await checkNewName(store, name, 'key'), type: spec.type, bits: spec.bits, pkcs8: pkcs8.toString('base64') };
  await store.put(KEYS.key(entry.id), entry);
  const keysConfig = await store.get<{ default: string }>(KEYS.configKeys);
  if (!keysConfig?.default) await store.put(KEYS.configKeys, { default: entry.id });
  return entry;
}

/** Stores a generated key pair's private half. */
export async function storeGeneratedKey(store: MountStorage, pair: CryptoKeyPair, spec: KeySpec, name: string): Promise<{ entry: KeyEntry; pkcs8: Buffer }> {
  const pkcs8 = await exportPkcs8(pair.privateKey);
  return { entry: await storeKey(store, pkcs8, spec, name), pkcs8 };
}

/** Vault's default issuer usages, trimmed to what the certificate's KeyUsage allows (no CRL signing without cRLSign). */
function defaultUsage(cert: x509.X509Certificate): IssuerUsage[] {
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const crl = !ku || (ku.usages & x509.KeyUsageFlags.cRLSign) !== 0;
  return ISSUER_USAGES.filter((u) => crl || (u !== 'crl-signing' && u !== 'ocsp-signing'));
}

/**
 * Stores a new issuer for a CA certificate (paired with `keyId`, or none), rebuilds every issuer's
 * chain, and makes it the default when there was none (or default_follows_latest_issuer says so).
 */
export async function storeIssuer(store: MountStorage, cert: x509.X509Certificate, keyId: string, name: string): Promise<IssuerEntry> {
  const entry: IssuerEntry = {
    id: randomUUID(),
    name: await checkNewName(store, name, 'issuer'),
    keyId,
    certificate: cert.toString('pem') + '\n',
    serial: serialOf(cert),
    caChain: [],
    usage: defaultUsage(cert),
    leafNotAfterBehavior: 'err',
    manualChain: null,
    revocationTime: 0,
  };
  await store.put(KEYS.issuer(entry.id), entry);
  const config = await issuersConfig(store);
  if (keyId && (!config.default || config.default_follows_latest_issuer)) await store.put(KEYS.configIssuers, { ...config, default: entry.id } satisfies IssuersConfig);
  await rebuildChains(store);
  return (await store.get<IssuerEntry>(KEYS.issuer(entry.id)))!;
}

/**
 * Every issuer's ca_chain: itself, then the issuer (in this mount) whose subject is its issuer and
 * whose key verifies its signature, and so on up to a self-signed root (or a manual_chain).
 */
export async function rebuildChains(store: MountStorage): Promise<void> {
  const issuers = await loadAll<IssuerEntry>(store, KEYS.issuers);
  const certs = new Map(issuers.map((i) => [i.id, new x509.X509Certificate(i.certificate)]));
  const parentOf = new Map<string, IssuerEntry | undefined>();
  for (const issuer of issuers) {
    const cert = certs.get(issuer.id)!;
    const issuerDer = Buffer.from(cert.issuerName.toArrayBuffer());
    let parent: IssuerEntry | undefined;
    for (const candidate of issuers) {
      const other = certs.get(candidate.id)!;
      if (!Buffer.from(other.subjectName.toArrayBuffer()).equals(issuerDer)) continue;
      if (await cert.verify({ publicKey: other.publicKey, signatureOnly: true }).catch(() => false)) {
        parent = candidate;
        break;
      }
    }
    parentOf.set(issuer.id, parent);
  }
  const byRef = (ref: string) => issuers.find((i) => i.id === ref || i.name === ref);
  for (const issuer of issuers) {
    let chain: string[];
    if (issuer.manualChain && issuer.manualChain.length > 0) {
      chain = issuer.manualChain.map((ref) => byRef(ref)?.certificate).filter((c): c is string => c !== undefined);
    } else {
      chain = [];
      const seen = new Set<string>();
      for (let at: IssuerEntry | undefined = issuer; at && !seen.has(at.id); at = parentOf.get(at.id)) {
        seen.add(at.id);
        chain.push(at.certificate);
      }
    }
    if (JSON.stringify(chain) !== JSON.stringify(issuer.caChain)) await store.put(KEYS.issuer(issuer.id), { ...issuer, caChain: chain });
  }
}

export interface ImportResult {
  imported_issuers: string[] | null;
  imported_keys: string[] | null;
  mapping: Record<string, string>;
  existing_issuers: string[] | null;
  existing_keys: string[] | null;
}

/**
 * Imports a PEM bundle (config/ca, intermediate/set-signed): each distinct private key becomes a
 * key, each CA certificate an issuer paired with the key whose public half it holds. Duplicates of
 * what the mount has are reported as existing; a certificate that is not a CA is refused before
 * anything is stored.
 */
export async function importBundle(store: MountStorage, bundle: string, allowKeys: boolean): Promise<ImportResult> {
  const blocks = pemBlocks(bundle);
  if (blocks.length === 0) throw invalidRequest('no data found in PEM bundle');
  const certs: x509.X509Certificate[] = [];
  const keys: { spec: KeySpec; pkcs8: Buffer }[] = [];
  for (const block of blocks) {
    if (block.label === 'CERTIFICATE') {
      const cert = parseCertificate(toPem(block.der, PEM.certificate));
      if (!cert) throw invalidRequest('error parsing certificate in PEM bundle');
      const bc = cert.getExtension(x509.BasicConstraintsExtension);
      if (!bc?.ca) throw invalidRequest(`refusing to import non-CA certificate (serial ${serialOf(cert)})`);
      certs.push(cert);
    } else if (/PRIVATE KEY$/.test(block.label)) {
      if (!allowKeys) throw invalidRequest('private keys are not accepted on this path');
      keys.push(importPrivateKey(toPem(block.der, block.label)));
    } else if (block.label !== 'X509 CRL') {
      throw invalidRequest(`unsupported PEM block in bundle: ${block.label}`);
    }
  }
  const result: ImportResult = { imported_issuers: [], imported_keys: [], mapping: {}, existing_issuers: [], existing_keys: [] };
  const storedKeys = await loadAll<KeyEntry>(store, KEYS.keys);
  const keyBySpki = new Map(storedKeys.map((k) => [publicKeyDer(Buffer.from(k.pkcs8, 'base64')).toString('base64'), k.id]));
  for (const key of keys) {
    const spki = publicKeyDer(key.pkcs8).toString('base64');
    const known = keyBySpki.get(spki);
    if (known) {
      result.existing_keys!.push(known);
      continue;
    }
    const entry = await storeKey(store, key.pkcs8, key.spec, '');
    keyBySpki.set(spki, entry.id);
    result.imported_keys!.push(entry.id);
  }
  const storedIssuers = await loadAll<IssuerEntry>(store, KEYS.issuers);
  for (const cert of certs) {
    const der = Buffer.from(cert.rawData);
    const keyId = keyBySpki.get(Buffer.from(cert.publicKey.rawData).toString('base64')) ?? '';
    const known = storedIssuers.find((i) => Buffer.from(new x509.X509Certificate(i.certificate).rawData).equals(der));
    if (known) {
      result.existing_issuers!.push(known.id);
      if (keyId && !known.keyId) await store.put(KEYS.issuer(known.id), { ...known, keyId });
      if (keyId) result.mapping[known.id] = keyId;
      continue;
    }
    const entry = await storeIssuer(store, cert, keyId, '');
    storedIssuers.push(entry);
    result.imported_issuers!.push(entry.id);
    result.mapping[entry.id] = keyId;
  }
  for (const list of ['imported_issuers', 'imported_keys', 'existing_issuers', 'existing_keys'] as const) if (result[list]!.length === 0) result[list] = null;
  return result;
}

/** issuer/:ref as an authenticated read answers it. */
export function describeIssuer(issuer: IssuerEntry): Record<string, unknown> {
  return {
    issuer_id: issuer.id,
    issuer_name: issuer.name,
    key_id: issuer.keyId,
    certificate: issuer.certificate,
    ca_chain: issuer.caChain,
    serial_number: issuer.serial,
    leaf_not_after_behavior: issuer.leafNotAfterBehavior,
    manual_chain: issuer.manualChain,
    usage: issuer.usage.join(','),
    revocation_signature_algorithm: '',
    revoked: issuer.revocationTime > 0,
    ...(issuer.revocationTime > 0 ? { revocation_time: issuer.revocationTime, revocation_time_rfc3339: new Date(issuer.revocationTime * 1000).toISOString() } : {}),
    issuing_certificates: [],
    crl_distribution_points: [],
    ocsp_servers: [],
    enable_aia_url_templating: false,
  };
}

/** Checks a usage list. */
export function parseUsage(values: string[]): IssuerUsage[] {
  for (const v of values) if (!ISSUER_USAGES.includes(v as IssuerUsage)) throw invalidRequest(`unknown usage: ${v}`);
  return [...new Set(['read-only', ...values])] as IssuerUsage[];
}

export function parseLeafBehavior(value: string): LeafNotAfterBehavior {
  if (value !== 'err' && value !== 'truncate' && value !== 'permit') throw invalidRequest(`invalid leaf_not_after_behavior "${value}": err, truncate or permit`);
  return value;
}

import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import {
  checkIpSans,
  generalNames,
  urlExtensions,
  checkKeyUsages,
  keyUsageFlags,
  newSerial,
  sansOf,
  signCertificate,
  splitAltNames,
  subjectName,
  type Sans,
} from '../certificate.js';
import { rebuildCrls, type PkiContext } from '../context.js';
import { importBundle, serialOf, storeGeneratedKey, storeIssuer } from '../issuers.js';
import { answerChain, checkFormat, formatCert, loadSigner, notAfterFor } from '../issuance.js';
import { checkPrivateKeyFormat, formatPrivateKey, importKeyPair, resolveKeySpec, signingAlgorithm, type KeySpec } from '../keys.js';
import { KEYS, keySpecOf, resolveIssuer, resolveKey, urlsConfig, type CertEntry, type KeyEntry } from '../model.js';
import { asDnsName } from '../names.js';
import { subjectNameFields } from '../role.js';
import { parseCertificate, PEM, toPem, x509 } from '../x509.js';

/** Fields every CA-making path takes (Vault's root/generate, intermediate/generate, sign-intermediate). */
const subjectFields = {
  common_name: field.string({ description: 'The CA certificate\'s common name.' }),
  alt_names: field.strings({ description: 'DNS names and email addresses for the SAN extension.' }),
  ip_sans: field.strings(),
  uri_sans: field.strings(),
  other_sans: field.strings({ description: 'Not supported yet: must be empty.' }),
  exclude_cn_from_sans: field.bool(),
  ...subjectNameFields,
  serial_number: field.string({ description: "The subject's serialNumber attribute (not the certificate serial)." }),
  format: field.string({ default: 'pem', description: 'pem, der or pem_bundle.' }),
  private_key_format: field.string({ default: 'der', description: 'der (PKCS#1 / SEC1) or pkcs8.' }),
  signature_bits: field.int(),
  use_pss: field.bool(),
  key_usage: field.strings({ description: 'Key usages added to CertSign and CRLSign.' }),
};

const validityFields = {
  ttl: field.duration(),
  not_after: field.string({ description: 'An absolute end, RFC 3339.' }),
  not_before_duration: field.duration({ default: 30 }),
  max_path_length: field.int({ default: -1 }),
  permitted_dns_domains: field.strings(),
};

const keyFields = {
  type: field.string({ required: true, description: 'internal, exported or existing.' }),
  key_type: field.string({ default: 'rsa' }),
  key_bits: field.int(),
  key_name: field.string(),
  key_ref: field.string({ default: 'default', description: 'type=existing: the key to use.' }),
};

type SubjectReq = Req<typeof subjectFields>;

/** The CA certificate's names: common name (required) and SANs, unchecked (an operator path). */
function caNames(f: SubjectReq['fields']): { cn: string; sans: Sans } {
  if (f.common_name === '') throw invalidRequest('the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
  if (f.other_sans.length > 0) throw invalidRequest('other_sans are not supported yet');
  if (f.use_pss) throw invalidRequest('use_pss is not supported: PKCS#1 v1.5 signatures only');
  const alt = splitAltNames(f.alt_names);
  const dns = alt.dns.map((n) => asDnsName(n) ?? n);
  const email = [...alt.email];
  if (!f.exclude_cn_from_sans) {
    if (f.common_name.includes('@')) email.unshift(f.common_name);
    else {
      const asDns = asDnsName(f.common_name);
      if (asDns) dns.unshift(asDns);
    }
  }
  return { cn: f.common_name, sans: { dns: [...new Set(dns)], email: [...new Set(email)], ip: checkIpSans(f.ip_sans), uri: f.uri_sans } };
}

const subjectOf = (f: SubjectReq['fields'], cn: string) =>
  subjectName({ common_name: cn, serial_number: f.serial_number, ou: f.ou, organization: f.organization, country: f.country, locality: f.locality, province: f.province, street_address: f.street_address, postal_code: f.postal_code });

const caKeyUsage = (extra: string[]) => x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | keyUsageFlags(checkKeyUsages(extra));

function checkType(type: string): 'internal' | 'exported' | 'existing' {
  if (type === 'internal' || type === 'exported' || type === 'existing') return type;
  if (type === 'kms') throw invalidRequest('managed keys (type "kms") are not supported');
  throw invalidRequest(`invalid type "${type}": internal, exported or existing`);
}

/** The key a CA is made with: new (internal, exported) and stored under the lock later, or an existing one. */
async function caKey(ctx: PkiContext, store: MountStorage, f: Req<typeof keyFields>['fields']): Promise<{ pair: CryptoKeyPair; spec: KeySpec; existing?: KeyEntry }> {
  const type = checkType(f.type);
  if (type === 'existing') {
    const existing = await resolveKey(store, f.key_ref);
    const spec = keySpecOf(existing);
    return { pair: await importKeyPair(Buffer.from(existing.pkcs8, 'base64'), spec), spec, existing };
  }
  const spec = resolveKeySpec(f.key_type, f.key_bits);
  return { pair: await ctx.pool.take(spec), spec };
}

async function privateKeyAnswer(type: string, pair: CryptoKeyPair, spec: KeySpec, f: { private_key_format: string; format: string }): Promise<Record<string, unknown>> {
  if (type !== 'exported') return {};
  return { private_key: formatPrivateKey(pair.privateKey, spec, checkPrivateKeyFormat(f.private_key_format), f.format === 'der' ? 'der' : 'pem'), private_key_type: spec.type };
}

async function generateRoot(ctx: PkiContext, req: Req<typeof rootFields>, store: MountStorage): Promise<Resp> {
  const f = req.fields;
  const format = checkFormat(f.format);
  checkPrivateKeyFormat(f.private_key_format);
  const { cn, sans } = caNames(f);
  const { pair, spec, existing } = await caKey(ctx, store, f);
  const now = ctx.now();
  const { notAfter, warnings } = notAfterFor({ ttl: f.ttl, notAfter: f.not_after, roleTtl: 0, roleMaxTtl: 0, mount: ctx.ttls(), behavior: 'permit', now });
  const cert = await signCertificate(
    {
      subject: subjectOf(f, cn),
      publicKey: pair.publicKey,
      serial: newSerial(),
      notBefore: new Date(now - f.not_before_duration * 1000),
      notAfter,
      ca: { maxPathLength: f.max_path_length, permittedDnsDomains: f.permitted_dns_domains },
      keyUsage: caKeyUsage(f.key_usage),
      extKeyUsage: [],
      sans,
      urls: await urlsConfig(store),
    },
    { privateKey: pair.privateKey, algorithm: signingAlgorithm(spec, f.signature_bits) },
  );
  const { issuer, key } = await ctx.lock.run(async () => {
    const key = existing ?? (await storeGeneratedKey(store, pair, spec, f.key_name)).entry;
    const issuer = await storeIssuer(store, cert, key.id, f.issuer_name);
    await store.put(KEYS.cert(issuer.serial), { certificate: issuer.certificate, issuerId: issuer.id, notAfter: Math.floor(notAfter.getTime() / 1000) } satisfies CertEntry);
    return { issuer, key };
  });
  await rebuildCrls(ctx, store);
  const certOut = formatCert(cert, format === 'der' ? 'der' : 'pem');
  const keyOut = await privateKeyAnswer(f.type, pair, spec, f);
  return ok(
    {
      certificate: format === 'pem_bundle' && keyOut.private_key ? `${String(keyOut.private_key).trimEnd()}\n${certOut}` : certOut,
      issuing_ca: certOut,
      serial_number: issuer.serial,
      expiration: Math.floor(notAfter.getTime() / 1000),
      issuer_id: issuer.id,
      issuer_name: issuer.name,
      key_id: key.id,
      key_name: key.name,
      ...keyOut,
    },
    warnings.length ? { warnings } : {},
  );
}

async function generateIntermediate(ctx: PkiContext, req: Req<typeof intermediateFields>, store: MountStorage): Promise<Resp> {
  const f = req.fields;
  const format = checkFormat(f.format);
  checkPrivateKeyFormat(f.private_key_format);
  const { cn, sans } = caNames(f);
  const { pair, spec, existing } = await caKey(ctx, store, f);
  const extensions: x509.Extension[] = [];
  const names = generalNames(sans);
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (f.add_basic_constraints) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  if (f.key_usage.length > 0) extensions.push(new x509.KeyUsagesExtension(keyUsageFlags(checkKeyUsages(f.key_usage)), true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subjectOf(f, cn), keys: pair, signingAlgorithm: signingAlgorithm(spec, f.signature_bits), extensions });
  const key = existing ?? (await ctx.lock.run(async () => (await storeGeneratedKey(store, pair, spec, f.key_name)).entry));
  const csrOut = format === 'der' ? Buffer.from(csr.rawData).toString('base64') : toPem(csr.rawData, PEM.csr);
  const keyOut = await privateKeyAnswer(f.type, pair, spec, f);
  return ok({ csr: format === 'pem_bundle' && keyOut.private_key ? `${String(keyOut.private_key).trimEnd()}\n${csrOut}` : csrOut, key_id: key.id, key_name: key.name, ...keyOut });
}

/** The path length a CA signed by `issuer` may have (Vault: one less than the issuer's; -1 when it has none). */
function derivedPathLength(issuer: x509.X509Certificate, requested: number): number {
  const limit = issuer.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (limit === 0) throw invalidRequest('signing certificate has a max path length of zero, and cannot issue further CA certificates');
  if (requested >= 0) return requested;
  return limit === undefined ? -1 : limit - 1;
}

async function signIntermediate(ctx: PkiContext, req: Req<typeof signIntermediateFields>, store: MountStorage): Promise<Resp> {
  const f = req.fields;
  const format = checkFormat(f.format);
  const csr = parseCsr(f.csr);
  if (!(await csr.verify().catch(() => false))) throw invalidRequest('certificate request signature is invalid');
  const issuer = await loadSigner(store, await resolveIssuer(store, f.issuer_ref), ctx.signingKeys, f.signature_bits);
  let subject: x509.JsonName | x509.Name;
  let sans: Sans;
  let copied: x509.Extension[] = [];
  if (f.use_csr_values) {
    subject = csr.subjectName;
    sans = sansOf(csr);
    copied = csr.extensions.filter((e) => !['2.5.29.19', '2.5.29.15', '2.5.29.35', '2.5.29.14'].includes(e.type));
  } else {
    const names = caNames(f);
    subject = subjectOf(f, names.cn);
    sans = names.sans;
  }
  const now = ctx.now();
  const { notAfter, warnings } = notAfterFor({
    ttl: f.ttl,
    notAfter: f.not_after,
    roleTtl: 0,
    roleMaxTtl: 0,
    mount: ctx.ttls(),
    issuer: issuer.cert,
    // Vault truncates an intermediate to its issuer unless asked to apply the issuer's own behaviour.
    behavior: f.enforce_leaf_not_after_behavior ? issuer.entry.leafNotAfterBehavior : 'truncate',
    now,
  });
  const serial = newSerial();
  const cert = await signCertificate(
    {
      subject,
      publicKey: csr.publicKey,
      serial,
      notBefore: new Date(now - f.not_before_duration * 1000),
      notAfter,
      ca: { maxPathLength: derivedPathLength(issuer.cert, f.max_path_length), permittedDnsDomains: f.permitted_dns_domains },
      keyUsage: caKeyUsage(f.key_usage),
      extKeyUsage: [],
      sans,
      urls: await urlsConfig(store),
      copied,
    },
    issuer.signer,
  );
  await store.put(KEYS.cert(serial), { certificate: cert.toString('pem') + '\n', issuerId: issuer.entry.id, notAfter: Math.floor(notAfter.getTime() / 1000) } satisfies CertEntry);
  const certOut = formatCert(cert, format === 'der' ? 'der' : 'pem');
  const issuingCa = formatCert(issuer.cert, format === 'der' ? 'der' : 'pem');
  const chain = await answerChain(issuer.entry.caChain, false, format);
  return ok(
    {
      certificate: format === 'pem_bundle' ? [certOut, ...chain].map((p) => p.trimEnd() + '\n').join('') : certOut,
      issuing_ca: issuingCa,
      ca_chain: chain,
      serial_number: serialOf(cert),
      expiration: Math.floor(notAfter.getTime() / 1000),
    },
    warnings.length ? { warnings } : {},
  );
}

export function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(pem.trim());
  } catch {
    throw invalidRequest('certificate request could not be parsed');
  }
}

/** Re-signs a self-issued CA certificate with an issuer: only the issuer, its key id and the AIA/CRL URLs change. */
async function signSelfIssued(ctx: PkiContext, req: Req<typeof selfIssuedFields>, store: MountStorage): Promise<Resp> {
  const f = req.fields;
  const given = parseCertificate(f.certificate);
  if (!given) throw invalidRequest('error parsing certificate');
  if (!given.getExtension(x509.BasicConstraintsExtension)?.ca) throw invalidRequest('given certificate is not a CA certificate');
  if (!Buffer.from(given.subjectName.toArrayBuffer()).equals(Buffer.from(given.issuerName.toArrayBuffer()))) throw invalidRequest('given certificate is not self-issued');
  const issuer = await loadSigner(store, await resolveIssuer(store, f.issuer_ref), ctx.signingKeys);
  if (f.require_matching_certificate_algorithms && given.publicKey.algorithm.name !== issuer.cert.publicKey.algorithm.name) {
    throw invalidRequest('the certificate\'s public key algorithm does not match the issuer\'s');
  }
  const urls = await urlsConfig(store);
  const replaced = ['2.5.29.35', '1.3.6.1.5.5.7.1.1', '2.5.29.31'];
  const skid = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const extensions = [
    ...given.extensions.filter((e) => !replaced.includes(e.type)),
    skid ? new x509.AuthorityKeyIdentifierExtension(skid.keyId) : await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey),
  ];
  extensions.push(...urlExtensions(urls));
  const signed = await x509.X509CertificateGenerator.create({
    serialNumber: given.serialNumber,
    subject: given.subjectName,
    issuer: issuer.cert.subjectName,
    notBefore: given.notBefore,
    notAfter: given.notAfter,
    publicKey: given.publicKey,
    signingKey: issuer.signer.privateKey,
    signingAlgorithm: issuer.signer.algorithm,
    extensions,
  });
  return ok({ certificate: formatCert(signed, 'pem'), issuing_ca: formatCert(issuer.cert, 'pem') });
}

async function importCa(ctx: PkiContext, store: MountStorage, bundle: string, allowKeys: boolean): Promise<Resp> {
  if (bundle.trim() === '') throw invalidRequest('"pem_bundle" must be a PEM bundle of CA certificates and keys');
  const result = await ctx.lock.run(() => importBundle(store, bundle, allowKeys));
  await rebuildCrls(ctx, store);
  const warnings = result.imported_issuers || result.existing_issuers ? [] : ['no certificate in the bundle; only keys were imported'];
  return ok({ ...result }, warnings.length ? { warnings } : {});
}

const rootFields = { ...subjectFields, ...validityFields, ...keyFields, issuer_name: field.string() };
const intermediateFields = { ...subjectFields, ...keyFields, add_basic_constraints: field.bool() };
const signIntermediateFields = {
  ...subjectFields,
  ...validityFields,
  csr: field.string({ required: true }),
  issuer_ref: field.string({ default: 'default' }),
  use_csr_values: field.bool(),
  skid: field.string(),
  enforce_leaf_not_after_behavior: field.bool(),
};
const selfIssuedFields = { certificate: field.string({ required: true }), issuer_ref: field.string({ default: 'default' }), require_matching_certificate_algorithms: field.bool() };

/** Deletes every issuer and key of the mount (DELETE root, sudo), their CRLs and the defaults. */
async function deleteAll(ctx: PkiContext, store: MountStorage): Promise<Resp> {
  await ctx.lock.run(async () => {
    ctx.signingKeys.clear();
    for (const id of await store.list(KEYS.issuers)) await ctx.crls.drop(store, id);
    await store.deleteTree(KEYS.issuers);
    await store.deleteTree(KEYS.keys);
    await store.deleteTree('crls/');
    await store.transaction([
      { type: 'delete', key: KEYS.configIssuers },
      { type: 'delete', key: KEYS.configKeys },
    ]);
  });
  return noContent();
}

/** root/*, intermediate/*, config/ca, issuers/import and issuers/generate: making and importing CAs. */
export function caPaths(ctx: PkiContext): PathDef[] {
  const root = (req: Req<typeof rootFields>, store: MountStorage) => generateRoot(ctx, req, store);
  const intermediate = (req: Req<typeof intermediateFields>, store: MountStorage) => generateIntermediate(ctx, req, store);
  const signInt = (req: Req<typeof signIntermediateFields>, store: MountStorage) => signIntermediate(ctx, req, store);
  const selfIssued = (req: Req<typeof selfIssuedFields>, store: MountStorage) => signSelfIssued(ctx, req, store);
  return [
    definePath({ pattern: 'root/generate/:type', fields: rootFields, operations: { update: root }, returnsSecret: ['update'], description: 'Generate a self-signed root CA and its key.' }),
    definePath({ pattern: 'issuers/generate/root/:type', fields: rootFields, operations: { update: root }, returnsSecret: ['update'], description: 'Generate a self-signed root CA and its key.' }),
    definePath({ pattern: 'intermediate/generate/:type', fields: intermediateFields, operations: { update: intermediate }, returnsSecret: ['update'], description: 'Generate a key and a CSR for an intermediate CA.' }),
    definePath({ pattern: 'issuers/generate/intermediate/:type', fields: intermediateFields, operations: { update: intermediate }, returnsSecret: ['update'], description: 'Generate a key and a CSR for an intermediate CA.' }),
    definePath({ pattern: 'root/sign-intermediate', fields: signIntermediateFields, operations: { update: signInt }, description: 'Sign an intermediate CA certificate with the default issuer.' }),
    definePath({ pattern: 'issuer/:issuer_ref/sign-intermediate', fields: signIntermediateFields, operations: { update: signInt }, description: 'Sign an intermediate CA certificate with this issuer.' }),
    definePath({ pattern: 'root/sign-self-issued', fields: selfIssuedFields, operations: { update: selfIssued }, sudo: true, description: 'Re-sign a self-issued CA certificate with the default issuer.' }),
    definePath({ pattern: 'issuer/:issuer_ref/sign-self-issued', fields: selfIssuedFields, operations: { update: selfIssued }, description: 'Re-sign a self-issued CA certificate with this issuer.' }),
    definePath({
      pattern: 'intermediate/set-signed',
      fields: { certificate: field.string({ required: true }) },
      operations: { update: (req, store) => importCa(ctx, store, req.fields.certificate, false) },
      description: 'Import the signed intermediate certificate (and its chain): it becomes an issuer with the key its CSR was made with.',
    }),
    definePath({
      pattern: 'config/ca',
      fields: { pem_bundle: field.string({ required: true }) },
      operations: { update: (req, store) => importCa(ctx, store, req.fields.pem_bundle, true) },
      description: 'Import CA certificates and private keys (a PEM bundle).',
    }),
    definePath({ pattern: 'issuers/import/bundle', fields: { pem_bundle: field.string({ required: true }) }, operations: { update: (req, store) => importCa(ctx, store, req.fields.pem_bundle, true) } }),
    definePath({ pattern: 'issuers/import/cert', fields: { pem_bundle: field.string({ required: true }) }, operations: { update: (req, store) => importCa(ctx, store, req.fields.pem_bundle, false) } }),
    definePath({ pattern: 'root', fields: {}, operations: { delete: (_req, store) => deleteAll(ctx, store) }, sudo: true, description: 'Delete every issuer and key of this mount.' }),
  ];
}

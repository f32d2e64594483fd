import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type LeasedSecretState, type MountStorage, type PathDef, type Req, type Resp, type SecretType } from '../../../framework/types.js';
import { checkExtKeyUsages, checkKeyUsages, checkOids } from '../certificate.js';
import type { PkiContext } from '../context.js';
import { checkFormat, issuedData, issueLeaf, type LeafRequest } from '../issuance.js';
import { checkPrivateKeyFormat } from '../keys.js';
import { KEYS, resolveIssuer, type CertEntry } from '../model.js';
import { revoke } from '../revocation.js';
import { loadRole, verbatimRole, type RoleEntry } from '../role.js';
import { x509 } from '../x509.js';
import { parseCsr } from './ca.js';

/** The lease's secret type for certificates issued under generate_lease (Vault's "pki"). */
export const CERT_SECRET = 'pki';

const leafFields = {
  common_name: field.string({ description: 'The requested common name.' }),
  alt_names: field.strings({ description: 'DNS names and email addresses, comma-separated.' }),
  ip_sans: field.strings(),
  uri_sans: field.strings(),
  other_sans: field.strings(),
  serial_number: field.string({ description: "The subject's serialNumber attribute." }),
  ttl: field.duration(),
  not_after: field.string({ description: 'An absolute end, RFC 3339 (instead of ttl).' }),
  format: field.string({ default: 'pem', description: 'pem, der or pem_bundle.' }),
  private_key_format: field.string({ default: 'der', description: 'der (PKCS#1 / SEC1) or pkcs8.' }),
  exclude_cn_from_sans: field.bool(),
  remove_roots_from_chain: field.bool(),
  user_ids: field.strings(),
};

const issueFields = { name: field.string({ required: true }), ...leafFields };
const issuerIssueFields = { issuer_ref: field.string({ required: true }), ...issueFields };
const signFields = { ...issueFields, csr: field.string({ required: true }) };
const issuerSignFields = { issuer_ref: field.string({ required: true }), ...signFields };
const verbatimFields = {
  name: field.string({ description: 'A role whose ttl, max_ttl, generate_lease, no_store and not_before_duration apply.' }),
  csr: field.string({ required: true }),
  ...leafFields,
  key_usage: field.strings({ default: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'] }),
  ext_key_usage: field.strings(),
  ext_key_usage_oids: field.strings(),
  signature_bits: field.int(),
};
const issuerVerbatimFields = { issuer_ref: field.string({ required: true }), ...verbatimFields };

type LeafFields = Req<typeof leafFields>['fields'];

function leafRequest(f: LeafFields): LeafRequest {
  if (f.user_ids.length > 0) throw invalidRequest(`user_id ${f.user_ids[0]} is not allowed by this role`);
  return {
    common_name: f.common_name,
    alt_names: f.alt_names,
    ip_sans: f.ip_sans,
    uri_sans: f.uri_sans,
    other_sans: f.other_sans,
    serial_number: f.serial_number,
    ttl: f.ttl,
    not_after: f.not_after,
    exclude_cn_from_sans: f.exclude_cn_from_sans,
    format: checkFormat(f.format),
    private_key_format: checkPrivateKeyFormat(f.private_key_format),
    remove_roots_from_chain: f.remove_roots_from_chain,
  };
}

async function roleNamed(store: MountStorage, name: string): Promise<RoleEntry> {
  const role = await loadRole(store, name);
  if (!role) throw invalidRequest(`unknown role: ${name}`);
  return role;
}

/**
 * The answer of an issue or sign: the certificate data, and when the role says generate_lease a
 * `secret` (the pipeline registers the lease; revoking it revokes the certificate) lasting until
 * the certificate's notAfter.
 */
async function answer(ctx: PkiContext, issued: Awaited<ReturnType<typeof issueLeaf>>, request: LeafRequest, role: RoleEntry): Promise<Resp> {
  const data = await issuedData(issued, request);
  const extra: Partial<Resp> = issued.warnings.length ? { warnings: issued.warnings } : {};
  if (role.generate_lease && !role.no_store) {
    const ttl = Math.max(1, Math.floor((issued.cert.notAfter.getTime() - ctx.now()) / 1000));
    return ok(data, { ...extra, secret: { type: CERT_SECRET, internal: { serial_number: issued.serial }, ttl, maxTtl: ttl, renewable: false } });
  }
  return ok(data, extra);
}

async function issue(ctx: PkiContext, req: Req<typeof issuerIssueFields>, store: MountStorage, issuerRef?: string): Promise<Resp> {
  const role = await roleNamed(store, req.fields.name);
  const request = leafRequest(req.fields);
  const issuer = await resolveIssuer(store, issuerRef ?? role.issuer_ref);
  const issued = await issueLeaf({ store, pool: ctx.pool, signingKeys: ctx.signingKeys, role, issuer, request, displayName: req.caller?.displayName ?? '', mount: ctx.ttls(), now: ctx.now() });
  return answer(ctx, issued, request, role);
}

async function sign(ctx: PkiContext, req: Req<typeof issuerSignFields>, store: MountStorage, issuerRef?: string): Promise<Resp> {
  const role = await roleNamed(store, req.fields.name);
  const request = leafRequest(req.fields);
  const csr = parseCsr(req.fields.csr);
  const issuer = await resolveIssuer(store, issuerRef ?? role.issuer_ref);
  const issued = await issueLeaf({ store, pool: ctx.pool, signingKeys: ctx.signingKeys, role, issuer, request, csr, displayName: req.caller?.displayName ?? '', mount: ctx.ttls(), now: ctx.now() });
  return answer(ctx, issued, request, role);
}

/** sign-verbatim: the CSR's subject, SANs and (when it has them) key usages as they are; only a role's lifetimes and storage apply. */
async function signVerbatim(ctx: PkiContext, req: Req<typeof issuerVerbatimFields>, store: MountStorage, issuerRef?: string): Promise<Resp> {
  const f = req.fields;
  const named = f.name ? await roleNamed(store, f.name) : undefined;
  const role = verbatimRole({
    signature_bits: f.signature_bits,
    ...(named ? { ttl: named.ttl, max_ttl: named.max_ttl, generate_lease: named.generate_lease, no_store: named.no_store, not_before_duration: named.not_before_duration, issuer_ref: named.issuer_ref } : {}),
  });
  const request = leafRequest(f);
  const csr = parseCsr(f.csr);
  if (csr.getExtension('2.5.29.19') && new x509.BasicConstraintsExtension(csr.getExtension('2.5.29.19')!.rawData).ca) {
    throw invalidRequest('will not sign a CSR asking for a CA certificate with sign-verbatim: use sign-intermediate');
  }
  const issuer = await resolveIssuer(store, issuerRef ?? role.issuer_ref);
  const verbatim = { keyUsage: checkKeyUsages(f.key_usage), extKeyUsage: checkExtKeyUsages(f.ext_key_usage), extKeyUsageOids: checkOids(f.ext_key_usage_oids) };
  const issued = await issueLeaf({ store, pool: ctx.pool, signingKeys: ctx.signingKeys, role, issuer, request, csr, verbatim, displayName: '', mount: ctx.ttls(), now: ctx.now() });
  return answer(ctx, issued, request, role);
}

/** How the pipeline's leases revoke a certificate issued with generate_lease. */
export function certSecretType(ctx: PkiContext): SecretType {
  return {
    async revoke(secret: LeasedSecretState, store: MountStorage) {
      const serial = String(secret.internal.serial_number);
      const stored = await store.get<CertEntry>(KEYS.cert(serial));
      // Already tidied away (expired): nothing is left to revoke.
      if (!stored) return;
      await revoke(ctx, store, { serial, cert: new x509.X509Certificate(stored.certificate), issuerId: stored.issuerId });
    },
  };
}

/** issue/:name, sign/:name, sign-verbatim, and their issuer/:issuer_ref/ variants. */
export function issuePaths(ctx: PkiContext): PathDef[] {
  const byRef = (req: Req<{ issuer_ref: ReturnType<typeof field.string> }>) => req.fields.issuer_ref;
  return [
    definePath({ pattern: 'issue/:name', fields: issueFields, operations: { update: (req, store) => issue(ctx, req as never, store) }, returnsSecret: ['update'], description: 'Issue a certificate and a new private key under a role.' }),
    definePath({ pattern: 'issuer/:issuer_ref/issue/:name', fields: issuerIssueFields, operations: { update: (req, store) => issue(ctx, req, store, byRef(req)) }, returnsSecret: ['update'], description: 'Issue a certificate under a role, signed by this issuer.' }),
    definePath({ pattern: 'sign/:name', fields: signFields, operations: { update: (req, store) => sign(ctx, req as never, store) }, description: 'Sign a CSR under a role.' }),
    definePath({ pattern: 'issuer/:issuer_ref/sign/:name', fields: issuerSignFields, operations: { update: (req, store) => sign(ctx, req, store, byRef(req)) }, description: 'Sign a CSR under a role with this issuer.' }),
    definePath({ pattern: 'sign-verbatim/:name*', fields: verbatimFields, operations: { update: (req, store) => signVerbatim(ctx, req as never, store) }, description: 'Sign a CSR as it is (no name rules).' }),
    definePath({ pattern: 'issuer/:issuer_ref/sign-verbatim/:name*', fields: issuerVerbatimFields, operations: { update: (req, store) => signVerbatim(ctx, req, store, byRef(req)) }, description: 'Sign a CSR as it is, with this issuer.' }),
  ];
}

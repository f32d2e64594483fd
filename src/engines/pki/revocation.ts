import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { afterRevocation, type PkiContext } from './context.js';
import { serialOf } from './issuers.js';
import { KEYS, loadAll, normalizeSerial, type CertEntry, type IssuerEntry, type RevokedEntry } from './model.js';
import { caCertificate, parseCertificate, x509 } from './x509.js';

/** What a revocation answers (Vault's revoke response). */
export interface RevocationAnswer {
  data: { revocation_time: number; revocation_time_rfc3339: string; state: 'revoked' } | null;
  warnings: string[];
}

const answer = (entry: RevokedEntry): RevocationAnswer => ({
  data: { revocation_time: Math.floor(entry.revokedAt / 1000), revocation_time_rfc3339: new Date(entry.revokedAt).toISOString(), state: 'revoked' },
  warnings: [],
});

/** The certificate a revocation names: by serial from the store, or given (BYOC) and signed by one of this mount's issuers. */
export async function findCertificate(store: MountStorage, serialNumber: string, certificate: string): Promise<{ serial: string; cert: x509.X509Certificate; issuerId: string }> {
  if ((serialNumber === '') === (certificate === '')) throw invalidRequest('either serial_number or certificate (but not both) must be given');
  const issuers = await loadAll<IssuerEntry>(store, KEYS.issuers);
  if (certificate !== '') {
    const cert = parseCertificate(certificate);
    if (!cert) throw invalidRequest('certificate could not be parsed as a PEM certificate');
    for (const issuer of issuers) {
      const issuerCert = caCertificate(issuer.certificate);
      if (await cert.verify({ publicKey: issuerCert.publicKey, signatureOnly: true }).catch(() => false)) return { serial: serialOf(cert), cert, issuerId: issuer.id };
    }
    throw invalidRequest('unable to verify that the certificate was issued by an issuer in this mount');
  }
  const serial = normalizeSerial(serialNumber);
  const own = issuers.find((i) => i.serial === serial);
  if (own) throw invalidRequest(`adding issuer (id: ${own.id}) to its own CRL is not allowed; use issuer/${own.id}/revoke`);
  const stored = await store.get<CertEntry>(KEYS.cert(serial));
  if (!stored) throw invalidRequest(`certificate with serial ${serial} not found.`);
  return { serial, cert: new x509.X509Certificate(stored.certificate), issuerId: stored.issuerId };
}

/**
 * Revokes a certificate: recorded under revoked/ (a second revocation answers the first's time),
 * then the CRLs are rebuilt unless auto_rebuild is on. An expired certificate is not revoked, with a
 * warning, as in Vault.
 */
export async function revoke(ctx: PkiContext, store: MountStorage, target: { serial: string; cert: x509.X509Certificate; issuerId: string }): Promise<RevocationAnswer> {
  const existing = await store.get<RevokedEntry>(KEYS.revoked(target.serial));
  if (existing) return answer(existing);
  if (target.cert.notAfter.getTime() < ctx.now()) {
    return { data: null, warnings: [`certificate with serial ${target.serial} has already expired; it is not added to the CRL`] };
  }
  const entry: RevokedEntry = {
    serial: target.serial,
    certificate: target.cert.toString('pem') + '\n',
    issuerId: target.issuerId,
    revokedAt: ctx.now(),
    notAfter: Math.floor(target.cert.notAfter.getTime() / 1000),
  };
  await store.put(KEYS.revoked(target.serial), entry);
  await afterRevocation(ctx, store);
  return answer(entry);
}

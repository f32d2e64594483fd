import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber } from '@peculiar/asn1-x509';
import type { MountStorage } from '../../framework/types.js';
import { importSigningKey, signingAlgorithm } from './keys.js';
import { crlConfig, KEYS, keySpecOf, loadAll, loadKey, type IssuerEntry, type RevokedEntry } from './model.js';
import { caCertificate, x509 } from './x509.js';

/** Pieces a CRL is stored in: a large CRL must not be one value (etcd refuses values over ~1.5 MiB). */
export const CRL_CHUNK_BYTES = 256 * 1024;

/** crls/<issuer>/current: which generation of the issuer's CRL is served. */
interface CrlPointer {
  number: number;
  chunks: number;
  /** Unix ms. */
  thisUpdate: number;
  nextUpdate: number;
}

const chunkKey = (issuerId: string, number: number, i: number) => `${KEYS.crl(issuerId)}${number}/${i}`;
const pointerKey = (issuerId: string) => `${KEYS.crl(issuerId)}current`;

/**
 * The issuers' CRLs: built on revocation (unless auto_rebuild), on crl/rotate, and when first asked
 * for; stored in chunks under a new generation, then switched to by one write of the pointer (so a
 * reader never sees half a CRL, whatever its size); the DER of each issuer's current CRL is kept in
 * memory, and a read costs one storage get (the pointer) to know it is still current.
 */
export class CrlStore {
  private readonly cache = new Map<string, { number: number; der: Buffer }>();

  constructor(private readonly chunkBytes = CRL_CHUNK_BYTES) {}

  /** The issuer's current CRL (built now if it has none); undefined when the issuer cannot sign CRLs. */
  async current(store: MountStorage, issuer: IssuerEntry, build: () => Promise<void>): Promise<Buffer | undefined> {
    let pointer = await store.get<CrlPointer>(pointerKey(issuer.id));
    if (!pointer) {
      if (!issuer.keyId || !issuer.usage.includes('crl-signing')) return undefined;
      await build();
      pointer = await store.get<CrlPointer>(pointerKey(issuer.id));
      if (!pointer) return undefined;
    }
    const cached = this.cache.get(issuer.id);
    if (cached?.number === pointer.number) return cached.der;
    const parts = await Promise.all(Array.from({ length: pointer.chunks }, (_, i) => store.get<string>(chunkKey(issuer.id, pointer.number, i))));
    if (parts.some((p) => p === undefined)) return undefined;
    const der = Buffer.concat(parts.map((p) => Buffer.from(p!, 'base64')));
    this.cache.set(issuer.id, { number: pointer.number, der });
    return der;
  }

  /** When the issuer's served CRL says it should next be updated (unix ms), or undefined. */
  async nextUpdate(store: MountStorage, issuerId: string): Promise<number | undefined> {
    return (await store.get<CrlPointer>(pointerKey(issuerId)))?.nextUpdate;
  }

  /**
   * Builds and stores a new CRL for every issuer that can sign one, listing the unexpired
   * revocations each issued (an empty, signed CRL when config/crl disables them, as Vault does).
   */
  async rebuildAll(store: MountStorage, now = Date.now()): Promise<void> {
    const issuers = await loadAll<IssuerEntry>(store, KEYS.issuers);
    const config = await crlConfig(store);
    const revoked = config.disable ? [] : await loadAll<RevokedEntry>(store, KEYS.revokedList);
    for (const issuer of issuers) {
      if (!issuer.keyId || !issuer.usage.includes('crl-signing')) continue;
      const key = await loadKey(store, issuer.keyId);
      if (!key) continue;
      const entries = revoked.filter((r) => r.issuerId === issuer.id);
      await this.build(store, issuer, key.pkcs8, keySpecOf(key), entries, now, config.expiry);
    }
  }

  private async build(store: MountStorage, issuer: IssuerEntry, pkcs8: string, spec: ReturnType<typeof keySpecOf>, entries: RevokedEntry[], now: number, expiry: number): Promise<void> {
    const cert = caCertificate(issuer.certificate);
    const previous = await store.get<CrlPointer>(pointerKey(issuer.id));
    const number = (previous?.number ?? 0) + 1;
    const algorithm = signingAlgorithm(spec);
    const signingKey = await importSigningKey(Buffer.from(pkcs8, 'base64'), spec, (algorithm as { hash?: string }).hash);
    const skid = cert.getExtension(x509.SubjectKeyIdentifierExtension);
    const crl = await x509.X509CrlGenerator.create({
      issuer: cert.subjectName,
      thisUpdate: new Date(now),
      nextUpdate: new Date(now + expiry * 1000),
      signingAlgorithm: algorithm,
      signingKey,
      entries: entries.map((e) => ({ serialNumber: e.serial.replace(/:/g, ''), revocationDate: new Date(e.revokedAt) })),
      extensions: [
        skid ? new x509.AuthorityKeyIdentifierExtension(skid.keyId) : await x509.AuthorityKeyIdentifierExtension.create(cert.publicKey),
        new x509.Extension('2.5.29.20', false, AsnConvert.serialize(new CRLNumber(number))),
      ],
    });
    const der = Buffer.from(crl.rawData);
    const chunks = Math.max(1, Math.ceil(der.length / this.chunkBytes));
    for (let i = 0; i < chunks; i++) await store.put(chunkKey(issuer.id, number, i), der.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes).toString('base64'));
    await store.put(pointerKey(issuer.id), { number, chunks, thisUpdate: now, nextUpdate: now + expiry * 1000 } satisfies CrlPointer);
    if (previous) await store.deleteTree(`${KEYS.crl(issuer.id)}${previous.number}/`);
    this.cache.set(issuer.id, { number, der });
  }

  /** Forgets an issuer's CRL (the issuer was deleted). */
  async drop(store: MountStorage, issuerId: string): Promise<void> {
    this.cache.delete(issuerId);
    await store.deleteTree(KEYS.crl(issuerId));
  }
}

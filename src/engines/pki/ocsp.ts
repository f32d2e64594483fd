import { createHash, webcrypto } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
  KeyHash,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { MountStorage } from '../../framework/types.js';
import { signingAlgorithm, type SigningKeys } from './keys.js';
import { crlConfig, KEYS, keySpecOf, loadAll, loadKey, type CertEntry, type IssuerEntry, type RevokedEntry } from './model.js';
import { caCertificate, x509 } from './x509.js';

const HASHES: Record<string, string> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' };

/** The DER of an OCSP response that is only a status (malformedRequest, unauthorized...). */
const statusOnly = (status: OCSPResponseStatus) => Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus: status })));

/** The raw public key bits of a certificate (what issuerKeyHash and byKey responder ids hash). */
function keyBits(cert: x509.X509Certificate): Buffer {
  return Buffer.from(AsnConvert.parse(cert.publicKey.rawData, SubjectPublicKeyInfo).subjectPublicKey);
}

/** The issuer a CertID names: the one whose subject and key hash to its issuerNameHash and issuerKeyHash. */
function issuerFor(id: CertID, issuers: { entry: IssuerEntry; cert: x509.X509Certificate }[]) {
  const hash = HASHES[id.hashAlgorithm.algorithm];
  if (!hash) return undefined;
  const nameHash = Buffer.from(id.issuerNameHash.buffer);
  const keyHash = Buffer.from(id.issuerKeyHash.buffer);
  return issuers.find(({ cert }) => {
    const name = createHash(hash).update(Buffer.from(cert.subjectName.toArrayBuffer())).digest();
    const key = createHash(hash).update(keyBits(cert)).digest();
    return name.equals(nameHash) && key.equals(keyHash);
  });
}

/** The CertID's serial in Vault's colon form (the INTEGER's sign byte dropped). */
function serialOf(id: CertID): string {
  let bytes = Buffer.from(id.serialNumber);
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * Answers an RFC 6960 OCSP request (DER) with a DER response signed by the issuer the request
 * names: good when this mount issued the serial and has not revoked it, revoked with the revocation
 * time, unknown for a serial the issuer never issued here (or that no_store kept out of storage).
 * Only the first request of a list is answered, as Vault does; a nonce is echoed. An issuer the
 * mount does not have, or one without ocsp-signing, gets "unauthorized"; bad DER "malformedRequest".
 */
export async function answerOcsp(store: MountStorage, keys: SigningKeys, der: Buffer, now = Date.now()): Promise<Buffer> {
  let request: OCSPRequest;
  try {
    request = AsnConvert.parse(der, OCSPRequest);
  } catch {
    return statusOnly(OCSPResponseStatus.malformedRequest);
  }
  const first = request.tbsRequest.requestList[0];
  if (!first) return statusOnly(OCSPResponseStatus.malformedRequest);
  const config = await crlConfig(store);
  if (config.ocsp_disable) return statusOnly(OCSPResponseStatus.unauthorized);
  const issuers = (await loadAll<IssuerEntry>(store, KEYS.issuers)).map((entry) => ({ entry, cert: caCertificate(entry.certificate) }));
  const found = issuerFor(first.reqCert, issuers);
  if (!found || !found.entry.keyId || !found.entry.usage.includes('ocsp-signing')) return statusOnly(OCSPResponseStatus.unauthorized);
  const key = await loadKey(store, found.entry.keyId);
  if (!key) return statusOnly(OCSPResponseStatus.unauthorized);

  const serial = serialOf(first.reqCert);
  const revoked = await store.get<RevokedEntry>(KEYS.revoked(serial));
  const issued = revoked ? undefined : await store.get<CertEntry>(KEYS.cert(serial));
  const status =
    revoked && revoked.issuerId === found.entry.id
      ? new CertStatus({ revoked: new RevokedInfo({ revocationTime: new Date(revoked.revokedAt) }) })
      : issued && issued.issuerId === found.entry.id
        ? new CertStatus({ good: null })
        : new CertStatus({ unknown: null });
  const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
  const thisUpdate = new Date(Math.floor(now / 1000) * 1000);
  const data = new ResponseData({
    responderID: new ResponderID({ byKey: new KeyHash(createHash('sha1').update(keyBits(found.cert)).digest()) }),
    producedAt: thisUpdate,
    responses: [
      new SingleResponse({
        certID: first.reqCert,
        certStatus: status,
        thisUpdate,
        ...(config.ocsp_expiry > 0 ? { nextUpdate: new Date(thisUpdate.getTime() + config.ocsp_expiry * 1000) } : {}),
      }),
    ],
    ...(nonce ? { responseExtensions: [nonce] } : {}),
  });
  const spec = keySpecOf(key);
  const algorithm = signingAlgorithm(spec);
  const signingKey = await keys.get(key.id, key.pkcs8, spec, (algorithm as { hash?: string }).hash);
  const tbs = AsnConvert.serialize(data);
  const raw = await webcrypto.subtle.sign({ ...algorithm, ...signingKey.algorithm } as EcdsaParams, signingKey, tbs);
  const signature = spec.type === 'ec' ? new x509.AsnEcSignatureFormatter().toAsnSignature({ ...algorithm, ...signingKey.algorithm } as EcdsaParams, raw) : raw;
  if (!signature) return statusOnly(OCSPResponseStatus.internalError);
  const basic = new BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: new x509.AlgorithmProvider().toAsnAlgorithm({ ...algorithm, ...signingKey.algorithm }),
    signature,
    certs: [AsnConvert.parse(found.cert.rawData, Certificate)],
  });
  const response = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) }),
  });
  return Buffer.from(AsnConvert.serialize(response));
}

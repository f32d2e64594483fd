import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * Parses one entry of jwt_validation_pubkeys: a PEM public key (SPKI or PKCS#1 RSA) or a PEM
 * certificate, whose public key is used, as Vault accepts both. Throws with a reason otherwise.
 */
export function parsePublicKeyPem(pem: string): KeyObject {
  const text = pem.trim();
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length !== 1) throw new Error('expected exactly one PEM block');
  const [block, label] = blocks[0]!;
  if (label === 'CERTIFICATE') return new X509Certificate(block).publicKey;
  if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') throw new Error(`a "${label}" block is not a public key`);
  const key = createPublicKey(block);
  if (key.type !== 'public') throw new Error('not a public key');
  return key;
}

/** Checks that a CA bundle (oidc_discovery_ca_pem, jwks_ca_pem) holds one or more PEM certificates. */
export function checkCaPem(pem: string): void {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  for (const [block, label] of blocks) {
    if (label !== 'CERTIFICATE') throw new Error(`a "${label}" block is not a certificate`);
    new X509Certificate(block);
  }
}

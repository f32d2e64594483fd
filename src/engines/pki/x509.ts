// @peculiar/x509's dependency injection needs the Reflect metadata API in place before it loads.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);

/** The X.509 library, set up on Node's WebCrypto; every PKI module imports it from here. */
export { x509 };

/** PEM labels Vault answers with. */
export const PEM = {
  certificate: 'CERTIFICATE',
  csr: 'CERTIFICATE REQUEST',
  crl: 'X509 CRL',
} as const;

/** DER bytes as one PEM block, with the trailing newline Vault's answers have. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  const body = Buffer.from(bytes).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Every PEM block of a bundle, in order, with its label and DER bytes. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  const blocks: { label: string; der: Buffer }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    blocks.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') });
  }
  return blocks;
}

/** A certificate from PEM (or undefined when the text is not one). */
export function parseCertificate(pem: string): x509.X509Certificate | undefined {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    return undefined;
  }
}

const parsedCas = new Map<string, x509.X509Certificate>();

/**
 * An issuer's certificate, parsed once: issuers are few and read on every issuance, and parsing
 * (ASN.1 and its extensions) costs more than the rest of a request's bookkeeping. Public data only.
 */
export function caCertificate(pem: string): x509.X509Certificate {
  let cert = parsedCas.get(pem);
  if (!cert) {
    cert = new x509.X509Certificate(pem);
    if (parsedCas.size >= 256) parsedCas.delete(parsedCas.keys().next().value!);
    parsedCas.set(pem, cert);
  }
  return cert;
}

/** A certificate's DER bytes. */
export const certDer = (cert: x509.X509Certificate): Buffer => Buffer.from(cert.rawData);

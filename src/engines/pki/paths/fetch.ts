import { invalidRequest } from '../../../framework/errors.js';
import { BINARY_BODY } from '../../../framework/binary-body.js';
import { field, type Fields } from '../../../framework/fields.js';
import { definePath, notFound, ok, type MountStorage, type PathDef, type Resp } from '../../../framework/types.js';
import { rebuildCrls, type PkiContext } from '../context.js';
import { answerOcsp } from '../ocsp.js';
import { displaySerial, KEYS, normalizeSerial, resolveIssuer, type CertEntry, type IssuerEntry, type RevokedEntry } from '../model.js';
import { PEM, toPem, x509 } from '../x509.js';

const PEM_TYPE = 'application/pem-file';

/** The issuer's current CRL (DER), built when it has none yet. */
async function crlOf(ctx: PkiContext, store: MountStorage, issuer: IssuerEntry): Promise<Buffer> {
  const der = await ctx.crls.current(store, issuer, () => rebuildCrls(ctx, store));
  if (!der) throw invalidRequest(`issuer ${issuer.name || issuer.id} has no CRL: it has no key in this mount, or no crl-signing usage`);
  return der;
}

/** cert/:serial as JSON: the certificate, its revocation and its issuer (Vault's fetch). */
async function readCert(ctx: PkiContext, store: MountStorage, serialInput: string): Promise<Resp> {
  if (serialInput === 'ca') {
    const issuer = await resolveIssuer(store, 'default');
    return ok({ certificate: issuer.certificate, revocation_time: 0, revocation_time_rfc3339: '', issuer_id: issuer.id });
  }
  if (serialInput === 'ca_chain') {
    const issuer = await resolveIssuer(store, 'default');
    const chain = issuer.caChain.join('');
    return ok({ certificate: chain, ca_chain: chain, revocation_time: 0, revocation_time_rfc3339: '', issuer_id: issuer.id });
  }
  if (serialInput === 'crl') {
    const issuer = await resolveIssuer(store, 'default');
    return ok({ certificate: toPem(await crlOf(ctx, store, issuer), PEM.crl), revocation_time: 0, revocation_time_rfc3339: '', issuer_id: issuer.id });
  }
  const serial = normalizeSerial(serialInput);
  const revoked = await store.get<RevokedEntry>(KEYS.revoked(serial));
  const cert = (await store.get<CertEntry>(KEYS.cert(serial))) ?? revoked;
  if (!cert) return notFound();
  return ok({
    certificate: cert.certificate,
    revocation_time: revoked ? Math.floor(revoked.revokedAt / 1000) : 0,
    revocation_time_rfc3339: revoked ? new Date(revoked.revokedAt).toISOString() : '',
    issuer_id: cert.issuerId,
  });
}

async function rawCert(store: MountStorage, serialInput: string, pem: boolean): Promise<Resp> {
  const serial = normalizeSerial(serialInput);
  const entry = (await store.get<CertEntry>(KEYS.cert(serial))) ?? (await store.get<RevokedEntry>(KEYS.revoked(serial)));
  if (!entry) return notFound();
  if (pem) return { raw: { contentType: PEM_TYPE, body: entry.certificate } };
  return { raw: { contentType: 'application/pkix-cert', body: Buffer.from(new x509.X509Certificate(entry.certificate).rawData) } };
}

/** An OCSP request from the path: base64 (standard or URL-safe), as RFC 6960 appendix A.1 puts it in a GET. */
function ocspFromPath(text: string): Buffer {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // Left as sent: the base64 check below decides.
  }
  const b64 = decoded.replace(/-/g, '+').replace(/_/g, '/').replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return Buffer.alloc(0);
  return Buffer.from(b64, 'base64');
}

const ocspAnswer = (der: Buffer): Resp => ({ raw: { contentType: 'application/ocsp-response', body: der } });

/** The unauthenticated reads (ca, ca_chain, cert/*, crl, issuer/:ref/crl*, ocsp) and the authenticated lists (certs, certs/revoked). */
export function fetchPaths(ctx: PkiContext): PathDef[] {
  const defaultIssuer = (store: MountStorage) => resolveIssuer(store, 'default');
  const crlPaths = (pattern: string, withRef: boolean): PathDef[] => {
    const fields: Fields = withRef ? { issuer_ref: field.string({ required: true }) } : {};
    const issuerOf = (store: MountStorage, raw: Record<string, unknown>) => (withRef ? resolveIssuer(store, String(raw.issuer_ref)) : defaultIssuer(store));
    return [
      definePath({
        pattern: withRef ? `${pattern}/der` : pattern,
        fields,
        unauthenticated: true,
        operations: { read: async (req, store) => ({ raw: { contentType: 'application/pkix-crl', body: await crlOf(ctx, store, await issuerOf(store, req.fields)) } }) },
        description: 'The CRL, DER.',
      }),
      definePath({
        pattern: `${pattern}/pem`,
        fields,
        unauthenticated: true,
        operations: { read: async (req, store) => ({ raw: { contentType: 'application/x-pem-file', body: toPem(await crlOf(ctx, store, await issuerOf(store, req.fields)), PEM.crl) } }) },
        description: 'The CRL, PEM.',
      }),
      ...(withRef
        ? [
            definePath({
              pattern,
              fields,
              unauthenticated: true,
              operations: { read: async (req, store) => ok({ crl: toPem(await crlOf(ctx, store, await issuerOf(store, req.fields)), PEM.crl) }) },
              description: 'The CRL, as JSON.',
            }),
          ]
        : []),
    ];
  };
  return [
    definePath({
      pattern: 'ca',
      fields: {},
      unauthenticated: true,
      operations: { read: async (_req, store) => ({ raw: { contentType: 'application/pkix-cert', body: Buffer.from(new x509.X509Certificate((await defaultIssuer(store)).certificate).rawData) } }) },
      description: "The default issuer's certificate, DER.",
    }),
    definePath({
      pattern: 'ca/pem',
      fields: {},
      unauthenticated: true,
      operations: { read: async (_req, store) => ({ raw: { contentType: PEM_TYPE, body: (await defaultIssuer(store)).certificate } }) },
      description: "The default issuer's certificate, PEM.",
    }),
    definePath({
      pattern: 'ca_chain',
      fields: {},
      unauthenticated: true,
      operations: { read: async (_req, store) => ({ raw: { contentType: PEM_TYPE, body: (await defaultIssuer(store)).caChain.join('') } }) },
      description: "The default issuer's chain, PEM.",
    }),
    definePath({
      pattern: 'cert/:serial/raw/pem',
      fields: { serial: field.string({ required: true }) },
      unauthenticated: true,
      operations: { read: (req, store) => rawCert(store, req.fields.serial, true) },
    }),
    definePath({
      pattern: 'cert/:serial/raw',
      fields: { serial: field.string({ required: true }) },
      unauthenticated: true,
      operations: { read: (req, store) => rawCert(store, req.fields.serial, false) },
    }),
    definePath({
      pattern: 'cert/:serial',
      fields: { serial: field.string({ required: true }) },
      unauthenticated: true,
      operations: { read: (req, store) => readCert(ctx, store, req.fields.serial) },
      description: 'A certificate by serial number (or ca, ca_chain, crl), as JSON.',
    }),
    ...crlPaths('crl', false),
    ...crlPaths('issuer/:issuer_ref/crl', true),
    definePath({
      pattern: 'certs',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = (await store.list(KEYS.certs)).map(displaySerial);
          return keys.length ? ok({ keys }) : notFound();
        },
      },
      description: 'The serial numbers of the stored certificates.',
    }),
    definePath({
      pattern: 'certs/revoked',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = (await store.list(KEYS.revokedList)).map(displaySerial);
          return keys.length ? ok({ keys }) : notFound();
        },
      },
      description: 'The serial numbers of the revoked certificates.',
    }),
    definePath({
      pattern: 'ocsp/:request*',
      fields: { request: field.string(), [BINARY_BODY.field]: field.string({ description: 'The DER request of a POST with Content-Type application/ocsp-request (base64).' }) },
      unauthenticated: true,
      operations: {
        read: async (req, store) => ocspAnswer(await answerOcsp(store, ctx.signingKeys, ocspFromPath(req.fields.request), ctx.now())),
        update: async (req, store) => {
          const body = String(req.fields[BINARY_BODY.field] ?? '');
          const der = body !== '' ? Buffer.from(body, 'base64') : ocspFromPath(req.fields.request);
          return ocspAnswer(await answerOcsp(store, ctx.signingKeys, der, ctx.now()));
        },
      },
      description: 'The OCSP responder (RFC 6960): GET with the base64 request in the path, or POST application/ocsp-request.',
    }),
  ];
}

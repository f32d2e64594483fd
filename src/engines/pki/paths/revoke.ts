import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef } from '../../../framework/types.js';
import type { PkiContext } from '../context.js';
import { importPrivateKey, publicKeyDer } from '../keys.js';
import { findCertificate, revoke } from '../revocation.js';

const revokeFields = {
  serial_number: field.string({ description: 'Hex, colon- or hyphen-separated.' }),
  certificate: field.string({ description: 'The certificate (PEM), instead of its serial; it must be signed by an issuer of this mount.' }),
};

/** revoke and revoke-with-key (proof of possession: the certificate's private key). */
export function revokePaths(ctx: PkiContext): PathDef[] {
  return [
    definePath({
      pattern: 'revoke',
      fields: revokeFields,
      operations: {
        update: async (req, store) => {
          const target = await findCertificate(store, req.fields.serial_number, req.fields.certificate);
          const result = await revoke(ctx, store, target);
          return ok(result.data, result.warnings.length ? { warnings: result.warnings } : {});
        },
      },
      description: 'Revoke a certificate by serial number (or by the certificate itself).',
    }),
    definePath({
      pattern: 'revoke-with-key',
      fields: { ...revokeFields, private_key: field.string({ required: true, description: "The certificate's private key (PEM)." }) },
      operations: {
        update: async (req, store) => {
          const target = await findCertificate(store, req.fields.serial_number, req.fields.certificate);
          const { pkcs8 } = importPrivateKey(req.fields.private_key);
          if (!publicKeyDer(pkcs8).equals(Buffer.from(target.cert.publicKey.rawData))) {
            throw invalidRequest('failed to validate private key match: the private key does not match the certificate');
          }
          const result = await revoke(ctx, store, target);
          return ok(result.data, result.warnings.length ? { warnings: result.warnings } : {});
        },
      },
      description: 'Revoke a certificate, proving possession of its private key.',
    }),
  ];
}

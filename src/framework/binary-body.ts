/**
 * Request bodies that are bytes, not JSON: Vault's OCSP responder takes a POST of
 * `application/ocsp-request` (RFC 6960 appendix A). The HTTP layer hands a body of one of these
 * content types to the pipeline as base64 in `field`; a path that takes such a body declares that
 * field. Every other body is parsed as JSON, whatever its content type, as Vault does.
 */
export const BINARY_BODY = {
  field: 'binary_body',
  contentTypes: ['application/ocsp-request'],
} as const;

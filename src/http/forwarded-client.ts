import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import ipaddr from 'ipaddr.js';
import { CofferError } from '../framework/errors.js';

/**
 * HA: who a standby's forwarded request came from. The standby resolves the client's address as any
 * node would (its listener's trusted-proxy rules), and adds two headers: the address (and port) with
 * the time, and an HMAC over them and the request line, keyed by a key every node unsealed with the
 * store derives from the root key. The active node believes the address only when the HMAC checks
 * and the time is recent; anyone else sending these headers gets a 400. Without the key a client
 * cannot make the active node take another address for its own, so audit entries, bound CIDRs,
 * secret-read allowlists and rate-limit budgets see the real client through a standby.
 */
export const FORWARDED_CLIENT_HEADER = 'x-coffer-forwarded-client';
export const FORWARDED_SIGNATURE_HEADER = 'x-coffer-forwarded-signature';
/** What the key is derived for (Barrier.derivedKey). */
export const FORWARDING_KEY_PURPOSE = 'ha-request-forwarding';
/** How old (or how far ahead, for clocks apart) a forwarded request's stamp may be. */
const MAX_AGE_MS = 60_000;

export interface ForwardedClient {
  address: string;
  /** The client's TCP port, when the standby saw the client itself (no proxy in between). */
  port?: number;
}

/** The two headers a standby adds to the request it forwards. */
export function forwardedClientHeaders(key: Buffer, client: ForwardedClient, method: string, url: string, now = Date.now()): Record<string, string> {
  const stamp = `address=${client.address}; ${client.port === undefined ? '' : `port=${client.port}; `}time=${now}`;
  return { [FORWARDED_CLIENT_HEADER]: stamp, [FORWARDED_SIGNATURE_HEADER]: mac(key, stamp, method, url) };
}

/** Whether a request carries the forwarding headers at all (a standby refuses to forward it again). */
export function isForwarded(headers: IncomingHttpHeaders): boolean {
  return headers[FORWARDED_CLIENT_HEADER] !== undefined || headers[FORWARDED_SIGNATURE_HEADER] !== undefined;
}

/**
 * On the active node: the client a forwarded request names, undefined for a request that is not
 * forwarded; a 400 when the headers are there but do not verify (forged, altered, replayed late).
 */
export function verifiedForwardedClient(key: () => Buffer, headers: IncomingHttpHeaders, method: string, url: string, now = Date.now()): ForwardedClient | undefined {
  if (!isForwarded(headers)) return undefined;
  const stamp = headers[FORWARDED_CLIENT_HEADER];
  const signature = headers[FORWARDED_SIGNATURE_HEADER];
  if (typeof stamp !== 'string' || typeof signature !== 'string') throw refused();
  const expected = Buffer.from(mac(key(), stamp, method, url));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused();
  const fields = new Map(stamp.split('; ').map((field) => field.split('=', 2) as [string, string]));
  const address = fields.get('address') ?? '';
  const time = Number(fields.get('time'));
  const port = fields.has('port') ? Number(fields.get('port')) : undefined;
  // A link-local IPv6 client keeps its zone (fe80::1%eth0), as the standby's socket reported it.
  if (!ipaddr.isValid(address.split('%')[0]!) || !Number.isSafeInteger(time) || (port !== undefined && !Number.isSafeInteger(port))) throw refused();
  if (Math.abs(now - time) > MAX_AGE_MS) throw refused();
  return port === undefined ? { address } : { address, port };
}

function mac(key: Buffer, stamp: string, method: string, url: string): string {
  return createHmac('sha256', key).update(`${stamp}\n${method}\n${url}`).digest('base64url');
}

function refused(): CofferError {
  return new CofferError('invalid_request', 'invalid forwarded request: only a standby node of this cluster may send the x-coffer-forwarded-* headers');
}

import ipaddr from 'ipaddr.js';
import { invalidRequest } from '../framework/errors.js';
import { addressAllowed, parseCidrList } from '../framework/cidr.js';
import type { ForwardedForSettings } from './listener-settings.js';

/**
 * The client address of a request: the TCP peer, or, when the peer is a trusted proxy, the address
 * that proxy put in X-Forwarded-For. Follows Vault's listener (x_forwarded_for_*):
 *
 * - no trusted proxies configured: the peer, and the header is never read;
 * - no header (or only blanks): 400 when rejectNotPresent (whoever the peer is, as in Vault), else the peer;
 * - a peer outside authorizedAddrs: 400 when rejectNotAuthorized, else the peer (the header ignored);
 * - a trusted peer: all X-Forwarded-For lines joined, split on commas, and the entry `hopSkips`
 *   from the right end is the client; 400 when the chain is shorter or that entry is not an IP address.
 *
 * Entries left of the chosen one are whatever the client wrote; they are neither used nor checked.
 * An untrusted sender's header is never believed: only a peer inside authorizedAddrs gets this far.
 *
 * `peer` is the socket's remote address (undefined when the socket is already gone); `headers` the
 * X-Forwarded-For lines as received.
 */
export function resolveClientAddress(peer: string | undefined, headers: readonly string[] | undefined, settings: ForwardedForSettings | undefined): string {
  const peerAddress = peer ?? '';
  if (!settings || settings.authorizedAddrs.length === 0) return peerAddress;

  const present = (headers ?? []).some((line) => line.trim() !== '');
  if (!present) {
    if (settings.rejectNotPresent) throw invalidRequest('missing x-forwarded-for header and configured to reject when not present');
    return peerAddress;
  }
  // addressAllowed fails closed: an unparsable peer is not authorized.
  if (!addressAllowed(peerAddress, settings.authorizedAddrs)) {
    if (settings.rejectNotAuthorized) throw invalidRequest('client address not authorized for x-forwarded-for and configured to reject connection');
    return peerAddress;
  }

  const chain = (headers ?? []).flatMap((line) => line.split(',')).map((entry) => entry.trim());
  const index = chain.length - 1 - settings.hopSkips;
  if (index < 0) {
    throw invalidRequest(
      `malformed x-forwarded-for configuration or request, hops to skip (${settings.hopSkips}) would skip before earliest chain link (chain length ${chain.length})`,
    );
  }
  const client = canonicalAddress(chain[index]!);
  if (client === undefined) {
    throw invalidRequest(`malformed x-forwarded-for header: ${JSON.stringify(chain[index]!.slice(0, 64))} is not an IP address`);
  }
  return client;
}

/**
 * An IP address written plainly (dotted-quad IPv4 or IPv6, no port, brackets or zone), in canonical
 * form; IPv4-mapped IPv6 becomes the IPv4 address. Undefined for anything else. ipaddr.parse alone
 * would also take "010.1.2.3" (octal: 8.1.2.3) or "127.1", which no proxy writes and which would
 * make a block check match a different address than the one logged.
 */
export function canonicalAddress(written: string): string | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(written)) return ipaddr.IPv4.parse(written).toString();
  if (written.includes('%') || !ipaddr.IPv6.isValid(written)) return undefined;
  const ip = ipaddr.IPv6.parse(written);
  return ip.isIPv4MappedAddress() ? ip.toIPv4Address().toString() : ip.toString();
}

/**
 * A CIDR block (or bare address) from a listener's configuration, canonical, or undefined when it
 * is not one. The address part must be written plainly (see canonicalAddress), so that a list an
 * operator reads as "010.0.0.0/8" cannot silently mean 8.0.0.0/8.
 */
export function canonicalListenerCidr(written: string): string | undefined {
  const block = written.trim();
  const slash = block.indexOf('/');
  const address = slash === -1 ? block : block.slice(0, slash);
  if (canonicalAddress(address) === undefined) return undefined;
  if (slash !== -1 && !/^\d{1,3}$/.test(block.slice(slash + 1))) return undefined;
  try {
    return parseCidrList([block], 'listener')[0];
  } catch {
    return undefined;
  }
}

import ipaddr from 'ipaddr.js';
import { invalidRequest } from './errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Validates a list of CIDR blocks (or bare addresses, taken as /32 or /128) as Vault's
 * `token_bound_cidrs` and `secret_id_bound_cidrs` accept them; 400 naming the first bad one.
 * Returns the blocks in canonical form.
 */
export function parseCidrList(list: string[], fieldName: string): string[] {
  return list.map((written) => {
    const block = written.trim();
    const range = parseRange(block);
    if (!range) throw invalidRequest(`invalid CIDR block "${written}" in ${fieldName}`);
    return `${range[0].toString()}/${range[1]}`;
  });
}

/**
 * Whether `address` lies in one of `cidrs` (an empty list allows everything). IPv4-mapped IPv6
 * addresses (::ffff:10.0.0.1, as Node reports IPv4 clients of a dual-stack socket) count as IPv4.
 * An unparsable address or block never matches: binding fails closed.
 */
export function addressAllowed(address: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = unmap(ipaddr.parse(address));
  } catch {
    return false;
  }
  // An IPv4 client also lies in IPv6 space as ::ffff:a.b.c.d, which is what an IPv6 block such as
  // ::/80 is compared with (as Go's net.IPNet does for Vault).
  const forms = ip.kind() === 'ipv4' ? [ip, (ip as ipaddr.IPv4).toIPv4MappedAddress()] : [ip];
  return cidrs.some((block) => {
    const range = parseRange(block);
    return range !== undefined && forms.some((form) => form.kind() === range[0].kind() && form.match(range));
  });
}

function parseRange(block: string): Range | undefined {
  try {
    if (block.includes('/')) {
      const [ip, bits] = ipaddr.parseCIDR(block);
      return [unmap(ip), ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? bits - 96 : bits];
    }
    const ip = unmap(ipaddr.parse(block));
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

function unmap(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

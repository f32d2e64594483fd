import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Whether every block of `inner` lies inside some block of `outer` (Vault's cidrutil.SubsetBlocks).
 * An empty `outer` bounds nothing, so anything is a subset of it. Blocks are canonical (from
 * parseCidrList); one that cannot be parsed is never a subset.
 */
export function isCidrSubset(outer: readonly string[], inner: readonly string[]): boolean {
  if (outer.length === 0) return true;
  const outerRanges = outer.map(toRange);
  return inner.every((block) => {
    const range = toRange(block);
    return (
      range !== undefined &&
      outerRanges.some((o) => o !== undefined && o[0].kind() === range[0].kind() && range[1] >= o[1] && range[0].match(o))
    );
  });
}

function toRange(block: string): Range | undefined {
  try {
    return ipaddr.parseCIDR(block.includes('/') ? block : `${block}/${ipaddr.parse(block).kind() === 'ipv4' ? 32 : 128}`);
  } catch {
    return undefined;
  }
}

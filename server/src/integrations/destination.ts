import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may be sent: a URL's host resolved to addresses, each checked. Used when a
 * webhook is created and again on every delivery, whose connection goes to the address checked
 * here (not to a second lookup that DNS could answer differently).
 */

/** An address a delivery may connect to. */
export interface Destination {
  address: string;
  family: 4 | 6;
}

export class DestinationError extends Error {}

/**
 * Why `address` is not a public unicast address (loopback, private, link-local, multicast,
 * carrier-grade NAT, reserved, unspecified…), or null when it is. Cloud metadata services live on
 * link-local (169.254.169.254, fd00:ec2::254 is unique-local) or carrier-grade NAT addresses
 * (100.100.100.200), all refused here. An IPv4 address inside IPv6 (::ffff:a.b.c.d) is judged as
 * the IPv4 address.
 */
export function nonPublicRange(address: string): string | null {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

/** A URL's host as `lookup` and `isIP` take it: IPv6 literals without their brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The addresses `url`'s host resolves to, the first of them to connect to; DestinationError when
 * it does not resolve, or when any of them is not public and `allowPrivate` is false (a name with
 * one private address among public ones is refused: DNS could hand out either).
 */
export async function resolveDestination(url: URL, allowPrivate: boolean): Promise<Destination> {
  const host = hostOf(url);
  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new DestinationError(`the host ${host} does not resolve`);
    }
    if (addresses.length === 0) throw new DestinationError(`the host ${host} does not resolve`);
  }
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const range = nonPublicRange(address);
      if (range) throw new DestinationError(`the host ${host} resolves to a ${range} address, which is not allowed`);
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

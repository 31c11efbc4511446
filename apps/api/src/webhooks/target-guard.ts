// Webhook targets must be public internet addresses: a URL that names (or resolves to) loopback,
// private, link-local, CGNAT, multicast or otherwise reserved space would let a team admin make the
// API probe its own network (SSRF). Checked when the webhook is created, and again at every
// delivery on the address actually connected to (a DNS answer that changes later, "rebinding",
// is caught at connect time). WEBHOOK_ALLOW_PRIVATE_TARGETS=true turns the check off (tests, labs).
import dns from 'node:dns';
import net from 'node:net';

const DENIED = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) DENIED.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) DENIED.addSubnet(addr, prefix, 'ipv6');

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

/** True when the address is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
    return !DENIED.check(address, 'ipv6');
  }
  return !DENIED.check(address, 'ipv4');
}

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '');

/** Resolves the URL's host and refuses it unless every address is public. */
export async function checkTarget(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const u = new URL(url);
  const host = hostOf(u);
  const addresses = net.isIP(host) ? [host] : await dns.promises.lookup(host, { all: true, verbatim: true }).then((r) => r.map((a) => a.address)).catch(() => {
    throw new TargetRefused(`the host "${host}" does not resolve`);
  });
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad) throw new TargetRefused(`"${host}" is ${bad === host ? 'the address' : `resolves to`} ${bad}, which is not a public internet address (loopback, private, link-local, multicast and reserved ranges are refused)`);
}

/**
 * A `lookup` for http(s).request that only ever connects to public addresses: the check happens
 * on the address the socket will use, so a DNS answer that changes between checks cannot slip by.
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      const ok = allowPrivate ? list : list.filter((a) => isPublicAddress(a.address));
      if (ok.length === 0) return callback(new TargetRefused(`"${hostname}" resolves only to non-public addresses (${list.map((a) => a.address).join(', ')})`), '', 0);
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, ok);
      return callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/** The literal-address case (no lookup happens for an IP in the URL). */
export function checkLiteral(url: URL, allowPrivate: boolean): void {
  const host = hostOf(url);
  if (!allowPrivate && net.isIP(host) && !isPublicAddress(host)) throw new TargetRefused(`${host} is not a public internet address`);
}

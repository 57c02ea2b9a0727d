// Which client a connection comes from, for the limits per address: the peer address of the
// socket, or (behind a trusted proxy) the first address of X-Forwarded-For.
import { isIP } from 'node:net';

interface Handshake {
  address: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The client's address. With `trustProxy`, the first entry of X-Forwarded-For (the client as the
 * first proxy saw it) when it is an IP address; anything else there is ignored, as a header a
 * client may have written itself. IPv4-mapped IPv6 addresses are given as plain IPv4.
 */
export function clientAddress(handshake: Handshake, { trustProxy }: { trustProxy: boolean }): string {
  if (trustProxy) {
    const header = handshake.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',', 1)[0]?.trim();
    if (first) {
      const forwarded = normalise(first);
      if (isIP(forwarded)) return forwarded;
    }
  }
  return normalise(handshake.address);
}

function normalise(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/**
 * What the limits count under: an IPv4 address as it is; an IPv6 address by its /64 prefix, since
 * one host is given a whole /64 and may pick any address in it.
 */
export function limitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expand(address.split('%', 1)[0]!);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

/** The eight groups of an IPv6 address (without leading zeros), or null when it cannot be read. */
function expand(address: string): string[] | null {
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const part = (text: string | undefined) => (text ? text.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  return [...head, ...Array<string>(missing).fill('0'), ...tail].map((g) => parseInt(g, 16).toString(16));
}

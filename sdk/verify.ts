// The call's verification code: a short number both people read to each other, derived from the
// DTLS certificate fingerprints of the two browsers as each side sees them in the negotiated
// descriptions. Anyone who swapped the descriptions in transit to sit in the middle (the
// signalling server, or whatever relays it) holds certificates of its own, and the two codes differ.
//
// Eight digits: to make both sides show the same code, a man in the middle would have to make a
// certificate whose fingerprint gives the victims' code while the call is being set up, a
// one-in-10^8 try per certificate, each a key generation: impractical in the seconds it has.
// Digits read the same in every language.

/** A description's fingerprints (every `a=fingerprint:` line, session or media level), normalised and sorted. */
const fingerprints = (sdp: string) => [...new Set(sdp.match(/^a=fingerprint:.+/gm)?.map((line) => line.slice(14).trim().replace(/\s+/, ' ').toLowerCase()))].sort().join();

/**
 * The code of `pc`'s negotiated descriptions, "1234 5678"; null before both are set, without
 * fingerprints, or where the page has no Web Crypto (not a secure context).
 */
export async function verificationCode(pc: RTCPeerConnection): Promise<string | null> {
  const local = pc.currentLocalDescription?.sdp;
  const remote = pc.currentRemoteDescription?.sdp;
  const subtle = globalThis.crypto?.subtle;
  if (!local || !remote || !subtle) return null;
  // Sorted, so that both sides hash the same text whichever is theirs.
  const sides = [fingerprints(local), fingerprints(remote)].sort();
  if (!sides[0]) return null;
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(sides.join('|'))));
  // 48 bits of the digest, well inside a double; their remainder by 10^8 is as good as uniform.
  const n = digest.slice(0, 6).reduce((sum, byte) => sum * 256 + byte, 0);
  const digits = String(n % 1e8).padStart(8, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4)}`;
}

// What <cignal-call> keeps in sessionStorage so that a reload of the page comes back into the same
// call: this tab's peer id for the room, its seat secret (without which the server refuses the
// seat to the reloaded page while it is still held), and whether a call was on. sessionStorage is
// per tab and survives reloads, not the tab; storage that is blocked (sandboxed frames) just keeps
// nothing.

interface Kept {
  peerId: string;
  /** The seat secret the server gave this peer id in the room. */
  seatSecret?: string;
  /** A call was on when the page went away: call again once the other person is there. */
  inCall: boolean;
}

const key = (url: string, roomId: string) => `cignal-call:${new URL(url).origin}:${roomId}`;

export function recall(url: string | undefined, roomId: string | undefined): Kept | null {
  if (!url || !roomId) return null;
  try {
    const kept = JSON.parse(globalThis.sessionStorage?.getItem(key(url, roomId)) ?? 'null') as Partial<Kept> | null;
    if (typeof kept?.peerId !== 'string') return null;
    return { peerId: kept.peerId, inCall: kept.inCall === true, ...(typeof kept.seatSecret === 'string' && { seatSecret: kept.seatSecret }) };
  } catch {
    return null;
  }
}

export function keep(url: string | undefined, roomId: string, kept: Kept): void {
  if (!url) return;
  try {
    globalThis.sessionStorage?.setItem(key(url, roomId), JSON.stringify(kept));
  } catch {
    // Blocked storage: a reload starts afresh.
  }
}

// What <cignal-call> keeps in sessionStorage so that a reload of the page comes back into the same
// call: this tab's peer id for the room, and whether a call was on. sessionStorage is per tab and
// survives reloads, not the tab; storage that is blocked (sandboxed frames) just keeps nothing.

interface Kept {
  peerId: string;
  /** A call was on when the page went away: call again once the other person is there. */
  inCall: boolean;
}

const key = (url: string, roomId: string) => `cignal-call:${new URL(url).origin}:${roomId}`;

export function recall(url: string | undefined, roomId: string | undefined): Kept | null {
  if (!url || !roomId) return null;
  try {
    const kept = JSON.parse(globalThis.sessionStorage?.getItem(key(url, roomId)) ?? 'null') as Partial<Kept> | null;
    return typeof kept?.peerId === 'string' ? { peerId: kept.peerId, inCall: kept.inCall === true } : null;
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

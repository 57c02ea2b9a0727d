// What <cignal-call> keeps in sessionStorage so that a reload of the page comes back into the same
// call: this tab's peer id for the room, its seat secret (without which the server refuses the
// seat to the reloaded page while it is still held), and whether a call was on. sessionStorage is
// per tab and survives reloads, not the tab; storage that is blocked (sandboxed frames) just keeps
// nothing.
import type { CallState, Cignal, CreateRoomOptions } from '../sdk/index.js';

interface Kept {
  peerId: string;
  /** The seat secret the server gave this peer id in the room. */
  seatSecret?: string;
  /** A call was on when the page went away: call again once the other person is there. */
  inCall: boolean;
}

const key = (url: string, roomId: string) => `cignal-call:${new URL(url).origin}:${roomId}`;

function recall(url: string | undefined, roomId: string | undefined): Kept | null {
  if (!url || !roomId) return null;
  try {
    const kept = JSON.parse(globalThis.sessionStorage?.getItem(key(url, roomId)) ?? 'null') as Partial<Kept> | null;
    if (typeof kept?.peerId !== 'string') return null;
    return { peerId: kept.peerId, inCall: kept.inCall === true, ...(typeof kept.seatSecret === 'string' && { seatSecret: kept.seatSecret }) };
  } catch {
    return null;
  }
}

function keep(url: string | undefined, roomId: string, kept: Kept): void {
  if (!url) return;
  try {
    globalThis.sessionStorage?.setItem(key(url, roomId), JSON.stringify(kept));
  } catch {
    // Blocked storage: a reload starts afresh.
  }
}

/**
 * A reload back into the room: the same peer id and seat as before, and the call again if one was
 * on. What is kept follows the call: on once it is in progress, off once it ends without this side
 * leaving, and off when this side hangs up or the element is removed.
 */
export class ReloadResume {
  /** A call was on when the page was last unloaded: call again once the other person is here. */
  callAgain = false;
  #url: string | undefined;

  /** Fills in the peer id and seat secret kept for the room, unless `settings` name them. */
  restore(settings: CreateRoomOptions): void {
    this.#url = settings.url;
    const kept = recall(settings.url, settings.roomId === undefined ? undefined : String(settings.roomId));
    if (kept && !settings.peerId) settings.peerId = kept.peerId;
    const samePeer = !!kept && settings.peerId === kept.peerId;
    if (samePeer && kept.seatSecret && !settings.seatSecret) settings.seatSecret = kept.seatSecret;
    this.callAgain = samePeer && kept.inCall;
  }

  /** Keeps this tab's peer id and seat secret for the room, and whether a call is on. */
  remember(cignal: Cignal | null, { inCall }: { inCall: boolean }): void {
    if (!cignal) return;
    const seatSecret = cignal.seatSecret;
    keep(this.#url, cignal.id, { peerId: cignal.data.myPeerId, inCall, ...(seatSecret && { seatSecret }) });
  }

  /** A call began, or ended without this side leaving (the other hung up, it could not be restored). */
  follow(cignal: Cignal | null, state: CallState, previous: CallState): void {
    if (state === 'in-call') this.remember(cignal, { inCall: true });
    else if ((state === 'ready' || state === 'waiting') && (previous === 'calling' || previous === 'in-call' || previous === 'reconnecting')) this.remember(cignal, { inCall: false });
  }
}

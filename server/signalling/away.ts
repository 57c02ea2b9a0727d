// The away queue: messages kept for a peer whose connection dropped, delivered when it resumes.
import createDebug from 'debug';
import type { QueuedMessage } from './types.js';

const log = createDebug('cignal:signalling');

/**
 * Bounded per seat (a call's offer, answer and candidates need a few tens of KB) and for the
 * whole server, so that dropping one end of many rooms cannot be turned into a memory flood.
 */
export const AWAY_SEAT_BYTES = 256 * 1024;
export const AWAY_TOTAL_BYTES = 32 * 1024 * 1024;

interface Queue {
  messages: QueuedMessage[];
  bytes: number;
}

export class AwayQueues {
  readonly #queues = new Map<string, Queue>();
  #totalBytes = 0;

  static key(roomId: string, peerId: string): string {
    return `${roomId}\n${peerId}`;
  }

  /** Starts keeping messages for the seat (a no-op when already keeping them). */
  open(key: string): void {
    if (!this.#queues.has(key)) this.#queues.set(key, { messages: [], bytes: 0 });
  }

  isAway(key: string): boolean {
    return this.#queues.has(key);
  }

  /** Keeps a message for an away seat, within the bounds; false when the seat is not away. */
  keep(key: string, message: QueuedMessage): boolean {
    const queue = this.#queues.get(key);
    if (!queue) return false;
    // Who is in the room is always kept (a resumed peer must not believe in a partner who
    // left); those events are small and come only from joins and leaves.
    const always = message[0] === 'peerJoined' || message[0] === 'peerLeft';
    const bytes = JSON.stringify(message[1]).length;
    if (!always && (queue.bytes + bytes > AWAY_SEAT_BYTES || this.#totalBytes + bytes > AWAY_TOTAL_BYTES)) {
      log('dropped a %s: too much kept while its peer is away', message[0]);
      return true;
    }
    queue.messages.push(message);
    queue.bytes += bytes;
    this.#totalBytes += bytes;
    return true;
  }

  /** Stops keeping messages for the seat and returns what was kept. */
  take(key: string): QueuedMessage[] {
    const queue = this.#queues.get(key);
    if (!queue) return [];
    this.#totalBytes -= queue.bytes;
    this.#queues.delete(key);
    return queue.messages;
  }

  clear(): void {
    this.#queues.clear();
    this.#totalBytes = 0;
  }
}

// The SDK's connection to the server on its own, over a socket that the test drives and a fake
// clock: when a join answered `unavailable` (or `rate-limited`, after its retry hint) is asked
// again, and that a reconnect at the same time never makes two attempts (a second socket on one
// connection, which the server would end as replaced).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { JoinedPayload } from '../../sdk/protocol/index.js';
import { Logger } from '../../sdk/logger.js';
import { SignalClient, type CignalSocket, type SignalHandlers } from '../../sdk/signal-client.js';

/**
 * The part of a socket.io client socket that SignalClient uses, as socket.io behaves: `active`
 * while an attempt is under way or socket.io is reconnecting by itself, not after a refusal.
 */
class DrivenSocket {
  auth: Record<string, unknown> = {};
  connected = false;
  active = false;
  attempts = 0;
  readonly #listeners = new Map<string, Array<(...args: unknown[]) => void>>();

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }
  off(): this {
    this.#listeners.clear();
    return this;
  }
  connect(): this {
    this.attempts++;
    this.active = true;
    return this;
  }
  disconnect(): this {
    this.connected = false;
    this.active = false;
    return this;
  }
  fire(event: string, ...args: unknown[]): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(...args);
  }

  // What the server does to an attempt.
  accept(): void {
    this.connected = true;
    this.fire('joined', joined);
  }
  refuseUnavailable(): void {
    this.active = false; // socket.io gives the socket up on a refusal
    this.fire('connect_error', Object.assign(new Error('unavailable'), { data: { code: 'unavailable', message: 'The server cannot reach its room store just now' } }));
  }
  refuseRateLimited(retryAfterMs: number): void {
    this.active = false;
    this.fire('connect_error', Object.assign(new Error('rate-limited'), { data: { code: 'rate-limited', message: 'Too many joins from this address', retryAfterMs } }));
  }
  drop(): void {
    this.connected = false; // socket.io reconnects by itself: still active
    this.fire('disconnect', 'transport close');
  }
}

const joined: JoinedPayload = {
  roomId: 'room',
  peerId: 'alice',
  displayName: 'Alice',
  role: null,
  iceServers: [],
  peer: null,
  resumed: false,
  graceMs: 10_000,
  protocol: 1,
  seatSecret: 'the-seat-secret',
};

function client() {
  const socket = new DrivenSocket();
  const auth: Record<string, unknown> = { roomId: 'room', peerId: 'alice', session: 's1' };
  const seen: string[] = [];
  const errors: Array<{ code: string }> = [];
  const handlers = new Proxy({} as SignalHandlers, {
    get: (_target, event: string) => (arg: unknown) => {
      seen.push(event);
      if (event === 'refused') errors.push(arg as { code: string });
    },
  });
  const signal = new SignalClient(
    {
      url: 'http://localhost/',
      auth: auth as never,
      timeoutMs: 10_000,
      maxOutageMs: 60_000,
      // socket.io sends this options object's `auth` with every attempt, reconnects included.
      createSocket: (_origin, options) => ((socket.auth = options.auth as Record<string, unknown>), socket as unknown as CignalSocket),
      logger: new Logger('test'),
    },
    handlers,
  );
  return { signal, socket, seen, errors };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SignalClient and an unavailable server', () => {
  test('a join answered unavailable is asked again once, 1 to 3 s later, and the join then resolves', async () => {
    const { signal, socket, seen } = client();
    const connected = signal.connect();
    expect(socket.attempts).toBe(1);
    socket.refuseUnavailable();
    vi.advanceTimersByTime(999);
    expect(socket.attempts).toBe(1);
    vi.advanceTimersByTime(2_001);
    expect(socket.attempts).toBe(2);
    vi.advanceTimersByTime(2_000);
    expect(socket.attempts).toBe(2);
    socket.accept();
    await expect(connected).resolves.toBe(true);
    expect(seen).toEqual(['joined']);
  });

  test('a first join still answered unavailable when its timeout passes is refused as unavailable', async () => {
    const { signal, socket, seen, errors } = client();
    const connected = signal.connect();
    for (let elapsed = 0; elapsed < 10_000; elapsed += 500) {
      if (socket.active) socket.refuseUnavailable(); // every attempt, the first and each retry
      vi.advanceTimersByTime(500);
    }
    await expect(connected).resolves.toBe(false);
    expect(socket.attempts).toBeGreaterThanOrEqual(4);
    expect(seen).toEqual(['refused']);
    expect(errors[0]?.code).toBe('unavailable');
    const attempts = socket.attempts;
    vi.advanceTimersByTime(10_000);
    expect(socket.attempts).toBe(attempts);
  });

  test('a join answered rate-limited is asked again only once the retry hint has passed', async () => {
    const { signal, socket, seen } = client();
    const connected = signal.connect();
    socket.refuseRateLimited(4_000);
    vi.advanceTimersByTime(3_999);
    expect(socket.attempts).toBe(1);
    vi.advanceTimersByTime(2_001);
    expect(socket.attempts).toBe(2);
    socket.accept();
    await expect(connected).resolves.toBe(true);
    expect(seen).toEqual(['joined']);
  });

  test('a first join still rate-limited when its timeout passes is refused as rate-limited, and not asked again', async () => {
    const { signal, socket, seen, errors } = client();
    const connected = signal.connect();
    socket.refuseRateLimited(30_000);
    vi.advanceTimersByTime(10_000);
    await expect(connected).resolves.toBe(false);
    expect(socket.attempts).toBe(1);
    expect(seen).toEqual(['refused']);
    expect(errors[0]?.code).toBe('rate-limited');
    vi.advanceTimersByTime(60_000);
    expect(socket.attempts).toBe(1);
  });

  test('reconnect() while a retry is pending makes one attempt, not two', () => {
    const { signal, socket, seen } = client();
    void signal.connect();
    socket.accept();
    socket.drop();
    socket.refuseUnavailable(); // socket.io's own reconnection, answered unavailable: a retry is pending
    signal.reconnect(); // the device came back online meanwhile
    expect(socket.attempts).toBe(2);
    vi.advanceTimersByTime(3_000);
    expect(socket.attempts).toBe(2);
    expect(seen).toEqual(['joined', 'dropped']);
  });

  test('a retry that comes due while socket.io is already making an attempt leaves it alone', () => {
    const { signal, socket } = client();
    void signal.connect();
    socket.accept();
    socket.drop();
    socket.refuseUnavailable();
    socket.active = true; // socket.io's back-off started an attempt of its own
    vi.advanceTimersByTime(3_000);
    expect(socket.attempts).toBe(1);
    socket.accept();
    socket.drop();
    socket.refuseUnavailable();
    vi.advanceTimersByTime(3_000);
    expect(socket.attempts).toBe(2);
    signal.close();
  });

  test('past the outage bound, a server that is still unavailable is reported, once', () => {
    const { signal, socket, seen } = client();
    void signal.connect();
    socket.accept();
    socket.drop();
    vi.advanceTimersByTime(60_001);
    socket.refuseUnavailable();
    expect(seen).toEqual(['joined', 'dropped', 'refused']);
    vi.advanceTimersByTime(3_000);
    expect(socket.attempts).toBe(1);
    expect(signal.connected).toBe(false);
  });
});

describe('SignalClient and the seat secret', () => {
  test('the seat secret from joined goes with every later attempt of the same presence', () => {
    const { signal, socket } = client();
    void signal.connect();
    expect(socket.auth.seatSecret).toBeUndefined();
    socket.accept();
    expect(socket.auth).toMatchObject({ roomId: 'room', peerId: 'alice', session: 's1', seatSecret: 'the-seat-secret' });
  });

  test('a join refused seat-taken is final: reported once, never asked again', async () => {
    const { signal, socket, seen, errors } = client();
    const connected = signal.connect();
    socket.active = false;
    socket.fire('connect_error', Object.assign(new Error('seat-taken'), { data: { code: 'seat-taken', message: 'Someone holds this seat in the room' } }));
    await expect(connected).resolves.toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(socket.attempts).toBe(1);
    expect(seen).toEqual(['refused']);
    expect(errors[0]?.code).toBe('seat-taken');
  });
});

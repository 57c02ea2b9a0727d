// The recovery policy on its own, on a fake clock: when ICE restarts happen, when they stop, and
// that each outage starts the count afresh.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { backoffPolicy, Recovery, turnExpired, type RecoveryHooks } from '../../sdk/recovery.js';

/** A Recovery whose hooks record what happened, at which fake time. */
function watch(options: ConstructorParameters<typeof Recovery>[1] = {}, signalling = { up: true }) {
  const log: string[] = [];
  const at = () => `${Date.now()}`;
  const hooks: RecoveryHooks = {
    restart: (attempt) => log.push(`restart ${attempt} @${at()}`),
    rebuild: () => log.push(`rebuild @${at()}`),
    canSignal: () => signalling.up,
    onReconnecting: () => log.push(`reconnecting @${at()}`),
    onRecovered: (attempts) => log.push(`recovered after ${attempts} @${at()}`),
    onGiveUp: () => log.push(`gave up @${at()}`),
  };
  return { recovery: new Recovery(hooks, { policy: backoffPolicy(options.maxOutageMs, () => 0.5), ...options }), log, signalling };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the recovery policy', () => {
  test('disconnected: a restart after the grace, then back-off; connected again ends it', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.observe('disconnected');
    vi.advanceTimersByTime(1_499);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['reconnecting @1500', 'restart 0 @1500']);
    vi.advanceTimersByTime(1_000 + 2_000 + 4_000);
    expect(log.slice(2)).toEqual(['restart 1 @2500', 'restart 2 @4500', 'restart 3 @8500']);
    recovery.observe('connected');
    expect(log.at(-1)).toBe('recovered after 4 @8500');
    vi.advanceTimersByTime(60_000);
    expect(log).toHaveLength(6);
  });

  test('a disconnect that heals within the grace makes no restart', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.observe('disconnected');
    vi.advanceTimersByTime(1_000);
    recovery.observe('connected');
    vi.advanceTimersByTime(10_000);
    expect(log).toEqual([]);
  });

  test('failed: a restart at once, even during the grace', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.observe('disconnected');
    vi.advanceTimersByTime(500);
    recovery.observe('failed');
    vi.advanceTimersByTime(0);
    expect(log).toEqual(['reconnecting @500', 'restart 0 @500']);
  });

  test('gives up at the bound, and the count starts afresh after each recovery', () => {
    const { recovery, log } = watch({ maxOutageMs: 10_000 });
    recovery.observe('connected');
    recovery.observe('failed');
    vi.advanceTimersByTime(0);
    recovery.observe('connected');
    expect(log).toEqual(['reconnecting @0', 'restart 0 @0', 'recovered after 1 @0']);
    log.length = 0;
    recovery.observe('failed');
    vi.advanceTimersByTime(20_000);
    // Restarts at 0, 1 s, 3 s, 7 s (1 + 2 + 4), then the last wait is cut to the bound.
    expect(log).toEqual(['reconnecting @0', 'restart 0 @0', 'restart 1 @1000', 'restart 2 @3000', 'restart 3 @7000', 'gave up @10000']);
  });

  test('no restart while signalling is down; the time counts, and on its return the path gets a moment first', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.observe('disconnected');
    vi.advanceTimersByTime(20_000);
    expect(log).toEqual(['reconnecting @1500']);
    signalling.up = true;
    recovery.check('disconnected');
    vi.advanceTimersByTime(999);
    expect(log).toEqual(['reconnecting @1500']);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['reconnecting @1500', 'restart 0 @21000']);
  });

  test('the path that comes back with signalling makes no restart', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.observe('disconnected');
    vi.advanceTimersByTime(4_000);
    signalling.up = true;
    recovery.check('disconnected');
    vi.advanceTimersByTime(300);
    recovery.observe('connected');
    vi.advanceTimersByTime(60_000);
    expect(log).toEqual(['reconnecting @1500', 'recovered after 0 @4300']);
  });

  test('after an outage longer than consent checks last (30 s), no path is waited for', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.observe('disconnected');
    vi.advanceTimersByTime(30_000);
    signalling.up = true;
    recovery.check('disconnected');
    vi.advanceTimersByTime(0);
    expect(log).toEqual(['reconnecting @1500', 'restart 0 @30000']);
  });

  test('on the return of signalling, a failed connection, or one restarted already, is restarted at once', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.observe('failed');
    vi.advanceTimersByTime(3_000);
    signalling.up = true;
    recovery.check('failed');
    vi.advanceTimersByTime(0);
    expect(log).toEqual(['reconnecting @0', 'restart 0 @3000']);
    recovery.observe('disconnected');
    signalling.up = false;
    vi.advanceTimersByTime(500);
    signalling.up = true;
    recovery.check('disconnected');
    vi.advanceTimersByTime(0);
    expect(log.slice(2)).toEqual(['restart 1 @3500']);
  });

  test('check() on a connection that is up does nothing', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.check('connected');
    vi.advanceTimersByTime(10_000);
    expect(log).toEqual([]);
  });

  test('jitter spreads the waits by up to a fifth either way', () => {
    const low = backoffPolicy(60_000, () => 0).nextDelayMs(1, 0);
    const high = backoffPolicy(60_000, () => 1).nextDelayMs(1, 0);
    expect([low, high]).toEqual([1_600, 2_400]);
  });
});

describe('a network change', () => {
  test('restarts at once, without waiting for ICE to notice, when signals can get through', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.networkChanged();
    expect(log).toEqual(['restart 0 @0']);
  });

  test('while signalling is down, the restart waits for its return, even if ICE never noticed', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.networkChanged();
    vi.advanceTimersByTime(5_000);
    expect(log).toEqual([]);
    signalling.up = true;
    recovery.check('connected');
    expect(log).toEqual(['restart 0 @5000']);
    // Asked for once: a later return of signalling restarts nothing.
    recovery.check('connected');
    expect(log).toHaveLength(1);
  });

  test('when the path does go, the usual recovery takes over and makes the waiting restart', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.networkChanged();
    recovery.observe('disconnected');
    signalling.up = true;
    vi.advanceTimersByTime(1_500);
    expect(log).toEqual(['reconnecting @1500', 'restart 0 @1500']);
    recovery.check('disconnected');
    vi.advanceTimersByTime(0);
    // A restart was made in this outage already: no grace for the path.
    expect(log.slice(2)).toEqual(['restart 1 @1500']);
  });
});

describe('back online', () => {
  test('the path in use gets a moment: media arriving meanwhile makes no restart', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.online({ flowing: false });
    vi.advanceTimersByTime(400);
    recovery.flowing();
    vi.advanceTimersByTime(60_000);
    expect(log).toEqual([]);
  });

  test('no media within the path grace: the restart of a network change', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.online({ flowing: false });
    vi.advanceTimersByTime(999);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['restart 0 @1000']);
  });

  test('while signalling is still down, that restart waits for its return', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.online({ flowing: false });
    vi.advanceTimersByTime(2_000);
    expect(log).toEqual([]);
    signalling.up = true;
    recovery.check('connected');
    expect(log).toEqual(['restart 0 @2000']);
  });

  test('media that never stopped: nothing to do', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.online({ flowing: true });
    vi.advanceTimersByTime(60_000);
    expect(log).toEqual([]);
  });
});

describe('a path that ICE calls connected while nothing arrives on it', () => {
  test('the ladder: an ICE restart after the silent grace, then a new peer connection, in turn, until the bound', () => {
    const { recovery, log } = watch({ maxOutageMs: 10_000 });
    recovery.observe('connected');
    recovery.silent();
    vi.advanceTimersByTime(2_999);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['restart 0 @3000']);
    vi.advanceTimersByTime(3_000);
    expect(log.at(-1)).toBe('rebuild @6000');
    vi.advanceTimersByTime(3_000);
    expect(log.at(-1)).toBe('restart 0 @9000');
    // The bound is counted from when media stopped, not from the last step.
    vi.advanceTimersByTime(1_000);
    expect(log.slice(3)).toEqual(['gave up @10000']);
    vi.advanceTimersByTime(60_000);
    expect(log).toHaveLength(4);
  });

  test('bytes arriving again end the ladder; the next silence starts it afresh', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.silent();
    vi.advanceTimersByTime(3_000);
    recovery.confirmed();
    expect(log).toEqual(['restart 0 @3000', 'recovered after 1 @3000']);
    vi.advanceTimersByTime(60_000);
    recovery.silent();
    vi.advanceTimersByTime(3_000);
    expect(log.slice(2)).toEqual(['restart 0 @66000']);
  });

  test('a new path that carried nothing when watched steps at once, and a later loss of bytes does not put that off', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.silent({ now: true });
    recovery.silent();
    vi.advanceTimersByTime(0);
    expect(log).toEqual(['restart 0 @0']);
  });

  test('while ICE has lost the path, its restarts act and the ladder waits; ICE back without bytes resumes it', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.silent();
    recovery.observe('disconnected');
    vi.advanceTimersByTime(1_500);
    expect(log).toEqual(['reconnecting @1500', 'restart 0 @1500']);
    recovery.observe('connected');
    expect(log.at(-1)).toBe('recovered after 1 @1500');
    // Connected, but still nothing arrives: a silent grace later, the next step of the ladder.
    vi.advanceTimersByTime(3_000);
    expect(log.slice(3)).toEqual(['restart 0 @4500']);
    recovery.confirmed();
    vi.advanceTimersByTime(60_000);
    expect(log.slice(4)).toEqual(['recovered after 1 @4500']);
  });

  test('the bound counts from when media stopped, also once ICE notices and its own restarts take over', () => {
    const { recovery, log } = watch({ maxOutageMs: 10_000 });
    recovery.observe('connected');
    recovery.silent();
    vi.advanceTimersByTime(7_000);
    recovery.observe('checking');
    recovery.observe('disconnected');
    vi.advanceTimersByTime(10_000);
    expect(log.at(-1)).toBe('gave up @10000');
  });

  test('ICE still disconnected while bytes arrive again on the path in use: no restart', () => {
    const { recovery, log } = watch();
    recovery.observe('connected');
    recovery.observe('disconnected');
    recovery.silent();
    vi.advanceTimersByTime(1_000);
    recovery.confirmed();
    vi.advanceTimersByTime(60_000);
    expect(log).toEqual([]);
    // Should the path go after all, ICE's failure restarts at once.
    recovery.observe('failed');
    vi.advanceTimersByTime(0);
    expect(log).toEqual(['reconnecting @61000', 'restart 0 @61000']);
  });

  test('no step while signals cannot reach the other side; the time still counts', () => {
    const { recovery, log, signalling } = watch();
    recovery.observe('connected');
    signalling.up = false;
    recovery.silent();
    vi.advanceTimersByTime(9_000);
    expect(log).toEqual([]);
    signalling.up = true;
    vi.advanceTimersByTime(3_000);
    expect(log).toEqual(['restart 0 @12000']);
  });
});

describe('TURN credentials before an ICE restart', () => {
  test('TURN REST usernames whose expiry is within a minute count as expired; others never do', () => {
    const now = 1_767_225_600_000;
    const turn = (expiry: number) => ({ urls: 'turn:turn.example.com', username: `${expiry}:alice`, credential: 'x' });
    expect(turnExpired([turn(now / 1000 + 3600)], now)).toBe(false);
    expect(turnExpired([turn(now / 1000 + 30)], now)).toBe(true);
    expect(turnExpired([turn(now / 1000 - 1)], now)).toBe(true);
    expect(turnExpired([{ urls: 'stun:stun.example.com' }, { urls: 'turn:t', username: 'static-user', credential: 'x' }], now)).toBe(false);
  });
});

// The SDK's behaviour around the call, in a real browser: options, errors, logging, drops, page close.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { callBetween as call, events, expectVideoFlowing, installHarness, state, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

// A long grace period: anything that frees a seat quickly here did so on purpose.
const suite = browserSuite({ reconnectGraceMs: 60_000 });

async function page(path = '/healthz'): Promise<Page> {
  const page = await suite.open(`${suite.server.url}${path}`);
  await installHarness(page, packageVersion);
  return page;
}

const enter = (p: Page, options: Record<string, unknown>) => p.evaluate((options) => (window as any).T.create(options), options);

const callBetween = (roomId: string) => call(() => page(), roomId);

describe('the SDK module', () => {
  it('exports Cignal, getUrlParam and Logger, and getUrlParam reads the page URL', async () => {
    const p = await page('/healthz?roomId=from-the-link&empty=');
    const result = await p.evaluate(async (version) => {
      const sdk = await (0, eval)(`import('/cignal@${version}/cignal.js')`);
      return {
        exports: ['Cignal', 'getUrlParam', 'Logger', 'CignalError'].map((name) => typeof sdk[name]),
        roomId: sdk.getUrlParam('roomId', 'fallback'),
        missing: sdk.getUrlParam('nothing', 'fallback'),
        empty: sdk.getUrlParam('empty', 'fallback'),
      };
    }, packageVersion);
    expect(result).toEqual({ exports: ['function', 'function', 'function', 'function'], roomId: 'from-the-link', missing: 'fallback', empty: '' });
  });

  it('rejects invalid options with a CignalError and touches neither camera nor server', async () => {
    const p = await page();
    const outcome = await p.evaluate(async () => {
      let cameraAsked = false;
      try {
        await (window as any).T.create({ roomId: '../etc', getUserMedia: () => ((cameraAsked = true), Promise.reject(new Error('no'))) });
        return { rejected: false };
      } catch (error: any) {
        return { rejected: true, name: error.name, code: error.code, message: error.message, cameraAsked };
      }
    });
    expect(outcome).toMatchObject({ rejected: true, name: 'CignalError', code: 'invalid-argument', cameraAsked: false });
    expect(outcome.message).toMatch(/roomId/);
  });

  it('creates a room with a random id of at least 128 bits when none is given', async () => {
    const p = await page();
    const created = await enter(p, {});
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(await p.evaluate(() => (window as any).T.room.shareLink)).toBe(`${suite.server.url}/healthz?roomId=${created.id}`);
  });

  it('reports a denied camera as clientError media-denied and does not join the room', async () => {
    const p = await page();
    const roomId = uniqueRoom();
    await p.evaluate(
      (roomId) => (window as any).T.create({ roomId, getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) }),
      roomId,
    );
    await waitForEvent(p, 'clientError');
    expect((await events(p, 'clientError'))[0]!.arg).toMatchObject({ code: 'media-denied', reason: 'Camera or microphone access was denied' });
    expect(await state(p)).toBe('error');
    expect(await suite.server.server.signalling.allRooms()).not.toContainEqual(expect.objectContaining({ id: roomId }));
  });

  it('reports an unreachable server as serverError server-unreachable', async () => {
    const p = await page();
    await enter(p, { url: 'http://127.0.0.1:9/', timeoutMs: 1_500 });
    await waitForEvent(p, 'serverError');
    expect((await events(p, 'serverError'))[0]!.arg).toMatchObject({ code: 'server-unreachable' });
    expect(await state(p)).toBe('error');
  });

  it('logs nothing by default, and logs through the console once localStorage.debug enables it', async () => {
    const p = await page();
    const lines: string[] = [];
    p.on('console', (message) => lines.push(message.text()));
    await enter(p, { roomId: uniqueRoom() });
    // Joining with nobody else there is an error the SDK reports (and logs, once enabled).
    expect(await p.evaluate(() => (window as any).T.room.joinRoom())).toEqual({ success: false });
    await waitForEvent(p, 'clientError');
    expect(lines.filter((line) => line.startsWith('cignal-client'))).toEqual([]);

    await p.evaluate(() => localStorage.setItem('debug', 'cignal-client:*'));
    const logged = p.waitForEvent('console', (message) => message.text().startsWith('cignal-client:ERROR') && message.text().includes('no-peer'));
    await p.evaluate(() => (window as any).T.room.joinRoom());
    await logged;
  });
});

describe('code written for the original Cignal', () => {
  it('the original README handlers show real sentences: alert(`${reason}`) and alert(`${reason.message}`) for a full room', async () => {
    const roomId = uniqueRoom();
    const [a, b, late] = await Promise.all([page(), page(), page()]);
    await enter(a, { roomId });
    await enter(b, { roomId });
    // The original README's example, as a migrating user pastes it (alert recorded instead of shown).
    const alerts = await late.evaluate(async ([roomId, version]) => {
      const shown: string[] = [];
      window.alert = (message?: unknown) => void shown.push(String(message));
      const { Cignal } = await (0, eval)(`import('/cignal@${version}/cignal.js')`);
      const url = `${location.protocol}//${location.host}/`;
      const cignal = await Cignal.createRoom({ url, peerId: undefined, roomId, peerName: 'Late', mediaConstraints: { audio: true, video: true } });
      cignal.on('clientError', ({ reason }: { reason: unknown }) => alert(`${reason}`));
      cignal.on('serverError', ({ reason }: { reason: { message: string } }) => alert(`${reason.message}`));
      await new Promise((resolve) => setTimeout(resolve, 0));
      await cignal.joinRoom(); // refused again: another serverError
      await cignal.joinRoom();
      return shown;
    }, [roomId, packageVersion] as const);
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    for (const text of alerts) expect(text).toBe('This room already has two people in it');
  });

  it('clientError reason reads as the sentence through `${reason}`, reason.message and string methods, and keeps its code', async () => {
    const p = await page();
    await enter(p, { roomId: uniqueRoom() });
    const read = await p.evaluate(async () => {
      const room = (window as any).T.room;
      const detail: any = await new Promise((resolve) => {
        room.once('clientError', resolve);
        void room.joinRoom(); // nobody else here
      });
      const { reason } = detail;
      return { template: `${reason}`, message: reason.message, code: reason.code, detailCode: detail.code, starts: reason.startsWith('Nobody'), json: JSON.stringify({ reason }) };
    });
    const sentence = 'Nobody else is in the room yet; share the link and wait for them to join';
    expect(read).toEqual({ template: sentence, message: sentence, code: 'no-peer', detailCode: 'no-peer', starts: true, json: JSON.stringify({ reason: sentence }) });
  });
});

describe('leaving while entering again', () => {
  it('leaveRoom while joinRoom waits for the camera: the camera stays off and nothing is reported later', async () => {
    const p = await page();
    const roomId = uniqueRoom();
    const outcome = await p.evaluate(async (roomId) => {
      const T = (window as any).T;
      let open!: () => void;
      const cameraAllowed = new Promise<void>((resolve) => (open = resolve));
      let slow = false;
      await T.create({
        roomId,
        timeoutMs: 1_000,
        getUserMedia: async (constraints: MediaStreamConstraints) => {
          if (slow) await cameraAllowed;
          return navigator.mediaDevices.getUserMedia(constraints);
        },
      });
      const room = T.room;
      await room.leaveRoom();
      slow = true;
      const joining = room.joinRoom(); // enters again: waits for the camera
      await room.leaveRoom();
      open(); // the camera arrives after the person left
      const result = await joining;
      // Longer than timeoutMs: a connection attempt left behind would report server-unreachable.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return {
        result,
        live: room.localMedia.getTracks().filter((t: MediaStreamTrack) => t.readyState === 'live').length,
        errors: T.events.filter((e: { name: string }) => e.name === 'serverError' || e.name === 'clientError').length,
        state: room.state,
      };
    }, roomId);
    expect(outcome).toEqual({ result: { success: false }, live: 0, errors: 0, state: 'ended' });
  });

  it('leaveRoom while joinRoom is still connecting: no server-unreachable once the timeout has passed', async () => {
    const p = await page();
    const outcome = await p.evaluate(async () => {
      const T = (window as any).T;
      // Nothing listens there: every connection attempt stays pending until timeoutMs.
      await T.create({ url: 'http://127.0.0.1:9/', timeoutMs: 1_000 });
      const room = T.room;
      await new Promise((resolve) => room.once('serverError', resolve)); // the first attempt, reported
      const before = room.socket;
      const joining = room.joinRoom();
      while (room.socket === before) await new Promise((resolve) => setTimeout(resolve, 0));
      await room.leaveRoom(); // the new attempt is under way
      const result = await joining;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return { result, serverErrors: T.events.filter((e: { name: string }) => e.name === 'serverError').length, state: room.state };
    });
    expect(outcome).toEqual({ result: { success: false }, serverErrors: 1, state: 'ended' });
  });
});

describe('the same person joining from a second page', () => {
  it('without the seat secret it is refused seat-taken, not retried, and the first page stays in the room', async () => {
    const roomId = uniqueRoom();
    const [first, partner, second] = await Promise.all([page(), page(), page()]);
    await enter(first, { roomId, peerId: 'ada' });
    await enter(partner, { roomId, peerId: 'bob' });
    await enter(second, { roomId, peerId: 'ada' });
    await waitForEvent(second, 'serverError');
    expect((await events(second, 'serverError'))[0]!.arg).toMatchObject({ code: 'seat-taken' });
    expect(await state(second)).toBe('error');
    expect(await second.evaluate(() => (window as any).T.room.seatSecret)).toBeNull();
    expect(await state(first)).toBe('ready');
    expect(await events(first, 'serverError')).toEqual([]);
    expect(await events(partner, 'peerHangUp')).toEqual([]);
  });

  it('with the seat secret it signs the first page out: serverError replaced, state ended, camera off, and leaveRoom has nothing left to do', async () => {
    const roomId = uniqueRoom();
    const [first, partner, second] = await Promise.all([page(), page(), page()]);
    await enter(first, { roomId, peerId: 'ada' });
    await enter(partner, { roomId, peerId: 'bob' });
    const seatSecret = await first.evaluate(() => (window as any).T.room.seatSecret);
    expect(seatSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await enter(second, { roomId, peerId: 'ada', seatSecret });
    await waitForEvent(first, 'serverError');
    expect((await events(first, 'serverError'))[0]!.arg).toMatchObject({ code: 'replaced' });
    await first.waitForFunction(() => (window as any).T.room.state === 'ended');
    expect(await first.evaluate(() => (window as any).T.room.localMedia.getTracks().map((t: MediaStreamTrack) => t.readyState))).toEqual(['ended', 'ended']);
    expect(await first.evaluate(() => (window as any).T.room.leaveRoom())).toEqual({ success: true });
    // The partner saw the old Ada go and the new one arrive.
    await waitForEvent(partner, 'peerJoined', 2);
    expect((await events(partner, 'peerHangUp'))[0]!.arg).toMatchObject({ reason: 'replaced' });
    expect(await state(second)).toBe('ready');
  });
});

describe('listeners', () => {
  it('off removes a listener added with once, and once fires a single time', async () => {
    const p = await page();
    await enter(p, { roomId: uniqueRoom() });
    const calls = await p.evaluate(async () => {
      const room = (window as any).T.room;
      let removed = 0;
      let kept = 0;
      const gone = () => removed++;
      room.once('information', gone);
      room.off('information', gone);
      room.once('stateChange', () => kept++);
      await room.leaveRoom(); // ended
      await room.leaveRoom(); // no second change
      return { removed, kept };
    });
    expect(calls).toEqual({ removed: 0, kept: 1 });
  });
});

describe('ICE servers', () => {
  it('setICEServers changes this client only; the other keeps the server’s list', async () => {
    const roomId = uniqueRoom();
    const [a, b] = await Promise.all([page(), page()]);
    await enter(a, { roomId });
    await enter(b, { roomId });
    const mine = [{ urls: 'turn:turn.example.com:3478', username: 'u', credential: 'c' }];
    expect(await a.evaluate((servers) => (window as any).T.room.setICEServers(servers), mine)).toEqual({ success: true });
    await waitForEvent(a, 'peerJoined');
    await a.evaluate(() => (window as any).T.room.joinRoom());
    await waitForEvent(b, 'offerReceived');
    const urls = (p: Page) => p.evaluate(() => (window as any).T.room.pc.getConfiguration().iceServers.map((s: RTCIceServer) => s.urls));
    expect(await urls(a)).toEqual([['turn:turn.example.com:3478']]);
    expect(await urls(b)).toEqual([]); // the test server hands out none
  });

  it('rejects an invalid ICE server list with a CignalError naming the problem', async () => {
    const p = await page();
    await enter(p, { roomId: uniqueRoom() });
    const error = await p.evaluate(() => (window as any).T.room.setICEServers([{ urls: 'http://example.com' }]).catch((e: any) => ({ code: e.code, message: e.message })));
    expect(error.code).toBe('invalid-argument');
    expect(error.message).toMatch(/stun:|turn:/);
  });
});

describe('leaving versus dropping', () => {
  it('a dropped signalling connection reconnects by itself; media goes on and nobody hears a hang-up', async () => {
    const [a, b] = await callBetween(uniqueRoom());
    const socketBefore = await a.evaluate(() => (window as any).T.room.socket.id);
    // Cut the transport without a goodbye, as a network change would.
    await a.evaluate(() => (window as any).T.room.socket.io.engine.close());
    await a.waitForFunction((before) => {
      const socket = (window as any).T.room.socket;
      return socket.connected && socket.id !== before;
    }, socketBefore, { timeout: 15_000 });
    await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
    expect(await events(a, 'peerHangUp')).toEqual([]);
    expect(await events(b, 'peerHangUp')).toEqual([]);
    expect(await state(a)).toBe('in-call');
    // The page can tell people what happened: one reconnecting, then one reconnected.
    expect((await events(a, 'reconnecting')).map((e) => e.arg)).toEqual([{ reason: expect.any(String) }]);
    expect(await events(a, 'reconnected')).toHaveLength(1);
    expect(await events(b, 'reconnecting')).toEqual([]);
    // Messages still flow over the new connection.
    expect(await a.evaluate(() => (window as any).T.room.inform('still here'))).toEqual({ success: true });
    await waitForEvent(b, 'information');
  });

  it('where WebSocket fails, the bundle joins, calls and reconnects over HTTP long-polling, trying WebSocket first each time, and messages with any text arrive intact', async () => {
    // A network where WebSocket connections fail (here: sent to a closed port), as behind a proxy
    // that refuses upgrades: socket.io's fallback carries the room and the call.
    const open = async () => {
      const p = await suite.open(`${suite.server.url}/healthz`);
      await p.evaluate(() => {
        const Real = WebSocket;
        (window as any).webSocketsTried = 0;
        (window as any).WebSocket = class extends Real {
          constructor(url: string | URL, protocols?: string | string[]) {
            (window as any).webSocketsTried++;
            super(String(url).replace(/^(wss?:\/\/)[^/]+/, '$1127.0.0.1:9'), protocols);
          }
        };
      });
      await installHarness(p, packageVersion);
      return p;
    };
    const [a, b] = await call(open, uniqueRoom());
    expect(await a.evaluate(() => (window as any).T.room.socket.io.engine.transport.name)).toBe('polling');
    expect(await b.evaluate(() => (window as any).T.room.socket.io.engine.transport.name)).toBe('polling');
    // Through the server, not the call's channel: its text crosses the polling payloads' packet separator and non-ASCII.
    await a.evaluate(() => (window as any).T.room.pc.close());
    const text = { note: 'b\u001e4 héllo 📞', list: [1, 'two'] };
    expect(await a.evaluate((text) => (window as any).T.room.inform(text), text)).toEqual({ success: true });
    await waitForEvent(b, 'information');
    expect((await events(b, 'information'))[0]!.arg).toEqual(text);
    // A dropped connection comes back over polling too, after trying WebSocket again (a network
    // may let it through later), and carries the room as before.
    const before = await a.evaluate(() => ({ id: (window as any).T.room.socket.id, tried: (window as any).webSocketsTried }));
    await a.evaluate(() => (window as any).T.room.socket.io.engine.close());
    await a.waitForFunction((id) => (window as any).T.room.socket.connected && (window as any).T.room.socket.id !== id, before.id, { timeout: 15_000 });
    expect(await a.evaluate(() => (window as any).T.room.socket.io.engine.transport.name)).toBe('polling');
    expect(await a.evaluate(() => (window as any).webSocketsTried)).toBeGreaterThan(before.tried);
    expect(await a.evaluate(() => (window as any).T.room.inform('back over polling'))).toEqual({ success: true });
    await waitForEvent(b, 'information', 2);
    expect((await events(b, 'information'))[1]!.arg).toBe('back over polling');
  });

  it('closing the page ends the presence at once: the other side hears peerHangUp long before any grace period', async () => {
    const [a, b] = await callBetween(uniqueRoom());
    const started = Date.now();
    await a.close({ runBeforeUnload: true });
    await waitForEvent(b, 'peerHangUp', 1, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000); // the grace period here is 60 s
    expect((await events(b, 'peerHangUp'))[0]!.arg).toMatchObject({ reason: 'left' });
    expect(await state(b)).toBe('waiting');
  });
});

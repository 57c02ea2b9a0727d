// Microphone, camera, screen share and devices in a real call between two Chromium pages with
// three fake cameras and microphones: the other side is told, media keeps flowing, no new offer.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { callBetween, events, expectVideoFlowing, harnessPage, resetFrames, run, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 }, { fakeDevices: 'device-count=3' });

const page = () => harnessPage(suite);

type MediaState = { microphone: boolean; camera: boolean; screenShare: boolean; cameraPaused: boolean };
/** The SDP this side last set: a renegotiation would change it. */
const localSdp = (p: Page) => run<string>(p, 'return room.pc.localDescription.sdp;');
const waitForRemoteState = (p: Page, expected: MediaState) =>
  p.waitForFunction((expected) => JSON.stringify((window as any).T.room.remoteMediaState) === JSON.stringify(expected), expected, { timeout: 10_000 });
/** The track each sender of the current peer connection carries, by kind. */
const senderTracks = (p: Page) =>
  run<Record<string, { id: string; label: string; readyState: string; enabled: boolean } | null>>(
    p,
    `const out = {};
     for (const t of room.pc.getTransceivers()) {
       const kind = t.receiver.track.kind, track = t.sender.track;
       if (t.direction === 'sendrecv' || track) out[kind] = track && { id: track.id, label: track.label, readyState: track.readyState, enabled: track.enabled };
     }
     return out;`,
  );

describe('microphone and camera', () => {
  it('off and on reach the other page as remoteMediaChanged, without renegotiating; camera off leaves no live camera track', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await waitForRemoteState(b, { microphone: true, camera: true, screenShare: false, cameraPaused: false });
    const sdp = await localSdp(a);
    const camera = (await senderTracks(a)).video!;

    expect(await run(a, 'return room.setMicrophoneEnabled(false);')).toEqual({ success: true });
    await waitForRemoteState(b, { microphone: false, camera: true, screenShare: false, cameraPaused: false });
    expect((await senderTracks(a)).audio).toMatchObject({ readyState: 'live', enabled: false });
    expect(await run(a, 'return room.localMediaState;')).toEqual({ microphone: false, camera: true, screenShare: false, cameraPaused: false });

    expect(await run(a, 'return room.setCameraEnabled(false);')).toEqual({ success: true });
    await waitForRemoteState(b, { microphone: false, camera: false, screenShare: false, cameraPaused: false });
    // The camera is released: nothing sends it, and no live video track is left on the page.
    expect((await senderTracks(a)).video).toBeNull();
    expect(await run(a, 'return room.localMedia.getVideoTracks().filter((t) => t.readyState === "live").length;')).toBe(0);
    expect(camera.readyState).toBe('live');
    expect(await run(a, `return room.localMedia.getTracks().some((t) => t.id === ${JSON.stringify(camera.id)});`)).toBe(false);

    expect(await run(a, 'return room.setCameraEnabled(true);')).toEqual({ success: true });
    expect(await run(a, 'return room.setMicrophoneEnabled(true);')).toEqual({ success: true });
    await waitForRemoteState(b, { microphone: true, camera: true, screenShare: false, cameraPaused: false });
    await resetFrames(b);
    await expectVideoFlowing(b);
    // The same camera came back, as a new track on the same sender; no offer was made.
    const back = (await senderTracks(a)).video!;
    expect(back.id).not.toBe(camera.id);
    expect(back.label).toBe(camera.label);
    expect(await localSdp(a)).toBe(sdp);
    expect((await events(b, 'offerReceived')).length).toBe(1);
    expect((await events(a, 'localMediaChanged')).map((e) => e.arg).at(-1)).toEqual({ microphone: true, camera: true, screenShare: false, cameraPaused: false });
  });

  it('a peer that joins later learns the current state at once', async () => {
    const roomId = uniqueRoom();
    const [a, b] = await Promise.all([page(), page()]);
    await a.evaluate((roomId) => (window as any).T.create({ roomId, peerName: 'A' }), roomId);
    await run(a, 'await room.setCameraEnabled(false); await room.setMicrophoneEnabled(false);');
    await b.evaluate((roomId) => (window as any).T.create({ roomId, peerName: 'B' }), roomId);
    await waitForRemoteState(b, { microphone: false, camera: false, screenShare: false, cameraPaused: false });
    await waitForRemoteState(a, { microphone: true, camera: true, screenShare: false, cameraPaused: false });
    expect((await events(b, 'remoteMediaChanged')).map((e) => e.arg)).toEqual([{ microphone: false, camera: false, screenShare: false, cameraPaused: false }]);
  });

  it('rejects a non-boolean with a CignalError and changes nothing', async () => {
    const [a] = await callBetween(page, uniqueRoom());
    const error = await run<{ code: string; message: string }>(a, 'return room.setCameraEnabled("off").catch((e) => ({ code: e.code, message: e.message }));');
    expect(error).toEqual({ code: 'invalid-argument', message: 'setCameraEnabled expects true or false' });
    expect(await run(a, 'return room.localMediaState;')).toEqual({ microphone: true, camera: true, screenShare: false, cameraPaused: false });
  });
});

describe('screen share', () => {
  it('replaces the outgoing video, the other side is told and sees it, and stopping returns to the camera', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const camera = (await senderTracks(a)).video!;
    const sdp = await localSdp(a);

    expect(await run(a, 'return room.setScreenShareEnabled(true);')).toEqual({ success: true });
    await waitForRemoteState(b, { microphone: true, camera: true, screenShare: true, cameraPaused: false });
    const screen = (await senderTracks(a)).video!;
    expect(screen.id).not.toBe(camera.id);
    await resetFrames(b);
    await expectVideoFlowing(b);
    // The self-view keeps the camera; the screen goes only to the other side.
    expect(await run(a, `return room.localMedia.getVideoTracks().map((t) => t.id);`)).toEqual([camera.id]);

    expect(await run(a, 'return room.setScreenShareEnabled(false);')).toEqual({ success: true });
    await waitForRemoteState(b, { microphone: true, camera: true, screenShare: false, cameraPaused: false });
    expect((await senderTracks(a)).video!.id).toBe(camera.id);
    await resetFrames(b);
    await expectVideoFlowing(b);
    expect(await localSdp(a)).toBe(sdp);
  });

  it('ended from the browser’s own "Stop sharing" control, it returns to the camera and says so', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const camera = (await senderTracks(a)).video!;
    await run(a, 'await room.setScreenShareEnabled(true);');
    await waitForRemoteState(b, { microphone: true, camera: true, screenShare: true, cameraPaused: false });

    // What the browser does when the person presses "Stop sharing": the track ends.
    await run(a, `const track = room.pc.getSenders().find((s) => s.track?.kind === 'video').track; track.stop(); track.dispatchEvent(new Event('ended'));`);
    await waitForRemoteState(b, { microphone: true, camera: true, screenShare: false, cameraPaused: false });
    expect((await senderTracks(a)).video!.id).toBe(camera.id);
    expect((await events(a, 'localMediaChanged')).map((e) => e.arg).at(-1)).toEqual({ microphone: true, camera: true, screenShare: false, cameraPaused: false });
    await resetFrames(b);
    await expectVideoFlowing(b);
  });
});

describe('devices', () => {
  it('lists the cameras, and switching to the other one mid-call keeps frames flowing without a new offer', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const cameras = await run<Array<{ deviceId: string; label: string }>>(a, 'return (await T.Cignal.getLocalDevices("videoinput")).map((d) => ({ deviceId: d.deviceId, label: d.label }));');
    expect(cameras.length).toBeGreaterThanOrEqual(2);
    const current = await run<string>(a, 'return room.getActiveDevice("videoinput");');
    // Chromium's fake_device_1 delivers Y16 depth frames, which WebRTC does not encode (in a
    // plain page too); fake_device_2 delivers MJPEG, as many real webcams do.
    const other = cameras.find((c) => c.deviceId !== current && c.label === 'fake_device_2')!;
    const sdp = await localSdp(a);

    expect(await run(a, `return room.switchActiveDevice('videoinput', ${JSON.stringify(other.deviceId)});`)).toEqual({ success: true });
    expect(await run(a, 'return room.getActiveDevice("videoinput");')).toBe(other.deviceId);
    expect((await senderTracks(a)).video!.label).toBe(other.label);
    expect((await events(a, 'activeDeviceChanged')).map((e) => e.arg)).toEqual([{ kind: 'videoinput', deviceId: other.deviceId, reason: 'switched' }]);
    await resetFrames(b);
    await expectVideoFlowing(b);
    expect(await localSdp(a)).toBe(sdp);
    expect(await run(a, 'return room.localMedia.getVideoTracks().filter((t) => t.readyState === "live").length;')).toBe(1);
  });

  it('switching the microphone keeps it muted when it was muted', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await run(a, 'await room.setMicrophoneEnabled(false);');
    const mics = await run<string[]>(a, 'return (await T.Cignal.getLocalDevices("audioinput")).map((d) => d.deviceId);');
    const current = await run<string>(a, 'return room.getActiveDevice("audioinput");');
    const other = mics.find((id) => id !== current && id !== 'default' && id !== 'communications')!;
    expect(await run(a, `return room.switchActiveDevice('audioinput', ${JSON.stringify(other)});`)).toEqual({ success: true });
    expect((await senderTracks(a)).audio).toMatchObject({ readyState: 'live', enabled: false });
    expect(await run(a, 'return room.localMediaState.microphone;')).toBe(false);
    await waitForRemoteState(b, { microphone: false, camera: true, screenShare: false, cameraPaused: false });
  });

  it('when the camera in use goes away, the call moves to the default camera and says so; device changes are announced', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const before = (await senderTracks(a)).video!;
    // What the browser does when a camera is unplugged: its track ends by itself.
    await run(a, `const track = room.localMedia.getVideoTracks()[0]; track.stop(); track.dispatchEvent(new Event('ended'));`);
    await waitForEvent(a, 'activeDeviceChanged');
    const [change] = (await events(a, 'activeDeviceChanged')).map((e) => e.arg);
    expect(change).toMatchObject({ kind: 'videoinput', reason: 'unplugged', deviceId: expect.any(String) });
    const after = (await senderTracks(a)).video!;
    expect(after).toMatchObject({ readyState: 'live' });
    expect(after.id).not.toBe(before.id);
    expect(await run(a, 'return room.localMediaState.camera;')).toBe(true);
    await resetFrames(b);
    await expectVideoFlowing(b);

    await run(a, `navigator.mediaDevices.dispatchEvent(new Event('devicechange'));`);
    await waitForEvent(a, 'devicesChanged');
    const kinds = await run<string[]>(a, `return T.events.find((e) => e.name === 'devicesChanged').arg.map((d) => d.kind);`);
    expect(kinds).toEqual(expect.arrayContaining(['videoinput', 'audioinput']));
  });

  it('refuses an unknown kind with a CignalError, and an unknown device with clientError', async () => {
    const [a] = await callBetween(page, uniqueRoom());
    expect(await run(a, 'return room.switchActiveDevice("printer", "x").catch((e) => e.code);')).toBe('invalid-argument');
    expect(await run(a, 'return T.Cignal.getLocalDevices("printer").catch((e) => e.code);')).toBe('invalid-argument');
    expect(await run(a, 'return room.switchActiveDevice("videoinput", "no-such-camera");')).toEqual({ success: false });
    await waitForEvent(a, 'clientError');
    expect((await events(a, 'clientError'))[0]!.arg).toMatchObject({ code: 'media-unavailable' });
    // The call goes on with the camera it had.
    expect((await senderTracks(a)).video).toMatchObject({ readyState: 'live' });
  });
});

describe('the remote video', () => {
  it('attachRemote shows the other person from call to call, plays inline, and takes the chosen speaker within the call that chose it', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const attached = await run<{ same: boolean; autoplay: boolean; inline: boolean }>(
      b,
      `const video = T.attached = room.attachRemote();
       video.muted = true;
       document.body.append(video);
       return { same: video.srcObject === room.remoteMedia && !!room.remoteMedia, autoplay: video.autoplay, inline: video.playsInline };`,
    );
    expect(attached).toEqual({ same: true, autoplay: true, inline: true });
    await b.waitForFunction(() => (window as any).T.attached.videoWidth > 0, null, { timeout: 20_000 });

    // Safari takes a speaker only within the click that chose it: set before anything is awaited.
    const asked = await run<string[][]>(
      b,
      `const asked = [];
       T.attached.setSinkId = async (id) => void asked.push(id);
       const late = document.createElement('audio');
       late.setSinkId = async (id) => void asked.push('late:' + id);
       const result = room.switchActiveDevice('audiooutput', 'speaker-2');
       const within = [...asked];
       await result;
       room.attachRemote(late);
       return [within, asked];`,
    );
    expect(asked).toEqual([['speaker-2'], ['speaker-2', 'late:speaker-2']]);

    // The call ends: nothing shown; the next call's stream is shown in the same element.
    await run(a, 'await room.leaveRoom();');
    await b.waitForFunction(() => (window as any).T.attached.srcObject === null, null, { timeout: 10_000 });
    // Entering the room again, A calls B at once.
    expect(await run(a, 'return room.joinRoom();')).toEqual({ success: true });
    await b.waitForFunction(() => {
      const { attached, room } = (window as any).T;
      return attached.srcObject === room.remoteMedia && !!room.remoteMedia && attached.videoWidth > 0;
    }, null, { timeout: 20_000 });

    expect(await run(b, 'return room.detachRemote(T.attached).length === 1 && T.attached.srcObject === null;')).toBe(true);
    expect(await run(b, 'try { room.attachRemote(document.body); } catch (error) { return error.code; }')).toBe('invalid-argument');
  });
});

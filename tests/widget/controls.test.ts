/// <reference types="mocha" />
// <cignal-call>'s call UI with a hand-driven SDK: screen share, the other person's state, network
// quality, the chat panel, the device menu, full screen, the self-view's corner, the pre-join
// screen, the attributes that hide controls and the media methods.
import { expect } from '@esm-bundle/chai';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import { errorDetail } from '../../sdk/errors.js';
import { CignalError, type NetworkStatus } from '../../sdk/index.js';
import type { CignalCall } from '../../widget/index.js';
import { FakeRooms, mount, part, settle, textOf, unmountAll, waitFor } from './fakes.js';

const button = (el: CignalCall, name: string) => part<HTMLButtonElement>(el, name)!;
const focused = (el: CignalCall) => el.shadowRoot!.activeElement?.getAttribute('part') ?? null;
const status = (change: Partial<NetworkStatus> = {}): NetworkStatus => ({
  quality: 'good',
  rttMs: 42.4,
  packetLoss: 0.015,
  jitterMs: 3,
  outgoingBitrate: 1e6,
  incomingBitrate: 1e6,
  relayed: false,
  localCandidateType: 'host',
  remoteCandidateType: 'host',
  ...change,
});

/** An element in a call with Ada, her video arriving. */
async function inCall(attributes: Record<string, string> = {}) {
  const mounted = await mount(attributes);
  const room = mounted.rooms.last;
  room.peerArrives('Ada Lovelace');
  await mounted.el.call();
  room.fire('remoteStream', new MediaStream(room.localMedia!.getVideoTracks().map((t) => t.clone())));
  room.setState('in-call');
  await settle(mounted.el);
  return { ...mounted, room };
}

afterEach(unmountAll);

describe('<cignal-call> screen share', () => {
  it('the button shares the screen through the SDK and shows it pressed, then stops', async () => {
    const { el, room } = await inCall();
    expect(button(el, 'screen-share-button').getAttribute('aria-pressed')).to.equal('false');
    expect(button(el, 'screen-share-button').getAttribute('aria-label')).to.equal('Share screen');
    button(el, 'screen-share-button').click();
    await waitFor(() => room.calls.includes('screenShare:on'));
    await settle(el);
    expect(button(el, 'screen-share-button').getAttribute('aria-pressed')).to.equal('true');
    button(el, 'screen-share-button').click();
    await waitFor(() => room.calls.includes('screenShare:off'));
    await settle(el);
    expect(button(el, 'screen-share-button').getAttribute('aria-pressed')).to.equal('false');
  });

  it('a share picker the person closed is no error on screen (the event still says so)', async () => {
    const { el, room } = await inCall();
    room.declineShare = true;
    const errors: string[] = [];
    el.addEventListener('cignal-client-error', (e) => errors.push(e.detail.code));
    expect(await el.setScreenShareEnabled(true)).to.deep.equal({ success: false });
    await settle(el);
    expect(errors).to.deep.equal(['media-denied']);
    expect(part(el, 'error')).to.equal(null);
    expect(button(el, 'screen-share-button').getAttribute('aria-pressed')).to.equal('false');
  });

  it('is not offered where the browser cannot share the screen, nor with no-screen-share', async () => {
    const devices = navigator.mediaDevices as MediaDevices & { getDisplayMedia?: unknown };
    Object.defineProperty(devices, 'getDisplayMedia', { value: undefined, configurable: true });
    try {
      const { el } = await mount();
      expect(part(el, 'screen-share-button')).to.equal(null);
      expect(part(el, 'mic-button')).not.to.equal(null);
    } finally {
      delete (devices as { getDisplayMedia?: unknown }).getDisplayMedia;
    }
    const { el } = await mount({ 'no-screen-share': '' });
    expect(part(el, 'screen-share-button')).to.equal(null);
  });
});

describe('<cignal-call> shows the other person’s state on their video', () => {
  it('microphone, camera and screen share as data attributes, a muted mark, initials and a sharing line', async () => {
    const { el, room } = await inCall();
    const state = () => part(el, 'remote-state')!;
    expect({ ...state().dataset }).to.deep.equal({ microphone: 'on', camera: 'on', screenShare: 'off' });
    expect(textOf(el, 'remote-state')).to.equal('Ada Lovelace');

    room.remoteMedia({ microphone: false });
    await settle(el);
    expect(state().dataset.microphone).to.equal('off');
    expect(state().querySelector('[role=img]')!.getAttribute('aria-label')).to.equal('Ada Lovelace is muted');

    room.remoteMedia({ camera: false });
    await settle(el);
    expect(state().dataset.camera).to.equal('off');
    expect(state().querySelector('.avatar')!.textContent).to.equal('AL');

    room.remoteMedia({ screenShare: true, microphone: true });
    await settle(el);
    expect({ ...state().dataset }).to.deep.equal({ microphone: 'on', camera: 'off', screenShare: 'on' });
    expect(state().querySelector('.avatar')).to.equal(null);
    expect(textOf(el, 'remote-state')).to.equal('Ada Lovelace is sharing their screen Ada Lovelace');
  });

  it('a camera paused by their phone shows a line over the whole video instead of a frozen picture, until it is back', async () => {
    const { el, room } = await inCall();
    const state = () => part(el, 'remote-state')!;
    room.remoteMedia({ cameraPaused: true });
    await settle(el);
    expect(textOf(el, 'remote-state')).to.equal("Ada Lovelace's camera is paused Ada Lovelace");
    expect(state().dataset.camera).to.equal('on');
    expect([...state().part]).to.include('camera-paused');
    const cover = state().querySelector('.paused')!.getBoundingClientRect();
    const video = part(el, 'remote-video')!.getBoundingClientRect();
    expect([cover.left, cover.top, cover.width, cover.height]).to.deep.equal([video.left, video.top, video.width, video.height]);

    room.remoteMedia({ cameraPaused: false });
    await settle(el);
    expect(textOf(el, 'remote-state')).to.equal('Ada Lovelace');
    expect([...state().part]).not.to.include('camera-paused');
  });

  it('a page can style that state through part names', async () => {
    const sheet = document.createElement('style');
    sheet.textContent = 'cignal-call::part(remote-state microphone-off) { outline: 3px solid rgb(255, 0, 0) }';
    document.head.append(sheet);
    try {
      const { el, room } = await inCall();
      const outline = () => getComputedStyle(part(el, 'remote-state')!).outlineColor;
      expect(outline()).not.to.equal('rgb(255, 0, 0)');
      room.remoteMedia({ microphone: false });
      await settle(el);
      expect([...part(el, 'remote-state')!.part]).to.deep.equal(['remote-state', 'microphone-off', 'camera-on', 'screen-share-off']);
      expect(outline()).to.equal('rgb(255, 0, 0)');
    } finally {
      sheet.remove();
    }
  });

  it('is there only while their video is', async () => {
    const { el, rooms } = await mount();
    const room = rooms.last;
    room.peerArrives('Ada');
    await settle(el);
    expect(part(el, 'remote-state')).to.equal(null);
    await el.call();
    room.fire('remoteStream', new MediaStream());
    room.setState('in-call');
    await settle(el);
    expect(part(el, 'remote-state')).not.to.equal(null);
    await el.hangUp();
    await settle(el);
    expect(part(el, 'remote-state')).to.equal(null);
  });
});

describe('<cignal-call> network quality', () => {
  it('shows the level as bars with data-quality, and the details on demand', async () => {
    const { el, room } = await inCall();
    expect(part(el, 'network-quality')).to.equal(null);
    room.fire('networkStatus', status());
    await settle(el);
    const bars = button(el, 'network-quality');
    expect(bars.dataset.quality).to.equal('good');
    expect(bars.getAttribute('aria-label')).to.equal('Network: good');
    expect(bars.getAttribute('aria-expanded')).to.equal('false');
    expect(part(el, 'network-details')).to.equal(null);

    bars.click();
    await settle(el);
    expect(bars.getAttribute('aria-expanded')).to.equal('true');
    expect(textOf(el, 'network-details')).to.equal('42 ms round trip, 1.5 % lost, direct');

    room.fire('networkStatus', status({ quality: 'poor', rttMs: 640, packetLoss: 0.12, relayed: true }));
    await settle(el);
    expect(button(el, 'network-quality').dataset.quality).to.equal('poor');
    expect(textOf(el, 'network-details')).to.equal('640 ms round trip, 12.0 % lost, relayed');
    expect(el.shadowRoot!.querySelectorAll('[part=network-quality] rect[opacity="1"]')).to.have.length(1);

    room.fire('networkStatus', status({ quality: 'lost', rttMs: null }));
    await settle(el);
    expect(button(el, 'network-quality').getAttribute('aria-label')).to.equal('Network: lost');
    expect(textOf(el, 'network-details')).to.match(/^– ms round trip/);
  });

  it('goes when the call ends, and is hidden with no-network-quality', async () => {
    const { el, room } = await inCall();
    room.fire('networkStatus', status());
    await settle(el);
    await el.hangUp();
    await settle(el);
    expect(part(el, 'network-quality')).to.equal(null);

    const other = await inCall({ 'no-network-quality': '' });
    other.room.fire('networkStatus', status());
    await settle(other.el);
    expect(part(other.el, 'network-quality')).to.equal(null);
  });
});

describe('<cignal-call> chat panel', () => {
  it('opens and closes from its button, from the keyboard, counting what came while closed', async () => {
    const { el, room } = await inCall();
    expect(part(el, 'chat')).to.equal(null);
    room.fire('information', 'one');
    room.fire('information', 'two');
    await settle(el);
    expect(button(el, 'chat-button').getAttribute('aria-label')).to.equal('Chat, 2 unread');
    expect(textOf(el, 'chat-button')).to.equal('2');

    button(el, 'chat-button').focus();
    await sendKeys({ press: 'Enter' });
    await settle(el);
    expect(button(el, 'chat-button').getAttribute('aria-expanded')).to.equal('true');
    expect(button(el, 'chat-button').getAttribute('aria-controls')).to.equal('chat');
    expect(button(el, 'chat-button').getAttribute('aria-label')).to.equal('Chat');
    expect(focused(el)).to.equal('message-input');
    expect([...part(el, 'messages')!.querySelectorAll('li')].map((li) => li.textContent)).to.deep.equal(['Ada Lovelace: one', 'Ada Lovelace: two']);

    // Read while open: nothing is counted.
    room.fire('information', 'three');
    await settle(el);
    expect(button(el, 'chat-button').getAttribute('aria-label')).to.equal('Chat');

    // Escape is the chat's: it goes no further (a dialog around the element stays open).
    let escaped = false;
    document.addEventListener('keydown', () => (escaped = true), { once: true });
    await sendKeys({ press: 'Escape' });
    await settle(el);
    expect(part(el, 'chat')).to.equal(null);
    expect(focused(el)).to.equal('chat-button');
    expect(escaped).to.equal(false);

    await sendKeys({ press: 'Enter' });
    await settle(el);
    button(el, 'close-chat-button').click();
    await settle(el);
    expect(part(el, 'chat')).to.equal(null);
  });

  it('no-chat hides the button and the panel; messages still arrive as events', async () => {
    const { el, room } = await inCall({ 'no-chat': '' });
    expect(part(el, 'chat-button')).to.equal(null);
    const got: unknown[] = [];
    el.addEventListener('cignal-information', (e) => got.push(e.detail));
    room.fire('information', 'hi');
    await settle(el);
    expect(got).to.deep.equal(['hi']);
    expect(part(el, 'chat')).to.equal(null);
  });
});

describe('<cignal-call> device menu', () => {
  it('lists cameras, microphones and speakers, and switches the one chosen through the SDK', async () => {
    const { el, room } = await inCall();
    const settings = button(el, 'settings-button');
    expect(settings.getAttribute('aria-expanded')).to.equal('false');
    settings.focus();
    await sendKeys({ press: 'Enter' });
    const select = (kind: string) => part(el, 'device-menu')?.querySelector<HTMLSelectElement>(`select[data-kind=${kind}]`);
    await waitFor(() => select('videoinput'));
    await settle(el);
    expect(settings.getAttribute('aria-expanded')).to.equal('true');
    expect(settings.getAttribute('aria-controls')).to.equal('device-menu');
    expect(focused(el)).to.equal(null); // the focus is in the menu's first select, which has no part
    expect(el.shadowRoot!.activeElement).to.equal(select('videoinput'));

    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    expect([...select('videoinput')!.options].map((o) => o.value)).to.deep.equal(['', ...cameras.map((c) => c.deviceId)]);
    expect(select('audioinput')!.options.length).to.be.greaterThan(0);
    expect(!!select('audiooutput')).to.equal('setSinkId' in HTMLMediaElement.prototype);

    // Nothing known in use yet: a placeholder is shown, so that any camera can be picked.
    expect(select('videoinput')!.selectedOptions[0]!.value).to.equal('');
    const last = cameras.at(-1)!.deviceId;
    select('videoinput')!.value = last;
    select('videoinput')!.dispatchEvent(new Event('change'));
    await waitFor(() => room.calls.includes('switch:videoinput'));
    expect(room.active.videoinput).to.equal(last);
    // The menu shows what the SDK says is in use, not only what was picked: set it back by hand.
    select('videoinput')!.value = cameras[0]!.deviceId;
    el.requestUpdate();
    await settle(el);
    expect(select('videoinput')!.value).to.equal(last);
    expect([...select('videoinput')!.options].map((o) => o.value)).not.to.include('');

    await sendKeys({ press: 'Escape' });
    await settle(el);
    expect(part(el, 'device-menu')).to.equal(null);
    expect(focused(el)).to.equal('settings-button');
  });

  it('no-settings hides the button', async () => {
    const { el } = await mount({ 'no-settings': '' });
    expect(part(el, 'settings-button')).to.equal(null);
  });
});

describe('<cignal-call> full screen and the self-view', () => {
  it('the full-screen button shows the element full screen and back, from the keyboard', async () => {
    const { el } = await inCall();
    button(el, 'fullscreen-button').focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => button(el, 'fullscreen-button').getAttribute('aria-pressed') === 'true');
    expect(document.fullscreenElement).to.equal(el);
    // Every control is on the screen, below the video that fills the rest.
    await waitFor(() => el.getBoundingClientRect().height === innerHeight);
    const controls = part(el, 'controls')!.getBoundingClientRect();
    expect(controls.bottom).to.be.at.most(innerHeight);
    expect(part(el, 'stage')!.getBoundingClientRect().bottom).to.be.at.most(controls.top);
    await sendKeys({ press: 'Enter' });
    await waitFor(() => button(el, 'fullscreen-button').getAttribute('aria-pressed') === 'false');
    expect(document.fullscreenElement).to.equal(null);
  });

  it('no-fullscreen hides the button', async () => {
    const { el } = await mount({ 'no-fullscreen': '' });
    expect(part(el, 'fullscreen-button')).to.equal(null);
  });

  it('the self-view can be dragged to another corner, where it stays', async () => {
    const { el } = await inCall();
    const pip = part(el, 'local-video')!;
    const stage = part(el, 'stage')!.getBoundingClientRect();
    const box = pip.getBoundingClientRect();
    expect(pip.className).to.equal('bottom-end');
    const at = (x: number, y: number) => ({ type: 'move' as const, position: [Math.round(x), Math.round(y)] as [number, number] });
    await sendMouse(at(box.left + box.width / 2, box.top + box.height / 2));
    await sendMouse({ type: 'down' });
    await sendMouse(at(stage.left + 30, stage.top + 30));
    await sendMouse({ type: 'up' });
    await settle(el);
    expect(pip.className).to.equal('top-start');
    const moved = pip.getBoundingClientRect();
    expect(moved.left - stage.left).to.be.lessThan(stage.width / 2 - moved.width / 2);
    expect(moved.top - stage.top).to.be.lessThan(stage.height / 2 - moved.height / 2);
  });
});

describe('<cignal-call> media methods', () => {
  it('setMicrophoneEnabled, setCameraEnabled and setScreenShareEnabled go to the SDK and show on the buttons', async () => {
    const { el, room } = await inCall();
    expect(await el.setMicrophoneEnabled(false)).to.deep.equal({ success: true });
    expect(await el.setCameraEnabled(false)).to.deep.equal({ success: true });
    expect(await el.setScreenShareEnabled(true)).to.deep.equal({ success: true });
    await settle(el);
    expect(room.calls.slice(-3)).to.deep.equal(['microphone:off', 'camera:off', 'screenShare:on']);
    expect(['mic-button', 'camera-button', 'screen-share-button'].map((p) => button(el, p).getAttribute('aria-pressed'))).to.deep.equal(['false', 'false', 'true']);
  });

  it('answer { success: false } when there is no session', async () => {
    const rooms = new FakeRooms();
    rooms.failWith = new Error('no');
    const { el } = await mount({}, { rooms, wait: false });
    await waitFor(() => el.state === 'error');
    expect(await el.setMicrophoneEnabled(true)).to.deep.equal({ success: false });
    expect(await el.setScreenShareEnabled(true)).to.deep.equal({ success: false });
  });
});

describe('<cignal-call prejoin>', () => {
  async function prejoin(attributes: Record<string, string> = {}) {
    const rooms = new FakeRooms();
    const { el } = await mount({ prejoin: '', ...attributes }, { rooms, wait: false });
    await waitFor(() => part(el, 'join-button') && !button(el, 'join-button').disabled);
    await settle(el);
    const self = () => part<HTMLVideoElement>(el, 'local-video')!.srcObject as MediaStream | null;
    return { el, rooms, self };
  }

  it('shows a self-view with toggles and a Join button, without entering the room', async () => {
    const { el, rooms, self } = await prejoin();
    expect(rooms.options).to.have.length(0);
    expect(el.cignal).to.equal(null);
    expect(textOf(el, 'status')).to.equal('Check your camera and microphone, then join.');
    expect(part(el, 'stage')!.classList.contains('preview')).to.equal(true);
    expect(self()!.getTracks().map((t) => `${t.kind}:${t.readyState}`).sort()).to.deep.equal(['audio:live', 'video:live']);
    expect(textOf(el, 'join-button')).to.equal('Join');
    // In the preview: toggles and devices, no call, screen share or chat yet.
    expect(part(el, 'call-button')).to.equal(null);
    expect(part(el, 'screen-share-button')).to.equal(null);
    expect(part(el, 'chat-button')).to.equal(null);
    expect(button(el, 'settings-button').disabled).to.equal(false);
  });

  it('turning the camera off releases it and the microphone off mutes it; Join enters with them off', async () => {
    const { el, rooms, self } = await prejoin();
    const camera = self()!.getVideoTracks()[0]!;
    const microphone = self()!.getAudioTracks()[0]!;
    button(el, 'camera-button').click();
    await waitFor(() => camera.readyState === 'ended');
    button(el, 'mic-button').click();
    await waitFor(() => !microphone.enabled);
    await settle(el);
    expect(['mic-button', 'camera-button'].map((p) => button(el, p).getAttribute('aria-pressed'))).to.deep.equal(['false', 'false']);

    button(el, 'join-button').click();
    await waitFor(() => el.cignal);
    expect(rooms.options[0]!.mediaConstraints).to.deep.equal({ audio: false, video: false });
    expect(microphone.readyState).to.equal('ended');
    await settle(el);
    expect(part(el, 'join-button')).to.equal(null);
    expect(part(el, 'call-button')).not.to.equal(null);
    expect(part(el, 'stage')!.classList.contains('preview')).to.equal(false);
  });

  it('Join enters with the devices chosen in the preview', async () => {
    const { el, rooms, self } = await prejoin();
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    const other = cameras.find((c) => c.deviceId !== self()!.getVideoTracks()[0]!.getSettings().deviceId)!;
    button(el, 'settings-button').click();
    const select = await waitFor(() => part(el, 'device-menu')?.querySelector<HTMLSelectElement>('select[data-kind=videoinput]'));
    select.value = other.deviceId;
    select.dispatchEvent(new Event('change'));
    await waitFor(() => self()!.getVideoTracks()[0]?.getSettings().deviceId === other.deviceId);
    const microphone = self()!.getAudioTracks()[0]!.getSettings().deviceId;
    button(el, 'join-button').click();
    await waitFor(() => el.cignal);
    expect(rooms.options[0]!.mediaConstraints).to.deep.equal({
      audio: { deviceId: { ideal: microphone } },
      video: { deviceId: { ideal: other.deviceId } },
    });
  });

  it('Join waits for a toggle still running, and pressing it twice enters once', async () => {
    const { el, rooms } = await prejoin();
    button(el, 'camera-button').click();
    const first = el.join();
    const second = el.join();
    expect(await first).to.deep.equal({ success: true });
    expect(await second).to.deep.equal({ success: true });
    expect(rooms.options).to.have.length(1);
    expect(rooms.options[0]!.mediaConstraints!.video).to.equal(false);
    expect(part(el, 'error')).to.equal(null);
  });

  it('Retry after a failure in the room enters the room again, every time, not the pre-join screen', async () => {
    const { el, rooms } = await prejoin();
    await el.join();
    for (const round of [1, 2]) {
      rooms.last.fire('serverError', errorDetail(new CignalError('room-full', 'full')));
      rooms.last.setState('error');
      await settle(el);
      button(el, 'retry-button').click();
      await waitFor(() => rooms.rooms.length === round + 1 && el.cignal === (rooms.last as unknown));
      await settle(el);
      expect(part(el, 'join-button'), `after Retry ${round}`).to.equal(null);
    }
  });

  it('removed while the camera is still opening: it is turned off once open', async () => {
    const opened: MediaStream[] = [];
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await real(constraints);
      opened.push(stream);
      await gate;
      return stream;
    };
    try {
      const { el } = await mount({ prejoin: '' }, { wait: false });
      await waitFor(() => opened.length);
      el.remove();
      release();
      await waitFor(() => opened[0]!.getTracks().every((t) => t.readyState === 'ended'));
      expect(part<HTMLVideoElement>(el, 'local-video')!.srcObject).to.equal(null);
    } finally {
      navigator.mediaDevices.getUserMedia = real;
    }
  });

  it('a pre-join error is retried on the pre-join screen, which says it is waiting again', async () => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no', 'NotAllowedError'));
    const rooms = new FakeRooms();
    const { el } = await mount({ prejoin: '' }, { rooms, wait: false });
    try {
      await waitFor(() => el.state === 'error');
      await settle(el);
      expect(textOf(el, 'error')).to.match(/^Camera or microphone access was blocked/);
    } finally {
      navigator.mediaDevices.getUserMedia = real;
    }
    button(el, 'retry-button').click();
    await waitFor(() => part(el, 'join-button') && !button(el, 'join-button').disabled);
    expect(el.state).to.equal('waiting');
    expect(rooms.options).to.have.length(0);
  });

  it('removed on the pre-join screen: the camera and microphone are turned off', async () => {
    const { el, rooms, self } = await prejoin();
    const tracks = self()!.getTracks();
    el.remove();
    await waitFor(() => tracks.every((t) => t.readyState === 'ended'));
    expect(rooms.options).to.have.length(0);
  });
});

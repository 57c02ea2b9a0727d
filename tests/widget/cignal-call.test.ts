/// <reference types="mocha" />
// <cignal-call> with a hand-driven SDK: what a person sees in each state, attributes → SDK options,
// events, methods, messages, media toggles, auto-call, cleanup and errors.
import { expect } from '@esm-bundle/chai';
import { CignalError } from '../../sdk/index.js';
import { errorDetail } from '../../sdk/errors.js';
import { AUTO_CALL_GRACE_MS } from '../../widget/call-controller.js';
import { eventName, type CignalCall } from '../../widget/index.js';
import { FakeRooms, mount, part, settle, textOf, unmountAll, waitFor } from './fakes.js';

const button = (el: CignalCall, name: string) => part<HTMLButtonElement>(el, name)!;
const enabled = (el: CignalCall) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input')]
    .filter((control) => !control.disabled)
    .map((control) => control.getAttribute('part'));

/** Microphone, camera, screen share and settings: on whenever something is sent. */
const mediaControls = ['mic-button', 'camera-button', 'screen-share-button', 'settings-button'];

afterEach(unmountAll);

describe('<cignal-call> shows where the call stands', () => {
  it('says it is starting, with every call control off, until the room is entered', async () => {
    const rooms = new FakeRooms();
    let open!: () => void;
    rooms.gate = new Promise((resolve) => (open = resolve));
    const { el } = await mount({}, { rooms, wait: false });
    await waitFor(() => rooms.options.length);
    expect(el.getAttribute('state')).to.equal('waiting');
    expect(textOf(el, 'status')).to.equal('Starting the camera and joining…');
    expect(enabled(el)).to.deep.equal(['fullscreen-button']);
    expect(part(el, 'share-link')).to.equal(null);
    open();
    await waitFor(() => el.cignal);
  });

  it('waiting alone: asks to share the link, which is shown with a copy button', async () => {
    const { el, rooms } = await mount();
    expect(el.getAttribute('state')).to.equal('waiting');
    expect(textOf(el, 'status')).to.equal('Waiting for the other person. Share the link.');
    expect(part<HTMLAnchorElement>(el, 'share-link')!.querySelector('a')!.href).to.equal(rooms.last.shareLink);
    expect(enabled(el)).to.deep.equal(['copy-link-button', ...mediaControls, 'chat-button', 'fullscreen-button']);
    expect(button(el, 'call-button').disabled).to.equal(true);
    button(el, 'copy-link-button').click();
    await waitFor(() => textOf(el, 'status').endsWith('Link copied.'));
    expect(rooms.last.calls).to.deep.equal(['copyLink']);
  });

  it('says so while the connection to the server is being restored, and stops saying it once back', async () => {
    const { el, rooms } = await mount();
    rooms.last.peerArrives('Ada');
    rooms.last.fire('reconnecting', { reason: 'transport close' });
    await settle(el);
    expect(textOf(el, 'status')).to.equal('Connection lost. Reconnecting…');
    expect(el.state).to.equal('ready');
    rooms.last.fire('reconnected');
    await settle(el);
    expect(textOf(el, 'status')).to.equal('Ada is here. You can call now.');
  });

  it('ready: names the other person and offers the call and the message box', async () => {
    const { el, rooms } = await mount();
    rooms.last.peerArrives('Ada');
    await settle(el);
    expect(el.getAttribute('state')).to.equal('ready');
    expect(textOf(el, 'status')).to.equal('Ada is here. You can call now.');
    expect(part(el, 'share-link')).to.equal(null);
    expect(enabled(el)).to.deep.equal([...mediaControls, 'chat-button', 'fullscreen-button', 'call-button']);
    button(el, 'chat-button').click();
    await settle(el);
    expect(enabled(el)).to.deep.equal(['close-chat-button', 'message-input', 'send-button', ...mediaControls, 'chat-button', 'fullscreen-button', 'call-button']);
  });

  it('calling, then in a call: hang up replaces call, and the remote video plays', async () => {
    const { el, rooms } = await mount();
    rooms.last.peerArrives('Ada');
    await settle(el);
    button(el, 'call-button').click();
    await waitFor(() => el.state === 'calling');
    await el.updateComplete;
    expect(textOf(el, 'status')).to.equal('Calling Ada…');
    expect(enabled(el)).to.deep.equal([...mediaControls, 'chat-button', 'fullscreen-button', 'hangup-button']);
    expect(part(el, 'call-button')).to.equal(null);

    const remote = new MediaStream(rooms.last.localMedia!.getVideoTracks().map((t) => t.clone()));
    rooms.last.fire('remoteStream', remote);
    rooms.last.setState('in-call');
    await settle(el);
    expect(el.getAttribute('state')).to.equal('in-call');
    expect(textOf(el, 'status')).to.equal('In a call with Ada.');
    expect(part<HTMLVideoElement>(el, 'remote-video')!.srcObject).to.equal(remote);
    expect(part<HTMLVideoElement>(el, 'local-video')!.srcObject).to.equal(rooms.last.localMedia);
    expect(part<HTMLVideoElement>(el, 'local-video')!.muted).to.equal(true);
    remote.getTracks().forEach((t) => t.stop());
  });

  it('the videos play on through later updates: a stream is set once, not again on every render', async () => {
    const { el, rooms } = await mount();
    rooms.last.peerArrives('Ada');
    const remote = new MediaStream(rooms.last.localMedia!.getVideoTracks().map((t) => t.clone()));
    rooms.last.fire('remoteStream', remote);
    rooms.last.setState('in-call');
    await settle(el);
    const video = part<HTMLVideoElement>(el, 'remote-video')!;
    const videos = [video, part<HTMLVideoElement>(el, 'local-video')!];
    // The first load of each, done (its loadstart is behind us) before counting new ones.
    await waitFor(() => videos.every((v) => v.readyState >= HTMLMediaElement.HAVE_METADATA));
    // Setting srcObject, even to the same stream, restarts the element's load: a visible blink.
    const loads: string[] = [];
    for (const v of videos) v.addEventListener('loadstart', () => loads.push(v.getAttribute('part')!));
    const status = { quality: 'good', rttMs: 1, packetLoss: 0, jitterMs: 0, outgoingBitrate: 1, incomingBitrate: 1, relayed: false, localCandidateType: 'host', remoteCandidateType: 'host' } as const;
    for (let i = 0; i < 5; i++) {
      rooms.last.fire('networkStatus', status);
      rooms.last.fire('remoteMediaChanged', { microphone: i % 2 === 0, camera: true, screenShare: false, cameraPaused: false });
      await settle(el);
    }
    expect(loads).to.deep.equal([]);
    expect(video.srcObject).to.equal(remote);
    remote.getTracks().forEach((t) => t.stop());
  });

  it('reconnecting: says so over the call, which keeps its video and its hang-up button', async () => {
    const { el, rooms } = await mount();
    rooms.last.peerArrives('Ada');
    await el.call();
    const remote = new MediaStream();
    rooms.last.fire('remoteStream', remote);
    rooms.last.setState('in-call');
    rooms.last.setState('reconnecting');
    await settle(el);
    expect(el.getAttribute('state')).to.equal('reconnecting');
    expect(textOf(el, 'status')).to.equal('Connection lost. Reconnecting…');
    expect(part<HTMLVideoElement>(el, 'remote-video')!.srcObject).to.equal(remote);
    expect(enabled(el)).to.include('hangup-button');
    rooms.last.setState('in-call');
    await settle(el);
    expect(textOf(el, 'status')).to.equal('In a call with Ada.');
  });

  it('ended: says so, and the call button can start again', async () => {
    const { el, rooms } = await mount();
    rooms.last.peerArrives('Ada');
    await el.call();
    // Hang up is enabled only once the element has heard that the call started.
    await waitFor(() => el.state === 'calling');
    await el.updateComplete;
    button(el, 'hangup-button').click();
    await waitFor(() => el.state === 'ended');
    await el.updateComplete;
    expect(rooms.last.calls).to.deep.equal(['joinRoom', 'leaveRoom']);
    expect(textOf(el, 'status')).to.equal('The call has ended.');
    expect(enabled(el)).to.include('call-button').and.not.include('hangup-button');
    expect(part<HTMLVideoElement>(el, 'remote-video')!.srcObject).to.equal(null);
  });

  it('error: explains in plain words, and Retry starts over with a new room session', async () => {
    const { el, rooms } = await mount({ 'room-id': 'busy' });
    const first = rooms.last;
    first.fire('serverError', errorDetail(new CignalError('room-full', 'Room busy is full')));
    first.setState('error');
    await settle(el);
    expect(el.getAttribute('state')).to.equal('error');
    expect(textOf(el, 'status')).to.equal('The call could not start.');
    expect(textOf(el, 'error')).to.equal('This room is full. Retry');
    expect(part(el, 'error')!.getAttribute('role')).to.equal('alert');
    // Nothing is sent in this state, so there is nothing to turn on or off (nor shown as on or
    // off); the chat can still be read.
    expect(enabled(el)).to.deep.equal(['retry-button', 'chat-button', 'fullscreen-button']);
    expect(button(el, 'mic-button').hasAttribute('aria-pressed')).to.equal(false);
    expect(button(el, 'camera-button').hasAttribute('aria-pressed')).to.equal(false);

    button(el, 'retry-button').click();
    await waitFor(() => rooms.rooms.length === 2);
    await settle(el);
    expect(first.calls).to.include('leaveRoom');
    expect(first.localMedia!.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
    expect(rooms.options[1]!.roomId).to.equal('busy');
    expect(el.getAttribute('state')).to.equal('waiting');
    expect(part(el, 'error')).to.equal(null);
  });

  it('names a denied camera and an unreachable server in plain words', async () => {
    const { el, rooms } = await mount();
    rooms.last.fire('clientError', errorDetail(new CignalError('media-denied', 'x')));
    await settle(el);
    expect(textOf(el, 'error')).to.match(/^Camera or microphone access was blocked\./);
    rooms.last.fire('serverError', errorDetail(new CignalError('server-unreachable', 'x')));
    rooms.last.setState('error');
    await settle(el);
    expect(textOf(el, 'error')).to.equal('The call server could not be reached. Check the connection, then retry. Retry');
  });

  it('shows every error code in plain words, with no retry while the call goes on', async () => {
    const { el, rooms } = await mount();
    rooms.last.fire('clientError', errorDetail(new CignalError('no-peer', 'no peer to call')));
    await settle(el);
    expect(textOf(el, 'error')).to.equal('Nobody else is in the room yet.');
    expect(part(el, 'retry-button')).to.equal(null);
    rooms.last.peerArrives();
    await settle(el);
    expect(part(el, 'error')).to.equal(null);
  });

  it('shows an error with Retry when createRoom rejects', async () => {
    const rooms = new FakeRooms();
    rooms.failWith = new CignalError('invalid-argument', 'roomId: Invalid');
    const errors: unknown[] = [];
    document.addEventListener('cignal-client-error', (e) => errors.push(e.detail), { once: true });
    const { el } = await mount({ 'room-id': 'bad id!' }, { rooms, wait: false });
    await waitFor(() => el.state === 'error');
    await el.updateComplete;
    expect(textOf(el, 'error')).to.equal('The call is set up with a value it cannot use. Retry');
    expect(errors).to.have.length(1);
    expect((errors[0] as { code: string }).code).to.equal('invalid-argument');
    rooms.failWith = null;
    button(el, 'retry-button').click();
    await waitFor(() => el.cignal);
  });

  it('uses labels given for another language, keeping English for the rest', async () => {
    const { el, rooms } = await mount();
    el.labels = { call: 'Appeler', ready: '{name} est là.', errors: { 'room-full': 'Salle pleine.' } };
    rooms.last.peerArrives('Ada');
    await settle(el);
    expect(button(el, 'call-button').getAttribute('aria-label')).to.equal('Appeler');
    expect(button(el, 'call-button').dataset.tip).to.equal('Appeler');
    expect(textOf(el, 'status')).to.equal('Ada est là.');
    expect(button(el, 'mic-button').getAttribute('aria-label')).to.equal('Microphone');
  });
});

describe('<cignal-call> attributes become SDK options', () => {
  it('passes room-id, server, peer-name, peer-id, role, audio and video', async () => {
    const { rooms } = await mount({
      'room-id': 'room-42',
      server: 'https://calls.example.com/',
      'peer-name': 'Grace',
      'peer-id': 'grace-1',
      role: 'host',
      audio: 'false',
      video: 'off',
    });
    expect(rooms.options[0]).to.deep.equal({
      url: 'https://calls.example.com/',
      roomId: 'room-42',
      peerId: 'grace-1',
      peerName: 'Grace',
      role: 'host',
      mediaConstraints: { audio: false, video: false },
      wakeLock: true,
    });
  });

  it('peer-role passes the role without touching the element’s ARIA role, and wins over role', async () => {
    const { el, rooms } = await mount({ 'room-id': 'room-42', 'peer-role': 'guest', role: 'host' });
    expect(rooms.options[0]!.role).to.equal('guest');
    const plain = await mount({ 'room-id': 'room-43', 'peer-role': 'guest' });
    expect(plain.el.getAttribute('role')).to.equal(null);
    expect(el.getAttribute('peer-role')).to.equal('guest');
  });

  it('keeps the screen awake during calls (the SDK’s wakeLock option) unless no-wake-lock is set', async () => {
    const { rooms } = await mount({ 'room-id': 'room-44', 'no-wake-lock': '' });
    expect(rooms.options[0]!.wakeLock).to.equal(false);
  });

  it('defaults: the script’s origin, a new room, audio and video on', async () => {
    const { rooms } = await mount({ audio: '', video: 'true' });
    expect(rooms.options[0]).to.deep.equal({
      url: location.origin,
      roomId: undefined,
      peerId: undefined,
      peerName: undefined,
      role: undefined,
      mediaConstraints: { audio: true, video: true },
      wakeLock: true,
    });
  });

  it('takes the room from ?roomId= in the page URL when room-id is absent', async () => {
    const original = location.href;
    history.replaceState(null, '', `${location.pathname}?roomId=from-link`);
    try {
      const { rooms } = await mount();
      expect(rooms.options[0]!.roomId).to.equal('from-link');
      const { rooms: explicit } = await mount({ 'room-id': 'attribute-wins' });
      expect(explicit.options[0]!.roomId).to.equal('attribute-wins');
    } finally {
      history.replaceState(null, '', original);
    }
  });

  it('takes properties set just after it was added, as frameworks set them (@lit/react, Angular)', async () => {
    const rooms = new FakeRooms();
    const el = document.createElement('cignal-call');
    el.createRoom = rooms.createRoom;
    document.body.append(el);
    try {
      el.roomId = 'set-after-insert';
      el.peerName = 'Grace';
      el.audio = false;
      await waitFor(() => rooms.options.length);
      expect(rooms.options[0]).to.deep.include({ roomId: 'set-after-insert', peerName: 'Grace', mediaConstraints: { audio: false, video: true } });
    } finally {
      el.remove();
    }
  });

  it('server-rendered with defer-hydration: enters no room until the attribute is removed, then with the properties set meanwhile', async () => {
    const rooms = new FakeRooms();
    const el = document.createElement('cignal-call');
    el.setAttribute('defer-hydration', '');
    el.createRoom = rooms.createRoom;
    document.body.append(el);
    try {
      await el.updateComplete;
      expect(rooms.options).to.deep.equal([]);
      el.roomId = 'hydrated';
      await el.updateComplete;
      expect(rooms.options).to.deep.equal([]);
      el.removeAttribute('defer-hydration');
      await waitFor(() => rooms.options.length);
      expect(rooms.options.map((options) => options.roomId)).to.deep.equal(['hydrated']);
    } finally {
      el.remove();
    }
  });

  it('reads audio and video as properties too, with "no" and "0" meaning off', async () => {
    const { el } = await mount({ audio: 'no', video: '0' });
    expect([el.audio, el.video]).to.deep.equal([false, false]);
    el.setAttribute('audio', 'yes');
    el.removeAttribute('video');
    expect([el.audio, el.video]).to.deep.equal([true, true]);
  });
});

describe('<cignal-call> re-dispatches every SDK event', () => {
  const error = new CignalError('room-full', 'full');
  const stream = new MediaStream();
  const cases: Array<[string, unknown[], unknown]> = [
    ['localStream', [stream], stream],
    ['remoteStream', [stream], stream],
    ['peerJoined', ['Ada'], 'Ada'],
    ['offerReceived', [], null],
    ['peerHangUp', [{ peerId: 'zzz', reason: 'left' }], undefined],
    ['information', [{ any: ['json'] }], undefined],
    ['clientError', [errorDetail(new CignalError('timeout', 'slow'))], undefined],
    ['serverError', [errorDetail(error)], undefined],
    ['stateChange', [{ state: 'ready', previous: 'waiting' }], undefined],
  ];

  it('derives cignal-kebab-case names in one place', () => {
    expect(eventName('peerHangUp')).to.equal('cignal-peer-hang-up');
    expect(eventName('stateChange')).to.equal('cignal-state-change');
  });

  for (const [event, args, expected] of cases) {
    const name = eventName(event as 'stateChange');
    it(`${event} → ${name}, bubbling out of shadow roots, detail = the SDK payload`, async () => {
      // Put the element inside another component's shadow root: the event must still reach the page.
      const outer = document.createElement('div');
      outer.attachShadow({ mode: 'open' });
      document.body.append(outer);
      const rooms = new FakeRooms();
      const el = document.createElement('cignal-call');
      el.createRoom = rooms.createRoom;
      outer.shadowRoot!.append(el);
      try {
        await waitFor(() => el.cignal);
        await settle(el);
        // Plain records: chai must never try to print a DOM node.
        const heard: Array<{ detail: unknown; bubbles: boolean; composed: boolean; fromElement: boolean }> = [];
        const listener = (e: Event) =>
          heard.push({ detail: (e as CustomEvent).detail, bubbles: e.bubbles, composed: e.composed, fromElement: e.composedPath()[0] === el });
        document.addEventListener(name, listener);
        rooms.last.fire(event as 'offerReceived', ...(args as []));
        document.removeEventListener(name, listener);
        expect(heard.length).to.equal(1);
        expect(heard[0]!.detail === (expected === undefined ? args[0] : expected)).to.equal(true, 'detail is the SDK payload itself');
        expect(heard[0]).to.include({ bubbles: true, composed: true, fromElement: true });
      } finally {
        outer.remove();
      }
    });
  }

  it('delivers events that happened while createRoom ran (replayed by the SDK)', async () => {
    const rooms = new FakeRooms();
    const created = rooms.createRoom;
    rooms.createRoom = async (options) => {
      const cignal = await created(options);
      rooms.last.peerArrives('Early');
      return cignal;
    };
    const heard: string[] = [];
    const listen = (e: Event) => heard.push(e.type);
    document.addEventListener('cignal-peer-joined', listen);
    document.addEventListener('cignal-state-change', listen);
    try {
      const { el } = await mount({}, { rooms });
      await settle(el);
      expect(heard).to.deep.equal(['cignal-peer-joined', 'cignal-state-change']);
      expect(el.state).to.equal('ready');
    } finally {
      document.removeEventListener('cignal-peer-joined', listen);
      document.removeEventListener('cignal-state-change', listen);
    }
  });
});

describe('<cignal-call> methods and controls', () => {
  it('call(), hangUp() and inform() delegate to the SDK; cignal is the instance', async () => {
    const { el, rooms } = await mount();
    expect(el.cignal).to.equal(rooms.last);
    rooms.last.peerArrives();
    expect(await el.call()).to.deep.equal({ success: true });
    const data = { cursor: [1, 2] };
    await el.inform(data);
    expect(rooms.last.informed[0]).to.equal(data);
    await el.hangUp();
    expect(rooms.last.calls).to.deep.equal(['joinRoom', 'inform', 'leaveRoom']);
  });

  it('call() made while the room is still being entered waits for it', async () => {
    const rooms = new FakeRooms();
    let open!: () => void;
    rooms.gate = new Promise((resolve) => (open = resolve));
    const { el } = await mount({}, { rooms, wait: false });
    const calling = el.call();
    await waitFor(() => rooms.options.length);
    open();
    expect(await calling).to.deep.equal({ success: false });
    expect(rooms.last.calls).to.deep.equal(['joinRoom']);
  });

  it('the microphone and camera buttons turn them off and on through the SDK, and show what is sent', async () => {
    const { el, rooms } = await mount();
    button(el, 'mic-button').click();
    await waitFor(() => rooms.last.calls.includes('microphone:off'));
    await el.updateComplete;
    expect(button(el, 'mic-button').getAttribute('aria-pressed')).to.equal('false');
    button(el, 'camera-button').click();
    await waitFor(() => rooms.last.calls.includes('camera:off'));
    button(el, 'mic-button').click();
    await waitFor(() => rooms.last.calls.includes('microphone:on'));
    await el.updateComplete;
    expect(button(el, 'camera-button').getAttribute('aria-pressed')).to.equal('false');
    expect(button(el, 'mic-button').getAttribute('aria-pressed')).to.equal('true');
    expect(rooms.last.calls).to.deep.equal(['microphone:off', 'camera:off', 'microphone:on']);
  });

  it('follows changes the SDK reports by itself (the browser ended a screen share, a device went away)', async () => {
    const { el, rooms } = await mount();
    rooms.last.localMediaState = { microphone: true, camera: false, screenShare: false, cameraPaused: false };
    rooms.last.fire('localMediaChanged', rooms.last.localMediaState);
    await settle(el);
    expect(button(el, 'camera-button').getAttribute('aria-pressed')).to.equal('false');
    expect(button(el, 'mic-button').getAttribute('aria-pressed')).to.equal('true');
  });

  it('sends a typed message with inform and lists both sides, oldest first', async () => {
    const { el, rooms } = await mount({ 'peer-name': 'Grace' });
    rooms.last.peerArrives('Ada');
    await settle(el);
    button(el, 'chat-button').click();
    await settle(el);
    const input = part<HTMLInputElement>(el, 'message-input')!;
    input.value = 'hello';
    button(el, 'send-button').click();
    await waitFor(() => textOf(el, 'messages'));
    expect(rooms.last.informed).to.deep.equal(['hello']);
    expect(input.value).to.equal('');
    rooms.last.fire('information', 'hi there');
    rooms.last.fire('information', { notText: true });
    await settle(el);
    const lines = [...part(el, 'messages')!.querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    expect(lines).to.deep.equal(['You: hello', 'Ada: hi there']);
  });

  it('custom controls in the default slot are shown in the controls row', async () => {
    const { el } = await mount({}, { children: '<button id="extra">Raise hand</button>' });
    const slot = part(el, 'controls')!.querySelector('slot')!;
    expect(slot.assignedElements().map((e) => e.id)).to.deep.equal(['extra']);
  });
});

describe('<cignal-call> auto-call', () => {
  it('the side with the smaller peer id calls as soon as the other arrives', async () => {
    const { el, rooms } = await mount({ 'peer-id': 'aaa', 'auto-call': '' });
    rooms.last.peerArrives('Ada', 'zzz');
    await waitFor(() => el.state === 'calling');
    expect(rooms.last.calls).to.deep.equal(['joinRoom']);
  });

  it('the other side waits for that call, and calls itself only when none came', async () => {
    const { el, rooms } = await mount({ 'peer-id': 'zzz', 'auto-call': '' });
    rooms.last.peerArrives('Ada', 'aaa');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rooms.last.calls).to.deep.equal([]);
    await waitFor(() => el.state === 'calling', 'the fallback call', AUTO_CALL_GRACE_MS + 2000);
    expect(rooms.last.calls).to.deep.equal(['joinRoom']);
  }).timeout(AUTO_CALL_GRACE_MS + 4000);

  it('the waiting side does not call when the other side’s call arrives', async () => {
    const { el, rooms } = await mount({ 'peer-id': 'zzz', 'auto-call': '' });
    rooms.last.peerArrives('Ada', 'aaa');
    rooms.last.fire('offerReceived');
    rooms.last.setState('calling');
    el.removeAttribute('auto-call');
    await settle(el);
    expect(rooms.last.calls).to.deep.equal([]);
  });

  it('without auto-call nobody calls', async () => {
    const { rooms } = await mount({ 'peer-id': 'aaa' });
    rooms.last.peerArrives('Ada', 'zzz');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rooms.last.calls).to.deep.equal([]);
  });
});

describe('<cignal-call> after a reload', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => sessionStorage.clear());

  it('takes the peer id this tab had in the room, and calls again at once if a call was on', async () => {
    const first = await mount({ 'room-id': 'room-1' });
    first.rooms.last.peerArrives('Ada');
    await first.el.call();
    first.rooms.last.setState('in-call');
    await settle(first.el);
    const myPeerId = first.rooms.last.data.myPeerId;

    const seatSecret = first.rooms.last.seatSecret;

    // What a reloaded page does: a new element for the same room in the same tab. It takes its
    // seat back with the seat secret it kept, which a page of another peer id would not get.
    const again = await mount({ 'room-id': 'room-1' });
    expect(again.rooms.options[0]!.peerId).to.equal(myPeerId);
    expect(again.rooms.options[0]!.seatSecret).to.equal(seatSecret);
    again.rooms.last.peerArrives('Ada');
    await waitFor(() => again.rooms.last.calls.includes('joinRoom'));
    expect(again.el.state).to.equal('calling');
  });

  it('does not call again after hanging up on purpose, and another room starts afresh', async () => {
    const first = await mount({ 'room-id': 'room-1', 'peer-id': 'kept' });
    first.rooms.last.peerArrives('Ada');
    await first.el.call();
    first.rooms.last.setState('in-call');
    await settle(first.el);
    await first.el.hangUp();

    const again = await mount({ 'room-id': 'room-1' });
    expect(again.rooms.options[0]!.peerId).to.equal('kept');
    again.rooms.last.peerArrives('Ada');
    await settle(again.el);
    expect(again.rooms.last.calls).to.deep.equal([]);
    expect(again.el.state).to.equal('ready');

    const other = await mount({ 'room-id': 'room-2' });
    expect(other.rooms.options[0]!.peerId).to.equal(undefined);
    expect(other.rooms.options[0]!.seatSecret).to.equal(undefined);
    const someoneElse = await mount({ 'room-id': 'room-1', 'peer-id': 'someone-else' });
    expect(someoneElse.rooms.options[0]!.seatSecret).to.equal(undefined);
  });

  it('passes its token attribute to the SDK', async () => {
    const { rooms } = await mount({ 'room-id': 'room-1', token: 'header.claims.signature' });
    expect(rooms.options[0]!.token).to.equal('header.claims.signature');
  });
});

describe('<cignal-call> removal', () => {
  it('leaves the room, stops every local track and stops listening', async () => {
    const { el, rooms } = await mount();
    const room = rooms.last;
    el.remove();
    await settle(el);
    expect(room.calls).to.deep.equal(['leaveRoom']);
    expect(room.localMedia!.getTracks().map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(room.listenerCount('stateChange') + room.listenerCount('remoteStream')).to.equal(0);
    expect(el.cignal).to.equal(null);
  });

  it('starts again with a new session when added back', async () => {
    const { el, rooms } = await mount();
    el.remove();
    await settle(el);
    document.body.append(el);
    await waitFor(() => el.cignal);
    expect(rooms.rooms).to.have.length(2);
    expect(el.cignal).to.equal(rooms.rooms[1]);
    el.remove();
  });

  it('keeps the call when the element is only moved', async () => {
    const { el, rooms } = await mount();
    const box = document.createElement('div');
    document.body.append(box);
    box.append(el);
    await settle(el);
    expect(rooms.last.calls).to.deep.equal([]);
    expect(el.cignal).to.equal(rooms.last);
    box.remove();
  });

  it('removed while starting: the late session is left and its camera turned off', async () => {
    const rooms = new FakeRooms();
    let open!: () => void;
    rooms.gate = new Promise((resolve) => (open = resolve));
    const { el } = await mount({}, { rooms, wait: false });
    await waitFor(() => rooms.options.length);
    el.remove();
    await settle(el);
    open();
    await waitFor(() => rooms.rooms.length);
    await settle(el);
    expect(rooms.last.calls).to.deep.equal(['leaveRoom']);
    expect(rooms.last.localMedia!.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
    expect(el.cignal).to.equal(null);
  });
});

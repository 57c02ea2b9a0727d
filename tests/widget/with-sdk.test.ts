/// <reference types="mocha" />
// <cignal-call> over the real SDK, with a scripted socket in place of the server and the browser's
// fake camera: the element's attributes reach the wire, server answers reach the screen, and
// removal really turns the camera off and closes the connection.
import { expect } from '@esm-bundle/chai';
import { Cignal, type CignalSocket, type CreateRoomOptions } from '../../sdk/index.js';
import type { CignalCall } from '../../widget/index.js';
import { part, settle, textOf, unmountAll, waitFor } from './fakes.js';
import '../../widget/index.js';

type Handler = (payload?: unknown) => void;

/** Stands in for socket.io-client: records what the SDK sends, delivers what the test says. */
class ScriptedSocket {
  connected = false;
  disconnected = false;
  readonly sent: Array<[string, unknown]> = [];
  readonly #handlers = new Map<string, Handler[]>();

  constructor(
    readonly origin: string,
    readonly options: { path?: string; auth?: Record<string, unknown> },
  ) {}

  on(event: string, handler: Handler): this {
    this.#handlers.set(event, [...(this.#handlers.get(event) ?? []), handler]);
    return this;
  }

  /** With no arguments, as socket.io-client's: removes every listener. */
  off(): this {
    this.#handlers.clear();
    return this;
  }

  connect(): this {
    return this;
  }

  emit(event: string, payload: unknown): this {
    this.sent.push([event, payload]);
    return this;
  }

  timeout(): { emitWithAck: (event: string, payload: unknown) => Promise<{ ok: true }> } {
    return { emitWithAck: async (event, payload) => (this.emit(event, payload), { ok: true }) };
  }

  disconnect(): this {
    this.connected = false;
    this.disconnected = true;
    return this;
  }

  /** The server says `event`. */
  deliver(event: string, payload?: unknown): void {
    if (event === 'joined') this.connected = true;
    for (const handler of this.#handlers.get(event) ?? []) handler(payload);
  }

  joined(peer: { peerId: string; displayName: string; role: string | null } | null): void {
    const auth = this.options.auth as { roomId: string; peerId: string; displayName: string };
    this.deliver('joined', {
      roomId: auth.roomId,
      peerId: auth.peerId,
      displayName: auth.displayName,
      role: null,
      iceServers: [],
      peer,
      resumed: false,
      protocol: 1,
    });
  }
}

/** Adds the element with the real SDK behind it, talking to scripted sockets. */
function mountWithSdk(attributes: Record<string, string>, extra: Partial<CreateRoomOptions> = {}) {
  const sockets: ScriptedSocket[] = [];
  const el = document.createElement('cignal-call');
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.createRoom = (options) =>
    Cignal.createRoom({
      ...options,
      ...extra,
      timeoutMs: 3000,
      createSocket: (origin, socketOptions) => {
        const socket = new ScriptedSocket(origin, socketOptions as ScriptedSocket['options']);
        sockets.push(socket);
        return socket as unknown as CignalSocket;
      },
    });
  const heard: Array<[string, unknown]> = [];
  for (const name of ['cignal-local-stream', 'cignal-local-media-changed', 'cignal-peer-joined', 'cignal-state-change', 'cignal-server-error', 'cignal-client-error']) {
    el.addEventListener(name, (e) => heard.push([e.type, (e as CustomEvent).detail]));
  }
  document.body.append(el);
  return { el: el as CignalCall, sockets, heard };
}

afterEach(() => {
  unmountAll();
  document.querySelectorAll('cignal-call').forEach((el) => el.remove());
});

describe('<cignal-call> with the real SDK', () => {
  it('joins with its attributes, shows who is there, and releases everything when removed', async () => {
    const { el, sockets, heard } = mountWithSdk({
      'room-id': 'room-7',
      'peer-id': 'grace',
      'peer-name': 'Grace',
      server: 'https://signal.example/calls/',
    });
    const socket = await waitFor(() => sockets[0]);
    expect(socket.origin).to.equal('https://signal.example');
    expect(socket.options.path).to.equal('/calls/socket.io');
    expect(socket.options.auth).to.include({ roomId: 'room-7', peerId: 'grace', displayName: 'Grace' });

    socket.joined({ peerId: 'ada', displayName: 'Ada', role: null });
    await waitFor(() => el.cignal);
    await settle(el);
    expect(el.getAttribute('state')).to.equal('ready');
    expect(textOf(el, 'status')).to.equal('Ada is here. You can call now.');
    expect(heard.map(([type]) => type)).to.deep.equal(['cignal-local-stream', 'cignal-local-media-changed', 'cignal-peer-joined', 'cignal-state-change']);
    expect(heard[1]![1]).to.deep.equal({ microphone: true, camera: true, screenShare: false, cameraPaused: false });
    expect(heard[2]![1]).to.equal('Ada');
    expect(heard[3]![1]).to.deep.equal({ state: 'ready', previous: 'waiting' });
    // Ada is told what this side sends as soon as she is known.
    expect(socket.sent).to.deep.include(['mediaState', { microphone: true, camera: true, screenShare: false, seq: 1 }]);

    const media = el.cignal!.localMedia!;
    expect(media.getTracks().map((t) => t.readyState)).to.deep.equal(['live', 'live']);
    expect(part<HTMLVideoElement>(el, 'local-video')!.srcObject).to.equal(media);

    await el.inform('hello');
    expect(socket.sent.find(([event]) => event === 'inform')?.[1]).to.include({ data: 'hello' });

    el.remove();
    await settle(el);
    expect(socket.disconnected).to.equal(true);
    expect(media.getTracks().map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(el.cignal).to.equal(null);
  });

  it('a full room is shown on screen and as cignal-server-error, and Retry tries again', async () => {
    const { el, sockets, heard } = mountWithSdk({ 'room-id': 'busy' });
    const socket = await waitFor(() => sockets[0]);
    socket.deliver('connect_error', Object.assign(new Error('refused'), { data: { code: 'room-full', message: 'Room busy is full' } }));
    await waitFor(() => el.getAttribute('state') === 'error');
    await settle(el);
    expect(textOf(el, 'error')).to.equal('This room is full. Retry');
    const refusal = heard.find(([type]) => type === 'cignal-server-error')![1] as { code: string; reason: { message: string } };
    expect(refusal.code).to.equal('room-full');
    // The sentence, both as the string it is and as the original SDK's `reason.message`.
    expect(`${refusal.reason}`).to.equal('Room busy is full');
    expect(refusal.reason.message).to.equal('Room busy is full');

    part<HTMLButtonElement>(el, 'retry-button')!.click();
    const again = await waitFor(() => sockets[1]);
    again.joined(null);
    await waitFor(() => el.cignal?.socket === (again as unknown));
    await settle(el);
    expect(el.getAttribute('state')).to.equal('waiting');
    expect(part(el, 'error')).to.equal(null);
    expect(textOf(el, 'share-link')).to.contain('roomId=busy');
  });

  it('a denied camera is explained, with Retry, and no connection is made', async () => {
    const denied = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    const { el, sockets, heard } = mountWithSdk({}, { getUserMedia: denied });
    await waitFor(() => el.getAttribute('state') === 'error');
    await settle(el);
    expect(textOf(el, 'error')).to.equal('Camera or microphone access was blocked. Allow it in the site settings, then retry. Retry');
    expect((heard.find(([type]) => type === 'cignal-client-error')![1] as { code: string }).code).to.equal('media-denied');
    expect(sockets).to.have.length(0);
  });
});

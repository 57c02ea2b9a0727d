/// <reference types="mocha" />
// <cignal-call>'s picture-in-picture with a hand-driven SDK, in the browsers Chromium can stand in
// for: one without Document Picture-in-Picture (the video's own picture-in-picture), one with
// neither (no button), and the Media Session action registered under auto-pip. The Document
// Picture-in-Picture window itself is tested between two real pages (tests/e2e/pip.test.ts).
import { expect } from '@esm-bundle/chai';
import { sendMouse } from '@web/test-runner-commands';
import type { CignalCall } from '../../widget/index.js';
import type { PipChange } from '../../widget/pip.js';
import { mount, part, settle, unmountAll, waitFor } from './fakes.js';

/** An element in a call with Ada, her video arriving; the pip changes it reports are recorded. */
async function inCall(attributes: Record<string, string> = {}) {
  const mounted = await mount(attributes);
  const changes: PipChange[] = [];
  mounted.el.addEventListener('cignal-pip-change', (event) => changes.push(event.detail));
  const room = mounted.rooms.last;
  room.peerArrives('Ada');
  await mounted.el.call();
  room.fire('remoteStream', new MediaStream(room.localMedia!.getVideoTracks().map((t) => t.clone())));
  room.setState('in-call');
  await settle(mounted.el);
  return { ...mounted, room, changes };
}

/** A real press (a user gesture, which picture-in-picture requires) in the middle of `button`. */
async function press(button: HTMLElement): Promise<void> {
  const box = button.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)] });
}

/** Hides a browser feature for one test, as a browser without it would have it. */
const hidden: Array<() => void> = [];
function hide(target: object, name: string, value: unknown): void {
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value, configurable: true });
  hidden.push(() => (own ? Object.defineProperty(target, name, own) : delete (target as Record<string, unknown>)[name]));
}

afterEach(async () => {
  if (document.pictureInPictureElement) await document.exitPictureInPicture();
  unmountAll();
  for (const restore of hidden.splice(0)) restore();
});

describe('<cignal-call> picture-in-picture', () => {
  it('without Document Picture-in-Picture, the button shows the other person in the video picture-in-picture, and closes it', async () => {
    hide(window, 'documentPictureInPicture', undefined);
    const { el, changes } = await inCall();
    const remote = part<HTMLVideoElement>(el, 'remote-video')!;
    await waitFor(() => remote.videoWidth > 0, 'the remote video playing');

    await press(part(el, 'pip-button')!);
    await waitFor(() => changes.length === 1, 'cignal-pip-change');
    expect(changes).to.deep.equal([{ open: true, kind: 'video' }]);
    expect(el.shadowRoot!.pictureInPictureElement).to.equal(remote);
    await settle(el);
    expect(part(el, 'pip-button')!.getAttribute('aria-pressed')).to.equal('true');

    await press(part(el, 'pip-button')!);
    await waitFor(() => changes.length === 2, 'cignal-pip-change');
    expect(changes[1]).to.deep.equal({ open: false, kind: 'video' });
    expect(document.pictureInPictureElement).to.equal(null);
    await settle(el);
    expect(part(el, 'pip-button')!.getAttribute('aria-pressed')).to.equal('false');
  });

  it('closes when the call ends', async () => {
    hide(window, 'documentPictureInPicture', undefined);
    const { el, changes } = await inCall();
    await waitFor(() => part<HTMLVideoElement>(el, 'remote-video')!.videoWidth > 0, 'the remote video playing');
    await press(part(el, 'pip-button')!);
    await waitFor(() => changes.length === 1, 'cignal-pip-change');

    await el.hangUp();
    await waitFor(() => changes.length === 2, 'cignal-pip-change');
    expect(changes[1]).to.deep.equal({ open: false, kind: 'video' });
    expect(document.pictureInPictureElement).to.equal(null);
    expect(part(el, 'pip-button')).to.equal(null);
  });

  it('is not offered where the browser has neither kind, nor before a call', async () => {
    const before = await mount({ prejoin: '' }, { wait: false });
    await waitFor(() => part(before.el, 'join-button'));
    expect(part(before.el, 'pip-button')).to.equal(null);
    unmountAll();

    hide(window, 'documentPictureInPicture', undefined);
    hide(document, 'pictureInPictureEnabled', false);
    const { el } = await inCall();
    expect(part(el, 'pip-button')).to.equal(null);
    expect(await (el as CignalCall).enterPictureInPicture()).to.deep.equal({ success: false });
  });

  it('under auto-pip, registers the Media Session action during a call only', async () => {
    const registered: Array<unknown> = [];
    const session = navigator.mediaSession;
    const original = session.setActionHandler;
    hide(session, 'setActionHandler', (action: MediaSessionAction, handler: MediaSessionActionHandler | null) => {
      if (action === ('enterpictureinpicture' as MediaSessionAction)) registered.push(handler && 'handler');
      original.call(session, action, handler);
    });

    const plain = await inCall();
    expect(registered).to.deep.equal([]);
    await plain.el.hangUp();
    unmountAll();

    const { el } = await inCall({ 'auto-pip': '' });
    // Once the picture-in-picture part, loaded when the call started, is there.
    await waitFor(() => registered.length, 'the action registered');
    expect(registered).to.deep.equal(['handler']);
    await el.hangUp();
    await settle(el);
    expect(registered).to.deep.equal(['handler', null]);
  });
});

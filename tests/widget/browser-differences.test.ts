/// <reference types="mocha" />
// <cignal-call> where browsers differ (Safari most of all), played in Chromium with the differing
// answers put in by hand: sound refused before a click, a speaker taken only within the click, no
// Fullscreen API.
import { expect } from '@esm-bundle/chai';
import type { CignalCall } from '../../widget/index.js';
import { mount, part, settle, unmountAll, waitFor, type FakeCignal } from './fakes.js';

afterEach(unmountAll);

/** In a call with Ada: the remote stream (a clone of our camera) arrives. */
async function inCall(el: CignalCall, room: FakeCignal) {
  room.peerArrives('Ada');
  await room.joinRoom();
  const remote = new MediaStream(room.localMedia!.getTracks().map((track) => track.clone()));
  room.fire('remoteStream', remote);
  room.setState('in-call');
  await settle(el);
  return remote;
}

/**
 * Records the speakers set on the remote video, opens the device menu and picks its last speaker
 * (without dispatching the change); `select` is null where the browser lists no speakers.
 */
async function openSpeakerChoice(el: CignalCall) {
  const video = part<HTMLVideoElement & { setSinkId(id: string): Promise<void> }>(el, 'remote-video')!;
  const asked: string[] = [];
  video.setSinkId = async (id: string) => void asked.push(id);
  part(el, 'settings-button')!.click();
  await waitFor(() => part(el, 'device-menu')?.querySelector('select[data-kind=videoinput]'));
  const select = part(el, 'device-menu')!.querySelector<HTMLSelectElement>('select[data-kind=audiooutput]');
  if (select) select.value = select.options[select.options.length - 1]!.value;
  return { asked, select };
}

describe('<cignal-call> where browsers differ', () => {
  it('sound refused before a click: the other person plays muted, and the next click turns the sound on', async () => {
    const { el, rooms } = await mount();
    const video = part<HTMLVideoElement>(el, 'remote-video')!;
    // Safari, while the page captures nothing: play() with sound is refused until a user gesture.
    let gesture = false;
    const play = HTMLMediaElement.prototype.play;
    video.play = function (this: HTMLVideoElement) {
      return this.muted || gesture ? play.call(this) : Promise.reject(new DOMException('No user gesture', 'NotAllowedError'));
    };
    const remote = await inCall(el, rooms.last);
    await waitFor(() => video.muted && !video.paused);
    expect(video.srcObject).to.equal(remote);

    gesture = true;
    part(el, 'stage')!.click();
    await waitFor(() => !video.muted);
    expect(video.paused).to.equal(false);
    remote.getTracks().forEach((track) => track.stop());
  });

  it('a speaker is set on the remote video within the change event that chose it', async function () {
    if (!('setSinkId' in HTMLMediaElement.prototype)) this.skip();
    const { el, rooms } = await mount();
    const remote = await inCall(el, rooms.last);
    const { asked, select } = await openSpeakerChoice(el);
    if (!select) this.skip();
    expect(select.value).not.to.equal('');
    select.dispatchEvent(new Event('change'));
    // Safari takes a speaker only within the user gesture: asked before the SDK had a turn.
    expect(asked).to.deep.equal([select.value]);
    await waitFor(() => rooms.last.calls.includes('switch:audiooutput'));
    await settle(el);
    expect(asked).to.have.length(1);
    remote.getTracks().forEach((track) => track.stop());
  });

  it('a speaker chosen on the pre-join screen is set within its change event, and Join takes it into the call', async function () {
    if (!('setSinkId' in HTMLMediaElement.prototype)) this.skip();
    const { el, rooms } = await mount({ prejoin: '' }, { wait: false });
    await waitFor(() => part(el, 'join-button') && !(part(el, 'join-button') as HTMLButtonElement).disabled);
    await settle(el);
    const { asked, select } = await openSpeakerChoice(el);
    if (!select) this.skip();
    select.dispatchEvent(new Event('change'));
    // No call yet, and Safari takes a speaker only within the user gesture: the element sets it now.
    expect(asked).to.deep.equal([select.value]);
    (part(el, 'join-button') as HTMLButtonElement).click();
    await waitFor(() => rooms.rooms.length > 0 && rooms.last.calls.includes('switch:audiooutput'));
  });

  it('no full-screen button where the page may not go full screen (an iPhone, older Safari)', async () => {
    const enabled = Object.getOwnPropertyDescriptor(Document.prototype, 'fullscreenEnabled')!;
    Object.defineProperty(document, 'fullscreenEnabled', { value: undefined, configurable: true });
    try {
      const { el, rooms } = await mount();
      const remote = await inCall(el, rooms.last);
      expect(part(el, 'fullscreen-button')).to.equal(null);
      expect(part(el, 'mic-button')).not.to.equal(null);
      remote.getTracks().forEach((track) => track.stop());
    } finally {
      delete (document as { fullscreenEnabled?: boolean }).fullscreenEnabled;
      expect(Object.getOwnPropertyDescriptor(Document.prototype, 'fullscreenEnabled')).to.deep.equal(enabled);
    }
  });
});

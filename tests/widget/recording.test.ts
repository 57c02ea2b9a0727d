/// <reference types="mocha" />
// <cignal-call>'s recording with a hand-driven SDK: the record button asks and shows the wait,
// a refusal is said; the other person's request takes the focus with Accept and Decline; both
// sides show the indicator while recording; the finished file is offered with a sensible name.
import { expect } from '@esm-bundle/chai';
import { CignalError } from '../../sdk/index.js';
import type { CignalCall } from '../../widget/index.js';
import { mount, part, settle, textOf, unmountAll } from './fakes.js';

/** An element in a call with Ada Lovelace. */
async function inCall(attributes: Record<string, string> = {}) {
  const mounted = await mount(attributes);
  const room = mounted.rooms.last;
  room.peerArrives('Ada Lovelace');
  await mounted.el.call();
  room.setState('in-call');
  await settle(mounted.el);
  return { ...mounted, room };
}

const recordButton = (el: CignalCall) => part<HTMLButtonElement>(el, 'record-button');

afterEach(unmountAll);

describe('<cignal-call> recording', () => {
  it('the record button asks the other person, shows the wait, and says so when they decline', async () => {
    const { el, room } = await inCall();
    const button = recordButton(el)!;
    expect(button.getAttribute('aria-label')).to.equal('Record');
    expect(button.getAttribute('aria-pressed')).to.equal('false');
    const states: unknown[] = [];
    el.addEventListener('cignal-recording-state', (event) => states.push(event.detail));

    button.click();
    expect(room.calls).to.include('startRecording');
    room.fire('recordingState', { state: 'asked', recorder: 'local', by: 'local' });
    await settle(el);
    expect(recordButton(el)!.getAttribute('aria-pressed')).to.equal('true');
    expect(part(el, 'recording-indicator')!.dataset.state).to.equal('asked');
    expect(textOf(el, 'recording-indicator')).to.equal('Waiting for Ada Lovelace to agree to the recording…');

    room.fire('recordingState', { state: 'declined', recorder: 'local', by: 'remote' });
    room.recordingAsked!.reject(new CignalError('recording-declined', 'The other person declined to be recorded'));
    await settle(el);
    await settle(el);
    expect(part(el, 'recording-indicator')).to.equal(null);
    expect(recordButton(el)!.getAttribute('aria-pressed')).to.equal('false');
    expect(textOf(el, 'error')).to.equal('The other person declined to be recorded.');
    expect(states).to.deep.equal([
      { state: 'asked', recorder: 'local', by: 'local' },
      { state: 'declined', recorder: 'local', by: 'remote' },
    ]);
  });

  it("the other person's request takes the focus; Accept answers it, and both the indicator and the record button show the recording", async () => {
    const { el, room } = await inCall();
    room.fire('recordingRequested', { displayName: 'Ada Lovelace' });
    room.fire('recordingState', { state: 'asked', recorder: 'remote', by: 'remote' });
    await settle(el);
    const prompt = part(el, 'recording-prompt')!;
    expect(prompt.getAttribute('role')).to.equal('alertdialog');
    expect(el.shadowRoot!.activeElement).to.equal(prompt);
    expect(el.shadowRoot!.getElementById(prompt.getAttribute('aria-labelledby')!)!.textContent).to.equal('Ada Lovelace asks to record this call.');
    const [accept, decline] = [...prompt.querySelectorAll('button')];
    expect([accept!.textContent, decline!.textContent]).to.deep.equal(['Accept', 'Decline']);

    accept!.click();
    expect(room.calls).to.include('acceptRecording');
    room.fire('recordingState', { state: 'recording', recorder: 'remote', by: 'local' });
    await settle(el);
    expect(part(el, 'recording-prompt')).to.equal(null);
    expect(textOf(el, 'recording-indicator')).to.equal('Recording');
    expect(part(el, 'recording-indicator')!.dataset.state).to.equal('recording');
    expect(el.shadowRoot!.activeElement).to.equal(recordButton(el));
    expect(recordButton(el)!.getAttribute('aria-pressed')).to.equal('true');

    // Either side may stop it.
    recordButton(el)!.click();
    expect(room.calls).to.include('stopRecording');
  });

  it('Decline answers the request and records nothing', async () => {
    const { el, room } = await inCall();
    room.fire('recordingState', { state: 'asked', recorder: 'remote', by: 'remote' });
    await settle(el);
    part(el, 'recording-prompt')!.querySelectorAll('button')[1]!.click();
    expect(room.calls).to.include('declineRecording');
    expect(room.calls).not.to.include('acceptRecording');
  });

  it('the finished recording is offered for download as cignal-<room>-<date>.webm', async () => {
    const { el, room } = await inCall();
    const files: unknown[] = [];
    el.addEventListener('cignal-recording', (event) => files.push(event.detail));
    room.fire('recordingState', { state: 'recording', recorder: 'local', by: 'local' });
    await settle(el);
    expect(part(el, 'recording-download')).to.equal(null);
    const blob = new Blob(['webm'], { type: 'video/webm' });
    room.fire('recordingState', { state: 'stopped', recorder: 'local', by: 'local', reason: 'asked' });
    room.fire('recording', { blob, durationMs: 3000, mimeType: 'video/webm' });
    await settle(el);
    expect(files).to.deep.equal([{ blob, durationMs: 3000, mimeType: 'video/webm' }]);
    expect(part(el, 'recording-indicator')).to.equal(null);
    const link = part<HTMLAnchorElement>(el, 'recording-download')!;
    expect(link.textContent).to.equal('Download the recording');
    expect(link.download).to.match(/^cignal-room-1-\d{4}-\d{2}-\d{2}-\d{4}\.webm$/);
    expect(await (await fetch(link.href)).text()).to.equal('webm');

    // A browser that records MP4 (Safari without WebM recording) gets a name that says so.
    room.fire('recording', { blob: new Blob(['mp4'], { type: 'video/mp4' }), durationMs: 1000, mimeType: 'video/mp4;codecs=avc1,mp4a' });
    await settle(el);
    expect(part<HTMLAnchorElement>(el, 'recording-download')!.download).to.match(/^cignal-room-1-\d{4}-\d{2}-\d{2}-\d{4}\.mp4$/);
  });

  it('no-recording hides the record button; a request from the other person is still shown', async () => {
    const { el, room } = await inCall({ 'no-recording': '' });
    expect(recordButton(el)).to.equal(null);
    room.fire('recordingState', { state: 'asked', recorder: 'remote', by: 'remote' });
    await settle(el);
    expect(part(el, 'recording-prompt')).not.to.equal(null);
  });
});

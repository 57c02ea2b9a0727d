/// <reference types="mocha" />
// The recording's consent between two Recordings in one Chromium page, joined by a hand-held
// channel in place of a call's data channel, so the test decides when the channel is down and
// when a rebuilt connection opens a new one. What is said while there is no channel (a stop, a
// "no") still arrives, with the new channel; what is said twice is taken once. The recordings
// are real: canvas, Web Audio and MediaRecorder, over the fake camera and microphone.
import { expect } from '@esm-bundle/chai';
import type { PeerFrame } from '../../sdk/data-channel.js';
import { Emitter } from '../../sdk/emitter.js';
import type { CallEngine, EngineEvents } from '../../sdk/engine.js';
import type { CignalEvents } from '../../sdk/events.js';
import type { LocalMedia } from '../../sdk/local-media.js';
import { Logger } from '../../sdk/logger.js';
import type { CignalData } from '../../sdk/options.js';
import { Recording, type RecordingStateDetail } from '../../sdk/recording.js';

type RecordingFrame = Extract<PeerFrame, { t: 'recording' }>;

/** The part of the engine a Recording uses: its call's channel (`up` or not) and the call's events. */
class Wire extends Emitter<EngineEvents> {
  other!: Wire;
  up = true;
  /** Every frame this side sent, delivered or not. */
  readonly sent: RecordingFrame[] = [];
  /** Frames on their way. */
  inFlight = 0;
  constructor(stream: MediaStream) {
    super();
    this.release();
    this.call = {
      remoteStream: stream,
      sendFrame: (frame: RecordingFrame) => {
        this.sent.push(frame);
        if (!this.up) return false;
        // Delivered after this turn, as a data channel's message is.
        this.inFlight++;
        setTimeout(() => {
          this.other.emit('recordingFrame', frame);
          this.inFlight--;
        }, 0);
        return true;
      },
    };
  }
  call: { remoteStream: MediaStream; sendFrame(frame: RecordingFrame): boolean } | null;
  /** A rebuilt connection's channel opened. */
  open(): void {
    this.up = true;
    this.emit('channelOpen');
  }
}

interface Side {
  wire: Wire;
  recording: Recording;
  states: RecordingStateDetail[];
  asked: number;
  results: Array<{ blob: Blob; durationMs: number }>;
}

let stream: MediaStream;
const recordings: Recording[] = [];

before(async () => {
  stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
});
after(() => stream.getTracks().forEach((track) => track.stop()));
afterEach(() => recordings.splice(0).forEach((recording) => recording.callEnded()));

function pair(): [Side, Side] {
  const sides = ['alice', 'bob'].map((name) => {
    const wire = new Wire(stream);
    const media = { outgoing: (kind: 'audio' | 'video') => (kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0]) ?? null, state: { screenShare: false } };
    const side: Side = { wire, recording: undefined as unknown as Recording, states: [], asked: 0, results: [] };
    const emit = <E extends 'recordingRequested' | 'recordingState' | 'recording'>(event: E, ...args: CignalEvents[E]) => {
      if (event === 'recordingState') side.states.push(args[0] as RecordingStateDetail);
      if (event === 'recordingRequested') side.asked++;
      if (event === 'recording') side.results.push(args[0] as Side['results'][number]);
    };
    side.recording = new Recording(wire as unknown as CallEngine, media as unknown as LocalMedia, { remoteDisplayName: name } as CignalData, new Logger(name), emit);
    recordings.push(side.recording);
    return side;
  });
  [sides[0]!.wire.other, sides[1]!.wire.other] = [sides[1]!.wire, sides[0]!.wire];
  return sides as [Side, Side];
}

/** The channel goes down on both sides (frames sent meanwhile are lost with it). */
const down = (...sides: Side[]) => sides.forEach((side) => (side.wire.up = false));
/** A rebuilt connection's channel opens on both sides. */
const reopen = (...sides: Side[]) => {
  for (const side of sides) side.wire.up = true;
  for (const side of sides) side.wire.open();
};

async function until(what: string, test: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every frame sent has arrived, and whatever it made the other side send too. */
const quiet = (...sides: Side[]) => until('the frames on their way', () => sides.every((side) => side.wire.inFlight === 0));
/** A pair where Alice has asked to record and Bob has been asked; `started` is her request. */
async function aliceAsks() {
  const [alice, bob] = pair();
  const started = alice.recording.start();
  await until('the question', () => bob.asked === 1);
  return { alice, bob, started };
}

const last = (side: Side) => side.states.at(-1)?.state;

describe('Recording: consent across a rebuilt connection', () => {
  it('a stop said while the channel is down stops the recording when a new channel opens, and the question is not asked again', async () => {
    const { alice, bob, started } = await aliceAsks();
    bob.recording.accept();
    expect(await started).to.deep.equal({ success: true });
    expect(last(alice)).to.equal('recording');

    down(alice, bob);
    expect(bob.recording.stop()).to.deep.equal({ success: true });
    expect(last(bob)).to.equal('stopped');
    // Alice has not heard it: she records on, until a channel carries Bob's stop.
    await quiet(alice, bob);
    expect(last(alice)).to.equal('recording');

    reopen(alice, bob);
    await until('the stop', () => last(alice) === 'stopped');
    expect(alice.states.at(-1)).to.deep.equal({ state: 'stopped', recorder: 'local', by: 'remote', reason: 'asked' });
    await until('the result', () => alice.results.length === 1);
    expect(alice.results[0]!.durationMs).to.be.greaterThan(0);
    // Alice's question came again with the new channel: Bob, who answered it, is not asked anew.
    expect(alice.wire.sent.filter((frame) => frame.action === 'ask')).to.have.length(2);
    await quiet(alice, bob);
    expect(bob.asked).to.equal(1);
    expect(bob.states.map((s) => s.state)).to.deep.equal(['asked', 'recording', 'stopped']);
    expect(bob.recording.active).to.equal(false);
  });

  it('says recording only once the file has begun; stopped before that, it gives no file', async () => {
    const { alice, bob, started } = await aliceAsks();
    // Yes and stop in one turn: they reach Alice before her browser has written anything.
    bob.recording.accept();
    bob.recording.stop();
    expect(await started).to.deep.equal({ success: false });
    expect(alice.states).to.deep.equal([
      { state: 'asked', recorder: 'local', by: 'local' },
      { state: 'stopped', recorder: 'local', by: 'remote', reason: 'asked' },
    ]);

    // The next one begins, and is the only file that comes.
    const again = alice.recording.start();
    await until('the second question', () => bob.asked === 2);
    bob.recording.accept();
    expect(await again).to.deep.equal({ success: true });
    expect(last(alice)).to.equal('recording');
    alice.recording.stop();
    await until('the result', () => alice.results.length > 0);
    expect(alice.results).to.have.length(1);
    expect(alice.results[0]!.blob.size).to.be.greaterThan(0);
  });

  it('a "no" said while the channel is down reaches the asking side with the new channel', async () => {
    const { alice, bob, started } = await aliceAsks();
    down(alice, bob);
    expect(bob.recording.decline()).to.deep.equal({ success: true });
    reopen(alice, bob);
    const error = await started.then(() => null, (e) => e);
    expect(error?.code).to.equal('recording-declined');
    expect(alice.states.map((s) => s.state)).to.deep.equal(['asked', 'declined']);
    expect(alice.recording.active).to.equal(false);
    await quiet(alice, bob);
    expect(bob.asked).to.equal(1);
    expect(bob.recording.active).to.equal(false);
  });

  it('a yes that cannot be sent is not given, and a question that cannot be sent is not asked', async () => {
    const { alice, bob, started } = await aliceAsks();
    down(alice, bob);
    expect(bob.recording.accept()).to.deep.equal({ success: false });
    reopen(alice, bob);
    await quiet(alice, bob);
    // Nothing is recorded without a yes that arrived; Bob can still answer.
    expect(last(alice)).to.equal('asked');
    bob.recording.accept();
    expect(await started).to.deep.equal({ success: true });
    alice.recording.stop();
    await until('the stop', () => last(bob) === 'stopped');

    down(alice, bob);
    const error = await alice.recording.start().then(() => null, (e) => e);
    expect(error?.code).to.equal('not-connected');
    reopen(alice, bob);
    await quiet(alice, bob);
    expect(bob.asked).to.equal(1);
  });
});

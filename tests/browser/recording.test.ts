// Recording with both people's consent, between two real Chromium pages: a request declined
// records nothing and both are told; one accepted records in the asking browser a WebM file with
// the picture and both voices, which ffprobe reads back with the length that was recorded.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { callBetween, events, harnessPage, run, waitForEvent } from '../helpers/harness.js';
import { keepRecording, probeRecording, recordFor } from '../helpers/recording.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite();
const page = () => harnessPage(suite);

// A recording begins once the browser has written the file's start, seconds after the yes on a
// busy machine: the tests that record get a minute.
const recordingStates = async (p: Page) => (await events(p, 'recordingState')).map((e) => e.arg);

describe('recording with consent', () => {
  it('a declined request records nothing; an accepted one records both people into one WebM file of the length recorded', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await keepRecording(a);

    // A asks, B says no: A's request fails with recording-declined, both are told, nothing is recorded.
    await run(a, 'T.asked = room.startRecording().then((r) => r, (e) => ({ code: e.code }));');
    await waitForEvent(b, 'recordingRequested');
    expect((await events(b, 'recordingRequested'))[0]!.arg).toEqual({ displayName: 'A' });
    expect(await run(b, 'return room.declineRecording();')).toEqual({ success: true });
    expect(await run(a, 'return T.asked;')).toEqual({ code: 'recording-declined' });
    expect(await recordingStates(a)).toEqual([
      { state: 'asked', recorder: 'local', by: 'local' },
      { state: 'declined', recorder: 'local', by: 'remote' },
    ]);
    expect(await recordingStates(b)).toEqual([
      { state: 'asked', recorder: 'remote', by: 'remote' },
      { state: 'declined', recorder: 'remote', by: 'local' },
    ]);

    // A asks again, B says yes: both hear that A records.
    await run(a, 'T.asked = room.startRecording();');
    await waitForEvent(b, 'recordingRequested', 2);
    expect(await run(b, 'return room.acceptRecording();')).toEqual({ success: true });
    expect(await run(a, 'const result = await T.asked; T.started = performance.now(); return result;')).toEqual({ success: true });
    expect((await recordingStates(a)).at(-1)).toEqual({ state: 'recording', recorder: 'local', by: 'local' });
    expect((await recordingStates(b)).at(-1)).toEqual({ state: 'recording', recorder: 'remote', by: 'local' });
    expect(await run(a, 'return T.recording;')).toBeNull(); // the declined request made no file

    // About 3 s measured in the page, then A stops; B is told.
    await a.waitForFunction(() => performance.now() - (window as any).T.started >= 3000, null, { polling: 100 });
    const recordedMs = await run<number>(a, 'const ms = performance.now() - T.started; await room.stopRecording(); return ms;');
    await waitForEvent(b, 'recordingState', 4);
    expect((await recordingStates(b)).at(-1)).toEqual({ state: 'stopped', recorder: 'remote', by: 'remote', reason: 'asked' });
    expect((await recordingStates(a)).at(-1)).toEqual({ state: 'stopped', recorder: 'local', by: 'local', reason: 'asked' });

    const file = await probeRecording(a);
    expect(file.mimeType).toMatch(/^video\/webm/);
    expect(file.format).toContain('webm');
    expect(file.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
    expect(['vp8', 'vp9']).toContain(file.streams.find((s) => s.type === 'video')!.codec);
    expect(file.streams.find((s) => s.type === 'audio')!.codec).toBe('opus');
    // The file runs from the recorder's start, a moment before A was told it records: all the time
    // A was shown as recorded, and as long as the recorder measured.
    expect(file.durationMs).toBeGreaterThanOrEqual(recordedMs);
    expect(Math.abs(file.durationS * 1000 - file.durationMs)).toBeLessThan(1000);
    // B recorded nothing.
    expect(await events(b, 'recording')).toEqual([]);
  }, 60_000);

  it('asking without a call, or twice, fails with a clear error; the recording ends with the call', async () => {
    const lonely = await page();
    await run(lonely, `await T.create({ roomId: ${JSON.stringify(uniqueRoom())} });`);
    expect(await run(lonely, 'return room.startRecording().then(() => null, (e) => e.code);')).toBe('not-connected');

    const [a, b] = await callBetween(page, uniqueRoom());
    await keepRecording(a);
    await run(a, 'T.asked = room.startRecording();');
    expect(await run(a, 'return room.startRecording().then(() => null, (e) => e.code);')).toBe('recording-active');
    await waitForEvent(b, 'recordingRequested');
    await run(b, 'room.acceptRecording();');
    expect(await run(a, 'const result = await T.asked; T.started = performance.now(); return result;')).toEqual({ success: true });
    await a.waitForFunction(() => performance.now() - (window as any).T.started >= 1500, null, { polling: 100 });
    // B hangs up: A's recording stops by itself and its file comes.
    await run(b, 'await room.leaveRoom();');
    const file = await probeRecording(a);
    expect(file.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
    expect((await recordingStates(a)).at(-1)).toMatchObject({ state: 'stopped', reason: 'call-ended' });
  });

  it('records a call where nobody has a microphone, and a browser that will not play the sound gets the picture alone', async () => {
    // Neither side opens a microphone: no voice to mix, yet the file has its picture (and silence).
    const silent = { mediaConstraints: { audio: false, video: true } };
    const [a, b] = await callBetween(page, uniqueRoom(), silent);
    await recordFor(a, b, 1500);
    const file = await probeRecording(a);
    expect(file.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
    expect(file.durationS).toBeGreaterThan(1);

    // A browser that holds the page's sound back until a click (as Safari does with a request made
    // outside one): its AudioContext stays suspended. The recording is the picture alone, and says so.
    const [c, d] = await callBetween(page, uniqueRoom());
    const warnings: string[] = [];
    c.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
    await run(c, `
      localStorage.debug = 'cignal-client:WARN:*';
      window.AudioContext = class extends AudioContext {
        constructor(options) { super(options); void this.suspend(); }
        resume() { return Promise.resolve(); }
      };
    `);
    await recordFor(c, d, 1500);
    const picture = await probeRecording(c);
    expect(picture.streams.map((s) => s.type)).toEqual(['video']);
    expect(picture.durationS).toBeGreaterThan(1);
    expect(warnings.join('\n')).toContain('recording the picture only');
  }, 60_000);
});

// Recordings read out of a test page and checked with ffprobe (Debian's ffmpeg): the Blob's bytes
// written to a temporary file, its streams and duration as ffprobe reads them from the file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { events, run, waitForEvent, type TestPage } from './harness.js';

export interface Probe {
  format: string;
  /** Seconds, from the last packet in the file (a MediaRecorder WebM may carry no duration of its own). */
  durationS: number;
  streams: Array<{ type: string; codec: string }>;
  /** Seconds: where each kind of stream (`video`, `audio`) ends, by its last packet. */
  ends: Record<string, number>;
  /** Seconds: the longest time between two consecutive packets of each kind (a picture that froze and stopped coming). */
  gaps: Record<string, number>;
  /** Seconds: where each kind's longest gap begins. */
  gapsAt: Record<string, number>;
}

/**
 * Keeps the page's next recording (`recording` event) in `T.recording`; call before it ends.
 */
export function keepRecording(page: TestPage): Promise<void> {
  return run(page, 'T.recording = null; room.on("recording", (result) => (T.recording = result));');
}

/**
 * `a` asks to record, `b` says yes, and `a` stops after `ms` of recording by its clock (from its
 * request resolving). The file is kept (`keepRecording`), for `probeRecording`.
 */
export async function recordFor(a: TestPage, b: TestPage, ms: number): Promise<void> {
  await keepRecording(a);
  const asked = (await events(b, 'recordingRequested')).length;
  await run(a, 'T.asked = room.startRecording();');
  await waitForEvent(b, 'recordingRequested', asked + 1);
  await run(b, 'room.acceptRecording();');
  const result = await run<{ success: boolean }>(a, 'const result = await T.asked; T.started = performance.now(); return result;');
  if (!result.success) throw new Error(`startRecording resolved ${JSON.stringify(result)}`);
  await a.waitForFunction((ms: number) => performance.now() - (window as any).T.started >= ms, ms, { polling: 100 });
  await run(a, 'T.recordedMs = performance.now() - T.started; await room.stopRecording();');
}

/**
 * Starts measuring how long the page is kept from running (a timer every 20 ms, late by that much)
 * or from rendering (the gap between two animation frames): what a busy machine takes from the
 * page that draws the recording's pictures, for a failure to say. Read with `longestStall`.
 */
export function watchStalls(page: TestPage): Promise<void> {
  return run(page, `
    T.stall = { last: performance.now(), frame: performance.now(), max: 0 };
    setInterval(() => {
      const now = performance.now();
      T.stall.max = Math.max(T.stall.max, now - T.stall.last - 20);
      T.stall.last = now;
    }, 20);
    const frame = (now) => {
      // Frames come every 16.7 ms (60 Hz) on a page that keeps up.
      T.stall.max = Math.max(T.stall.max, now - T.stall.frame - 17);
      T.stall.frame = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  `);
}

/** Seconds: the longest the page could not run or render since `watchStalls`. */
export function longestStall(page: TestPage): Promise<number> {
  return run<number>(page, 'return Math.round(T.stall.max) / 1000;');
}

/** Waits for the page's recording, writes its bytes to a temporary file and probes it. */
export async function probeRecording(page: TestPage, timeout = 20_000): Promise<Probe & { mimeType: string; durationMs: number; bytes: number }> {
  await page.waitForFunction(() => (window as any).T.recording !== null, null, { timeout });
  const { base64, mimeType, durationMs } = await run<{ base64: string; mimeType: string; durationMs: number }>(page, `
    const { blob, mimeType, durationMs } = T.recording;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { base64: btoa(text), mimeType, durationMs };
  `);
  const bytes = Buffer.from(base64, 'base64');
  return { ...(await probe(bytes)), mimeType, durationMs, bytes: bytes.length };
}

/** ffprobe's reading of a file's bytes. */
export async function probe(bytes: Buffer): Promise<Probe> {
  const dir = await mkdtemp(join(tmpdir(), 'cignal-recording-'));
  try {
    const file = join(dir, 'recording.webm');
    await writeFile(file, bytes);
    const ffprobe = (...args: string[]) => promisify(execFile)('ffprobe', ['-v', 'error', '-of', 'json', ...args, file], { maxBuffer: 64 * 1024 * 1024 });
    const info = JSON.parse((await ffprobe('-show_streams', '-show_format')).stdout);
    // The end of the last packet of any stream: what a player shows as the length.
    const packets = JSON.parse((await ffprobe('-show_entries', 'packet=stream_index,pts_time,duration_time')).stdout).packets as Array<{ stream_index: number; pts_time?: string; duration_time?: string }>;
    const ends: Record<string, number> = {};
    const gaps: Record<string, number> = {};
    const gapsAt: Record<string, number> = {};
    const times: Record<string, number[]> = {};
    for (const p of packets) {
      const type = info.streams[p.stream_index].codec_type as string;
      ends[type] = Math.max(ends[type] ?? 0, Number(p.pts_time ?? 0) + Number(p.duration_time ?? 0));
      (times[type] ??= []).push(Number(p.pts_time ?? 0));
    }
    for (const [type, list] of Object.entries(times)) {
      list.sort((x, y) => x - y);
      gaps[type] = 0;
      for (let i = 1; i < list.length; i++) {
        if (list[i]! - list[i - 1]! > gaps[type]!) [gaps[type], gapsAt[type]] = [list[i]! - list[i - 1]!, list[i - 1]!];
      }
    }
    const end = Math.max(0, ...Object.values(ends));
    const formatDuration = Number(info.format.duration);
    return {
      format: info.format.format_name,
      durationS: Number.isFinite(formatDuration) ? formatDuration : end,
      streams: info.streams.map((s: { codec_type: string; codec_name: string }) => ({ type: s.codec_type, codec: s.codec_name })),
      ends,
      gaps,
      gapsAt,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// LocalMedia's screen share on its own, with a screen picker the test answers: Safari opens the
// picker only from within the click that asks for it, so it must be asked for at once, not after
// the changes queued before it.
import { describe, expect, test } from 'vitest';
import { CignalError } from '../../sdk/errors.js';
import { LocalMedia } from '../../sdk/local-media.js';
import { Logger } from '../../sdk/logger.js';
import type { TrackKind } from '../../sdk/peer-session.js';

/** A screen track as LocalMedia uses it. */
function screenTrack(name: string) {
  return { kind: 'video', label: name, readyState: 'live', contentHint: '', stopped: false, addEventListener() {}, stop() { this.stopped = true; } };
}
type ScreenTrack = ReturnType<typeof screenTrack>;

/** A screen picker that stays open until the test answers it. */
function picker() {
  const open: Array<(track: ScreenTrack) => void> = [];
  const getDisplayMedia = () =>
    new Promise<MediaStream>((resolve) => open.push((track) => resolve({ getVideoTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream)));
  return { open, getDisplayMedia };
}

function localMedia(getDisplayMedia?: () => Promise<MediaStream>) {
  const sent: Array<[TrackKind, string | null]> = [];
  const media = new LocalMedia({
    constraints: { audio: false, video: false },
    getDisplayMedia,
    logger: new Logger('test'),
    onOutgoing: async (kind, track) => void sent.push([kind, track?.label ?? null]),
    onStateChange() {},
    onActiveDevice() {},
    onDevices() {},
    onError() {},
  });
  return { media, sent };
}

describe('screen share', () => {
  test('the picker opens within the call that asks for it, even while an earlier change is still going on', async () => {
    const screen = picker();
    const { media, sent } = localMedia(screen.getDisplayMedia);
    const first = media.setScreenShare(true);
    expect(screen.open).toHaveLength(1);
    await Promise.resolve();
    const stop = media.setScreenShare(false);
    const again = media.setScreenShare(true);
    // Asked at once: the first share is still waiting for its picker.
    expect(screen.open).toHaveLength(2);

    const one = screenTrack('screen 1');
    screen.open[0]!(one);
    screen.open[1]!(screenTrack('screen 2'));
    await Promise.all([first, stop, again]);
    expect(sent).toEqual([
      ['video', 'screen 1'],
      ['video', null],
      ['video', 'screen 2'],
    ]);
    expect(one.stopped).toBe(true);
    expect(media.state.screenShare).toBe(true);
  });

  test('two quick asks open one picker', async () => {
    const screen = picker();
    const { media, sent } = localMedia(screen.getDisplayMedia);
    const both = Promise.all([media.setScreenShare(true), media.setScreenShare(true)]);
    expect(screen.open).toHaveLength(1);
    screen.open[0]!(screenTrack('screen'));
    await both;
    expect(sent).toEqual([['video', 'screen']]);
  });

  test('a browser without a screen picker refuses with unsupported, and nothing throws at the call', async () => {
    const { media } = localMedia();
    const asked = media.setScreenShare(true);
    await expect(asked).rejects.toBeInstanceOf(CignalError);
    await expect(asked).rejects.toMatchObject({ code: 'unsupported' });
    expect(media.state.screenShare).toBe(false);
  });
});

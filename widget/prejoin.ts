// The pre-join screen of <cignal-call prejoin>: camera and microphone open for a self-view and the
// device choice, while the room is not entered, so the other person does not see anyone yet; Join
// hands what was chosen there over to the room.
import { deviceKinds, LocalMedia, Logger } from '../sdk/index.js';
import type { Cignal, CignalError, CreateRoomOptions, DeviceKind, Result } from '../sdk/index.js';

const log = new Logger('cignal-call:prejoin');

/** What the preview tells the element, as LocalMedia tells the SDK: something changed, or failed. */
export interface PreviewHandlers {
  /** The microphone or camera changed without being asked (a device went away). */
  onStateChange(): void;
  onActiveDevice(): void;
  onDevices(devices: MediaDeviceInfo[]): void;
  onError(error: CignalError): void;
}

/**
 * getUserMedia constraints that open, in the room, what the preview shows: a device turned off
 * here is not opened (and not sent) until it is turned on in the call. The devices are asked for
 * as `ideal`: one unplugged meanwhile gives way to another rather than failing the join.
 */
function joinConstraints(preview: LocalMedia): MediaStreamConstraints {
  const { microphone, camera } = preview.state;
  const on = (kind: DeviceKind) => {
    const deviceId = preview.activeDevice(kind);
    return deviceId ? { deviceId: { ideal: deviceId } } : true;
  };
  return {
    audio: microphone && on('audioinput'),
    video: camera && on('videoinput'),
  };
}

/**
 * The pre-join screen's course: the preview opens, the person chooses, and Join enters the room
 * with those choices, once the preview has started and every toggle asked for is done.
 */
export class Prejoin {
  /**
   * The self-view's camera and microphone while on the pre-join screen: the SDK's LocalMedia, so
   * the same mute (the track is disabled), camera off (the device is released) and device
   * switching as in the call.
   */
  preview: LocalMedia | null = null;
  /** What Join chose (media constraints), kept so that Retry enters the room the same way. */
  joined: CreateRoomOptions | null = null;
  #started: Promise<unknown> = Promise.resolve();
  #joining: Promise<Result> | null = null;

  /**
   * Opens the preview. Resolves with its stream, or null when the screen was closed meanwhile (the
   * tracks that opened after the release are stopped now); rejects when the devices failed.
   */
  async open(constraints: MediaStreamConstraints, handlers: PreviewHandlers): Promise<MediaStream | null> {
    const preview = (this.preview = new LocalMedia({
      constraints,
      logger: log,
      // Nothing is sent before joining: there is no sender to move.
      onOutgoing: async () => {},
      ...handlers,
    }));
    try {
      const stream = await (this.#started = preview.acquire());
      if (this.preview === preview) return stream;
      preview.release();
    } catch (cause) {
      if (this.preview === preview) {
        this.preview = null;
        throw cause;
      }
    }
    return null;
  }

  /**
   * Enters the room through `enter` with the devices chosen here, on or off as set. Resolves with
   * the entry's outcome; calls made meanwhile share it. `{ success: false }` off the pre-join screen.
   */
  join(enter: (options: CreateRoomOptions) => Promise<Cignal | null>): Promise<Result> {
    const preview = this.preview;
    if (!preview) return this.#joining ?? Promise.resolve({ success: false });
    this.#joining ??= (async () => {
      await this.#started.catch(() => {});
      await preview.idle();
      if (this.preview !== preview) return { success: false };
      const mediaConstraints = joinConstraints(preview);
      const chosen = deviceKinds.map((kind) => [kind, preview.activeDevice(kind)] as const);
      this.close();
      const cignal = await enter((this.joined = { mediaConstraints }));
      // A speaker chosen, or a camera chosen while it was off, applies in the room too.
      for (const [kind, deviceId] of chosen) {
        if (cignal && deviceId && cignal.getActiveDevice(kind) !== deviceId) void cignal.switchActiveDevice(kind, deviceId);
      }
      return { success: !!cignal };
    })().finally(() => (this.#joining = null));
    return this.#joining;
  }

  /** Leaves the pre-join screen: the preview's camera and microphone are turned off, and what Join chose is forgotten. */
  close(): void {
    this.preview?.release();
    this.preview = this.joined = null;
  }
}

// The pre-join screen of <cignal-call prejoin>: camera and microphone open for a self-view and the
// device choice, while the room is not entered, so the other person does not see anyone yet.
import { LocalMedia } from '../sdk/local-media.js';
import { Logger } from '../sdk/logger.js';
import type { CignalError, DeviceKind, MediaState } from '../sdk/index.js';

const log = new Logger('cignal-call:prejoin');

/** What the preview tells the element: something changed, or failed. */
export interface PreviewHandlers {
  onChange(devices?: MediaDeviceInfo[]): void;
  onError(error: CignalError): void;
}

/**
 * The person's own camera and microphone before they join, through the SDK's LocalMedia: the same
 * mute (the track is disabled), camera off (the device is released) and device switching as in
 * the call. `joinConstraints` hands over what was chosen; the preview itself is then released.
 */
export class Preview {
  readonly #media: LocalMedia;

  constructor(constraints: MediaStreamConstraints, handlers: PreviewHandlers) {
    const changed = () => handlers.onChange();
    this.#media = new LocalMedia({
      constraints,
      logger: log,
      // Nothing is sent before joining: there is no sender to move.
      onOutgoing: async () => {},
      onStateChange: changed,
      onActiveDevice: changed,
      onDevices: (devices) => handlers.onChange(devices),
      onError: handlers.onError,
    });
  }

  /** Opens the camera and microphone as the element's `audio` and `video` ask. */
  async start(): Promise<MediaStream> {
    return this.#media.acquire();
  }

  get state(): MediaState {
    return this.#media.state;
  }

  activeDevice(kind: DeviceKind): string | undefined {
    return this.#media.activeDevice(kind);
  }

  setMicrophone(on: boolean): Promise<void> {
    return this.#media.setMicrophone(on);
  }

  setCamera(on: boolean): Promise<void> {
    return this.#media.setCamera(on);
  }

  switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return this.#media.switchDevice(kind, deviceId);
  }

  /**
   * getUserMedia constraints that open, in the room, what the preview shows: a device turned off
   * here is not opened (and not sent) until it is turned on in the call. The devices are asked for
   * as `ideal`: one unplugged meanwhile gives way to another rather than failing the join.
   */
  joinConstraints(): MediaStreamConstraints {
    const { microphone, camera } = this.state;
    const on = (kind: DeviceKind, base: boolean | MediaTrackConstraints | undefined) => {
      const deviceId = this.activeDevice(kind);
      return deviceId ? { ...(typeof base === 'object' ? base : {}), deviceId: { ideal: deviceId } } : base || true;
    };
    return {
      audio: microphone && on('audioinput', true),
      video: camera && on('videoinput', true),
    };
  }

  /** Resolves once the toggles and switches asked for so far are done. */
  idle(): Promise<void> {
    return this.#media.idle();
  }

  /** Turns the camera and microphone off. */
  release(): void {
    this.#media.release();
  }
}

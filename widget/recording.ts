// Recording in <cignal-call>: where a recording stands (from the SDK's `recordingState`), the
// finished file offered for download, and what the element shows of it: the other person's
// request with Accept and Decline, the indicator on both sides, the download link.
import { css, html, nothing, type TemplateResult } from 'lit';
import type { RecordingResult, RecordingStateDetail } from '../sdk/index.js';
import type { CignalLabels } from './labels.js';

/** `cignal-<room>-<yyyy-mm-dd-hhmm>.webm`, in local time; `.mp4` for MP4 (Safari without WebM recording). */
export function recordingName(room: string, at: Date, mimeType: string): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `cignal-${room}-${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}.${mimeType.startsWith('video/mp4') ? 'mp4' : 'webm'}`;
}

export class CallRecording {
  /** A request or a recording in progress (either side's); null otherwise. */
  current: RecordingStateDetail | null = null;
  /** The last finished recording, as a link. */
  download: { url: string; name: string } | null = null;

  follow(detail: RecordingStateDetail): void {
    this.current = detail.state === 'asked' || detail.state === 'recording' ? detail : null;
  }

  finished({ blob, mimeType }: RecordingResult, room: string): void {
    this.clear();
    this.download = { url: URL.createObjectURL(blob), name: recordingName(room, new Date(), mimeType) };
  }

  /** Forgets the state and lets the last file go. */
  clear(): void {
    if (this.download) URL.revokeObjectURL(this.download.url);
    this.current = this.download = null;
  }

  /** Whether the other person's request waits for an answer here. */
  get prompting(): boolean {
    return this.current?.state === 'asked' && this.current.recorder === 'remote';
  }
}

export interface RecordingActions {
  accept(): void;
  decline(): void;
}

/** The request to answer, or the indicator, and the download link when a file is ready. */
export function recordingView(l: CignalLabels, peer: string, recording: CallRecording, { accept, decline }: RecordingActions): TemplateResult {
  const { current, download } = recording;
  const say = (text: string) => text.replace('{name}', peer);
  return html`<div class="recording">
    ${recording.prompting
      ? html`<div part="recording-prompt" role="alertdialog" aria-labelledby="recording-ask" tabindex="-1">
          <p id="recording-ask">${say(l.recordingAsk)}</p>
          <button @click=${accept}>${l.accept}</button> <button @click=${decline}>${l.decline}</button>
        </div>`
      : current
        ? html`<p part="recording-indicator" role="status" data-state=${current.state}>${current.state === 'recording' ? l.recordingOn : say(l.recordingWait)}</p>`
        : nothing}
    ${download && !current ? html`<a part="recording-download" href=${download.url} download=${download.name}>${l.download}</a>` : nothing}
  </div>`;
}

export const recordingStyles = css`
  .recording {
    position: absolute;
    top: 3rem;
    inset-inline: 0;
    display: grid;
    justify-items: center;
    gap: 0.25rem;
    pointer-events: none;
  }
  .recording > * {
    margin: 0;
    padding: 0.25rem 0.5rem;
    border-radius: calc(var(--_radius) / 2);
    background: #000d;
    color: #fff;
    pointer-events: auto;
  }
  [part~='recording-indicator'][data-state='recording']::before {
    content: '● ' / '';
    color: #f87171;
  }
`;

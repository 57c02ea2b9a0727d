// The device menu of <cignal-call>: the camera, microphone and (where the browser can choose one)
// speaker in use, each a native select, so it works from the keyboard and with screen readers as is.
import { css, html, nothing, type TemplateResult } from 'lit';
import { canChooseSpeaker, type DeviceKind } from '../sdk/index.js';
import { escapeCloses } from './chat-panel.js';
import type { CignalLabels } from './labels.js';

export interface DeviceMenu {
  devices: readonly MediaDeviceInfo[];
  /** The device in use for a kind, if known. */
  active(kind: DeviceKind): string | undefined;
  choose(kind: DeviceKind, deviceId: string): void;
  close(): void;
}

/** Shows in each select the device in use (the placeholder while none is known), after a render. */
export function showActive(root: ParentNode, active: (kind: DeviceKind) => string | undefined): void {
  for (const select of root.querySelectorAll<HTMLSelectElement>('[part~=device-menu] select')) {
    select.value = active(select.dataset.kind as DeviceKind) ?? '';
    if (select.selectedIndex < 0) select.value = '';
  }
}

export function deviceMenu(l: CignalLabels, menu: DeviceMenu): TemplateResult {
  const kinds: Array<[DeviceKind, string]> = [['videoinput', l.camera], ['audioinput', l.microphone]];
  if (canChooseSpeaker()) kinds.push(['audiooutput', l.speaker]);
  const choice = ([kind, label]: [DeviceKind, string]) => {
    const list = menu.devices.filter((device) => device.kind === kind && device.deviceId);
    const active = menu.active(kind);
    return list.length
      ? html`<label>${label}
          <select data-kind=${kind} @change=${(event: Event) => menu.choose(kind, (event.target as HTMLSelectElement).value)}>
            ${list.some((device) => device.deviceId === active) ? nothing : html`<option value="" disabled>–</option>`}
            ${list.map((device, i) => html`<option value=${device.deviceId}>${device.label || l.deviceNumber.replace('{device}', label).replace('{number}', String(i + 1))}</option>`)}
          </select>
        </label>`
      : nothing;
  };
  return html`<div part="device-menu" id="device-menu" role="group" aria-label=${l.settings} tabindex="-1" @keydown=${escapeCloses(menu.close)}>
    ${kinds.map(choice)}
  </div>`;
}

export const deviceMenuStyles = css`
  [part~='device-menu'] {
    position: absolute;
    z-index: 2;
    bottom: 0.5rem;
    inset-inline: 0.5rem;
    display: grid;
    gap: 0.5rem;
    max-width: 24rem;
    margin-inline: auto;
    padding: 0.75rem;
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
  }
  [part~='device-menu'] label {
    display: grid;
    gap: 0.25rem;
    font-size: 0.875rem;
  }
  select {
    min-height: 2.5rem;
    border: 1px solid currentColor;
    border-radius: calc(var(--_radius) / 2);
    background: var(--_bg);
    color: inherit;
    font: inherit;
  }
`;

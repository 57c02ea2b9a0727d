/// <reference types="mocha" />
// <cignal-call> for keyboard and screen-reader users: tab order, Enter/Space on the call
// buttons, focus kept when a button turns off, and no axe-core violations in any state, in
// English, Arabic (right to left) and Japanese.
import { expect } from '@esm-bundle/chai';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { AxeResults } from 'axe-core';
import 'axe-core/axe.min.js';
import { CignalError } from '../../sdk/index.js';
import { errorDetail } from '../../sdk/errors.js';
import type { CignalCall } from '../../widget/index.js';
import { defaultLabels, type Translation } from '../../widget/labels.js';
import { mount, settle, unmountAll, waitFor } from './fakes.js';

declare global {
  interface Window {
    axe: typeof import('axe-core');
  }
}

/** The part (or id, for slotted controls) of whatever has keyboard focus. */
function focused(el: CignalCall): string | null {
  const inside = el.shadowRoot!.activeElement;
  if (inside) return inside.getAttribute('part');
  return document.activeElement?.id || null;
}

async function tab(): Promise<void> {
  await sendKeys({ press: 'Tab' });
}

async function violations(el: CignalCall): Promise<string[]> {
  const results: AxeResults = await window.axe.run(el);
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The shipped table of a language (English: the bundle's). */
const tableOf = async (tag: string): Promise<Translation> =>
  tag === 'en' ? defaultLabels : ((await import(new URL(`../../widget/languages/${tag}.ts`, import.meta.url).href)) as { default: Translation }).default;

/** Mounts the element in `lang` with the shipped tables, and waits until it shows that language. */
async function mountIn(lang: string, attributes: Record<string, string>, options: { wait?: boolean } = {}) {
  const table = await tableOf(lang);
  const mounted = await mount({ ...attributes, lang }, { ...options, loadLanguage: tableOf });
  await waitFor(() => mounted.el.hasAttribute('dir') && mounted.el.shadowRoot!.innerHTML.includes(table.microphone), `the ${lang} texts`);
  return mounted;
}

/** The languages axe checks, each in the colour schemes it is checked in. */
const cases = [
  ['en', 'light'],
  ['en', 'dark'],
  ['ar', 'light'],
  ['ar', 'dark'],
  ['ja', 'light'],
] as const;

afterEach(async () => {
  unmountAll();
  document.getElementById('before')?.remove();
  await emulateMedia({ colorScheme: 'light' });
});

describe('<cignal-call> from the keyboard', () => {
  async function mountAfterButton(children = '') {
    const before = document.createElement('button');
    before.id = 'before';
    before.textContent = 'Before';
    document.body.prepend(before);
    const mounted = await mount({}, { children });
    before.focus();
    return mounted;
  }

  it('Tab reaches the controls in reading order, slotted controls included', async () => {
    const { el, rooms } = await mountAfterButton('<button id="extra">Raise hand</button>');
    rooms.last.peerArrives('Ada');
    await settle(el);
    const order: Array<string | null> = [];
    for (let i = 0; i < 8; i++) {
      await tab();
      order.push(focused(el));
    }
    expect(order).to.deep.equal(['mic-button', 'camera-button', 'screen-share-button', 'settings-button', 'chat-button', 'fullscreen-button', 'call-button', 'extra']);
  });

  it('waiting alone, Tab goes through the share link and its copy button first', async () => {
    const { el } = await mountAfterButton();
    const order: Array<string | null> = [];
    for (let i = 0; i < 4; i++) {
      await tab();
      const active = el.shadowRoot!.activeElement;
      order.push(active?.getAttribute('part') ?? active?.tagName ?? null);
    }
    expect(order).to.deep.equal(['A', 'copy-link-button', 'mic-button', 'camera-button']);
  });

  it('Enter calls, focus moves to Hang up, Space hangs up, focus returns to Call', async () => {
    const { el, rooms } = await mountAfterButton();
    rooms.last.peerArrives('Ada');
    await settle(el);
    for (let i = 0; i < 7; i++) await tab();
    expect(focused(el)).to.equal('call-button');

    await sendKeys({ press: 'Enter' });
    await waitFor(() => el.state === 'calling');
    await settle(el);
    expect(rooms.last.calls).to.deep.equal(['joinRoom']);
    expect(focused(el)).to.equal('hangup-button');

    await sendKeys({ press: 'Space' });
    await waitFor(() => el.state === 'ended');
    await settle(el);
    expect(rooms.last.calls).to.deep.equal(['joinRoom', 'leaveRoom']);
    expect(focused(el)).to.equal('call-button');
  });

  it('Enter in the message box sends the message', async () => {
    const { el, rooms } = await mountAfterButton();
    rooms.last.peerArrives('Ada');
    await settle(el);
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part=chat-button]')!.click();
    await settle(el);
    // The chat opens with the focus in its message box.
    expect(focused(el)).to.equal('message-input');
    await sendKeys({ type: 'hello' });
    await sendKeys({ press: 'Enter' });
    await waitFor(() => rooms.last.informed.length);
    expect(rooms.last.informed).to.deep.equal(['hello']);
  });
});

describe('<cignal-call> passes axe-core', () => {
  for (const [lang, scheme] of cases) {
    it(`in every state, in ${lang}, ${scheme} colours`, async () => {
      await emulateMedia({ colorScheme: scheme });
      const { el, rooms } = await mountIn(lang, { 'peer-name': 'Grace' });
      const room = rooms.last;
      const found: Record<string, string[]> = {};
      const check = async (state: string) => {
        await settle(el);
        found[state] = await violations(el);
      };
      await check('waiting');
      room.peerArrives('Ada');
      await check('ready');
      await el.call();
      room.fire('remoteStream', new MediaStream());
      room.setState('in-call');
      room.fire('information', 'hello');
      await check('in-call');
      await el.hangUp();
      await check('ended');
      room.fire('serverError', errorDetail(new CignalError('room-full', 'full')));
      room.setState('error');
      await check('error');
      expect(found).to.deep.equal({ waiting: [], ready: [], 'in-call': [], ended: [], error: [] });
    });
  }

  for (const [lang, scheme] of cases) {
    it(`with the call UI's panels and marks, and on the pre-join screen, in ${lang}, ${scheme} colours`, async () => {
      await emulateMedia({ colorScheme: scheme });
      const { el, rooms } = await mountIn(lang, { 'peer-name': 'Grace' });
      const room = rooms.last;
      const found: Record<string, string[]> = {};
      const check = async (what: string) => {
        await settle(el);
        found[what] = await violations(el);
      };
      const press = async (name: string) => {
        el.shadowRoot!.querySelector<HTMLButtonElement>(`[part=${name}]`)!.click();
        await settle(el);
      };
      room.peerArrives('Ada Lovelace');
      await el.call();
      room.fire('remoteStream', new MediaStream());
      room.setState('in-call');
      room.fire('information', 'hello');
      room.fire('networkStatus', { quality: 'fair', rttMs: 300, packetLoss: 0.04, jitterMs: 10, outgoingBitrate: 1, incomingBitrate: 1, relayed: true, localCandidateType: 'relay', remoteCandidateType: 'host' });
      room.remoteMedia({ microphone: false, camera: false });
      await check('unread message, muted and camera off');
      await press('network-quality');
      await check('network details');
      room.remoteMedia({ screenShare: true });
      await press('chat-button');
      await check('chat open, sharing');
      await press('settings-button');
      await waitFor(() => el.shadowRoot!.querySelector('[part=device-menu] select'));
      await check('device menu');
      await el.setMicrophoneEnabled(false);
      await el.setScreenShareEnabled(true);
      await check('muted, sharing');
      unmountAll();

      const preview = await mountIn(lang, { prejoin: '' }, { wait: false });
      await waitFor(() => preview.el.shadowRoot!.querySelector('[part=join-button]:enabled'));
      found.prejoin = await violations(preview.el);
      expect(found).to.deep.equal({
        'unread message, muted and camera off': [],
        'network details': [],
        'chat open, sharing': [],
        'device menu': [],
        'muted, sharing': [],
        prejoin: [],
      });
    });
  }

  it('while starting', async () => {
    const { el } = await mount({}, { wait: false });
    await el.updateComplete;
    expect(await violations(el)).to.deep.equal([]);
    await waitFor(() => el.cignal);
  });
});

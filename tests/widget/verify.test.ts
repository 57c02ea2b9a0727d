/// <reference types="mocha" />
// <cignal-call>'s verify control with a hand-driven SDK: the code behind a button that says
// whether it is shown, gone with the call, and the relay-only attribute passed to the SDK.
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import type { CignalCall } from '../../widget/index.js';
import { mount, part, settle, textOf, unmountAll } from './fakes.js';

const button = (el: CignalCall) => part<HTMLButtonElement>(el, 'verify-button');

/** An element in a call with Ada. */
async function inCall(attributes: Record<string, string> = {}) {
  const mounted = await mount(attributes);
  const room = mounted.rooms.last;
  room.peerArrives('Ada Lovelace');
  await mounted.el.call();
  room.setState('in-call');
  await settle(mounted.el);
  return { ...mounted, room };
}

afterEach(unmountAll);

describe('<cignal-call> verify control', () => {
  it('appears once the call has a code, shows it with what to do on demand, from the keyboard too', async () => {
    const { el, room } = await inCall();
    expect(button(el)).to.equal(null);
    const seen: unknown[] = [];
    el.addEventListener('cignal-verification-code', (event) => seen.push(event.detail));
    room.fire('verificationCode', { code: '1234 5678' });
    await settle(el);
    expect(seen).to.deep.equal([{ code: '1234 5678' }]);
    const verify = button(el)!;
    expect(verify.getAttribute('aria-label')).to.equal('Verify the call');
    expect(verify.getAttribute('aria-expanded')).to.equal('false');
    expect(part(el, 'verification-code')).to.equal(null);

    verify.focus();
    await sendKeys({ press: 'Enter' });
    await settle(el);
    expect(verify.getAttribute('aria-expanded')).to.equal('true');
    expect(textOf(el, 'verification-code')).to.equal('1234 5678');
    const panel = el.shadowRoot!.getElementById(verify.getAttribute('aria-controls')!)!;
    expect(panel.textContent!.replace(/\s+/g, ' ').trim()).to.equal('1234 5678 Read these digits to each other. If they match, nobody is listening in between.');

    // A rebuilt connection has a new code: the one shown follows.
    room.fire('verificationCode', { code: '8765 4321' });
    await settle(el);
    expect(textOf(el, 'verification-code')).to.equal('8765 4321');

    verify.click();
    await settle(el);
    expect(verify.getAttribute('aria-expanded')).to.equal('false');
    expect(part(el, 'verification-code')).to.equal(null);
  });

  it('goes when the call ends, and starts closed in the next call', async () => {
    const { el, room } = await inCall();
    room.fire('verificationCode', { code: '1234 5678' });
    await settle(el);
    button(el)!.click();
    await settle(el);
    room.fire('verificationCode', { code: null });
    await el.hangUp();
    await settle(el);
    expect(button(el)).to.equal(null);
    expect(part(el, 'verification-code')).to.equal(null);
  });

  it('labels can be replaced', async () => {
    const { el, room } = await inCall();
    el.labels = { verify: 'Vérifier', verifyHint: 'Lisez ces chiffres.' };
    room.fire('verificationCode', { code: '1234 5678' });
    await settle(el);
    expect(button(el)!.getAttribute('aria-label')).to.equal('Vérifier');
    button(el)!.click();
    await settle(el);
    expect(el.shadowRoot!.querySelector('.verification')!.textContent).to.contain('Lisez ces chiffres.');
  });
});

describe('<cignal-call> relay-only', () => {
  it('asks the SDK for relay-only calls with the attribute, and for nothing special without it', async () => {
    const { rooms } = await mount({ 'relay-only': '' });
    expect(rooms.last.options.iceTransportPolicy).to.equal('relay');
    const plain = await mount();
    expect(plain.rooms.last.options.iceTransportPolicy).to.equal(undefined);
  });
});

/// <reference types="mocha" />
// <cignal-call>'s languages: every shipped table has exactly the English table's keys; the
// language comes from the element's `lang`, else the page's; Arabic is right to left, mirrored;
// an unknown language, or a table that cannot be loaded, shows English; counts take the
// language's plural forms.
import { expect } from '@esm-bundle/chai';
import { languages } from '../../widget/language.js';
import { defaultLabels, type Translation } from '../../widget/labels.js';
import type { CignalCall } from '../../widget/index.js';
import { mount, part, settle, textOf, unmountAll, waitFor } from './fakes.js';
import { loadFixture } from './fixtures/languages.js';

const button = (el: CignalCall, name: string) => part<HTMLButtonElement>(el, name)!;
const placeholders = (text: string) => [...text.matchAll(/\{\w+\}/g)].map(([p]) => p).sort();
const pageLang = document.documentElement.getAttribute('lang');

afterEach(() => {
  unmountAll();
  if (pageLang === null) document.documentElement.removeAttribute('lang');
  else document.documentElement.setAttribute('lang', pageLang);
});

describe('language tables', () => {
  it('every language the element knows has its table in widget/languages, with every key of the English table and no other, with its placeholders and plural forms', async () => {
    const english = Object.keys(defaultLabels).sort();
    for (const tag of languages) {
      const url = new URL(`../../widget/languages/${tag}.ts`, import.meta.url).href;
      const table = ((await import(url)) as { default: Translation }).default;
      expect(Object.keys(table).sort(), tag).to.deep.equal(english);
      expect(Object.keys(table.errors).sort(), `${tag} errors`).to.deep.equal(Object.keys(defaultLabels.errors).sort());
      const categories = new Intl.PluralRules(tag).resolvedOptions().pluralCategories;
      expect(Object.keys(table.unread).sort(), `${tag} unread`).to.deep.equal([...categories].sort());
      for (const form of Object.values(table.unread)) expect(placeholders(form!).filter((p) => p !== '{count}'), `${tag} unread`).to.deep.equal([]);
      for (const key of english) {
        const [text, original] = [table[key as keyof Translation], defaultLabels[key as keyof Translation]];
        if (typeof original === 'string') expect(placeholders(text as string), `${tag} ${key}`).to.deep.equal(placeholders(original));
      }
      for (const [code, text] of Object.entries(table.errors)) expect(text.trim(), `${tag} ${code}`).not.to.equal('');
    }
  });
});

describe('<cignal-call> language', () => {
  it('takes the page\'s language: Arabic texts, right to left, the control row and the self-view mirrored', async () => {
    document.documentElement.lang = 'ar';
    const { el } = await mount({}, { loadLanguage: loadFixture });
    await waitFor(() => el.getAttribute('dir') === 'rtl');
    await el.updateComplete;
    expect(button(el, 'call-button').getAttribute('aria-label')).to.equal('اتصال');
    expect(button(el, 'mic-button').dataset.tip).to.equal('الميكروفون');
    expect(textOf(el, 'status')).to.equal('في انتظار الشخص الآخر.');
    // The first control (the microphone) is on the right, the call button on the left.
    const mic = button(el, 'mic-button').getBoundingClientRect();
    const call = button(el, 'call-button').getBoundingClientRect();
    expect(mic.left).to.be.greaterThan(call.right);
    // The self-view sits in the bottom-left corner, still a mirror (not flipped back).
    const stage = part(el, 'stage')!.getBoundingClientRect();
    const self = part(el, 'local-video')!;
    const selfBox = self.getBoundingClientRect();
    expect(selfBox.left - stage.left).to.be.lessThan(stage.right - selfBox.right);
    expect(getComputedStyle(self).transform).to.equal('matrix(-1, 0, 0, 1, 0, 0)');
  });

  for (const lang of ['en', 'ar']) {
    it(`keeps the status clear of the network, verify and picture-in-picture buttons on a phone (${lang})`, async () => {
      const { el, rooms } = await mount({ lang, style: 'width: 374px' }, { loadLanguage: loadFixture });
      await waitFor(() => el.getAttribute('dir') === (lang === 'ar' ? 'rtl' : 'ltr'));
      const room = rooms.last;
      room.peerArrives('Alice Pleasance Liddell');
      await el.call();
      room.fire('remoteStream', new MediaStream(room.localMedia!.getVideoTracks().map((t) => t.clone())));
      room.setState('in-call');
      room.fire('networkStatus', { quality: 'good', rttMs: 42, packetLoss: 0.015, jitterMs: 5, outgoingBitrate: 1, incomingBitrate: 1, relayed: false, localCandidateType: 'host', remoteCandidateType: 'host' });
      room.fire('verificationCode', { code: '1234 5678' });
      const indicators = ['network-quality', 'verify-button', 'pip-button'];
      await waitFor(() => indicators.every((name) => part(el, name)), 'the three indicators');
      const status = part(el, 'status')!.getBoundingClientRect();
      for (const name of indicators) {
        const box = part(el, name)!.getBoundingClientRect();
        const apart = status.right <= box.left || box.right <= status.left || status.bottom <= box.top || box.bottom <= status.top;
        expect(apart, `the status covers ${name}`).to.equal(true);
      }
    });
  }

  it('lets lang on the element win over the page', async () => {
    document.documentElement.lang = 'ar';
    const { el } = await mount({ lang: 'fr-CA' }, { loadLanguage: loadFixture });
    await waitFor(() => button(el, 'call-button').getAttribute('aria-label') === 'Appeler');
    expect(el.getAttribute('dir')).to.equal('ltr');
    expect(textOf(el, 'status')).to.equal('En attente de l’autre personne.');
  });

  it('keeps a dir the page set on the element', async () => {
    const { el } = await mount({ lang: 'ar', dir: 'ltr' }, { loadLanguage: loadFixture });
    await waitFor(() => button(el, 'call-button').getAttribute('aria-label') === 'اتصال');
    expect(el.getAttribute('dir')).to.equal('ltr');
  });

  it('shows English for an unknown language, without loading anything', async () => {
    document.documentElement.lang = 'ar';
    const asked: string[] = [];
    const { el } = await mount({ lang: 'xx' }, { loadLanguage: (tag) => (asked.push(tag), loadFixture(tag)) });
    await settle(el);
    expect(asked).to.deep.equal([]);
    expect(button(el, 'call-button').getAttribute('aria-label')).to.equal('Call');
    expect(el.getAttribute('dir')).to.equal('ltr');
  });

  for (const [failure, url] of [
    ['is not there (404)', new URL('./fixtures/no-such-language.js', import.meta.url).href],
    ['is a broken module', 'data:text/javascript,export default {'],
    ['holds no table', 'data:text/javascript,export default 42'],
  ]) {
    it(`shows English when the language file ${failure}`, async () => {
      let attempt: Promise<unknown> = Promise.resolve();
      const load = (): Promise<Translation> => (attempt = import(url!)).then((module) => (module as { default: Translation }).default);
      const { el } = await mount({ lang: 'ar' }, { loadLanguage: load });
      await attempt.catch(() => {});
      await settle(el);
      await settle(el);
      expect(button(el, 'call-button').getAttribute('aria-label')).to.equal('Call');
      expect(textOf(el, 'status')).to.equal(defaultLabels.waiting);
      expect(el.getAttribute('dir')).to.equal('ltr');
    });
  }

  for (const [tag, counts] of [
    ['ar', { 1: 'one', 2: 'two', 3: 'few', 11: 'many', 100: 'other' }],
    ['ru', { 1: 'one', 3: 'few', 5: 'many', 21: 'one' }],
    ['pl', { 1: 'one', 3: 'few', 5: 'many', 22: 'few' }],
  ] as const) {
    it(`counts unread messages with the plural forms of ${tag}`, async () => {
      const { el, rooms } = await mount({ lang: tag, 'peer-name': 'Me' }, { loadLanguage: loadFixture });
      const forms = (await loadFixture(tag)).unread;
      let sent = 0;
      for (const [count, form] of Object.entries(counts)) {
        while (sent < Number(count)) rooms.last.fire('information', `message ${++sent}`);
        const expected = forms[form as keyof typeof forms]!.replace('{count}', new Intl.NumberFormat(tag).format(sent));
        await waitFor(() => button(el, 'chat-button').getAttribute('aria-label')?.includes(expected), `"${expected}" on the chat button`);
      }
    });
  }
});

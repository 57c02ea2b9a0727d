// Server rendering, as a Next.js or Remix app does it: plain `node`, no DOM, imports every entry
// point of the installed package by its name, and React renders <CignalCall> to a string, while
// nothing reaches for a camera or the Cignal server.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventName, sdkEvents } from '../../widget/events.js';
import { snippet } from '../helpers/embed-site.js';
import { bundleForNode, bundleTsxForNode, installPackage, runNode, type InstalledPackage } from './installed.js';

let installed: InstalledPackage;
let script: string;
/** A stand-in Cignal server: it counts the connections made to it. */
let cignalServer: Server;
let connections = 0;

beforeAll(async () => {
  installed = installPackage();
  script = await bundleForNode('tests/react/server-side.ts', installed.dir);
  cignalServer = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => cignalServer.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  installed?.remove();
  await new Promise((resolve) => cignalServer?.close(resolve));
});

/** Runs the server-side script with this page setup; resolves with what it printed once it exited by itself. */
async function renderOnServer(setup: object) {
  const run = await runNode(script, [JSON.stringify(setup)], installed.dir);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as {
    presentBefore: string[];
    exports: Record<string, string[]>;
    cignalCallEvents: Record<string, string>;
    html: string;
    resources: string[];
  };
}

const eventProp = (event: string) => `on${event[0]!.toUpperCase()}${event.slice(1)}`;

describe('in Node, without a DOM', () => {
  it('every entry point imports by the package name, and <CignalCall> renders the element to a string', async () => {
    const server = `http://127.0.0.1:${(cignalServer.address() as AddressInfo).port}`;
    const out = await renderOnServer({ props: { server, roomId: 'standup', peerName: 'Ada', autoCall: true, className: 'call' }, eventProps: ['onPeerJoined'] });

    // No browser global was there to lean on while the entry points were imported.
    expect(out.presentBefore).toEqual([]);
    expect(out.exports['cignal']).toEqual(expect.arrayContaining(['Cignal', 'getUrlParam', 'Logger', 'CignalError']));
    expect(out.exports['cignal/sdk']).toEqual(out.exports['cignal']);
    expect(out.exports['cignal/widget']).toEqual(expect.arrayContaining(['CignalCall', 'defaultLabels', 'eventName']));
    expect(out.exports['cignal/protocol']).toEqual(expect.arrayContaining(['PROTOCOL_VERSION']));
    expect(out.exports['cignal/server']).toEqual(expect.arrayContaining(['initSocketServer', 'totalRoomsRunning', 'allRooms']));
    expect(out.exports['cignal/react']).toEqual(['CignalCall', 'cignalCallEvents']);

    // The element, marked to wait for hydration, with the page's own children in its slot; the
    // props are set as properties in the browser, so none is an attribute here.
    expect(out.html).toBe('<cignal-call class="call" defer-hydration=""><button id="own-button">Mine</button></cignal-call>');
    // Nothing was started: no connection to the Cignal server, nothing left open (the process
    // exited by itself); what remains is the output being written.
    expect(connections).toBe(0);
    expect(out.resources.filter((resource) => !['PipeWrap', 'TTYWrap', 'CloseReq', 'FSReqCallback'].includes(resource))).toEqual([]);
  });

  it('README’s React example, copied as it is, renders on the server', async () => {
    const example = snippet('react');
    const render = "\nimport { renderToString } from 'react-dom/server';\nconsole.log(renderToString(<Standup name=\"Ada\" />));\n";
    const script = await bundleTsxForNode(example + render, installed.dir);
    const run = await runNode(script, [], installed.dir);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('<cignal-call defer-hydration=""></cignal-call>');
  });

  it('cignal/react has an on… prop for every event in the element’s table', async () => {
    const out = await renderOnServer({ props: {}, eventProps: [] });
    expect(out.cignalCallEvents).toEqual(Object.fromEntries(sdkEvents.map((event) => [eventProp(event), eventName(event)])));
  });
});

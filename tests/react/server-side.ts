// Run by plain `node` (no DOM) in a folder where `cignal` is installed: imports every entry point by
// the package's name, then renders the React test page with react-dom/server. The page's setup is
// the first argument (JSON); prints what it found as JSON.
import React from 'react';
import { renderToString } from 'react-dom/server';
import type { PageSetup } from './app.js';

/** What a browser has and Node must not need at import: none of them exists while importing. */
const browserGlobals = ['window', 'self', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage', 'customElements', 'HTMLElement', 'RTCPeerConnection', 'MediaStream'];
// Newer Node has a `navigator` of its own; PeerJS's "navigator is not defined" is what is checked here.
for (const name of browserGlobals) delete (globalThis as Record<string, unknown>)[name];
const presentBefore = browserGlobals.filter((name) => name in globalThis);

const entryPoints = ['cignal', 'cignal/sdk', 'cignal/widget', 'cignal/protocol', 'cignal/server', 'cignal/react'];
const exports: Record<string, string[]> = {};
for (const name of entryPoints) exports[name] = Object.keys(await import(name)).sort();

const { cignalCallEvents } = await import('cignal/react');
const { App } = await import('./app.js');
const setup = JSON.parse(process.argv[2] ?? '{}') as PageSetup;
const html = renderToString(React.createElement(App, setup));

console.log(JSON.stringify({ presentBefore, exports, cignalCallEvents, html, resources: process.getActiveResourcesInfo() }));

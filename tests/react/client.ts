// The React page's script in the browser: renders the test page into #root, or hydrates the
// server's markup there, with the setup the test put in #setup.
import React from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { App, type PageSetup } from './app.js';

window.received = [];
const setup = JSON.parse(document.getElementById('setup')!.textContent!) as PageSetup;
const root = document.getElementById('root')!;
if (setup.hydrate) hydrateRoot(root, React.createElement(App, setup));
else createRoot(root).render(React.createElement(App, setup));

// The React page of the React tests, rendered on the server (server-side.ts) and in the browser
// (client.ts): one <CignalCall> with a recording handler on each `on…` prop the test names, a button
// of its own in the element's slot, and `window.setCallProps` to change props after mount.
import { CignalCall, type CignalCallElement, type CignalCallProperties } from 'cignal/react';
import React from 'react';

export interface PageSetup {
  /** The props of the first render. */
  props: CignalCallProperties;
  /** The `on…` props to give a recording handler. */
  eventProps: string[];
  /** Hydrate server-rendered markup instead of rendering afresh. */
  hydrate?: boolean;
}

/** What a handler received: the prop it was given as, the DOM event's type, and its `detail`. */
export interface Received {
  prop: string;
  type: string;
  detail: unknown;
}

declare global {
  interface Window {
    received: Received[];
    /** Merges props into the ones <CignalCall> is rendered with. */
    setCallProps(props: CignalCallProperties): void;
  }
}

export function App({ props, eventProps }: PageSetup) {
  const [later, setLater] = React.useState<CignalCallProperties>({});
  const ref = React.useRef<CignalCallElement>(null);
  React.useEffect(() => {
    window.setCallProps = (more) => setLater((before) => ({ ...before, ...more }));
  }, []);
  const handlers = Object.fromEntries(
    eventProps.map((prop) => [prop, (event: CustomEvent) => window.received.push({ prop, type: event.type, detail: event.detail })]),
  );
  return React.createElement(CignalCall, { ...props, ...later, ...handlers, ref }, React.createElement('button', { id: 'own-button' }, 'Mine'));
}

'use client';
// `cignal/react`: <cignal-call> as a typed React component, made with @lit/react. Its props are the
// element's properties and one `on…` prop per DOM event, generated from the element's event table,
// so that an event added to the SDK is a prop here without a line changed.
import { createComponent } from '@lit/react';
import React from 'react';
import { CignalCall as CignalCallElement } from '../widget/index.js';
import { eventName, sdkEvents, type CignalEventDetail, type CignalEventName, type SdkEvent } from '../widget/events.js';

export type { CignalCallElement };

/** `peerJoined` → `onPeerJoined`. */
export type EventProp<E extends SdkEvent = SdkEvent> = `on${Capitalize<E>}`;

/** One `on…` prop per event of the element: `onPeerJoined` receives `cignal-peer-joined`, its `detail` the SDK payload. */
export type CignalCallEventProps = { [E in SdkEvent as EventProp<E>]?: (event: CustomEvent<CignalEventDetail<E>>) => void };

/**
 * The element's properties that a page sets: its public reactive properties (the attributes, in
 * camelCase, and `labels`), not `state`, which the element sets and `onStateChange` reports.
 */
type SettableProperty = Exclude<Extract<keyof typeof CignalCallElement.properties, keyof CignalCallElement>, 'state'>;

export type CignalCallProperties = Partial<Pick<CignalCallElement, SettableProperty>>;

/** Every prop of `<CignalCall>`: the element's properties, its events, and React's own HTML props (`className`, `style`, `children`, ...). */
export type CignalCallProps = CignalCallProperties &
  CignalCallEventProps &
  Omit<React.HTMLAttributes<CignalCallElement>, SettableProperty | keyof CignalCallEventProps> &
  React.RefAttributes<CignalCallElement>;

const eventProp = <E extends SdkEvent>(event: E): EventProp<E> => `on${event[0]!.toUpperCase()}${event.slice(1)}` as EventProp<E>;

/** Each `on…` prop and the DOM event it listens to, from the element's own table. */
export const cignalCallEvents = Object.freeze(Object.fromEntries(sdkEvents.map((event) => [eventProp(event), eventName(event)]))) as {
  readonly [E in SdkEvent as EventProp<E>]: CignalEventName<E>;
};

const Element = createComponent({
  react: React,
  tagName: 'cignal-call',
  elementClass: CignalCallElement,
  events: cignalCallEvents,
  displayName: 'CignalCallElement',
});

/**
 * `<cignal-call>` for React. Props are set on the element as properties once it is in the page,
 * before it starts its session; `on…` props are its events. A `ref` gives the element itself, for
 * `call()`, `hangUp()`, `inform()` and the SDK instance (`cignal`).
 *
 * On the server (Next.js, Remix, `renderToString`) it renders the `<cignal-call>` tag with
 * `defer-hydration`: camera, microphone and the connection to the Cignal server start only in the
 * browser, once hydration has set the props and @lit/react has removed the attribute.
 */
export const CignalCall = React.forwardRef<CignalCallElement, Omit<CignalCallProps, 'ref'>>(function CignalCall(props, ref) {
  return React.createElement(Element, { ...props, ref, 'defer-hydration': '' } as React.ComponentProps<typeof Element>);
}) as React.ForwardRefExoticComponent<CignalCallProps>;

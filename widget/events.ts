// The DOM events of <cignal-call>: each SDK event `fooBar` re-dispatched as `cignal-foo-bar`.
import { cignalEventNames, type CignalEvents } from '../sdk/index.js';

/** The SDK events the element re-dispatches: all of them. */
export const sdkEvents = cignalEventNames;

export type SdkEvent = (typeof sdkEvents)[number];

type Kebab<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `-${Lowercase<C>}`}${Kebab<Rest>}`
  : '';

/** `remoteStream` → `cignal-remote-stream`. */
export type CignalEventName<E extends SdkEvent = SdkEvent> = `cignal-${Kebab<E>}`;

/** The SDK listener's first argument; `null` for events that have none. */
export type CignalEventDetail<E extends SdkEvent> = CignalEvents[E] extends [infer D, ...unknown[]] ? D : null;

export type CignalEventMap = { [E in SdkEvent as CignalEventName<E>]: CustomEvent<CignalEventDetail<E>> };

/** The one place where an SDK event name becomes a DOM event name. */
export const eventName = <E extends SdkEvent>(event: E): CignalEventName<E> =>
  `cignal-${event.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` as CignalEventName<E>;

/** One factory per event: `cignalEvents.remoteStream(stream)` makes a `cignal-remote-stream` event. */
export const cignalEvents = Object.fromEntries(
  sdkEvents.map((event) => [
    event,
    (detail: unknown) => new CustomEvent(eventName(event), { detail, bubbles: true, composed: true }),
  ]),
) as { [E in SdkEvent]: (detail: CignalEventDetail<E>) => CignalEventMap[CignalEventName<E>] };

declare global {
  interface GlobalEventHandlersEventMap extends CignalEventMap {}
}

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

/**
 * The DOM event for an SDK event, made from the SDK listener's arguments: the first is the
 * `detail` (null for events that have none).
 */
export const cignalEvent = <E extends SdkEvent>(event: E, ...[detail = null]: CignalEvents[E]): CustomEvent =>
  new CustomEvent(eventName(event), { detail, bubbles: true, composed: true });

declare global {
  interface GlobalEventHandlersEventMap extends CignalEventMap {}
}

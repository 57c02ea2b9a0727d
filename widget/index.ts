// Public entry of the widget: defines <cignal-call> (unless the page already has one) and
// re-exports its class, labels and event types.
import { CignalCall } from './cignal-call.js';

export { CignalCall } from './cignal-call.js';
export { defaultLabels, type CignalLabels } from './labels.js';
export { eventName, type CignalEventDetail, type CignalEventMap, type CignalEventName, type SdkEvent } from './events.js';

// Guarded, as Lit guards the browser's globals: in Node the registry is the stand-in Lit's "node"
// build installs (server rendering), and a runtime without any gets no definition, not an error.
const registry = globalThis.customElements;
if (registry && !registry.get('cignal-call')) registry.define('cignal-call', CignalCall);

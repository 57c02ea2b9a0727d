// Public entry of the widget: defines <cignal-call> (unless the page already has one) and
// re-exports its class, labels and event types.
import { CignalCall } from './cignal-call.js';

export { CignalCall } from './cignal-call.js';
export { defaultLabels, type CignalLabels } from './labels.js';
export { eventName, type CignalEventDetail, type CignalEventMap, type CignalEventName, type SdkEvent } from './events.js';

if (!customElements.get('cignal-call')) customElements.define('cignal-call', CignalCall);

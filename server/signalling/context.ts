// What the signalling modules of one server share: the socket.io server, the store and the settings.
import type { IceServer } from '../../sdk/protocol/index.js';
import type { TurnSecret } from '../ice.js';
import type { RoomStore } from '../rooms/store.js';
import type { AddressLimits } from './limits.js';
import type { JoinTokens } from './join-token.js';
import type { Report } from './report.js';
import type { AuthorizeRequest, CallReportSink, CignalServer } from './types.js';

export interface Context {
  server: CignalServer;
  store: RoomStore;
  graceMs: number;
  rate: { perSecond: number; burst: number };
  /** The limits per client address; `trustProxy` says whether that address is read from X-Forwarded-For. */
  limits: AddressLimits;
  trustProxy: boolean;
  now: () => number;
  iceServers: IceServer[];
  turn: TurnSecret | null;
  authorize: ((request: AuthorizeRequest) => boolean | Promise<boolean>) | undefined;
  /** With a join secret: what checks every join's token. Null leaves rooms open to anyone with the room id. */
  joinTokens: JoinTokens | null;
  /** Counts what happens, and tells the activity log (if any). */
  report: Report;
  /** Where the call reports clients send go; null: this server takes none (and says so in `joined`). */
  callReports: CallReportSink | null;
  /** Set once the server is shutting down: from then on a disconnect frees no seat. */
  closing: boolean;
}

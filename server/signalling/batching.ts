// One system call for the messages that wait for the same WebSocket. While a write to a client is
// under way, engine.io queues what socket.io emits next and hands the queue to the transport in one
// `send` (a burst: an offer and its candidates relayed, their acks answered); `ws` then writes each
// message as a frame of its own, one system call each. Corking the TCP socket around that one
// `send` makes the frames one write: on a busy server the socket writes are the largest single
// cost of a message. The bytes on the wire, their order and the callbacks stay exactly the same.
import type { Socket } from 'socket.io';

/** What this reads of engine.io's WebSocket transport: its name, `send` and `ws`'s socket. */
interface Transport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: { cork(): void; uncork(): void } };
}

/** Engine.io connections already batched: one can carry many socket.io connections in turn. */
const batched = new WeakSet<object>();

/** Makes every burst sent to this client one write, on the transport it has now and after an upgrade. */
export function batchWrites(socket: Socket): void {
  const conn = socket.conn as unknown as { transport: Transport; once(event: 'upgrade', listener: (transport: Transport) => void): void };
  if (batched.has(conn)) return;
  batched.add(conn);
  corkBursts(conn.transport);
  conn.once('upgrade', corkBursts);
}

function corkBursts(transport: Transport): void {
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  // Long-polling already sends a burst as one response; an engine.io without these parts is left as it is.
  if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') return;
  const send = transport.send;
  transport.send = (packets) => {
    if (packets.length < 2) return send.call(transport, packets);
    tcp.cork();
    try {
      send.call(transport, packets);
    } finally {
      tcp.uncork();
    }
  };
}

// Prometheus metrics of one server, for `/metrics`: what signalling counted since the server
// started, the rooms and peers of this server and of the whole room store (read when scraped),
// and the process's own figures (CPU, memory, event-loop lag, GC) under prom-client's standard
// names. Each server has a registry of its own: several servers may share a process.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { within } from './maybe-promise.js';
import { StoreUnavailableError, type RoomStore } from './rooms/store.js';
import type { SignallingCounts } from './signalling/index.js';
import type { CignalServer } from './signalling/types.js';

export interface MetricsSource {
  version: string;
  /** The running counts of this server's signalling. */
  counts: Readonly<SignallingCounts>;
  /** This server's socket.io server: its own sockets are its peers. */
  io: CignalServer;
  store: RoomStore;
  /** How long a scrape waits for the room store. */
  storeTimeoutMs?: number;
  /** The metrics of the call reports clients send, when this server takes them. */
  callReports?: Registry | null;
}

/** The process's metrics (one process, one set): started once, by the first server that has metrics on. */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // Their standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...), which
    // ready-made Node.js dashboards expect.
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  readonly #registry = new Registry();
  readonly #source: MetricsSource;
  readonly #update: Array<() => void> = [];
  readonly #rooms: Gauge;
  readonly #peers: Gauge;
  readonly #clusterRooms: Gauge;
  readonly #storeUp: Gauge;

  constructor(source: MetricsSource) {
    this.#source = source;
    const registers = [this.#registry];
    new Gauge({ name: 'cignal_build_info', help: 'Always 1; the version label says which version of Cignal this server runs.', labelNames: ['version'], registers }).set(
      { version: source.version },
      1,
    );
    this.#rooms = new Gauge({ name: 'cignal_rooms', help: 'Rooms with at least one peer connected to this server.', registers });
    this.#peers = new Gauge({ name: 'cignal_peers', help: 'Peers connected to this server and seated in a room.', registers });
    this.#clusterRooms = new Gauge({
      name: 'cignal_cluster_rooms',
      help: 'Rooms in the room store: of every server on the same Redis, or of this server when rooms are in memory. Absent while the store cannot be reached.',
      registers,
    });
    this.#storeUp = new Gauge({ name: 'cignal_room_store_up', help: '1 when the room store answered this scrape, 0 when it could not be reached.', registers });

    const { counts } = source;
    this.#counter('cignal_joins_total', 'Peers seated by this server, resumes and seat hand-overs included.', () => counts.joins);
    this.#counter('cignal_resumes_total', 'Joins that resumed the same presence after its connection dropped, within its grace.', () => counts.resumes);
    this.#counter('cignal_seat_handovers_total', 'Joins that took over the seat of the same peer id from another connection (a reload, another tab).', () => counts.handovers);
    this.#counter('cignal_grace_expiries_total', 'Seats freed because their peer did not come back within the reconnect grace.', () => counts.graceExpiries);
    this.#labelled('cignal_join_refusals_total', 'Joins refused, by the error code the client was given.', 'code', () => counts.refusals);
    this.#labelled('cignal_messages_relayed_total', 'Messages passed on to the partner (sent, or kept while the partner is away), by the event the client sent.', 'type', () => counts.relayed);
    this.#labelled(
      'cignal_errors_total',
      'Messages answered with an error, by code, and failures inside the server (internal) or of its room store (unavailable).',
      'code',
      () => counts.errors,
    );
  }

  /** The metrics in Prometheus' text format: this server's, then the process's. */
  async render(): Promise<string> {
    await this.#read();
    for (const update of this.#update) update();
    const reports = this.#source.callReports ? `${await this.#source.callReports.metrics()}\n` : '';
    return `${await this.#registry.metrics()}\n${reports}${await processMetrics().metrics()}`;
  }

  /** The gauges, as they are now. */
  async #read(): Promise<void> {
    const { io, store, storeTimeoutMs = 1_000 } = this.#source;
    const rooms = new Set<string>();
    let peers = 0;
    for (const socket of io.sockets.sockets.values()) {
      const data = socket.data as Partial<typeof socket.data>;
      if (!data.roomId || data.unseated) continue;
      peers++;
      rooms.add(data.roomId);
    }
    this.#peers.set(peers);
    this.#rooms.set(rooms.size);
    try {
      this.#clusterRooms.set(await within(() => store.count(), storeTimeoutMs, () => new StoreUnavailableError('The room store did not answer in time')));
      this.#storeUp.set(1);
    } catch {
      // No figure rather than a wrong one.
      this.#clusterRooms.remove();
      this.#storeUp.set(0);
    }
  }

  #counter(name: string, help: string, read: () => number): void {
    const counter = new Counter({ name, help, registers: [this.#registry] });
    this.#update.push(() => {
      counter.reset();
      counter.inc(read());
    });
  }

  /** A counter with one label, one series per value the counts know (0 until it happens). */
  #labelled(name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
    const counter = new Counter({ name, help, labelNames: [label], registers: [this.#registry] });
    this.#update.push(() => {
      counter.reset();
      for (const [value, count] of Object.entries(read())) counter.inc({ [label]: value }, count);
    });
  }
}

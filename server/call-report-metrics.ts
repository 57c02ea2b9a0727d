// The call reports clients send (CIGNAL_CALL_REPORTS), folded into Prometheus histograms and
// counters that `/metrics` shows beside the server's own. Each side of a call reports, so a call
// that both sides report counts twice; shares and quantiles are unaffected.
import { Counter, Histogram, Registry } from 'prom-client';
import { CallEndReasons, type CallReport } from '../sdk/protocol/index.js';
import { CallReportRefusals, type CallReportRefusal, type CallReportSink } from './signalling/index.js';

/** The path label: `unknown` for a call that never had one. */
const paths = ['direct', 'relayed', 'unknown'] as const;
const seconds = (ms: number) => ms / 1000;

export class CallReportMetrics implements CallReportSink {
  readonly registry = new Registry();
  readonly #calls: Counter<'path' | 'end_reason'>;
  readonly #refused: Counter<'reason'>;
  readonly #setup: Histogram;
  readonly #duration: Histogram;
  readonly #recovery: Histogram;
  readonly #outages: Counter;
  readonly #restarts: Counter;
  readonly #rtt: Histogram;
  readonly #loss: Histogram;
  readonly #jitter: Histogram;
  readonly #bitrateIn: Histogram;

  constructor() {
    const registers = [this.registry];
    this.#calls = new Counter({ name: 'cignal_call_reports_total', help: 'Call reports taken, by the path of the call (direct, relayed, unknown) and why it ended (endReason).', labelNames: ['path', 'end_reason'], registers });
    for (const path of paths) for (const end_reason of CallEndReasons) this.#calls.inc({ path, end_reason }, 0);
    this.#refused = new Counter({ name: 'cignal_call_reports_refused_total', help: 'Call reports refused, by reason: not-accepted, invalid, too-large, rate-limited.', labelNames: ['reason'], registers });
    for (const reason of CallReportRefusals) this.#refused.inc({ reason }, 0);
    const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, buckets, registers });
    this.#setup = histogram('cignal_call_setup_seconds', 'From joinRoom() (or accepting the call) to the first remote video frame decoded (setupMs).', [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 60]);
    this.#duration = histogram('cignal_call_duration_seconds', 'How long calls lasted once connected (durationMs).', [10, 30, 60, 300, 600, 1800, 3600, 7200]);
    this.#recovery = histogram('cignal_call_recovery_seconds', 'How long each outage of a call took to recover: media lost until it arrived again (recoveryMs).', [0.5, 1, 2, 3, 5, 10, 20, 30, 60]);
    this.#outages = new Counter({ name: 'cignal_call_outages_total', help: 'Times media stopped arriving during calls, recovered or not (outages).', registers });
    this.#restarts = new Counter({ name: 'cignal_call_ice_restarts_total', help: 'ICE restarts made during calls (iceRestarts).', registers });
    this.#rtt = histogram('cignal_call_rtt_seconds', 'Median round-trip time of each call (rttMs.median).', [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1]);
    this.#loss = histogram('cignal_call_packet_loss_ratio', 'Median share of packets lost in each call (packetLoss.median).', [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
    this.#jitter = histogram('cignal_call_jitter_seconds', 'Median jitter of each call (jitterMs.median).', [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2]);
    this.#bitrateIn = histogram('cignal_call_bitrate_in_bits_per_second', 'Median bitrate received in each call (bitrateIn.median).', [1e5, 3e5, 5e5, 1e6, 1.5e6, 2.5e6, 5e6]);
  }

  record(report: CallReport): void {
    const path = report.relayed === null ? 'unknown' : report.relayed ? 'relayed' : 'direct';
    this.#calls.inc({ path, end_reason: report.endReason });
    if (report.setupMs !== null) this.#setup.observe(seconds(report.setupMs));
    if (report.durationMs > 0) this.#duration.observe(seconds(report.durationMs));
    for (const ms of report.recoveryMs) this.#recovery.observe(seconds(ms));
    this.#outages.inc(report.outages);
    this.#restarts.inc(report.iceRestarts);
    // A call that never connected has no figures of its path: null, not 0.
    if (report.rttMs) this.#rtt.observe(seconds(report.rttMs.median));
    if (report.packetLoss) this.#loss.observe(report.packetLoss.median);
    if (report.jitterMs) this.#jitter.observe(seconds(report.jitterMs.median));
    if (report.bitrateIn) this.#bitrateIn.observe(report.bitrateIn.median);
  }

  refused(reason: CallReportRefusal): void {
    this.#refused.inc({ reason });
  }
}

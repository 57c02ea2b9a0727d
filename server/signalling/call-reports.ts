// Call reports from clients: checked (taken at all, size, every field, a budget per connection)
// and handed to the server's sink, which folds them into its metrics. Nothing of the sender (its
// address, ids) goes with them; a refusal is counted by reason and answered, never thrown.
import { CallReportLimits, CallReportSchema, ServerErrorCode, describeIssues, jsonSize, safeParse, type Ack, type WireError } from '../../sdk/protocol/index.js';
import { TokenBucket } from '../rate-limit.js';
import type { Context } from './context.js';
import { describeError, log } from './log.js';
import type { CallReportRefusal, CignalSocket } from './types.js';

/**
 * Reports one connection may send: one per call, and calls take a while to set up and end. A burst
 * of 3, then one every 10 s.
 */
const REPORT_BURST = 3;
const REPORTS_PER_SECOND = 0.1;

/** Answers a `callReport` (already counted against the connection's message budget). */
export function receiveCallReport(ctx: Context, socket: CignalSocket, payload: unknown, ack: Ack | undefined): void {
  const sink = ctx.callReports;
  const refuse = (reason: CallReportRefusal, error: WireError) => {
    try {
      sink?.refused(reason);
    } catch (failure) {
      log('the call report sink failed: %s', describeError(failure));
    }
    ctx.report.error(error.code);
    answer(ack, { ok: false, error });
  };
  if (!sink) return refuse('not-accepted', { code: ServerErrorCode.UnknownEvent, message: 'This server does not take call reports' });
  const size = jsonSize(payload);
  if (size === undefined || size > CallReportLimits.maxBytes) {
    return refuse('too-large', { code: ServerErrorCode.InvalidPayload, message: `A call report must be at most ${CallReportLimits.maxBytes} bytes as JSON` });
  }
  const parsed = safeParse(CallReportSchema, payload);
  if (!parsed.success) return refuse('invalid', { code: ServerErrorCode.InvalidPayload, message: `Invalid call report: ${describeIssues(parsed.issues)}` });
  const budget = (socket.data.reports ??= new TokenBucket(REPORTS_PER_SECOND, REPORT_BURST, ctx.now));
  if (!budget.take()) return refuse('rate-limited', { code: ServerErrorCode.RateLimited, message: 'Too many call reports from this connection' });
  try {
    sink.record(parsed.output);
  } catch (failure) {
    log('the call report sink failed: %s', describeError(failure));
    ctx.report.error(ServerErrorCode.Internal);
    return answer(ack, { ok: false, error: { code: ServerErrorCode.Internal, message: 'The server could not take the report' } });
  }
  answer(ack, { ok: true });
}

function answer(ack: Ack | undefined, response: Parameters<Ack>[0]): void {
  try {
    ack?.(response);
  } catch (error) {
    log('ack failed: %s', describeError(error));
  }
}

// The signalling layer's debug log (`DEBUG=cignal:signalling`), and how an error appears in it.
import createDebug from 'debug';

export const log = createDebug('cignal:signalling');

/**
 * An error as one line: name, message and code. Never the whole object: errors from the store's
 * client may carry what was sent (relayed SDP, resume tokens), which a debug log must not show.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}: ${error.message}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}`;
}

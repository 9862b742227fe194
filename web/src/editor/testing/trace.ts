/** The path a call (or a scripted test run) took through the flow, for the canvas to show. */
import type { CallEvent } from '../../api/types';

export interface FlowTrace {
  /** The step the call is at now; none once it has ended. */
  current: string | undefined;
  /** Every step the call entered, in order (a step may repeat). */
  visited: string[];
  /** `from→exit` of every exit the call left by (edgeKey form). */
  taken: string[];
}

/** Builds the trace from a call's events, in order. */
export function traceFromEvents(events: readonly CallEvent[]): FlowTrace {
  const visited: string[] = [];
  const taken: string[] = [];
  let current: string | undefined;
  let ended = false;
  for (const event of events) {
    if (event.type === 'nodeEntered' && event.nodeId) {
      visited.push(event.nodeId);
      current = event.nodeId;
    } else if (event.type === 'nodeExited' && event.nodeId && typeof event.data.exit === 'string') {
      taken.push(`${event.nodeId}\u2192${event.data.exit}`);
    } else if (event.type === 'callEnded') {
      ended = true;
    }
  }
  return { current: ended ? undefined : current, visited, taken };
}

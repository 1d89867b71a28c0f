/** An error and the causes it wraps, outermost first, at most `depth` of them (a cycle ends there). */
export function causesOf(error: unknown, depth = 10): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (chain.length < depth) {
    chain.push(current);
    if (!(current instanceof Error) || current.cause === undefined) break;
    current = current.cause;
  }
  return chain;
}

/**
 * An error told with the causes it wraps, outermost first: "Failed to signalWithStart Workflow"
 * alone does not say whether the server was busy, unreachable or refused the request.
 */
export function causeChain(error: unknown, depth = 5): string {
  return causesOf(error, depth)
    .map((cause) => (cause instanceof Error ? cause.message : describe(cause)))
    .join(': ');
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

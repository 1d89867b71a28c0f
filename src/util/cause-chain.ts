/**
 * An error with the causes it wraps, outermost first: "Failed to signalWithStart Workflow" alone
 * does not say whether the server was busy, unreachable or refused the request.
 */
export function causeChain(error: unknown, depth = 5): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (parts.length < depth) {
    parts.push(current instanceof Error ? current.message : describe(current));
    if (!(current instanceof Error) || current.cause === undefined) break;
    current = current.cause;
  }
  return parts.join(': ');
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

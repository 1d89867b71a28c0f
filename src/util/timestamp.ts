/** A time as the Google clients hand it over (Date, RFC 3339 text, or a {seconds, nanos} Timestamp) as ISO text; '' when absent. */
export function timestampToIso(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
  if (seconds === undefined || seconds === null) return '';
  return new Date(Number(seconds) * 1000 + Math.floor(Number(nanos ?? 0) / 1e6)).toISOString();
}

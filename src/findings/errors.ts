/**
 * A finding that cannot be accepted. `path` names the offending field as the input spells it
 * (e.g. `finding.sourceProperties.Pod_Name`), so the sender can find and fix it.
 */
export class FindingError extends Error {
  override readonly name = 'FindingError';

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `invalid finding at ${path}: ${reason}` : `invalid finding: ${reason}`);
  }
}

export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  return segments
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const plain = /^[A-Za-z_$][\w$]*$/.test(segment);
      if (!plain) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

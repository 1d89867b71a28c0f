import { readFile } from 'node:fs/promises';
import { describeFinding } from '../findings/describe';
import { FindingError } from '../findings/errors';
import { parseFinding } from '../findings/parse';
import type { Finding } from '../findings/model';

export type OutputFormat = 'json' | 'text';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<Buffer>;
}

/** Exit status for input that is not a valid finding (distinct from usage errors). */
export const invalidInputExitCode = 2;

/**
 * `finding check`: parses each input and prints the normalized findings. Every input is read
 * and reported, valid or not; the status is 2 if any was invalid.
 */
export async function findingCheck(inputs: string[], format: OutputFormat, io: CliIo): Promise<number> {
  const findings: Finding[] = [];
  let invalid = 0;
  for (const input of inputs) {
    const label = input === '-' ? 'stdin' : input;
    try {
      const bytes = input === '-' ? await io.readStdin() : await readFile(input);
      findings.push(parseFinding(bytes).finding);
    } catch (error) {
      invalid++;
      io.stderr(`error: ${label}: ${describeError(error)}\n`);
    }
  }
  if (findings.length > 0) {
    if (format === 'text') io.stdout(`${findings.map(describeFinding).join('\n\n')}\n`);
    else io.stdout(`${JSON.stringify(inputs.length === 1 ? findings[0] : findings, null, 2)}\n`);
  }
  return invalid > 0 ? invalidInputExitCode : 0;
}

function describeError(error: unknown): string {
  if (error instanceof FindingError) return error.message;
  // fs errors may come from another realm (a test VM), so look at the shape, not the class.
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (typeof code === 'string') return `cannot read it (${code})`;
  return error instanceof Error ? error.message : String(error);
}

import { Option } from 'commander';
import type { CliIo } from './finding-check';

/**
 * `--format text|json` (or `-o`): text for people, JSON for scripts. The JSON of each command is
 * a stable interface (docs/configuration.md); the text is not.
 */
export type Format = 'text' | 'json';

export function formatOption(choices: string[] = ['text', 'json'], fallback = 'text'): Option {
  return new Option('-o, --format <format>', 'output format').choices(choices).default(fallback);
}

/** One JSON document, or the text lines. */
export function print(io: CliIo, format: string, value: unknown, text: () => string[]): void {
  io.stdout(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : `${text().join('\n')}\n`);
}

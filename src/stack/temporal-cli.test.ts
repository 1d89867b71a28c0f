import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTemporalCli } from './temporal-cli';

function fakeCli(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scc-cli-path-'));
  const path = join(dir, 'temporal');
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return { dir, path };
}

test('TEMPORAL_CLI_PATH wins over PATH', () => {
  const explicit = fakeCli();
  const onPath = fakeCli();
  expect(resolveTemporalCli({ TEMPORAL_CLI_PATH: explicit.path, PATH: onPath.dir })).toBe(explicit.path);
});

test('otherwise the first temporal on PATH is used', () => {
  const onPath = fakeCli();
  expect(resolveTemporalCli({ PATH: `/nonexistent:${onPath.dir}` })).toBe(onPath.path);
});

test('a missing CLI is a clear error, never a skipped suite', () => {
  expect(() => resolveTemporalCli({ PATH: '/nonexistent' })).toThrow(/No Temporal CLI found: set TEMPORAL_CLI_PATH/);
  expect(() => resolveTemporalCli({ TEMPORAL_CLI_PATH: '/nonexistent/temporal' })).toThrow(/is not an executable file/);
});

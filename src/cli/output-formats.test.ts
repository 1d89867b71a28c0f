import type { Command } from 'commander';
import { buildProgram } from './program';

/**
 * Every command that prints a result has `--format json` (`-o json`), the stable interface for
 * scripts. The ones left out serve or stream until stopped, or print raw bytes on purpose.
 */
const streamsOrServes = new Set(['worker', 'server', 'up', 'lab', 'intake pubsub', 'intake push', 'intake poll', 'console-password', 'dead-letters show']);

function leaves(command: Command, path: string[] = []): [string, Command][] {
  return command.commands.length === 0 ? [[path.join(' '), command]] : command.commands.flatMap((child) => leaves(child, [...path, child.name()]));
}

test('every command that prints a result takes --format json and -o json', () => {
  const program = buildProgram({ stdout: () => true, stderr: () => true, readStdin: async () => Buffer.alloc(0) }, () => undefined);
  const commands = leaves(program);
  expect(commands.length).toBeGreaterThan(20);
  const missing = commands
    .filter(([name]) => !streamsOrServes.has(name))
    .filter(([, command]) => {
      const format = command.options.find((o) => o.long === '--format');
      return !format || format.short !== '-o' || !format.argChoices?.includes('json');
    })
    .map(([name]) => name);
  expect(missing).toEqual([]);
});

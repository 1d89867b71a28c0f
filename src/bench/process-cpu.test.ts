import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { treeCpuMs } from './process-cpu';

test('the CPU a busy child uses counts in its own tree and in its parent\'s, and a process that is gone counts nothing', async () => {
  const before = treeCpuMs({ self: process.pid });
  // Half a second of the child's own CPU time (not of the clock: a busy machine gives it less per second), kept alive until measured.
  const busy = 'while (process.cpuUsage().user + process.cpuUsage().system < 500000); process.stdout.write("spent\\n"); setTimeout(() => {}, 60000)';
  const child = spawn(process.execPath, ['-e', busy], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(child.stdout!, 'data');
  const during = treeCpuMs({ self: process.pid, child: child.pid });
  expect(during.child).toBeGreaterThanOrEqual(450);
  expect(during.self! - before.self!).toBeGreaterThanOrEqual(during.child! - 50);
  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(treeCpuMs({ gone: child.pid, none: undefined })).toEqual({ gone: 0, none: 0 });
});

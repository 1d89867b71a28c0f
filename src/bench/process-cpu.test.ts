import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { treeCpuMs } from './process-cpu';

test('the CPU a busy child uses counts in its own tree and in its parent\'s, and a process that is gone counts nothing', async () => {
  const before = treeCpuMs({ self: process.pid });
  // Half a second of pure CPU in a child, kept alive until measured.
  const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 500; while (Date.now() < end); setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 900));
  const during = treeCpuMs({ self: process.pid, child: child.pid });
  expect(during.child).toBeGreaterThanOrEqual(300);
  expect(during.self! - before.self!).toBeGreaterThanOrEqual(during.child! - 50);
  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(treeCpuMs({ gone: child.pid, none: undefined })).toEqual({ gone: 0, none: 0 });
});

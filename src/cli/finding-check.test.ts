import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationFor } from '../../test/fixtures/findings';
import type { CliIo } from './finding-check';
import { main } from './main';

const root = join(__dirname, '../..');
const samples = readdirSync(join(root, 'samples/findings')).map((file) => join(root, 'samples/findings', file));

function capture(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    readStdin: async () => Buffer.from(stdin),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

function writeTemp(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'scc-cli-')), name);
  writeFileSync(path, content);
  return path;
}

describe('finding check (in process)', () => {
  test('one valid file prints its normalized finding as JSON and exits 0', async () => {
    const run = capture();
    const code = await main(['finding', 'check', samples[0]!], run.io);
    expect(code).toBe(0);
    expect(run.stderr()).toBe('');
    const finding = JSON.parse(run.stdout());
    expect(finding.subject.runtime).toMatch(/gke|cloud-run/);
    expect(finding.intake.rawSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('several files print a JSON array; text format prints a summary per finding', async () => {
    const json = capture();
    expect(await main(['finding', 'check', ...samples], json.io)).toBe(0);
    expect(JSON.parse(json.stdout())).toHaveLength(samples.length);

    const text = capture();
    expect(await main(['finding', 'check', '--format', 'text', ...samples], text.io)).toBe(0);
    expect(text.stdout().match(/^ {2}playbook /gm)).toHaveLength(samples.length);
  });

  test('standard input is read for -', async () => {
    const run = capture(JSON.stringify(notificationFor('netcat', 'cloud-run')));
    expect(await main(['finding', 'check', '-', '--format', 'text'], run.io)).toBe(0);
    expect(run.stdout()).toContain('netcat-remote-code-execution');
  });

  test('an invalid finding exits 2 with the field path on stderr, and valid ones are still printed', async () => {
    const bad = notificationFor('compiler', 'gke') as { finding: { sourceProperties: Record<string, string> } };
    bad.finding.sourceProperties.Pod_Name = 'x; reboot';
    const badFile = writeTemp('bad.json', JSON.stringify(bad));
    const run = capture();
    const code = await main(['finding', 'check', samples[0]!, badFile], run.io);
    expect(code).toBe(2);
    expect(run.stderr()).toBe(
      `error: ${badFile}: invalid finding at finding.sourceProperties.Pod_Name: "x; reboot" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)\n`,
    );
    expect(JSON.parse(run.stdout())).toHaveLength(1);
  });

  test('a missing file is an error for that input, exit 2', async () => {
    const run = capture();
    expect(await main(['finding', 'check', '/nonexistent/finding.json'], run.io)).toBe(2);
    expect(run.stderr()).toContain('cannot read it (ENOENT)');
  });

  test('an unknown format is a usage error, not a silent default', async () => {
    const run = capture();
    expect(await main(['finding', 'check', '--format', 'yaml', samples[0]!], run.io)).not.toBe(0);
    expect(run.stderr()).toMatch(/yaml/);
  });
});

describe('the scc-responder binary', () => {
  // dist/ is built once per run by the global setup.

  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, [join(root, 'bin/scc-responder.js'), ...args], { encoding: 'utf8', input });

  test('exits 0 on the samples and 2 on a malformed finding from stdin', () => {
    const ok = cli(['finding', 'check', '--format', 'text', ...samples]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('Added Binary Executed');

    const bad = cli(['finding', 'check', '-'], '{"finding": {"name": 3}}');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('error: stdin: invalid finding at finding.name: Invalid input: expected string, received number\n');
  });
});

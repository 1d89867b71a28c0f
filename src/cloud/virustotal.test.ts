import { createHash } from 'node:crypto';
import { startTestLab } from '../../test/lab-harness';
import type { Lab } from '../lab/server';
import { virusTotalBaseUrl } from './config';
import { InvalidTargetError, PermanentCloudError, TransientCloudError } from './errors';
import { VirusTotalAdapter } from './virustotal';

let lab: Lab;
let vt: VirusTotalAdapter;
let baseUrl: string;
const miner = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.from(Array.from({ length: 256 * 64 }, (_, i) => i % 256))]);
const minerPrefixSha = createHash('sha256').update(miner.subarray(0, 4096)).digest('hex');

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  baseUrl = virusTotalBaseUrl(started.target);
  vt = new VirusTotalAdapter(baseUrl, lab.virusTotalKey);
});

afterAll(async () => {
  await lab?.stop();
});

afterEach(() => lab.faults.set([]));

test('a known file: detection counts and threat label', async () => {
  expect(await vt.lookup(minerPrefixSha)).toEqual({
    status: 'found',
    sha256: minerPrefixSha,
    malicious: 41,
    suspicious: 2,
    undetected: 20,
    harmless: 0,
    names: ['kworkerd', 'xmrig'],
    threatLabel: 'trojan.xmrig/miner',
  });
});

test('404 is unknown, and no key means not configured: neither is clean', async () => {
  expect(await vt.lookup('0'.repeat(64))).toEqual({ status: 'unknown', sha256: '0'.repeat(64) });
  const before = lab.calls.virustotal;
  expect(await new VirusTotalAdapter(baseUrl, undefined).lookup('0'.repeat(64))).toEqual({ status: 'not-configured', sha256: '0'.repeat(64) });
  expect(lab.calls.virustotal).toBe(before);
});

test('429 is a transient error, a wrong key permanent, a malformed hash never sent', async () => {
  lab.faults.set([{ api: 'virustotal', transientRate: 1, latencyMs: 0 }]);
  await expect(vt.lookup(minerPrefixSha)).rejects.toThrow(TransientCloudError);
  lab.faults.set([]);
  await expect(new VirusTotalAdapter(baseUrl, 'wrong').lookup(minerPrefixSha)).rejects.toThrow(PermanentCloudError);
  await expect(vt.lookup('../files/x')).rejects.toThrow(InvalidTargetError);
});

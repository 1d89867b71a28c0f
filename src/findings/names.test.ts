import { checkAbsolutePath, nameRules } from './names';

test.each([
  ['kubernetesLabel', ['default', 'kube-system', 'a', 'a1-b2'], ['', 'Default', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64)]],
  ['kubernetesSubdomain', ['pod-1', 'gke-node.internal', 'a'.repeat(253)], ['Pod', 'a..b', '.a', 'a b', 'a;b', 'a'.repeat(254)]],
  ['projectId', ['my-project-123', 'example.com:my-proj'], ['123456', 'My-Project', 'proj', 'a'.repeat(31), 'proj-']],
  ['projectNumber', ['902341775610'], ['0123', 'abc', '1'.repeat(21)]],
  ['location', ['us-central1', 'europe-west4-b', 'northamerica-northeast1'], ['global', 'us', 'US-central1', 'us-central1-bb']],
  ['gkeCluster', ['prod', 'shop-main'], ['1prod', 'Prod', 'a'.repeat(41)]],
  ['cloudRunService', ['web-frontend'], ['web_frontend', 'a'.repeat(50)]],
  ['sha256', ['0'.repeat(64)], ['0'.repeat(63), 'G'.repeat(64), 'A'.repeat(64)]],
  [
    'imageUri',
    ['nginx', 'gcr.io/p/app:1.2', 'localhost:5000/a/b@sha256:' + 'a'.repeat(64), 'us-docker.pkg.dev/p/r/img:tag_1'],
    ['repo image', 'repo/image:tag;id', 'Repo/Image', 'a/b@sha256:xyz', 'a/b:$(id)'],
  ],
] as const)('%s', (rule, valid, invalid) => {
  const check = nameRules[rule];
  for (const value of valid) expect([value, check.test(value)]).toEqual([value, true]);
  for (const value of invalid) expect([value, check.test(value)]).toEqual([value, false]);
});

test('absolute paths: file names are data, dot segments are not', () => {
  expect(checkAbsolutePath('/tmp/a b;c|d$(e)', 4096)).toBeUndefined();
  expect(checkAbsolutePath('/tmp/..hidden', 4096)).toBeUndefined();
  expect(checkAbsolutePath('tmp/x', 4096)).toMatch(/absolute/);
  expect(checkAbsolutePath('/tmp/../x', 4096)).toMatch(/segments/);
  expect(checkAbsolutePath('/x\0', 4096)).toMatch(/NUL/);
  expect(checkAbsolutePath(`/${'a'.repeat(5000)}`, 4096)).toMatch(/at most/);
});

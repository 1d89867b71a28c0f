import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  allCategories,
  allRuntimes,
  allShapes,
  expectedPlaybook,
  gkeSubject,
  inShape,
  notificationFor,
  runSubject,
} from '../../test/fixtures/findings';
import { FindingError } from './errors';
import { parseFinding, parseFindingObject } from './parse';

const samplesDir = join(__dirname, '../../samples/findings');
const parse = (value: unknown) => parseFinding(JSON.stringify(value)).finding;

describe('the bundled sample findings', () => {
  test.each(readdirSync(samplesDir))('%s parses', (file) => {
    const { finding, raw } = parseFinding(readFileSync(join(samplesDir, file)));
    expect(raw).toBe(readFileSync(join(samplesDir, file), 'utf8'));
    expect(finding.playbook.generic).toBe(false);
    expect(finding.intake.notes).toEqual([]);
  });

  test('the console sample reads snake_case fields and the script', () => {
    const { finding } = parseFinding(readFileSync(join(samplesDir, 'gke-malicious-script-executed.console.json')));
    expect(finding.intake.shape).toBe('console');
    expect(finding.projectDisplayName).toBe('acme-payments-prod');
    expect(finding.subject).toMatchObject({ runtime: 'gke', pod: 'checkout-api-7d9f8b6c5-lq4zp', projectNumber: '418273640192' });
    const script = finding.processes[0]!.script!;
    expect(script.path).toBe('/tmp/.x-install.sh');
    expect(script.contentsSha256).toBe(script.sha256);
    expect(script.partiallyHashed).toBe(false);
    expect(finding.indicators.domains).toEqual(['pool.bad.example']);
  });

  test('the client-library sample decodes Timestamps, Value structs and Longs', () => {
    const { finding } = parseFinding(readFileSync(join(samplesDir, 'gke-added-binary-executed.client-library.json')));
    expect(finding.intake.shape).toBe('client-library');
    expect(finding.eventTime).toBe('2026-11-20T14:08:32.120Z');
    expect(finding.subject).toMatchObject({ namespace: 'checkout', container: 'api', node: 'gke-payments-prod-default-pool-3f2a1b7c-9kdw' });
    expect(finding.processes[0]).toMatchObject({ pid: 48377, parentPid: 48211 });
    expect(finding.processes[0]!.binary).toMatchObject({ partiallyHashed: true, hashedSize: 4096, size: 16391 });
  });
});

describe('every category on every runtime in every shape', () => {
  const cases = allCategories.flatMap((category) =>
    allRuntimes.flatMap((runtime) => allShapes.map((shape) => [category, runtime, shape] as const)),
  );

  test.each(cases)('%s on %s as %s', (category, runtime, shape) => {
    const finding = parse(inShape(notificationFor(category, runtime), shape));

    expect(finding.intake.shape).toBe(shape);
    expect(finding.playbook).toEqual({ id: expectedPlaybook[category], generic: false, runtimeDocumented: true });
    expect(finding.eventTime).toBe('2026-11-19T08:15:30.250Z');
    expect(finding.createTime).toBe('2026-11-19T08:15:41.000Z');
    expect(finding.severity).toBe(category === 'binary' ? 'LOW' : 'HIGH');
    expect(finding.state).toBe('ACTIVE');
    expect(finding.nameParts).toMatchObject({ apiVersion: 'v2', parentType: 'organizations', parentId: '123456789012', location: 'global' });
    expect(finding.contacts).toEqual([{ role: 'security', email: 'sec@shop.example' }]);
    expect(finding.indicators).toEqual({ ipAddresses: ['192.0.2.10'], domains: ['bad.example'], uris: ['http://192.0.2.10/p'] });
    if (runtime === 'gke') {
      expect(finding.subject).toEqual({
        runtime: 'gke',
        projectId: gkeSubject.project,
        projectNumber: gkeSubject.projectNumber,
        location: gkeSubject.location,
        cluster: gkeSubject.cluster,
        namespace: gkeSubject.namespace,
        pod: gkeSubject.pod,
        container: gkeSubject.container,
        imageUri: gkeSubject.image,
        node: gkeSubject.node,
        clusterResourceName: finding.resourceName,
      });
    } else {
      expect(finding.subject).toEqual({
        runtime: 'cloud-run',
        projectId: runSubject.project,
        projectNumber: runSubject.projectNumber,
        region: runSubject.region,
        service: runSubject.service,
        revision: runSubject.revision,
        container: runSubject.container,
        imageUri: runSubject.image,
        // The digest pinned in the URI is what ran.
        imageDigest: runSubject.image.slice(runSubject.image.indexOf('@') + 1),
        resourceName: finding.resourceName,
      });
    }
  });

  test.each(allCategories)('%s normalizes to the same finding from all three shapes', (category) => {
    const [notification, client, console] = allShapes.map((shape) => {
      const { intake: _intake, ...rest } = parse(inShape(notificationFor(category, 'gke'), shape));
      return rest;
    });
    expect(client).toEqual(notification);
    expect(console).toEqual(notification);
  });

  test('processes keep paths, hashes (lowercased), sizes, args and pids', () => {
    const compiler = parse(notificationFor('compiler', 'gke')).processes[0]!;
    expect(compiler).toEqual({
      name: 'gcc',
      binary: { path: '/usr/bin/gcc', size: 918272, sha256: 'a'.repeat(64), hashedSize: 918272, partiallyHashed: false },
      args: ['gcc', '-o', '/tmp/x', '/tmp/x.c'],
      argsTruncated: false,
      pid: 4411,
      parentPid: 4400,
    });
    const added = parse(notificationFor('binary', 'gke')).processes[0]!.binary!;
    expect(added).toMatchObject({ partiallyHashed: true, hashedSize: 1048576, size: 2000000 });
  });
});

describe('finding names and resource names', () => {
  test('a v1 name (no location) parses', () => {
    const notification = notificationFor('netcat', 'gke');
    (notification.finding as Record<string, unknown>).name = 'projects/shop-prod-4417/sources/42/findings/abc123';
    expect(parse(notification).nameParts).toEqual({
      apiVersion: 'v1',
      parentType: 'projects',
      parentId: 'shop-prod-4417',
      sourceId: '42',
      findingId: 'abc123',
    });
  });

  test('a zonal GKE cluster name and a project number in it are understood', () => {
    const notification = notificationFor('compiler', 'gke');
    (notification.finding as Record<string, unknown>).resourceName =
      '//container.googleapis.com/projects/902341775610/zones/europe-west4-b/clusters/shop-main';
    expect(parse(notification).subject).toMatchObject({
      projectId: 'shop-prod-4417',
      projectNumber: '902341775610',
      location: 'europe-west4-b',
    });
  });

  test('Cloud Run jobs and executions are subjects too', () => {
    const notification = notificationFor('netcat', 'cloud-run');
    (notification.finding as Record<string, unknown>).resourceName =
      '//run.googleapis.com/projects/shop-web-2231/locations/us-east1/jobs/nightly-export/executions/nightly-export-7kq2c';
    expect(parse(notification).subject).toMatchObject({ job: 'nightly-export', execution: 'nightly-export-7kq2c' });
  });

  test('a bare Finding (no envelope) is accepted with the resource name alone', () => {
    const notification = notificationFor('compiler', 'cloud-run');
    const finding = parse(notification.finding);
    expect(finding.intake.shape).toBe('api');
    expect(finding.subject).toMatchObject({ projectId: runSubject.project, revision: runSubject.revision });
  });

  test('a bare Finding that names its project by number only is accepted: the number stands in, and intake is told to resolve it', () => {
    const notification = notificationFor('compiler', 'gke');
    const bare = { ...(notification.finding as Record<string, unknown>), resourceName: '//container.googleapis.com/projects/902341775610/locations/us-central1/clusters/shop-main' } as Record<string, unknown>;
    const finding = parse(bare);
    expect(finding.subject).toMatchObject({ projectId: '902341775610', projectNumber: '902341775610', cluster: 'shop-main' });
    expect(finding.intake.notes).toContainEqual(expect.stringMatching(/^project ID unresolved for project number 902341775610/));
  });

  test("a bare Finding's project ID is taken from its own console link when it carries one", () => {
    const notification = notificationFor('netcat', 'cloud-run');
    const bare = { ...(notification.finding as Record<string, unknown>), resourceName: '//run.googleapis.com/projects/902341775610/locations/us-east1/services/checkout', externalUri: 'https://console.cloud.google.com/run/detail/us-east1/checkout?project=shop-web-2231' } as Record<string, unknown>;
    const finding = parse(bare);
    expect(finding.subject).toMatchObject({ projectId: 'shop-web-2231', projectNumber: '902341775610' });
    expect(finding.intake.notes).toContainEqual('project ID shop-web-2231 (project 902341775610) taken from finding.externalUri');
  });

  test('the object form of the client library parses the same as its JSON text', () => {
    const client = inShape(notificationFor('script', 'gke'), 'client-library');
    expect(parseFindingObject(client).finding).toEqual(parse(client));
  });

  test('a finding outside GKE and Cloud Run is refused at its resource name', () => {
    const notification = notificationFor('compiler', 'gke');
    (notification.finding as Record<string, unknown>).resourceName = '//compute.googleapis.com/projects/p/zones/z/instances/i';
    expect(() => parse(notification)).toThrow(
      expect.objectContaining({ path: 'finding.resourceName', message: expect.stringContaining('only container findings') }),
    );
  });

  test('a non-THREAT finding class is refused', () => {
    const notification = notificationFor('compiler', 'gke');
    (notification.finding as Record<string, unknown>).findingClass = 'MISCONFIGURATION';
    expect(() => parse(notification)).toThrow(FindingError);
  });
});

describe('categories', () => {
  test.each([
    ['Execution: Added Binary Executed', 'added-binary-executed'],
    ['Execution: Malicious Script Executed', 'malicious-script-executed'],
    ['Netcat Remote Code Execution in Container', 'netcat-remote-code-execution'],
    ['Launch Code Compiler Tool In Container', 'launch-code-compiler-tool'],
  ])('%s maps to %s', (category, playbook) => {
    const notification = notificationFor('compiler', 'gke');
    (notification.finding as Record<string, unknown>).category = category;
    expect(parse(notification).playbook.id).toBe(playbook);
  });

  test('an unknown category gets the generic playbook, marked and noted', () => {
    const notification = notificationFor('binary', 'gke');
    (notification.finding as Record<string, unknown>).category = 'Execution: Added Malicious Binary Executed';
    const finding = parse(notification);
    expect(finding.playbook).toEqual({ id: 'generic-container-threat', generic: true, runtimeDocumented: true });
    expect(finding.intake.notes).toEqual([expect.stringContaining('generic container playbook')]);
  });
});

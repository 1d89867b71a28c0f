import { notificationFor } from '../../test/fixtures/findings';
import { parseFindingObject } from '../findings/parse';
import { outOfScope, scopeSchema } from './scope';

const gke = () => {
  const notification = notificationFor('compiler', 'gke') as { resource: Record<string, unknown> };
  notification.resource.folders = [{ resourceFolder: '//cloudresourcemanager.googleapis.com/folders/5550001', resourceFolderDisplayName: 'prod' }];
  return parseFindingObject(notification).finding;
};
const run = parseFindingObject(notificationFor('netcat', 'cloud-run')).finding;

test('the finding knows its organization and folders, from v1 folders, v2 resourcePath or its own name', () => {
  expect(gke().ancestry).toEqual({ organization: '123456789012', folders: ['5550001'] });
  const v2 = notificationFor('script', 'cloud-run') as { resource: Record<string, unknown> };
  v2.resource.resourcePath = { nodes: [{ nodeType: 'GCP_PROJECT', id: 'shop-web-2231' }, { nodeType: 'GCP_FOLDER', id: '77' }, { nodeType: 'GCP_ORGANIZATION', id: '123456789012' }] };
  expect(parseFindingObject(v2).finding.ancestry).toEqual({ organization: '123456789012', folders: ['77'] });
  const hostile = notificationFor('script', 'gke') as { resource: Record<string, unknown> };
  hostile.resource.folders = [{ resourceFolder: 'folders/1; drop table cases' }];
  expect(parseFindingObject(hostile).finding.ancestry.folders).toEqual([]);
});

test('no scope, or an empty one, lets everything start a case', () => {
  expect(outOfScope(gke(), undefined)).toBeUndefined();
  expect(outOfScope(gke(), {})).toBeUndefined();
  expect(outOfScope(gke(), { include: {}, exclude: {} })).toBeUndefined();
});

test('include: every named dimension must match; projects match by ID or number, and prefixed names are accepted', () => {
  expect(outOfScope(gke(), { include: { organizations: ['organizations/123456789012'], folders: ['5550001'], projects: ['902341775610'] } })).toBeUndefined();
  expect(outOfScope(gke(), { include: { projects: ['shop-prod-4417'], clusters: ['shop-main'], namespaces: ['orders'] } })).toBeUndefined();
  expect(outOfScope(gke(), { include: { namespaces: ['payments'] } })).toBe('not in the included namespaces (orders is not one of payments)');
  expect(outOfScope(run, { include: { clusters: ['shop-main'] } })).toBe('not in the included clusters (none on the finding is not one of shop-main)');
  expect(outOfScope(run, { include: { services: ['web-frontend'] } })).toBeUndefined();
});

test('exclude: any matching dimension keeps the finding out, and says which', () => {
  expect(outOfScope(gke(), { exclude: { folders: ['folders/5550001'] } })).toBe('folder 5550001 is excluded');
  expect(outOfScope(gke(), { include: { projects: ['shop-prod-4417'] }, exclude: { namespaces: ['kube-system'] } })).toBeUndefined();
  expect(outOfScope(gke(), { include: { projects: ['shop-prod-4417'] }, exclude: { namespaces: ['orders'] } })).toBe('namespace orders is excluded');
});

test('a scope with an unknown dimension is refused when the configuration is read', () => {
  expect(scopeSchema.safeParse({ include: { regions: ['eu'] } }).success).toBe(false);
});

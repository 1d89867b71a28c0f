import { KubeError, apiVersionOf, resourceType, resourceTypes, type KubeObject, type ResourceType } from './kube-store';
import type { KubeCluster } from './kube-cluster';
import { applyPatch, patchTypeOf } from './kube-patch';
import { toTable, wantsTable } from './kube-tables';
import { json, type LabRequest, type LabResponse } from './http';

/** The Kubernetes REST API of one lab cluster, below its prefix (/k8s/PROJECT/LOCATION/CLUSTER). */

export function kubeStatus(error: KubeError): LabResponse {
  const headers: Record<string, string> = error.code === 429 ? { 'Retry-After': '1' } : {};
  return json(
    error.code,
    { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: error.message, reason: error.reason, code: error.code },
    headers,
  );
}

const reasons: Record<number, string> = { 403: 'Forbidden', 404: 'NotFound', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

export function kubeFault(status: number, path: string): LabResponse {
  const message =
    status === 403
      ? `forbidden: the lab denies access to ${path}`
      : status === 404
        ? `the server could not find the requested resource (${path})`
        : status === 429
          ? 'Too many requests, please try again later.'
          : 'the server is currently unable to handle the request';
  return kubeStatus(new KubeError(status, reasons[status] ?? 'InternalError', message));
}

function rbacVerb(request: LabRequest, name: string | undefined): string {
  switch (request.method) {
    case 'GET':
      return name ? 'get' : request.query.get('watch') === 'true' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name ? 'delete' : 'deletecollection';
    default:
      return request.method.toLowerCase();
  }
}

export function handleKube(cluster: KubeCluster, request: LabRequest, path: string): LabResponse {
  try {
    return route(cluster, request, path);
  } catch (error) {
    if (error instanceof KubeError) return kubeStatus(error);
    throw error;
  }
}

function route(cluster: KubeCluster, request: LabRequest, path: string): LabResponse {
  if (path === '/version') {
    return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.4-gke.1106000', platform: 'linux/amd64', goVersion: 'go1.23.6', compiler: 'gc' });
  }
  if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (path === '/apis') return json(200, apiGroupList());
  const discovery = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path);
  if (discovery) return json(200, resourceList(discovery[2] ?? '', discovery[1] ?? discovery[3]!));

  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
  if (!match) throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
  const [, coreVersion, group = '', groupVersion, namespace, plural, name, subresource] = match;
  const version = coreVersion ?? groupVersion!;
  // /api/v1/namespaces/NAME is the namespace itself, not a namespaced collection.
  if (!name && namespace && plural && !resourceType(group, version, plural) && plural !== 'namespaces') {
    throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
  }
  cluster.access.add(`${rbacVerb(request, name)} ${group}/${plural}${subresource ? `/${subresource}` : ''}`);
  const type = resourceType(group, version, plural!);
  if (!type) throw new KubeError(404, 'NotFound', `the server could not find the requested resource (${request.method.toLowerCase()} ${plural})`);
  if (type.namespaced === false && namespace) throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');

  if (!name) return collection(cluster, request, type, namespace);
  if (subresource === 'scale') return scaleSubresource(cluster, request, type, namespace!, name);
  if (subresource) return podSubresource(cluster, request, type, namespace!, name, subresource);
  return item(cluster, request, type, namespace, name);
}

/**
 * `limit` and `continue`, as the API server pages a list: the token is opaque to clients (here,
 * the offset), and `remainingItemCount` is left out when a selector filtered the list, as the
 * real server does.
 */
function chunk<T>(all: T[], request: LabRequest): { items: T[]; metadata: { continue?: string; remainingItemCount?: number } } {
  const limit = Number(request.query.get('limit') ?? 0);
  const token = request.query.get('continue');
  let offset = 0;
  if (token) {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(offset) || offset < 0) throw new KubeError(400, 'BadRequest', 'continue key is not valid');
  }
  if (!Number.isInteger(limit) || limit <= 0) return { items: all.slice(offset), metadata: {} };
  const items = all.slice(offset, offset + limit);
  const remaining = all.length - offset - items.length;
  if (remaining <= 0) return { items, metadata: {} };
  const filtered = Boolean(request.query.get('labelSelector') || request.query.get('fieldSelector'));
  return { items, metadata: { continue: Buffer.from(`offset:${offset + items.length}`).toString('base64url'), ...(filtered ? {} : { remainingItemCount: remaining }) } };
}

function collection(cluster: KubeCluster, request: LabRequest, type: ResourceType, namespace: string | undefined): LabResponse {
  const { store } = cluster;
  if (request.method === 'GET') {
    const all = store.list(type.plural, namespace, request.query.get('labelSelector') ?? undefined, request.query.get('fieldSelector') ?? undefined);
    const { items, metadata } = chunk(all, request);
    const resourceVersion = store.nextVersion();
    if (wantsTable(request.headers.accept)) return json(200, { ...(toTable(type.plural, items, resourceVersion) as Record<string, unknown>), metadata: { resourceVersion, ...metadata } });
    return json(200, {
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion, ...metadata },
      items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    });
  }
  if (request.method === 'POST') {
    if (!type.verbs.includes('create')) throw new KubeError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const body = parseBody(request) as KubeObject;
    if (!body?.metadata?.name) throw new KubeError(422, 'Invalid', `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    const created = store.create(type.plural, { ...body, apiVersion: apiVersionOf(type), kind: type.kind, metadata: { ...body.metadata, ...(namespace ? { namespace } : {}) } });
    if (type.plural === 'pods') cluster.reconcileReplicaSets(namespace!);
    return json(201, created);
  }
  throw new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

function item(cluster: KubeCluster, request: LabRequest, type: ResourceType, namespace: string | undefined, name: string): LabResponse {
  const { store } = cluster;
  const current = store.mustGet(type.plural, namespace, name);
  switch (request.method) {
    case 'GET':
      if (wantsTable(request.headers.accept)) return json(200, toTable(type.plural, [current], current.metadata.resourceVersion));
      return json(200, current);
    case 'PATCH': {
      const patched = applyPatch(current, parseBody(request), patchTypeOf(request.headers['content-type']));
      const stored = store.replace(type.plural, checkUpdate(current, patched), 'patch');
      reconcile(cluster, type, namespace);
      return json(200, stored);
    }
    case 'PUT': {
      const stored = store.replace(type.plural, checkUpdate(current, parseBody(request) as KubeObject), 'update');
      reconcile(cluster, type, namespace);
      return json(200, stored);
    }
    case 'DELETE': {
      const options = (request.body.length > 0 ? parseBody(request) : {}) as { preconditions?: { uid?: string; resourceVersion?: string } };
      checkPreconditions(current, options.preconditions);
      const deleted = store.delete(type.plural, namespace, name);
      if (type.plural === 'pods') {
        cluster.afterPodDeleted(deleted);
        return json(200, { ...deleted, metadata: { ...deleted.metadata, deletionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), deletionGracePeriodSeconds: 30 } });
      }
      return json(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: type.plural, uid: deleted.metadata.uid } });
    }
    default:
      throw new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
}

/** The controllers act on what a client changed: pod labels (selectors) and workload replicas. */
function reconcile(cluster: KubeCluster, type: ResourceType, namespace: string | undefined): void {
  if (namespace === undefined) return;
  if (type.plural === 'pods') cluster.reconcileReplicaSets(namespace);
  if (['deployments', 'replicasets', 'statefulsets'].includes(type.plural)) cluster.reconcileWorkloads(namespace);
}

/** autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet: what `kubectl scale` reads and patches. */
function scaleSubresource(cluster: KubeCluster, request: LabRequest, type: ResourceType, namespace: string, name: string): LabResponse {
  if (!['deployments', 'replicasets', 'statefulsets'].includes(type.plural)) throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
  const { store } = cluster;
  const current = store.mustGet(type.plural, namespace, name);
  const toScale = (object: KubeObject) => {
    const spec = object.spec as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion, creationTimestamp: object.metadata.creationTimestamp },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: (object.status as { replicas?: number } | undefined)?.replicas ?? 0, selector: Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
    };
  };
  if (request.method === 'GET') return json(200, toScale(current));
  if (request.method !== 'PATCH' && request.method !== 'PUT') throw new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = parseBody(request);
  const scale = (request.method === 'PATCH' ? applyPatch(toScale(current), body, patchTypeOf(request.headers['content-type'])) : body) as { metadata?: { resourceVersion?: string; uid?: string }; spec?: { replicas?: unknown } };
  const replicas = scale.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new KubeError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  checkPreconditions(current, { resourceVersion: scale.metadata?.resourceVersion, uid: scale.metadata?.uid });
  const stored = store.replace(type.plural, { ...current, spec: { ...(current.spec as object), replicas } }, 'patch');
  cluster.reconcileWorkloads(namespace);
  return json(200, toScale(store.get(type.plural, namespace, name) ?? stored));
}

function podSubresource(cluster: KubeCluster, request: LabRequest, type: ResourceType, namespace: string, name: string, subresource: string): LabResponse {
  if (type.plural !== 'pods') throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
  const { store } = cluster;
  const pod = store.mustGet('pods', namespace, name);
  switch (subresource) {
    case 'exec':
    case 'attach':
      throw new KubeError(400, 'BadRequest', 'Upgrade request required');
    case 'ephemeralcontainers': {
      if (request.method === 'GET') return json(200, pod);
      if (request.method !== 'PATCH') throw new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const patched = applyPatch(pod, parseBody(request), patchTypeOf(request.headers['content-type'])) as KubeObject;
      const onlyEphemeral = JSON.stringify({ ...(patched.spec as object), ephemeralContainers: undefined }) === JSON.stringify({ ...(pod.spec as object), ephemeralContainers: undefined });
      if (!onlyEphemeral) throw new KubeError(422, 'Invalid', `Pod "${name}" is invalid: spec: Forbidden: only ephemeralContainers may be changed`);
      const started = cluster.startEphemeralContainers(checkUpdate(pod, patched));
      return json(200, store.replace('pods', started, 'patch'));
    }
    default:
      throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
  }
}

/** Identity is immutable, and a resourceVersion in the body is an optimistic-concurrency precondition. */
function checkUpdate(current: KubeObject, next: KubeObject): KubeObject {
  if (next.metadata?.name !== current.metadata.name || (next.metadata.namespace ?? current.metadata.namespace) !== current.metadata.namespace) {
    throw new KubeError(422, 'Invalid', `${current.kind} "${current.metadata.name}" is invalid: metadata.name: Invalid value: field is immutable`);
  }
  checkPreconditions(current, { resourceVersion: next.metadata.resourceVersion, uid: next.metadata.uid });
  return { ...next, apiVersion: current.apiVersion, kind: current.kind, metadata: { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } };
}

function checkPreconditions(current: KubeObject, preconditions: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined): void {
  if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
    throw new KubeError(409, 'Conflict', `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    throw new KubeError(409, 'Conflict', `Operation cannot be fulfilled on ${current.kind.toLowerCase()}s "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
  }
}

function parseBody(request: LabRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8') || 'null');
  } catch {
    throw new KubeError(400, 'BadRequest', 'the body of the request could not be decoded as JSON');
  }
}

function apiGroupList(): unknown {
  const groups = new Map<string, string>();
  for (const type of resourceTypes) if (type.group) groups.set(type.group, type.version);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, version]) => ({
      name,
      versions: [{ groupVersion: `${name}/${version}`, version }],
      preferredVersion: { groupVersion: `${name}/${version}`, version },
    })),
  };
}

function resourceList(group: string, version: string): unknown {
  const types = resourceTypes.filter((type) => type.group === group && type.version === version);
  if (types.length === 0) throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
  const resources = types.flatMap((type) => [
    { name: type.plural, singularName: type.singular, namespaced: type.namespaced, kind: type.kind, verbs: type.verbs, ...(type.shortNames ? { shortNames: type.shortNames } : {}) },
    ...(type.plural === 'pods'
      ? [
          { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
          { name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
        ]
      : []),
    ...(['deployments', 'replicasets', 'statefulsets'].includes(type.plural)
      ? [{ name: `${type.plural}/scale`, singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }]
      : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

import { randomUUID } from 'node:crypto';

/** Kubernetes objects as the API server stores them, with resource versions and a mutation log. */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeMetadata {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  generation?: number;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export interface NewObject {
  apiVersion: string;
  kind: string;
  metadata: Partial<KubeMetadata> & { name: string };
  [field: string]: unknown;
}

export interface ResourceType {
  plural: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames?: string[];
  verbs: string[];
}

const rw = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const ro = ['get', 'list', 'watch'];

export const resourceTypes: ResourceType[] = [
  { plural: 'namespaces', singular: 'namespace', kind: 'Namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], verbs: ro },
  { plural: 'nodes', singular: 'node', kind: 'Node', group: '', version: 'v1', namespaced: false, shortNames: ['no'], verbs: rw },
  { plural: 'pods', singular: 'pod', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'], verbs: rw },
  { plural: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', group: '', version: 'v1', namespaced: true, shortNames: ['sa'], verbs: ro },
  { plural: 'events', singular: 'event', kind: 'Event', group: '', version: 'v1', namespaced: true, shortNames: ['ev'], verbs: ro },
  { plural: 'deployments', singular: 'deployment', kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'], verbs: rw },
  { plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'], verbs: rw },
  { plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['sts'], verbs: rw },
  { plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['ds'], verbs: rw },
  { plural: 'jobs', singular: 'job', kind: 'Job', group: 'batch', version: 'v1', namespaced: true, verbs: rw },
  { plural: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', group: 'networking.k8s.io', version: 'v1', namespaced: true, shortNames: ['netpol'], verbs: rw },
];

export function resourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((type) => type.group === group && type.version === version && type.plural === plural);
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

const generational = new Set(['deployments', 'replicasets', 'statefulsets', 'daemonsets']);

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Mutation {
  verb: 'create' | 'patch' | 'update' | 'delete';
  resource: string;
  namespace?: string;
  name: string;
  by: 'client' | 'controller';
}

export class KubeStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private version = 1000;
  readonly mutations: Mutation[] = [];

  private bucket(plural: string): Map<string, KubeObject> {
    let bucket = this.objects.get(plural);
    if (!bucket) this.objects.set(plural, (bucket = new Map()));
    return bucket;
  }

  nextVersion(): string {
    return String(++this.version);
  }

  get(plural: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(plural).get(key(namespace, name));
  }

  mustGet(plural: string, namespace: string | undefined, name: string): KubeObject {
    const object = this.get(plural, namespace, name);
    if (!object) {
      const type = resourceTypes.find((candidate) => candidate.plural === plural);
      throw new KubeError(404, 'NotFound', `${type?.group ? `${plural}.${type.group}` : plural} "${name}" not found`);
    }
    return object;
  }

  list(plural: string, namespace?: string, labelSelector?: string, fieldSelector?: string): KubeObject[] {
    const matchLabels = parseLabelSelector(labelSelector);
    const matchFields = parseFieldSelector(fieldSelector);
    return [...this.bucket(plural).values()]
      .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
      .filter((object) => labelsMatch(object.metadata.labels ?? {}, matchLabels))
      .filter((object) => matchFields.every(([path, value]) => String(fieldValue(object, path) ?? '') === value))
      .sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
  }

  create(plural: string, object: NewObject, by: Mutation['by'] = 'client'): KubeObject {
    const bucket = this.bucket(plural);
    const id = key(object.metadata.namespace, object.metadata.name);
    if (bucket.has(id)) throw new KubeError(409, 'AlreadyExists', `${plural} "${object.metadata.name}" already exists`);
    const stored: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        uid: object.metadata.uid ?? randomUUID(),
        ...(generational.has(plural) ? { generation: object.metadata.generation ?? 1 } : {}),
        resourceVersion: this.nextVersion(),
        creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    bucket.set(id, stored);
    this.mutations.push({ verb: 'create', resource: plural, ...ns(object.metadata.namespace), name: object.metadata.name, by });
    return stored;
  }

  /** Stores a changed object under a new resourceVersion. */
  replace(plural: string, object: KubeObject, verb: 'patch' | 'update', by: Mutation['by'] = 'client'): KubeObject {
    // As the API server keeps it for workloads: the generation moves with the spec, not the status.
    const before = generational.has(plural) ? this.get(plural, object.metadata.namespace, object.metadata.name) : undefined;
    const generation = before && JSON.stringify(before.spec) !== JSON.stringify(object.spec) ? { generation: (before.metadata.generation ?? 1) + 1 } : {};
    const stored: KubeObject = { ...object, metadata: { ...object.metadata, ...generation, resourceVersion: this.nextVersion() } };
    this.bucket(plural).set(key(object.metadata.namespace, object.metadata.name), stored);
    this.mutations.push({ verb, resource: plural, ...ns(object.metadata.namespace), name: object.metadata.name, by });
    return stored;
  }

  delete(plural: string, namespace: string | undefined, name: string, by: Mutation['by'] = 'client'): KubeObject {
    const object = this.mustGet(plural, namespace, name);
    this.bucket(plural).delete(key(namespace, name));
    this.mutations.push({ verb: 'delete', resource: plural, ...ns(namespace), name, by });
    return object;
  }
}

function ns(namespace: string | undefined): { namespace?: string } {
  return namespace === undefined ? {} : { namespace };
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

type Requirement = { key: string; op: '=' | '!=' | 'exists' | '!exists' | 'in' | 'notin'; values: string[] };

export function parseLabelSelector(selector: string | undefined): Requirement[] {
  if (!selector) return [];
  const requirements: Requirement[] = [];
  // Commas inside "in (a,b)" groups do not separate requirements.
  for (const part of selector.match(/[^,(]+(\([^)]*\))?/g) ?? []) {
    const text = part.trim();
    let match: RegExpExecArray | null;
    if ((match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text))) {
      requirements.push({ key: match[1]!, op: match[2] as 'in' | 'notin', values: match[3]!.split(',').map((v) => v.trim()) });
    } else if ((match = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(text))) {
      requirements.push({ key: match[1]!, op: match[2] === '!=' ? '!=' : '=', values: [match[3]!] });
    } else if ((match = /^!([\w./-]+)$/.exec(text))) {
      requirements.push({ key: match[1]!, op: '!exists', values: [] });
    } else if ((match = /^([\w./-]+)$/.exec(text))) {
      requirements.push({ key: match[1]!, op: 'exists', values: [] });
    } else {
      throw new KubeError(400, 'BadRequest', `unable to parse requirement: ${text}`);
    }
  }
  return requirements;
}

export function labelsMatch(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every(({ key: k, op, values }) => {
    const has = Object.hasOwn(labels, k);
    switch (op) {
      case '=':
      case 'in':
        return has && values.includes(labels[k]!);
      case '!=':
      case 'notin':
        return !has || !values.includes(labels[k]!);
      case 'exists':
        return has;
      case '!exists':
        return !has;
    }
  });
}

/** A LabelSelector object ({matchLabels, matchExpressions}) against labels. */
export function selectorMatches(selector: Record<string, unknown> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  const expressions = (selector.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[];
  const requirements: Requirement[] = [
    ...Object.entries(matchLabels).map(([k, v]) => ({ key: k, op: '=' as const, values: [v] })),
    ...expressions.map((e) => ({
      key: e.key,
      op: ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator as 'In'] ?? 'in',
      values: e.values ?? [],
    })),
  ];
  return labelsMatch(labels, requirements);
}

function parseFieldSelector(selector: string | undefined): [string, string][] {
  if (!selector) return [];
  return selector.split(',').map((part) => {
    const match = /^([\w.]+)\s*==?\s*(.*)$/.exec(part.trim());
    if (!match) throw new KubeError(400, 'BadRequest', `invalid field selector: ${part}`);
    return [match[1]!, match[2]!];
  });
}

function fieldValue(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], object);
}

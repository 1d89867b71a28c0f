import type { KubeObject } from './kube-store';

/** Server-side printing (`as=Table`), which kubectl asks for: the columns `kubectl get` shows. */

type Column = { name: string; type: string; format?: string; priority?: number; cell: (object: KubeObject) => unknown };

const age = (object: KubeObject) => {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(object.metadata.creationTimestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
};

type PodStatus = { phase?: string; podIP?: string; containerStatuses?: { ready?: boolean; restartCount?: number }[] };

const columns: Record<string, Column[]> = {
  pods: [
    { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name },
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => {
        const statuses = (o.status as PodStatus).containerStatuses ?? [];
        return `${statuses.filter((s) => s.ready).length}/${statuses.length}`;
      },
    },
    { name: 'Status', type: 'string', cell: (o) => ((o.status as PodStatus).phase === 'Succeeded' ? 'Completed' : (o.status as PodStatus).phase) },
    { name: 'Restarts', type: 'string', cell: (o) => String(((o.status as PodStatus).containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0)) },
    { name: 'Age', type: 'string', cell: age },
    { name: 'IP', type: 'string', priority: 1, cell: (o) => (o.status as PodStatus).podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => (o.spec as { nodeName?: string }).nodeName ?? '<none>' },
  ],
  nodes: [
    { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name },
    {
      name: 'Status',
      type: 'string',
      cell: (o) => {
        const ready = (o.status as { conditions?: { type: string; status: string }[] }).conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        const cordoned = (o.spec as { unschedulable?: boolean }).unschedulable;
        return `${ready ? 'Ready' : 'NotReady'}${cordoned ? ',SchedulingDisabled' : ''}`;
      },
    },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
    { name: 'Age', type: 'string', cell: age },
    { name: 'Version', type: 'string', cell: (o) => (o.status as { nodeInfo?: { kubeletVersion?: string } }).nodeInfo?.kubeletVersion ?? '' },
  ],
};

const fallback: Column[] = [
  { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name },
  { name: 'Age', type: 'string', cell: age },
];

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').includes('as=Table');
}

export function toTable(plural: string, objects: KubeObject[], resourceVersion: string): unknown {
  const chosen = columns[plural] ?? fallback;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: chosen.map(({ name, type, format, priority }) => ({ name, type, format: format ?? '', description: name, priority: priority ?? 0 })),
    rows: objects.map((object) => ({
      cells: chosen.map((column) => column.cell(object)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: object.metadata,
      },
    })),
  };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { KubeStore, selectorMatches, type KubeObject, type OwnerReference } from './kube-store';
import type { ScenarioCluster, ScenarioContainer, ScenarioProcess, ScenarioWorkload } from './scenario';
import { VirtualFs } from './vfs';
import { procStateFor, type ProcState } from './proc-fs';

/** One GKE cluster's Kubernetes: its objects, its containers' files and processes, its controllers. */

export interface ContainerRuntime {
  image: string;
  distroless: boolean;
  vfs: VirtualFs;
  processes: ScenarioProcess[];
  /** For an ephemeral container: the container whose process namespace it shares. */
  target?: string;
  /** What /proc shows beyond the process table: executables kept by running processes, start times, the pod's address. */
  proc?: ProcState;
}

interface Template {
  workload: ScenarioWorkload;
  containers: ScenarioContainer[];
  labels: Record<string, string>;
  owner?: OwnerReference;
  baseProcesses: ScenarioProcess[];
}

/** Images the lab can start as ephemeral debug containers: they ship coreutils. */
const debugImages = /^(docker\.io\/library\/)?(busybox|alpine|ubuntu|debian)(:|@|$)|\/debug|:debug/;

export class KubeCluster {
  readonly store = new KubeStore();
  /**
   * Every request as RBAC sees it, "verb group/resource[/subresource]" (core group empty): what
   * a Role must grant for what the product did here.
   */
  readonly access = new Set<string>();
  /** Container runtimes by pod UID, then container name. */
  private readonly runtimes = new Map<string, Map<string, ContainerRuntime>>();
  /** Pod templates by owner UID, so controllers can recreate pods. */
  private readonly templates = new Map<string, Template>();
  /** Start order by pod UID: the controllers remove the youngest surplus pod first. */
  private readonly births = new Map<string, number>();

  constructor(readonly spec: ScenarioCluster) {
    const namespaces = new Set(['default', 'kube-system', ...spec.workloads.map((w) => w.namespace), ...spec.networkPolicies.map((p) => p.namespace)]);
    for (const name of namespaces) {
      this.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, status: { phase: 'Active' } }, 'controller');
    }
    for (const node of spec.nodes) this.store.create('nodes', nodeObject(spec, node), 'controller');
    const accounts = new Map<string, Record<string, string>>();
    for (const name of namespaces) accounts.set(`${name}/default`, {});
    for (const workload of spec.workloads) if (!accounts.has(`${workload.namespace}/${workload.serviceAccount}`)) accounts.set(`${workload.namespace}/${workload.serviceAccount}`, {});
    for (const account of spec.serviceAccounts) accounts.set(`${account.namespace}/${account.name}`, account.annotations);
    for (const [key, annotations] of accounts) {
      const [namespace, name] = key.split('/') as [string, string];
      this.store.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, ...(Object.keys(annotations).length ? { annotations } : {}) } }, 'controller');
    }
    for (const workload of spec.workloads) this.addWorkload(workload);
    for (const policy of spec.networkPolicies) {
      this.store.create(
        'networkpolicies',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: policy.name, namespace: policy.namespace },
          spec: { podSelector: policy.podSelector, policyTypes: policy.policyTypes, ...(policy.ingress ? { ingress: policy.ingress } : {}), ...(policy.egress ? { egress: policy.egress } : {}) },
        },
        'controller',
      );
    }
    this.store.mutations.length = 0;
  }

  private createReplicaSet(deployment: KubeObject, workload: ScenarioWorkload, hash: string, containers: ScenarioContainer[], revision: number, replicas: number): KubeObject {
    const podLabels = { ...workload.labels, 'pod-template-hash': hash };
    return this.store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${workload.name}-${hash}`, namespace: workload.namespace, labels: podLabels, annotations: { 'deployment.kubernetes.io/revision': String(revision) }, ownerReferences: [ownerRef(deployment)] },
      spec: { replicas, selector: { matchLabels: podLabels }, template: { metadata: { labels: podLabels }, spec: { serviceAccountName: workload.serviceAccount, containers: containers.map(containerSpec) } } },
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas },
    }, 'controller');
  }

  /**
   * The Deployment controller after its pod template changed (a rollout, or a rollback): the
   * ReplicaSet whose template runs the same images takes every replica and the next revision
   * number, the others go to zero. A template no ReplicaSet has gets a new one, started from the
   * images the lab knows by name.
   */
  private rollOut(deployment: KubeObject, owned: KubeObject[]): void {
    const wanted = imagesOf((deployment.spec as { template: PodTemplate }).template);
    const current = newest(owned);
    if (!current || imagesOf((current.spec as { template: PodTemplate }).template) === wanted) return;
    const next = revisionOf(current) + 1;
    let target = owned.find((rs) => imagesOf((rs.spec as { template: PodTemplate }).template) === wanted);
    if (!target) {
      const known = this.templates.get(current.metadata.uid)!;
      const images = new Map(((deployment.spec as { template: PodTemplate }).template.spec.containers ?? []).map((c) => [c.name, c.image]));
      const containers = known.containers.map((c) => ({ ...c, image: images.get(c.name) ?? c.image }));
      const hash = randomSuffix(9);
      target = this.createReplicaSet(deployment, known.workload, hash, containers, next, 0);
      this.templates.set(target.metadata.uid, { ...known, containers, labels: { ...known.workload.labels, 'pod-template-hash': hash }, owner: ownerRef(target) });
    }
    for (const rs of owned) {
      if (rs.metadata.uid === target.metadata.uid || (rs.spec as { replicas: number }).replicas === 0) continue;
      this.store.replace('replicasets', { ...rs, spec: { ...(rs.spec as object), replicas: 0 }, status: { replicas: 0 } }, 'patch', 'controller');
    }
    this.store.replace('replicasets', { ...target, metadata: { ...target.metadata, annotations: { ...target.metadata.annotations, 'deployment.kubernetes.io/revision': String(next) } } }, 'patch', 'controller');
    this.store.replace('deployments', { ...deployment, metadata: { ...deployment.metadata, annotations: { ...deployment.metadata.annotations, 'deployment.kubernetes.io/revision': String(next) } } }, 'patch', 'controller');
  }

  runtime(podUid: string, container: string): ContainerRuntime | undefined {
    return this.runtimes.get(podUid)?.get(container);
  }

  private addWorkload(workload: ScenarioWorkload): void {
    const labels = { ...workload.labels };
    const { namespace } = workload;
    let owner: OwnerReference | undefined;
    let podLabels = { ...labels };
    const selector = { matchLabels: { ...labels } };
    const template = { metadata: { labels }, spec: { serviceAccountName: workload.serviceAccount, containers: workload.containers.map(containerSpec) } };
    const replicas = workload.replicas ?? workload.pods.length;
    const meta = { namespace, labels, annotations: workload.annotations };
    switch (workload.kind) {
      case 'Deployment': {
        const hash = workload.podTemplateHash ?? randomSuffix(9);
        const deployment = this.store.create('deployments', {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: workload.name, ...meta, generation: 1 },
          spec: { replicas, selector, template, strategy: { type: 'RollingUpdate' } },
          status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1 },
        }, 'controller');
        workload.previousRevisions.forEach((earlier, i) => {
          const old = this.createReplicaSet(deployment, workload, earlier.podTemplateHash, earlier.containers, i + 1, 0);
          this.templates.set(old.metadata.uid, { workload, containers: earlier.containers, labels: { ...labels, 'pod-template-hash': earlier.podTemplateHash }, owner: ownerRef(old), baseProcesses: workload.pods[0]?.processes.filter((p) => p.ppid === 0) ?? [] });
        });
        const revision = workload.previousRevisions.length + 1;
        this.store.replace('deployments', { ...deployment, metadata: { ...deployment.metadata, annotations: { ...deployment.metadata.annotations, 'deployment.kubernetes.io/revision': String(revision) } } }, 'patch', 'controller');
        podLabels = { ...labels, 'pod-template-hash': hash };
        owner = ownerRef(this.createReplicaSet(deployment, workload, hash, workload.containers, revision, replicas));
        break;
      }
      case 'StatefulSet':
      case 'DaemonSet': {
        const plural = workload.kind === 'StatefulSet' ? 'statefulsets' : 'daemonsets';
        const status = workload.kind === 'StatefulSet'
          ? { replicas, readyReplicas: replicas, currentReplicas: replicas }
          : { desiredNumberScheduled: workload.pods.length, currentNumberScheduled: workload.pods.length, numberReady: workload.pods.length };
        const object = this.store.create(plural, {
          apiVersion: 'apps/v1',
          kind: workload.kind,
          metadata: { name: workload.name, ...meta },
          spec: { ...(workload.kind === 'StatefulSet' ? { replicas, serviceName: workload.name } : {}), selector, template },
          status,
        }, 'controller');
        owner = ownerRef(object);
        break;
      }
      case 'Job': {
        const uid = randomUUID();
        podLabels = { ...labels, 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': workload.name, 'job-name': workload.name };
        const job = this.store.create('jobs', {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: workload.name, ...meta, uid },
          spec: { completions: 1, parallelism: 1, backoffLimit: 6, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } },
          status: { succeeded: workload.pods.filter((p) => p.phase === 'Succeeded').length },
        }, 'controller');
        owner = ownerRef(job);
        break;
      }
      case 'Pod':
        break;
    }
    const baseProcesses = workload.pods[0]?.processes.filter((p) => p.ppid === 0) ?? [];
    const podTemplate: Template = { workload, containers: workload.containers, labels: podLabels, ...(owner ? { owner } : {}), baseProcesses };
    if (owner) this.templates.set(owner.uid, podTemplate);
    for (const pod of workload.pods) {
      const files = new Map(workload.containers.map((c) => [c.name, { ...c.imageFiles, ...(pod.addedFiles[c.name] ?? {}) }]));
      this.startPod(podTemplate, pod.name, pod.node, pod.phase, files, pod.processes, pod.uid);
    }
  }

  private startPod(
    template: Template,
    name: string,
    node: string,
    phase: string,
    files: Map<string, Record<string, { base64: string; mode: string }>>,
    processes: ScenarioProcess[],
    uid?: string,
  ): KubeObject {
    const { workload, containers } = template;
    const started = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const running = phase === 'Running';
    const ip = podIp();
    const pod = this.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: workload.namespace,
        ...(uid ? { uid } : {}),
        labels: { ...template.labels },
        annotations: { ...workload.annotations },
        ...(template.owner ? { ownerReferences: [template.owner] } : {}),
      },
      spec: {
        nodeName: node,
        serviceAccountName: workload.serviceAccount,
        serviceAccount: workload.serviceAccount,
        containers: containers.map(containerSpec),
        restartPolicy: workload.kind === 'Job' ? 'Never' : 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
      },
      status: {
        phase,
        hostIP: nodeIp(node),
        podIP: ip,
        podIPs: [{ ip }],
        startTime: started,
        qosClass: 'BestEffort',
        conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: running || type === 'Initialized' || type === 'PodScheduled' ? 'True' : 'False', lastTransitionTime: started })),
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: `${c.image.split(/[:@]/)[0]}@${c.imageDigest}`,
          containerID: `containerd://${randomBytes(32).toString('hex')}`,
          ready: running,
          started: running,
          restartCount: 0,
          state: running ? { running: { startedAt: started } } : { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } },
        })),
      },
    }, 'controller');
    this.births.set(pod.metadata.uid, this.births.size + 1);
    const runtimes = new Map<string, ContainerRuntime>();
    for (const container of containers) {
      const vfs = VirtualFs.from(files.get(container.name) ?? {});
      const own = processes.filter((p) => p.container === container.name);
      runtimes.set(container.name, { image: container.image, distroless: container.distroless, vfs, processes: own, proc: procStateFor(own, vfs, started, ip) });
    }
    this.runtimes.set(pod.metadata.uid, runtimes);
    return pod;
  }

  /** What the controllers do after a client deleted a pod: its owner starts a clean replacement. */
  afterPodDeleted(pod: KubeObject): void {
    this.runtimes.delete(pod.metadata.uid);
    const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller);
    if (!owner || owner.kind === 'Job') return;
    const template = this.templates.get(owner.uid);
    if (!template) return;
    if (owner.kind === 'ReplicaSet') {
      this.reconcileReplicaSets(pod.metadata.namespace!);
      return;
    }
    const name = owner.kind === 'StatefulSet' ? pod.metadata.name : `${owner.name}-${randomSuffix(5)}`;
    this.startReplacement(template, name, (pod.spec as { nodeName: string }).nodeName);
  }

  /**
   * The ReplicaSet controller: pods that no longer match the selector are released (their
   * owner reference removed), orphans that match are adopted, surplus pods are deleted
   * (the youngest first, as the real controller ranks them) and missing replicas are started
   * from the template.
   */
  reconcileReplicaSets(namespace: string): void {
    for (const replicaSet of this.store.list('replicasets', namespace)) {
      const spec = replicaSet.spec as { replicas: number; selector: Record<string, unknown> };
      const uid = replicaSet.metadata.uid;
      const matching: KubeObject[] = [];
      for (const pod of this.store.list('pods', namespace)) {
        const owned = pod.metadata.ownerReferences?.some((ref) => ref.uid === uid) ?? false;
        const orphan = !pod.metadata.ownerReferences?.some((ref) => ref.controller);
        const matches = selectorMatches(spec.selector, pod.metadata.labels ?? {});
        if (owned && !matches) {
          const released = { ...pod, metadata: { ...pod.metadata, ownerReferences: pod.metadata.ownerReferences!.filter((ref) => ref.uid !== uid) } };
          this.store.replace('pods', released, 'patch', 'controller');
        } else if (owned) {
          matching.push(pod);
        } else if (orphan && matches) {
          matching.push(this.store.replace('pods', { ...pod, metadata: { ...pod.metadata, ownerReferences: [ownerRef(replicaSet)] } }, 'patch', 'controller'));
        }
      }
      const youngestFirst = matching.sort((a, b) => (this.births.get(b.metadata.uid) ?? 0) - (this.births.get(a.metadata.uid) ?? 0));
      for (const surplus of youngestFirst.slice(0, Math.max(0, matching.length - spec.replicas))) {
        this.runtimes.delete(this.store.delete('pods', namespace, surplus.metadata.name, 'controller').metadata.uid);
      }
      const template = this.templates.get(uid);
      const nodes = this.store.list('nodes').filter((node) => !(node.spec as { unschedulable?: boolean } | undefined)?.unschedulable);
      for (let i = matching.length; template && i < spec.replicas; i++) {
        const node = nodes[i % Math.max(nodes.length, 1)]?.metadata.name ?? this.spec.nodes[0]!.name;
        this.startReplacement(template, `${replicaSet.metadata.name}-${randomSuffix(5)}`, node);
      }
    }
  }

  /**
   * The Deployment and StatefulSet controllers after a change of replicas: a Deployment hands
   * its count to its ReplicaSet; a StatefulSet keeps ordinals 0..n-1, removing the highest first.
   */
  reconcileWorkloads(namespace: string): void {
    for (const deployment of this.store.list('deployments', namespace)) {
      const replicas = (deployment.spec as { replicas: number }).replicas;
      const ownedBy = () => this.store.list('replicasets', namespace).filter((rs) => rs.metadata.ownerReferences?.some((ref) => ref.uid === deployment.metadata.uid));
      this.rollOut(deployment, ownedBy());
      // Every replica belongs to the newest revision; a rollout left the older ones at zero.
      for (const replicaSet of [newest(ownedBy())].filter((rs) => rs !== undefined)) {
        const spec = replicaSet.spec as { replicas: number };
        if (spec.replicas === replicas) continue;
        this.store.replace('replicasets', { ...replicaSet, spec: { ...spec, replicas }, status: { ...(replicaSet.status as object), replicas, readyReplicas: replicas, availableReplicas: replicas } }, 'patch', 'controller');
      }
      const status = deployment.status as { replicas?: number };
      if (status.replicas !== replicas) {
        this.store.replace('deployments', { ...deployment, status: { ...status, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas } }, 'patch', 'controller');
      }
    }
    this.reconcileReplicaSets(namespace);
    for (const statefulSet of this.store.list('statefulsets', namespace)) {
      const replicas = (statefulSet.spec as { replicas: number }).replicas;
      const name = statefulSet.metadata.name;
      const owned = this.store.list('pods', namespace).filter((pod) => pod.metadata.ownerReferences?.some((ref) => ref.uid === statefulSet.metadata.uid));
      for (const pod of owned) {
        const ordinal = Number(pod.metadata.name.slice(name.length + 1));
        if (ordinal >= replicas) this.runtimes.delete(this.store.delete('pods', namespace, pod.metadata.name, 'controller').metadata.uid);
      }
      const template = this.templates.get(statefulSet.metadata.uid);
      for (let ordinal = 0; template && ordinal < replicas; ordinal++) {
        if (!this.store.get('pods', namespace, `${name}-${ordinal}`)) this.startReplacement(template, `${name}-${ordinal}`, this.spec.nodes[ordinal % this.spec.nodes.length]!.name);
      }
      const status = statefulSet.status as { replicas?: number };
      if (status.replicas !== replicas) {
        this.store.replace('statefulsets', { ...statefulSet, status: { ...status, replicas, readyReplicas: replicas, currentReplicas: replicas } }, 'patch', 'controller');
      }
    }
  }

  private startReplacement(template: Template, name: string, node: string): void {
    const files = new Map(template.containers.map((c) => [c.name, c.imageFiles]));
    this.startPod(template, name, node, 'Running', files, template.baseProcesses);
  }

  /** The ephemeralcontainers subresource: new entries start running, sharing the target's processes. */
  startEphemeralContainers(pod: KubeObject): KubeObject {
    const spec = pod.spec as { ephemeralContainers?: { name: string; image: string; targetContainerName?: string }[] };
    const status = pod.status as { ephemeralContainerStatuses?: { name: string }[] };
    const runtimes = this.runtimes.get(pod.metadata.uid) ?? new Map<string, ContainerRuntime>();
    const statuses = [...(status.ephemeralContainerStatuses ?? [])];
    for (const container of spec.ephemeralContainers ?? []) {
      if (runtimes.has(container.name)) continue;
      const target = container.targetContainerName;
      runtimes.set(container.name, {
        image: container.image,
        distroless: !debugImages.test(container.image),
        vfs: new VirtualFs(),
        processes: [],
        ...(target ? { target } : {}),
      });
      statuses.push({
        name: container.name,
        image: container.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } },
      } as never);
    }
    this.runtimes.set(pod.metadata.uid, runtimes);
    return { ...pod, status: { ...(pod.status as object), ephemeralContainerStatuses: statuses } };
  }
}

export function containerSpec(container: ScenarioContainer) {
  return { name: container.name, image: container.image, imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
}

interface PodTemplate {
  spec: { containers?: { name: string; image: string }[] };
}

function revisionOf(object: KubeObject): number {
  return Number(object.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

function newest(replicaSets: KubeObject[]): KubeObject | undefined {
  return [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

/** What tells two pod templates apart for a rollout here: each container's name and image. */
function imagesOf(template: PodTemplate): string {
  return (template.spec.containers ?? []).map((c) => `${c.name}=${c.image}`).join(',');
}

function ownerRef(object: KubeObject): OwnerReference {
  return { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, uid: object.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function nodeObject(cluster: ScenarioCluster, node: ScenarioCluster['nodes'][number]) {
  const pool = /-pool-[^-]+|default-pool/.exec(node.name)?.[0]?.replace(/^-/, '') ?? 'default-pool';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': node.zone,
        'topology.kubernetes.io/region': node.zone.replace(/-[a-z]$/, ''),
        'cloud.google.com/gke-nodepool': pool,
      },
      annotations: { 'container.googleapis.com/instance_id': node.instanceId },
    },
    spec: { providerID: `gce://${cluster.project}/${node.zone}/${node.name}`, podCIDR: '10.8.0.0/24' },
    status: {
      addresses: [{ type: 'InternalIP', address: nodeIp(node.name) }, { type: 'Hostname', address: node.name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: '2026-11-01T00:00:00Z' }],
      nodeInfo: { kubeletVersion: 'v1.32.4-gke.1106000', containerRuntimeVersion: 'containerd://1.7.24', osImage: 'Container-Optimized OS from Google', kernelVersion: '6.6.72+', operatingSystem: 'linux', architecture: 'amd64', machineID: node.instanceId, systemUUID: node.instanceId, bootID: node.instanceId, kubeProxyVersion: 'v1.32.4-gke.1106000' },
      capacity: { cpu: '4', memory: '16393244Ki', pods: '110' },
      allocatable: { cpu: '3920m', memory: '13170172Ki', pods: '110' },
    },
  };
}

/** Suffixes as the controllers make them (consonants and digits that spell no words). */
function randomSuffix(length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function nodeIp(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `10.128.0.${(hash % 250) + 2}`;
}

function podIp(): string {
  const bytes = randomBytes(2);
  return `10.8.${bytes[0]! % 4}.${(bytes[1]! % 250) + 2}`;
}

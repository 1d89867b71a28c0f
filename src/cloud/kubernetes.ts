import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  Exec,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1NetworkPolicy,
  type V1Pod,
  type V1PodTemplateSpec,
  type V1Status,
} from '@kubernetes/client-node';
import { cloudCall, defaultRequestTimeoutMs } from './call';
import { connectToCluster, kubeconfigContextName, type ClusterAccess, type ClusterAccessDeps, type ClusterConnection, type ClusterRef } from './cluster-access';
import { CloudError, fromHttpStatus, fromUnknown, PermanentCloudError, TransientCloudError, type CloudErrorContext } from './errors';
import { RecentReads } from './recent-reads';
import { checkName } from './validate';
import { optional } from '../util/optional';

/** Kubernetes for one cluster, through @kubernetes/client-node. */

export interface NodeInfo {
  name: string;
  instanceId?: string;
  zone?: string;
  unschedulable: boolean;
  kubeletVersion?: string;
  labels: Record<string, string>;
}

export interface PodInfo {
  uid: string;
  resourceVersion: string;
  namespace: string;
  name: string;
  phase?: string;
  /** Set once a delete was accepted: the pod stays, with a newer resourceVersion, until its kubelet and finalizers let it go. */
  deletionTimestamp?: string;
  nodeName?: string;
  serviceAccount?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: { name: string; image: string; imageId?: string; running: boolean }[];
  ephemeralContainers: { name: string; image: string; targetContainerName?: string; running: boolean }[];
  owner?: { kind: string; name: string; uid: string };
}

export interface Owner {
  kind: string;
  name: string;
  uid: string;
  replicas?: number;
  selector?: Record<string, string>;
}

export type ScalableKind = 'Deployment' | 'StatefulSet' | 'ReplicaSet';

/** A Deployment's pod template, as the API holds it: what a rollback puts back. */
export type PodTemplate = V1PodTemplateSpec;

export interface DeploymentInfo {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  /** Moves with every change of the spec (not of the status). */
  generation: number;
  /** `deployment.kubernetes.io/revision`: the revision its pods come from. */
  revision: number;
  replicas: number;
  selector: Record<string, string>;
  template: PodTemplate;
}

export interface ReplicaSetRevision {
  name: string;
  uid: string;
  revision: number;
  replicas: number;
  template: PodTemplate;
}

const revisionAnnotation = 'deployment.kubernetes.io/revision';

export interface ScaleInfo {
  kind: ScalableKind;
  namespace: string;
  name: string;
  uid: string;
  replicas: number;
  resourceVersion: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
  /** SHA-256 of all stdout bytes, computed while they streamed (also past the cap). */
  stdoutSha256: string;
  stdoutBytes: number;
  /** stdout went past the cap: `stdout` holds the first `maxStdoutBytes` only. */
  stdoutTruncated: boolean;
  /** The runtime could not start the command (e.g. no such executable in a distroless image). */
  notStarted?: string;
}

interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  networking: NetworkingV1Api;
  exec: Exec;
}

/** The controllers an owner chain reads; any other kind ends the chain as the pod's reference names it. */
const ownerKinds = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const ownerKey = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;
const podSamples = (namespace: string) => `podsample/${namespace}/`;
const recentPods = (namespace: string) => `pod/${namespace}/`;
const networkPolicies = (namespace: string) => `networkpolicies/${namespace}`;

/** How long a resolved connection is kept before the cluster's endpoint and CA are read again (they rotate). */
const connectionTtlMs = 10 * 60 * 1000;

/** How an adapter reads: its deadline per request, and how long a workload's owner read is shared. */
export interface KubernetesReadOptions {
  /** How long one request may go unanswered (exec: until its stream is open). */
  deadlineMs?: number;
  /**
   * How long a ReplicaSet, Deployment, StatefulSet, DaemonSet or Job read for an owner chain is
   * shared by the cases that walk through it (default 15 s; 0 reads it for each). What a chain
   * uses of them (name, uid, selector) does not change; replicas may lag by this much, and the
   * adapter's own scale and rollback forget what they changed. The same while shares what the
   * cases of one workload read alike and only show: a service account's annotations, a
   * namespace's NetworkPolicies, and a selector's sample of pods (their names, for the blast
   * radius). The adapter's own writes forget what they change. A view made for a first plan
   * (`atOneMoment({ podsReadWithinTtl: true })`) takes the pod as the case's own pod step read it
   * within this while, instead of reading it again.
   */
  ownerReadTtlMs?: number;
  now?: () => number;
}

/** One link of an owner chain as read: the owner, and who controls it in turn. */
interface OwnerLink {
  owner: Owner;
  parent?: { kind: string; name: string; uid: string };
}

/** What every view of one cluster's adapter shares: its connection, its recent owner and pod reads, and the reads a workload's cases make alike. */
interface ClusterState {
  connection: { current?: { ready: Promise<KubeApis & { via: string }>; until: number } };
  owners: RecentReads<OwnerLink>;
  alike: RecentReads<unknown>;
  /** Every pod read fresh, kept for the TTL: only a view that asks for them takes them (`podsReadWithinTtl`). */
  pods: RecentReads<PodInfo>;
}

/** How a view for one moment reads. */
export interface MomentOptions {
  /** A pod read by this adapter within the TTL is the moment's pod (a first plan, just after the pod step); otherwise every pod is read afresh. */
  podsReadWithinTtl?: boolean;
}

export class KubernetesAdapter {
  private readonly deadlineMs: number;
  private readonly now: () => number;
  private readonly state: ClusterState;
  /** In a view for one moment (`atOneMoment`): the reads made in it so far, shared by whoever reads the same object again. */
  private readonly moment: RecentReads<unknown> | undefined;
  private readonly podsReadWithinTtl: boolean;

  constructor(
    /** The credentials for exactly this cluster (src/cloud/cluster-access.ts), resolved on first use. */
    private readonly connect: () => Promise<ClusterConnection>,
    readonly cluster: string,
    private readonly options: KubernetesReadOptions = {},
    view?: { state: ClusterState; moment: RecentReads<unknown>; podsReadWithinTtl?: boolean },
  ) {
    this.deadlineMs = options.deadlineMs ?? defaultRequestTimeoutMs;
    this.now = options.now ?? Date.now;
    const ttlMs = options.ownerReadTtlMs ?? 15_000;
    this.state = view?.state ?? { connection: {}, owners: new RecentReads(ttlMs, this.now), alike: new RecentReads(ttlMs, this.now), pods: new RecentReads(ttlMs, this.now) };
    this.moment = view?.moment;
    this.podsReadWithinTtl = view?.podsReadWithinTtl ?? false;
  }

  /**
   * This cluster as of one moment, for one plan: the pod, its service account and namespace, the
   * node, a Deployment and the namespace's NetworkPolicies are read once however many parts of the plan ask,
   * so every part sees the same state (and resourceVersion). A failed read is not kept; a write
   * through the view forgets what it read.
   */
  atOneMoment(options: MomentOptions = {}): KubernetesAdapter {
    return new KubernetesAdapter(this.connect, this.cluster, this.options, { state: this.state, moment: new RecentReads(Number.MAX_SAFE_INTEGER, this.now), podsReadWithinTtl: options.podsReadWithinTtl ?? false });
  }

  static forCluster(cluster: ClusterRef, access: ClusterAccess, deps: ClusterAccessDeps, options: KubernetesReadOptions = {}): KubernetesAdapter {
    return new KubernetesAdapter(() => connectToCluster(cluster, access, deps), kubeconfigContextName(cluster), options);
  }

  /** Which credentials reach this cluster (resolving them if need be). */
  async connection(): Promise<string> {
    return (await this.call({ service: 'kubernetes', operation: 'connect', target: this.cluster }, async () => undefined, true)).via;
  }

  private resolve(): Promise<KubeApis & { via: string }> {
    const { connection } = this.state;
    if (connection.current && connection.current.until > this.now()) return connection.current.ready;
    const ready = this.connect().then(({ config, via }) => ({
      core: config.makeApiClient(CoreV1Api),
      apps: config.makeApiClient(AppsV1Api),
      batch: config.makeApiClient(BatchV1Api),
      networking: config.makeApiClient(NetworkingV1Api),
      exec: new Exec(config),
      via,
    }));
    const entry = { ready, until: this.now() + connectionTtlMs };
    connection.current = entry;
    // A failed resolution is not kept: the next call asks again.
    ready.catch(() => {
      if (connection.current === entry) connection.current = undefined;
    });
    return ready;
  }

  async getNode(name: string): Promise<NodeInfo> {
    const context = this.context('get node', name);
    checkName('kubernetesSubdomain', name, 'node name', context);
    const node = await this.once(`node/${name}`, () => this.call(context, (api) => api.core.readNode({ name })));
    const labels = node.metadata?.labels ?? {};
    return {
      name,
      ...optional('instanceId', node.metadata?.annotations?.['container.googleapis.com/instance_id']),
      ...optional('zone', labels['topology.kubernetes.io/zone']),
      unschedulable: node.spec?.unschedulable === true,
      ...optional('kubeletVersion', node.status?.nodeInfo?.kubeletVersion),
      labels,
    };
  }

  async getNamespace(name: string): Promise<{ name: string; labels: Record<string, string>; annotations: Record<string, string> }> {
    const context = this.context('get namespace', name);
    checkName('kubernetesLabel', name, 'namespace', context);
    const namespace = await this.once(`namespace/${name}`, () => this.call(context, (api) => api.core.readNamespace({ name })));
    return { name, labels: namespace.metadata?.labels ?? {}, annotations: namespace.metadata?.annotations ?? {} };
  }

  /** A Kubernetes service account's annotations: Workload Identity names the Google service account it acts as there. */
  async getServiceAccount(namespace: string, name: string): Promise<{ namespace: string; name: string; annotations: Record<string, string> }> {
    const context = this.context('get serviceaccount', `${namespace}/${name}`);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    checkName('kubernetesSubdomain', name, 'service account', context);
    const key = `serviceaccount/${namespace}/${name}`;
    // Nothing here writes a service account: the cases of a workload share one read for a while.
    const account = await this.once(key, () => this.alikeRead(key, () => this.call(context, (api) => api.core.readNamespacedServiceAccount({ namespace, name }))));
    return { namespace, name, annotations: account.metadata?.annotations ?? {} };
  }

  async getPod(namespace: string, name: string): Promise<PodInfo> {
    const context = this.context('get pod', `${namespace}/${name}`);
    this.checkPod(namespace, name, context);
    const key = `${recentPods(namespace)}${name}`;
    const read = async () => podInfo(await this.call(context, (api) => api.core.readNamespacedPod({ namespace, name })));
    // Read afresh unless the view asks otherwise, and kept for a view that does: a case's first plan follows its pod step by seconds.
    return this.once(key, () => (this.podsReadWithinTtl ? this.state.pods.read(key, read) : this.state.pods.readAfresh(key, read)));
  }

  async listPods(namespace: string, labelSelector?: string): Promise<PodInfo[]> {
    const context = this.context('list pods', namespace);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    const list = await this.call(context, (api) => api.core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) }));
    return list.items.map(podInfo);
  }

  /**
   * At most `limit` pods of a selector, and whether there are more: a sample that stays small for
   * any replica count. It says who else runs the template, so the cases of one workload share it
   * for a while (the pods' own state is read fresh where it counts); a pod write or delete
   * through the adapter forgets the namespace's samples.
   */
  async samplePods(namespace: string, labelSelector: string, limit: number): Promise<{ pods: PodInfo[]; more: boolean }> {
    const context = this.context('list pods', namespace);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    return this.alikeRead(`${podSamples(namespace)}${limit}/${labelSelector}`, async () => {
      const list = await this.call(context, (api) => api.core.listNamespacedPod({ namespace, labelSelector, limit }));
      return { pods: list.items.map(podInfo), more: Boolean(list.metadata?._continue) };
    });
  }

  /** Pod → ReplicaSet → Deployment, or StatefulSet / DaemonSet / Job; empty for a bare pod. */
  async ownerChain(pod: PodInfo): Promise<Owner[]> {
    const chain: Owner[] = [];
    let next = pod.owner;
    const { namespace } = pod;
    while (next && chain.length < 4) {
      const ref = next;
      const context = this.context(`get ${ref.kind.toLowerCase()}`, `${namespace}/${ref.name}`);
      checkName('kubernetesSubdomain', ref.name, `${ref.kind} name`, context);
      if (!ownerKinds.has(ref.kind)) {
        chain.push({ kind: ref.kind, name: ref.name, uid: ref.uid });
        return chain;
      }
      // A name can be deleted and taken again: a kept read is for the uid the reference names.
      const link = await this.state.owners.read(ownerKey(ref.kind, namespace, ref.name), () => this.readOwner(context, namespace, ref), (kept) => !ref.uid || kept.owner.uid === ref.uid);
      chain.push(link.owner);
      next = link.parent;
    }
    return chain;
  }

  private async readOwner(context: CloudErrorContext, namespace: string, ref: { kind: string; name: string; uid: string }): Promise<OwnerLink> {
    const { kind, name } = ref;
    let object: { metadata?: { uid?: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] }; spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } } };
    switch (kind) {
      case 'ReplicaSet':
        object = await this.call(context, (api) => api.apps.readNamespacedReplicaSet({ namespace, name }));
        break;
      case 'Deployment':
        object = await this.call(context, (api) => api.apps.readNamespacedDeployment({ namespace, name }));
        break;
      case 'StatefulSet':
        object = await this.call(context, (api) => api.apps.readNamespacedStatefulSet({ namespace, name }));
        break;
      case 'DaemonSet':
        object = await this.call(context, (api) => api.apps.readNamespacedDaemonSet({ namespace, name }));
        break;
      default:
        object = await this.call(context, (api) => api.batch.readNamespacedJob({ namespace, name }));
    }
    const parent = object.metadata?.ownerReferences?.find((r) => r.controller);
    return {
      owner: {
        kind,
        name,
        uid: object.metadata?.uid ?? ref.uid,
        ...optional('replicas', object.spec?.replicas),
        ...optional('selector', object.spec?.selector?.matchLabels),
      },
      ...(parent ? { parent: { kind: parent.kind, name: parent.name, uid: parent.uid } } : {}),
    };
  }

  /**
   * Runs a command (a fixed argument array, never a shell line) and collects its output up to
   * a cap, hashing every byte on the way.
   */
  async execute(namespace: string, pod: string, container: string, command: string[], maxStdoutBytes = 64 * 1024 * 1024): Promise<ExecResult> {
    const context = this.context('exec', `${namespace}/${pod}/${container}`);
    this.checkPod(namespace, pod, context);
    checkName('kubernetesLabel', container, 'container name', context);
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        const room = maxStdoutBytes - Math.min(bytes, maxStdoutBytes);
        if (room > 0) kept.push(chunk.subarray(0, room));
        bytes += chunk.length;
        done();
      },
    });
    const stderrSink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
        done();
      },
    });
    let status: V1Status | undefined;
    const socket = await this.call(context, (api) =>
      api.exec.exec(namespace, pod, container, command, stdout, stderrSink, null, false, (s) => {
        status = s;
      }),
    );
    // The stream itself runs as long as the file takes; the capture activity's heartbeat bounds it.
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    } catch (error) {
      throw classify(error, context);
    }
    const base = { stdout: Buffer.concat(kept), stderr, stdoutSha256: hash.digest('hex'), stdoutBytes: bytes, stdoutTruncated: bytes > maxStdoutBytes };
    if (!status) throw fromUnknown(new Error('exec ended without a status'), context);
    if (status.status === 'Success') return { ...base, exitCode: 0 };
    const exitCause = status.details?.causes?.find((cause) => cause.reason === 'ExitCode');
    if (status.reason === 'NonZeroExitCode' && exitCause) return { ...base, exitCode: Number(exitCause.message) };
    if (status.reason === 'InternalError' && /executable file not found|no such file or directory/.test(status.message ?? '')) {
      return { ...base, exitCode: 126, notStarted: status.message ?? 'the command could not be started' };
    }
    throw fromHttpStatus(status.code ?? 500, status.message ?? 'exec failed', context);
  }

  /** Adds an ephemeral container (kubectl debug): shares the target container's process namespace. */
  async addEphemeralContainer(namespace: string, pod: string, container: { name: string; image: string; targetContainerName: string }): Promise<PodInfo> {
    const context = this.context('add ephemeral container', `${namespace}/${pod}`);
    this.checkPod(namespace, pod, context);
    checkName('kubernetesLabel', container.name, 'ephemeral container name', context);
    checkName('kubernetesLabel', container.targetContainerName, 'target container name', context);
    const body = { spec: { ephemeralContainers: [{ name: container.name, image: container.image, targetContainerName: container.targetContainerName, stdin: false, tty: false }] } };
    const updated = await this.podWrite(namespace, pod, context, (api) =>
      api.core.patchNamespacedPodEphemeralcontainers({ namespace, name: pod, body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
    );
    return podInfo(updated);
  }

  /**
   * Sets (or, with null, removes) labels. With `resourceVersion` the server refuses the change if
   * the pod moved on since it was read.
   */
  async patchPodLabels(namespace: string, pod: string, labels: Record<string, string | null>, resourceVersion?: string): Promise<PodInfo> {
    const context = this.context('patch pod labels', `${namespace}/${pod}`);
    this.checkPod(namespace, pod, context);
    for (const key of Object.keys(labels)) {
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
        checkName('kubernetesLabel', key, 'label key', context);
      }
    }
    const body = { metadata: { labels, ...(resourceVersion ? { resourceVersion } : {}) } };
    const updated = await this.podWrite(namespace, pod, context, (api) =>
      api.core.patchNamespacedPod({ namespace, name: pod, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
    return podInfo(updated);
  }

  async readScale(kind: ScalableKind, namespace: string, name: string): Promise<ScaleInfo> {
    const context = this.context(`get ${kind.toLowerCase()} scale`, `${namespace}/${name}`);
    this.checkWorkload(namespace, name, context);
    const request = { namespace, name };
    const scale = await this.call(context, (api) =>
      kind === 'Deployment'
        ? api.apps.readNamespacedDeploymentScale(request)
        : kind === 'StatefulSet'
          ? api.apps.readNamespacedStatefulSetScale(request)
          : api.apps.readNamespacedReplicaSetScale(request),
    );
    return { kind, namespace, name, uid: scale.metadata?.uid ?? '', replicas: scale.spec?.replicas ?? 0, resourceVersion: scale.metadata?.resourceVersion ?? '' };
  }

  /** Sets a workload's replicas through its scale subresource; with `uid`, only if it is still that object. */
  async scale(kind: ScalableKind, namespace: string, name: string, replicas: number, uid?: string): Promise<ScaleInfo> {
    const context = this.context(`scale ${kind.toLowerCase()}`, `${namespace}/${name}`);
    this.checkWorkload(namespace, name, context);
    if (!Number.isInteger(replicas) || replicas < 0) throw new PermanentCloudError(context, undefined, `replicas must be a whole number ≥ 0, not ${replicas}`);
    const request = { namespace, name, body: { ...(uid ? { metadata: { uid } } : {}), spec: { replicas } } };
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const scale = await this.write(context, (api) =>
      kind === 'Deployment'
        ? api.apps.patchNamespacedDeploymentScale(request, options)
        : kind === 'StatefulSet'
          ? api.apps.patchNamespacedStatefulSetScale(request, options)
          : api.apps.patchNamespacedReplicaSetScale(request, options),
    ).finally(() => this.forgetWorkload(kind, namespace, name));
    return { kind, namespace, name, uid: scale.metadata?.uid ?? '', replicas: scale.spec?.replicas ?? 0, resourceVersion: scale.metadata?.resourceVersion ?? '' };
  }

  async getDeployment(namespace: string, name: string): Promise<DeploymentInfo> {
    const context = this.context('get deployment', `${namespace}/${name}`);
    this.checkWorkload(namespace, name, context);
    // In a plan's view, the checks that an action holds or still stands and its own plan see one read of the Deployment.
    const deployment = await this.once(`deployment/${namespace}/${name}`, () => this.call(context, (api) => api.apps.readNamespacedDeployment({ namespace, name })));
    return {
      namespace,
      name,
      uid: deployment.metadata?.uid ?? '',
      resourceVersion: deployment.metadata?.resourceVersion ?? '',
      generation: deployment.metadata?.generation ?? 0,
      revision: Number(deployment.metadata?.annotations?.[revisionAnnotation] ?? 0),
      replicas: deployment.spec?.replicas ?? 0,
      selector: deployment.spec?.selector?.matchLabels ?? {},
      template: deployment.spec?.template ?? {},
    };
  }

  /** The ReplicaSets a Deployment owns, newest revision first: its rollout history. */
  async deploymentRevisions(deployment: Pick<DeploymentInfo, 'namespace' | 'uid' | 'selector'>): Promise<ReplicaSetRevision[]> {
    const { namespace } = deployment;
    const context = this.context('list replicasets', namespace);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    const labelSelector = Object.entries(deployment.selector).map(([key, value]) => `${key}=${value}`).join(',');
    const list = await this.call(context, (api) => api.apps.listNamespacedReplicaSet({ namespace, ...(labelSelector ? { labelSelector } : {}) }));
    return list.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((ref) => ref.controller && ref.uid === deployment.uid))
      .map((rs) => ({ name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', revision: Number(rs.metadata?.annotations?.[revisionAnnotation] ?? 0), replicas: rs.spec?.replicas ?? 0, template: rs.spec?.template ?? {} }))
      .sort((a, b) => b.revision - a.revision);
  }

  /**
   * Replaces a Deployment's pod template, only while it is the object read with the spec read
   * (uid and generation tested in the same JSON Patch; a status update does not count as a
   * change): its controller then rolls the pods over.
   */
  async setDeploymentTemplate(namespace: string, name: string, template: PodTemplate, expected: { uid: string; generation: number }): Promise<DeploymentInfo> {
    const context = this.context('patch deployment', `${namespace}/${name}`);
    this.checkWorkload(namespace, name, context);
    const body = [
      { op: 'test', path: '/metadata/uid', value: expected.uid },
      { op: 'test', path: '/metadata/generation', value: expected.generation },
      { op: 'replace', path: '/spec/template', value: template },
    ];
    await this.write(context, (api) => api.apps.patchNamespacedDeployment({ namespace, name, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch))).finally(() =>
      this.forgetWorkload('Deployment', namespace, name),
    );
    return this.getDeployment(namespace, name);
  }

  /** Cordons (or uncordons) a node: running pods stay, new ones are not scheduled there. */
  async setNodeUnschedulable(name: string, unschedulable: boolean): Promise<NodeInfo> {
    const context = this.context(unschedulable ? 'cordon node' : 'uncordon node', name);
    checkName('kubernetesSubdomain', name, 'node name', context);
    await this.write(context, (api) => api.core.patchNode({ name, body: { spec: { unschedulable } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    return this.getNode(name);
  }

  async listNetworkPolicies(namespace: string): Promise<V1NetworkPolicy[]> {
    const context = this.context('list networkpolicies', namespace);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    const key = networkPolicies(namespace);
    // A plan only tells of them; the adapter's own create and delete forget the namespace's list.
    return (await this.once(key, () => this.alikeRead(key, () => this.call(context, (api) => api.networking.listNamespacedNetworkPolicy({ namespace }))))).items;
  }

  async createNetworkPolicy(namespace: string, policy: V1NetworkPolicy): Promise<V1NetworkPolicy> {
    const name = policy.metadata?.name ?? '';
    const context = this.context('create networkpolicy', `${namespace}/${name}`);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    checkName('kubernetesSubdomain', name, 'policy name', context);
    return this.write(context, (api) => api.networking.createNamespacedNetworkPolicy({ namespace, body: policy })).finally(() => this.state.alike.forget(networkPolicies(namespace)));
  }

  async deleteNetworkPolicy(namespace: string, name: string): Promise<void> {
    const context = this.context('delete networkpolicy', `${namespace}/${name}`);
    checkName('kubernetesLabel', namespace, 'namespace', context);
    checkName('kubernetesSubdomain', name, 'policy name', context);
    await this.write(context, (api) => api.networking.deleteNamespacedNetworkPolicy({ namespace, name })).finally(() => this.state.alike.forget(networkPolicies(namespace)));
  }

  /** Deletes a pod only if it is still the one identified (UID and, when given, resourceVersion). */
  async deletePod(namespace: string, name: string, preconditions: { uid: string; resourceVersion?: string }): Promise<void> {
    const context = this.context('delete pod', `${namespace}/${name}`);
    this.checkPod(namespace, name, context);
    await this.podWrite(namespace, name, context, (api) => api.core.deleteNamespacedPod({ namespace, name, body: { preconditions } }));
  }

  private checkWorkload(namespace: string, name: string, context: Omit<CloudErrorContext, 'target'>): void {
    checkName('kubernetesLabel', namespace, 'namespace', context);
    checkName('kubernetesSubdomain', name, 'workload name', context);
  }

  private checkPod(namespace: string, name: string, context: Omit<CloudErrorContext, 'target'>): void {
    checkName('kubernetesLabel', namespace, 'namespace', context);
    checkName('kubernetesSubdomain', name, 'pod name', context);
  }

  private context(operation: string, target: string): CloudErrorContext {
    return { service: 'kubernetes', operation, target: `${this.cluster}/${target}` };
  }

  /** Within one moment's view, a read is made once: the first caller's answer is every caller's. */
  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.moment ? (this.moment.read(key, read) as Promise<T>) : read();
  }

  /** Shared by every view of the cluster for the TTL; within a moment's view, `once` still holds the first answer. */
  private alikeRead<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.state.alike.read(key, read) as Promise<T>;
  }

  /** After a scale or rollback: the workload is read afresh, and so are the pods it now runs. */
  private forgetWorkload(kind: string, namespace: string, name: string): void {
    this.state.owners.forget(ownerKey(kind, namespace, name));
    this.forgetPods(namespace);
  }

  /** A write to a pod: the namespace's pod samples, and the pod as read, may no longer be what the API would answer. */
  private podWrite<T>(namespace: string, pod: string, context: CloudErrorContext, request: (api: KubeApis) => Promise<T>): Promise<T> {
    return this.write(context, request).finally(() => {
      this.state.alike.forgetStartingWith(podSamples(namespace));
      this.state.pods.forget(`${recentPods(namespace)}${pod}`);
    });
  }

  /** After a workload's write: every pod of the namespace may be replaced. */
  private forgetPods(namespace: string): void {
    this.state.alike.forgetStartingWith(podSamples(namespace));
    this.state.pods.forgetStartingWith(recentPods(namespace));
  }

  /** A write: what this view read before it is no longer the moment's state. */
  private write<T>(context: CloudErrorContext, request: (api: KubeApis) => Promise<T>): Promise<T> {
    return this.call(context, request).finally(() => this.moment?.clear());
  }

  private call<T>(context: CloudErrorContext, request: (api: KubeApis) => Promise<T>): Promise<T>;
  private call<T>(context: CloudErrorContext, request: (api: KubeApis) => Promise<T>, withVia: true): Promise<{ result: T; via: string }>;
  private call<T>(context: CloudErrorContext, request: (api: KubeApis) => Promise<T>, withVia?: true): Promise<T | { result: T; via: string }> {
    return cloudCall(
      context,
      this.deadlineMs,
      async () => {
        const api = await this.resolve();
        try {
          const result = await request(api);
          return withVia ? { result, via: api.via } : result;
        } catch (error) {
          // The cluster's CA or endpoint may have rotated: the retry reads them again.
          if (tlsFailure(error)) this.state.connection.current = undefined;
          throw error;
        }
      },
      classify,
    );
  }
}

function classify(error: unknown, context: CloudErrorContext): CloudError {
  if (error instanceof CloudError) return error;
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = (body as { message?: string } | undefined)?.message ?? error.message.split('\n')[0] ?? 'request failed';
    return fromHttpStatus(error.code, error.code === 403 ? withMissingRule(message) : message, context, error);
  }
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number') return fromHttpStatus(status, error instanceof Error ? error.message : String(error), context, error);
  // Exec refused before its stream opened: the client hands over the WebSocket's error event.
  const event = error as { type?: unknown; message?: unknown; error?: unknown } | null;
  if (event && typeof event === 'object' && event.type === 'error' && typeof event.message === 'string') {
    const code = /Unexpected server response: (\d{3})/.exec(event.message)?.[1];
    // The upgrade's refusal carries no body; exec over WebSockets is authorized as get and as create.
    const detail = code === '403' ? `the exec stream was refused (403): ${missingRule('get', 'pods/exec', '')}, or ${missingRule('create', 'pods/exec', '')}` : `the exec stream was refused (${code})`;
    return code ? fromHttpStatus(Number(code), detail, context, event.error) : fromUnknown(event.error ?? new Error(event.message), context);
  }
  // Or the server's Status object itself.
  const refusal = error as { kind?: unknown; code?: unknown; message?: unknown } | null;
  if (refusal && typeof refusal === 'object' && refusal.kind === 'Status' && typeof refusal.code === 'number') {
    return fromHttpStatus(refusal.code, typeof refusal.message === 'string' ? refusal.message : 'refused', context, error);
  }
  const tls = tlsFailure(error);
  if (tls) return new TransientCloudError(context, undefined, `the control plane's certificate is not the one the cluster's CA vouches for (${tls})`, { cause: error });
  // fetch says only "fetch failed"; why is in its cause (refused, reset, unresolvable).
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (error instanceof Error && cause && typeof cause.message === 'string') return fromUnknown(new Error(`${error.message}: ${cause.message}`, { cause: error }), context);
  return fromUnknown(error, context);
}

const tlsCodes = /^(ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE))/;

/** The TLS verification failure somewhere in an error's causes, by its OpenSSL or Node code. */
function tlsFailure(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && tlsCodes.test(code)) return code;
  }
  return undefined;
}

/**
 * A refusal by RBAC names what the worker's role lacks, so the recorded gap says which rule of
 * deploy/kubernetes/rbac.yaml to restore.
 */
function withMissingRule(message: string): string {
  const refused = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)"/.exec(message);
  return refused ? `${message} (${missingRule(refused[1]!, refused[2]!, refused[3]!)})` : message;
}

function missingRule(verb: string, resource: string, group: string): string {
  return `the worker's Kubernetes role does not grant ${verb} on ${resource} in API group "${group}" (deploy/kubernetes/rbac.yaml)`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}

function podInfo(pod: V1Pod): PodInfo {
  const statuses = new Map([...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])].map((s) => [s.name, s]));
  const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
  return {
    uid: pod.metadata?.uid ?? '',
    resourceVersion: pod.metadata?.resourceVersion ?? '',
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    ...optional('phase', pod.status?.phase),
    ...optional('deletionTimestamp', pod.metadata?.deletionTimestamp ? new Date(pod.metadata.deletionTimestamp).toISOString() : undefined),
    ...optional('nodeName', pod.spec?.nodeName),
    ...optional('serviceAccount', pod.spec?.serviceAccountName),
    labels: pod.metadata?.labels ?? {},
    annotations: pod.metadata?.annotations ?? {},
    containers: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      ...optional('imageId', statuses.get(c.name)?.imageID),
      running: statuses.get(c.name)?.state?.running !== undefined,
    })),
    ephemeralContainers: (pod.spec?.ephemeralContainers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      ...optional('targetContainerName', c.targetContainerName),
      running: statuses.get(c.name)?.state?.running !== undefined,
    })),
    ...(owner ? { owner: { kind: owner.kind, name: owner.name, uid: owner.uid } } : {}),
  };
}

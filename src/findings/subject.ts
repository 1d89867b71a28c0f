import { FindingError, type PathSegment } from './errors';
import type { CloudRunSubject, GkeSubject, Subject } from './model';
import { nameRules, type NameRule } from './names';
import type { Envelope } from './schema';
import type { Json } from './wire';
import { optional } from '../util/optional';

/** Reads the subject (GKE pod or Cloud Run resource) of a finding and checks every name in it. */

/** The note a subject carries while its project ID is unknown (only the number is): intake resolves it, or the case records the gap. */
export const unresolvedProjectNote = 'project ID unresolved for project number';

type Spell = (path: readonly PathSegment[]) => string;

interface Located<T> {
  value: T;
  path: PathSegment[];
}

const gkeResource =
  /^\/\/container\.googleapis\.com\/projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/]+)(?:\/.*)?$/;
const runResource =
  /^\/\/run\.googleapis\.com\/projects\/([^/]+)\/locations\/([^/]+)\/(?:services\/([^/]+)(?:\/revisions\/([^/]+))?|revisions\/([^/]+)|jobs\/([^/]+)(?:\/executions\/([^/]+))?)$/;

export function readSubject(envelope: Envelope, resourceName: Located<string>, spell: Spell, notes: string[]): Subject {
  const context = new SubjectContext(envelope, spell, notes);
  const gke = gkeResource.exec(resourceName.value);
  if (gke) return context.gke(resourceName, gke);
  const run = runResource.exec(resourceName.value);
  if (run) return context.cloudRun(resourceName, run);
  throw new FindingError(
    spell(resourceName.path),
    'is neither a GKE cluster (//container.googleapis.com/projects/P/locations/L/clusters/C) ' +
      'nor a Cloud Run service, revision or job (//run.googleapis.com/projects/P/locations/R/...): only container findings are handled',
  );
}

class SubjectContext {
  constructor(
    private readonly envelope: Envelope,
    private readonly spell: Spell,
    private readonly notes: string[],
  ) {}

  gke(resourceName: Located<string>, match: RegExpExecArray): GkeSubject {
    const [, projectSegment, location, cluster] = match;
    const project = this.project(projectSegment!);
    const pod = this.kubernetesPod();
    const container = this.firstOf('Container_Name', pod?.container ? [pod.container] : [], this.containerFromList('name'));
    const imageUri = this.firstOf('Container_Image_Uri', pod?.image ? [pod.image] : [], this.containerFromList('uri'));
    const node = this.firstOf('VM_Instance_Name', this.kubernetesNode());
    const namespace = this.firstOf('Pod_Namespace', pod?.namespace ? [pod.namespace] : []);
    const podName = this.firstOf('Pod_Name', pod?.name ? [pod.name] : []);
    return {
      runtime: 'gke',
      ...project,
      location: this.check(location!, resourceName.path, nameRules.location, 'location in the cluster name'),
      cluster: this.check(cluster!, resourceName.path, nameRules.gkeCluster, 'cluster in the cluster name'),
      namespace: this.required(namespace, 'Pod_Namespace', nameRules.kubernetesLabel),
      pod: this.required(podName, 'Pod_Name', nameRules.kubernetesSubdomain),
      container: this.required(container, 'Container_Name', nameRules.kubernetesLabel),
      ...optional('imageUri', imageUri && this.check(imageUri.value, imageUri.path, nameRules.imageUri)),
      ...optional('imageDigest', this.imageDigest(imageUri, pod?.imageId ? [pod.imageId] : [], this.containerFromList('imageId'))),
      ...optional('node', node && this.check(node.value, node.path, nameRules.kubernetesSubdomain)),
      clusterResourceName: resourceName.value,
    };
  }

  cloudRun(resourceName: Located<string>, match: RegExpExecArray): CloudRunSubject {
    const [, projectSegment, region, service, serviceRevision, bareRevision, job, execution] = match;
    const at = resourceName.path;
    const revision = serviceRevision ?? bareRevision;
    const container = this.firstOf('Container_Name', this.containerFromList('name'));
    const imageUri = this.firstOf('Container_Image_Uri', this.containerFromList('uri'));
    return {
      runtime: 'cloud-run',
      ...this.project(projectSegment!),
      region: this.check(region!, at, nameRules.location, 'region in the resource name'),
      ...optional('service', service && this.check(service, at, nameRules.cloudRunService, 'service')),
      ...optional('revision', revision && this.check(revision, at, nameRules.cloudRunRevision, 'revision')),
      ...optional('job', job && this.check(job, at, nameRules.cloudRunJob, 'job')),
      ...optional('execution', execution && this.check(execution, at, nameRules.cloudRunExecution, 'execution')),
      ...optional('container', container && this.check(container.value, container.path, nameRules.kubernetesLabel)),
      ...optional('imageUri', imageUri && this.check(imageUri.value, imageUri.path, nameRules.imageUri)),
      ...optional('imageDigest', this.imageDigest(imageUri, this.containerFromList('imageId'))),
      resourceName: resourceName.value,
    };
  }

  /** The project ID comes from resource.projectDisplayName, or the resource name when it holds an ID, not a number. */
  private project(segment: string): { projectId: string; projectNumber?: string } {
    const resource = this.envelope.resource;
    const displayName: Located<string> | undefined = resource?.projectDisplayName
      ? { value: resource.projectDisplayName, path: ['resource', 'projectDisplayName'] }
      : resource?.gcpMetadata?.projectDisplayName
        ? { value: resource.gcpMetadata.projectDisplayName, path: ['resource', 'gcpMetadata', 'projectDisplayName'] }
        : undefined;
    const numberFromResource = /^\/\/cloudresourcemanager\.googleapis\.com\/projects\/([0-9]+)$/.exec(
      resource?.project ?? resource?.projectName ?? resource?.gcpMetadata?.project ?? '',
    )?.[1];
    const segmentIsNumber = nameRules.projectNumber.test(segment);
    const projectNumber = segmentIsNumber ? segment : numberFromResource;

    let projectId: string;
    if (displayName) {
      projectId = this.check(displayName.value, displayName.path, nameRules.projectId);
      if (!segmentIsNumber && segment !== projectId) {
        this.notes.push(`resource name names project "${segment}" but the resource says "${projectId}"; using the latter`);
      }
    } else if (nameRules.projectId.test(segment)) {
      projectId = segment;
    } else if (segmentIsNumber) {
      // A bare Finding (REST, exports) names its project by number only: the ID is found elsewhere in it, or by intake.
      const found = this.projectIdInFinding();
      if (found) {
        projectId = found.id;
        this.notes.push(`project ID ${found.id} (project ${segment}) taken from ${this.spell(found.path)}`);
      } else {
        projectId = segment;
        this.notes.push(`${unresolvedProjectNote} ${segment}: the finding names its project by number only`);
      }
    } else {
      throw new FindingError(this.spell(['resource', 'projectDisplayName']), `is missing, and the project in the resource name is not ${nameRules.projectId.description}`);
    }
    return { projectId, ...optional('projectNumber', projectNumber) };
  }

  /** A project ID in the finding's own resource names (a node's full name, the console link's `project=`). */
  private projectIdInFinding(): { id: string; path: PathSegment[] } | undefined {
    const node = this.envelope.finding.kubernetes?.nodes?.[0]?.name;
    const inNode = node ? /\/\/[a-z]+\.googleapis\.com\/projects\/([^/]+)\//.exec(node)?.[1] : undefined;
    if (inNode && nameRules.projectId.test(inNode)) return { id: inNode, path: ['finding', 'kubernetes', 'nodes', 0, 'name'] };
    const link = this.envelope.finding.externalUri;
    const inLink = link && URL.canParse(link) ? new URL(link).searchParams.get('project') : undefined;
    if (inLink && nameRules.projectId.test(inLink)) return { id: inLink, path: ['finding', 'externalUri'] };
    return undefined;
  }

  private sourceProperty(key: string): Located<Json> | undefined {
    const inFinding = this.envelope.finding.sourceProperties;
    if (inFinding && Object.hasOwn(inFinding, key)) return { value: inFinding[key]!, path: ['finding', 'sourceProperties', key] };
    const beside = this.envelope.sourceProperties;
    if (beside && Object.hasOwn(beside, key)) return { value: beside[key]!, path: ['sourceProperties', key] };
    return undefined;
  }

  /** A source property when set, else the first of the structured fallbacks. */
  private firstOf(key: string, ...fallbacks: Located<string>[][]): Located<string> | undefined {
    const property = this.sourceProperty(key);
    if (property !== undefined) {
      if (typeof property.value !== 'string') {
        throw new FindingError(this.spell(property.path), 'must be a string');
      }
      const fallback = fallbacks.flat()[0];
      if (fallback && fallback.value !== property.value) {
        this.notes.push(`${key} is "${property.value}" but ${this.spell(fallback.path)} says "${fallback.value}"; using ${key}`);
      }
      return { value: property.value, path: property.path };
    }
    return fallbacks.flat()[0];
  }

  private kubernetesPod():
    | { namespace?: Located<string>; name?: Located<string>; container?: Located<string>; image?: Located<string>; imageId?: Located<string> }
    | undefined {
    const pod = this.envelope.finding.kubernetes?.pods?.[0];
    if (!pod) return undefined;
    const base: PathSegment[] = ['finding', 'kubernetes', 'pods', 0];
    const container = pod.containers?.[0];
    return {
      ...optional('namespace', pod.ns !== undefined ? { value: pod.ns, path: [...base, 'ns'] } : undefined),
      ...optional('name', pod.name !== undefined ? { value: pod.name, path: [...base, 'name'] } : undefined),
      ...optional('container', container?.name !== undefined ? { value: container.name, path: [...base, 'containers', 0, 'name'] } : undefined),
      ...optional('image', container?.uri !== undefined ? { value: container.uri, path: [...base, 'containers', 0, 'uri'] } : undefined),
      ...optional('imageId', container?.imageId !== undefined ? { value: container.imageId, path: [...base, 'containers', 0, 'imageId'] } : undefined),
    };
  }

  private kubernetesNode(): Located<string>[] {
    const name = this.envelope.finding.kubernetes?.nodes?.[0]?.name;
    return name === undefined ? [] : [{ value: name, path: ['finding', 'kubernetes', 'nodes', 0, 'name'] }];
  }

  /**
   * The digest of what ran: the container's image ID, else the digest pinned in its URI. An ID
   * that is not a SHA-256 digest is only noted: it groups nothing, and the finding stands.
   */
  private imageDigest(imageUri: Located<string> | undefined, ...ids: Located<string>[][]): string | undefined {
    for (const id of ids.flat()) {
      if (nameRules.imageDigest.test(id.value)) return id.value;
      this.notes.push(`${this.spell(id.path)} ${JSON.stringify(id.value.slice(0, 80))} is not ${nameRules.imageDigest.description}: not used`);
    }
    return /@(sha256:[0-9a-f]{64})$/.exec(imageUri?.value ?? '')?.[1];
  }

  private containerFromList(field: 'name' | 'uri' | 'imageId'): Located<string>[] {
    const value = this.envelope.finding.containers?.[0]?.[field];
    return value === undefined ? [] : [{ value, path: ['finding', 'containers', 0, field] }];
  }

  private required(found: Located<string> | undefined, key: string, rule: NameRule): string {
    if (!found) {
      throw new FindingError(this.spell(['finding', 'sourceProperties', key]), 'is missing: the GKE runbook needs it');
    }
    return this.check(found.value, found.path, rule);
  }

  private check(value: string, path: PathSegment[], rule: NameRule, what?: string): string {
    if (!rule.test(value)) {
      const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
      throw new FindingError(this.spell(path), `${what ? `${what} ` : ''}${shown} is not ${rule.description}`);
    }
    return value;
  }
}

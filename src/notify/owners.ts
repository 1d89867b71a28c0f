import type { CloudClients } from '../cloud';
import type { Finding } from '../findings/model';

/**
 * Who owns what a case is about, first source that names someone: the finding's own contacts,
 * then the `scc-responder.io/owners` annotation on the pod, then on its namespace, then the
 * default route. Annotations are read from the cluster at the time of the notice; one that
 * cannot be read is passed over, never a reason to hold a notice back.
 */
export const ownersAnnotation = 'scc-responder.io/owners';

export interface OwnerRoute {
  recipients: string[];
  routedBy: string;
}

const email = /^[^\s@,;<>"]{1,64}@[a-z0-9.-]{1,253}$/i;

export function parseOwners(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(/[\s,;]+/).filter((address) => email.test(address)).map((address) => address.toLowerCase()))].slice(0, 20);
}

export async function ownersFor(findings: readonly Finding[], clients: CloudClients, defaults: readonly string[]): Promise<OwnerRoute> {
  const contacts = [...new Set(findings.flatMap((f) => f.contacts.map((c) => c.email.toLowerCase())))];
  if (contacts.length > 0) return { recipients: contacts, routedBy: "the finding's contacts" };
  const subject = findings[0]?.subject;
  if (subject?.runtime === 'gke') {
    const annotated = await annotatedOwners(subject, clients).catch(() => undefined);
    if (annotated) return annotated;
  }
  if (defaults.length > 0) return { recipients: [...defaults], routedBy: 'the default route' };
  return { recipients: [], routedBy: 'no route' };
}

async function annotatedOwners(subject: Extract<Finding['subject'], { runtime: 'gke' }>, clients: CloudClients): Promise<OwnerRoute | undefined> {
  const kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
  const pod = await kube.getPod(subject.namespace, subject.pod).catch(() => undefined);
  const fromPod = parseOwners(pod?.annotations[ownersAnnotation]);
  if (fromPod.length > 0) return { recipients: fromPod, routedBy: `${ownersAnnotation} on pod ${subject.namespace}/${subject.pod}` };
  const namespace = await kube.getNamespace(subject.namespace).catch(() => undefined);
  const fromNamespace = parseOwners(namespace?.annotations[ownersAnnotation]);
  if (fromNamespace.length > 0) return { recipients: fromNamespace, routedBy: `${ownersAnnotation} on namespace ${subject.namespace}` };
  return undefined;
}

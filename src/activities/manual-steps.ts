import type { Finding } from '../findings/model';

/**
 * What a responder can still do by hand when nothing can be planned automatically (the subject
 * is gone, unknown, or out of the worker's reach): the runbook's seventh step, spelled out for
 * this subject. Every name in it was validated at intake; it is shown as text, never run.
 */
export function manualSteps(finding: Finding, reasons: string[]): string[] {
  const { subject } = finding;
  const contacts = [...new Set(finding.contacts.map((c) => c.email))];
  const owner = contacts.length > 0 ? contacts.join(', ') : `the owners of project ${subject.projectId}`;
  const why = reasons.length > 0 ? [`Nothing could be planned automatically: ${reasons.join('; ')}.`] : [];
  if (subject.runtime === 'gke') {
    const context = `gke_${subject.projectId}_${subject.location}_${subject.cluster}`;
    return [
      ...why,
      `Contact ${owner} about ${finding.category} in pod ${subject.namespace}/${subject.pod} (cluster ${subject.cluster}).`,
      `Check whether the pod still runs, or what replaced it: kubectl --context ${context} -n ${subject.namespace} get pods -o wide, and its owner (kubectl get pod ${subject.pod} -o jsonpath='{.metadata.ownerReferences}').`,
      `If the pod or its replacement runs the same image, decide whether to replace it (kubectl delete pod) or stop its workload (kubectl scale --replicas=0) once you have access to the cluster.`,
      `If the change was intended, rebuild the image with it, so containers stay immutable.`,
      'Grant the worker what the gaps name, so that the next case on this subject can act by itself.',
    ];
  }
  const resource = subject.service ? `service ${subject.service}${subject.revision ? ` (revision ${subject.revision})` : ''}` : `job ${subject.job ?? '?'}`;
  return [
    ...why,
    `Contact ${owner} about ${finding.category} in Cloud Run ${resource} (project ${subject.projectId}, region ${subject.region}).`,
    `Check what runs now: gcloud run services describe ${subject.service ?? '…'} --region ${subject.region} --project ${subject.projectId}.`,
    `Move traffic away from the suspect revision, deploy a new revision from a trusted image, or restrict ingress, once you have access to the service.`,
    `If the change was intended, rebuild the image with it, so containers stay immutable.`,
    'Grant the worker what the gaps name, so that the next case on this subject can act by itself.',
  ];
}

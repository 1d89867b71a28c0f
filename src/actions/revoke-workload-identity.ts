import { PermanentCloudError } from '../cloud/errors';
import type { IamPolicy } from '../cloud/iam';
import type { ActionModule } from './action';
import { gkeIdentity, otherPrincipals, podsRunningAs, workloadIdentityRole } from './cloud-identity';
import { gkePodOf, podParameters } from './parameters';
import type { PlannedAction } from '../workflows/shared';

/**
 * Takes back the Google identity a compromised pod can act as: its Kubernetes service account's
 * roles/iam.workloadIdentityUser binding on the Google service account, removed with a
 * read-modify-write of that account's policy at the etag the plan read. Replacing the pod does
 * not do this: a clean replacement runs as the same identity, and so does anything that stole
 * a token.
 */

export const revokeWorkloadIdentity: ActionModule<typeof podParameters._output> = {
  name: 'revoke-workload-identity',
  description: "Remove the pod's Kubernetes service account from the Google service account it acts as (its roles/iam.workloadIdentityUser binding), so no pod running as it gets that identity's tokens.",
  permissions: ['kubernetes: get pods', 'kubernetes: get serviceaccounts', 'iam: container.pods.get, container.serviceAccounts.get, iam.serviceAccounts.getIamPolicy, iam.serviceAccounts.setIamPolicy'],
  destructive: true,
  parameters: podParameters,
  parametersFrom: gkePodOf,
  preconditions: [
    "the pod's Kubernetes service account is annotated with a Google service account (iam.gke.io/gcp-service-account)",
    'that account’s IAM policy binds it as roles/iam.workloadIdentityUser',
    'at apply: the policy is unchanged since the plan (same etag)',
  ],

  async plan({ clients }, params) {
    const identity = await gkeIdentity(clients, params);
    if ('notApplicable' in identity) return identity;
    const policy = await clients.iam.getPolicy(identity.serviceAccount);
    if (!bound(policy, identity.member)) return { notApplicable: `${identity.serviceAccount} does not let ${identity.member} act as it (no ${workloadIdentityRole} binding): nothing to take back` };
    return {
      action: 'revoke-workload-identity',
      target: {
        kind: 'service-account-binding',
        serviceAccount: identity.serviceAccount,
        role: workloadIdentityRole,
        member: identity.member,
        etag: policy.etag,
        kubernetes: { project: params.project, location: params.location, cluster: params.cluster, namespace: params.namespace, serviceAccount: identity.kubernetesServiceAccount, pod: params.pod },
      },
      effect:
        `Remove ${identity.member} from ${workloadIdentityRole} on ${identity.serviceAccount} (policy etag ${policy.etag}): pods running as ${params.namespace}/${identity.kubernetesServiceAccount} can no longer get its tokens. ` +
        'Tokens already issued stay valid until they expire (at most an hour). Revert puts exactly this binding back.',
      destructive: true,
      permissions: revokeWorkloadIdentity.permissions,
    };
  },

  async blastRadius({ clients }, action) {
    const target = bindingTarget(action);
    const { kubernetes } = target;
    const principals = await otherPrincipals(clients, target.serviceAccount, target.member);
    const sharing = await podsRunningAs(clients, kubernetes, kubernetes.serviceAccount);
    const notes = [
      ...(sharing.pods.length ? [`${sharing.pods.length} other pod(s) run as ${kubernetes.namespace}/${kubernetes.serviceAccount} and lose ${target.serviceAccount} too: ${sharing.workloads.join(', ')}`] : []),
      ...(principals.length ? [`${target.serviceAccount} also lets in ${principals.join(', ')}: they keep it`] : []),
    ];
    return {
      identity: { serviceAccount: target.serviceAccount, kubernetesServiceAccount: `${kubernetes.namespace}/${kubernetes.serviceAccount}`, podsUsingIt: sharing.pods, workloadsUsingIt: sharing.workloads, otherPrincipals: principals },
      notes,
    };
  },

  async holds({ clients }, action) {
    const target = bindingTarget(action);
    return !bound(await clients.iam.getPolicy(target.serviceAccount), target.member, target.role);
  },

  async apply({ clients }, action) {
    const target = bindingTarget(action);
    const policy = await clients.iam.getPolicy(target.serviceAccount);
    if (!bound(policy, target.member, target.role)) return { action: action.action, target: target.serviceAccount, status: 'already-done', detail: `${target.member} holds no ${target.role} on it` };
    if (policy.etag !== target.etag) return { action: action.action, target: target.serviceAccount, status: 'refused', detail: policyChanged(target.etag, policy.etag) };
    const without = { ...policy, bindings: policy.bindings.map((b) => (b.role === target.role ? { ...b, members: b.members.filter((m) => m !== target.member) } : b)) };
    try {
      await clients.iam.setPolicy(target.serviceAccount, without);
    } catch (error) {
      if (!(error instanceof PermanentCloudError && error.status === 'ABORTED')) throw error;
      // Somebody wrote the policy between our read and our write, and IAM refused ours. When that
      // write took the same member out (another case on a pod of the same account), the end state
      // this plan asked for holds; any other change needs a new decision.
      const after = await clients.iam.getPolicy(target.serviceAccount);
      if (!bound(after, target.member, target.role)) return { action: action.action, target: target.serviceAccount, status: 'already-done', detail: `${target.member} was removed from ${target.role} by a concurrent change (etag ${after.etag})` };
      return { action: action.action, target: target.serviceAccount, status: 'refused', detail: policyChanged(target.etag, 'a concurrent change') };
    }
    return { action: action.action, target: target.serviceAccount, status: 'applied', detail: `${target.member} removed from ${target.role}` };
  },

  async revert({ clients }, action) {
    const target = bindingTarget(action);
    const policy = await clients.iam.getPolicy(target.serviceAccount);
    if (bound(policy, target.member, target.role)) return { action: action.action, target: target.serviceAccount, status: 'already-done', detail: `${target.member} holds ${target.role} again` };
    const existing = policy.bindings.find((b) => b.role === target.role);
    const bindings = existing ? policy.bindings.map((b) => (b === existing ? { ...b, members: [...b.members, target.member] } : b)) : [...policy.bindings, { role: target.role, members: [target.member] }];
    await clients.iam.setPolicy(target.serviceAccount, { ...policy, bindings });
    return { action: action.action, target: target.serviceAccount, status: 'applied', detail: `${target.member} given ${target.role} back` };
  },
};

function bound(policy: IamPolicy, member: string, role = workloadIdentityRole): boolean {
  return policy.bindings.some((b) => b.role === role && b.members.includes(member));
}

function policyChanged(planned: string, now: string): string {
  return `the service account's IAM policy changed since the plan was approved (etag ${planned} → ${now}): a new decision is needed`;
}

function bindingTarget(action: PlannedAction) {
  const target = action.target;
  if (target.kind !== 'service-account-binding') throw new PermanentCloudError({ service: 'iam', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a service account binding target');
  return target;
}

import { startActionLab } from '../../test/lab-harness';
import type { CloudClients } from '../cloud';
import type { ActionContext } from './action';
import type { Lab } from '../lab/server';
import type { PlannedAction } from '../workflows/shared';
import { disableServiceAccount } from './disable-service-account';
import { revokeWorkloadIdentity } from './revoke-workload-identity';

/**
 * Cutting the cloud identity a compromised workload holds: the Workload Identity binding on GKE
 * (read-modify-write at the planned etag), or disabling the service account; each with its revert,
 * its refusal when the policy moved, and who else the cut reaches.
 */

let lab: Lab;
let clients: CloudClients;
let context: ActionContext;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ lab, clients, context, stop } = await startActionLab());
});
afterAll(() => stop());

const where = { project: 'acme-payments-prod', location: 'us-central1', cluster: 'payments-prod', namespace: 'checkout' };
const ledger = 'ledger-db@acme-payments-prod.iam.gserviceaccount.com';
const ledgerMember = 'serviceAccount:acme-payments-prod.svc.id.goog[checkout/ledger-db]';
const checkoutApi = 'checkout-api@acme-payments-prod.iam.gserviceaccount.com';
const members = (email: string, role = 'roles/iam.workloadIdentityUser') => lab.iam.accounts.get(email)!.bindings.find((b) => b.role === role)?.members ?? [];

async function plan<P>(module: { plan: (c: ActionContext, p: P) => Promise<PlannedAction | { notApplicable: string }> }, params: P): Promise<PlannedAction> {
  const planned = await module.plan(context, params);
  if ('notApplicable' in planned) throw new Error(planned.notApplicable);
  return planned;
}

test('the pod’s Workload Identity binding is removed at the planned etag, once, and revert puts exactly it back', async () => {
  const planned = await plan(revokeWorkloadIdentity, { ...where, pod: 'ledger-db-0' });
  expect(planned.target).toMatchObject({ kind: 'service-account-binding', serviceAccount: ledger, role: 'roles/iam.workloadIdentityUser', member: ledgerMember, etag: lab.iam.accounts.get(ledger)!.etag });
  expect(planned.effect).toContain('Tokens already issued stay valid until they expire');

  expect(await revokeWorkloadIdentity.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect(members(ledger)).toEqual(['serviceAccount:acme-payments-prod.svc.id.goog[checkout/ledger-backup]']);
  // A retry after a crash acts once.
  expect(await revokeWorkloadIdentity.apply(context, planned)).toMatchObject({ status: 'already-done' });

  expect(await revokeWorkloadIdentity.revert!(context, planned)).toMatchObject({ status: 'applied' });
  expect(members(ledger).sort()).toEqual([ledgerMember, 'serviceAccount:acme-payments-prod.svc.id.goog[checkout/ledger-backup]'].sort());
  expect(await revokeWorkloadIdentity.revert!(context, planned)).toMatchObject({ status: 'already-done' });
});

test('a policy changed since the plan (another etag) is refused, and the other change is kept', async () => {
  const planned = await plan(revokeWorkloadIdentity, { ...where, pod: 'ledger-db-0' });
  const policy = await clients.iam.getPolicy(ledger);
  await clients.iam.setPolicy(ledger, { ...policy, bindings: [...policy.bindings, { role: 'roles/iam.serviceAccountUser', members: ['user:oncall@acme.example'] }] });

  const result = await revokeWorkloadIdentity.apply(context, planned);
  expect(result).toMatchObject({ status: 'refused', detail: expect.stringContaining(`the service account's IAM policy changed since the plan was approved (etag ${(planned.target as { etag: string }).etag} → `) });
  expect(members(ledger)).toContain(ledgerMember);
  expect(members(ledger, 'roles/iam.serviceAccountUser')).toEqual(['user:oncall@acme.example']);
});

/** A context whose IAM reads run `between` once, after the read and before the action writes: the race two cases on one account run. */
function racing(between: () => Promise<void>): ActionContext {
  let raced = false;
  const iam = Object.create(clients.iam) as CloudClients['iam'];
  iam.getPolicy = async (serviceAccount) => {
    const policy = await clients.iam.getPolicy(serviceAccount);
    if (!raced) {
      raced = true;
      await between();
    }
    return policy;
  };
  return { ...context, clients: { ...clients, iam } as CloudClients };
}

test('two cases revoking the same binding at once: the one IAM turns away finds it gone and is already done, not refused', async () => {
  const planned = await plan(revokeWorkloadIdentity, { ...where, pod: 'ledger-db-0' });
  const other = await plan(revokeWorkloadIdentity, { ...where, pod: 'ledger-db-0' });
  const result = await revokeWorkloadIdentity.apply(racing(async () => void (await revokeWorkloadIdentity.apply(context, other))), planned);
  expect(result).toMatchObject({ status: 'already-done', detail: expect.stringContaining('removed from roles/iam.workloadIdentityUser by a concurrent change') });
  expect(members(ledger)).not.toContain(ledgerMember);
  await revokeWorkloadIdentity.revert!(context, planned);
});

test('a concurrent write that left the binding in place is still refused', async () => {
  const planned = await plan(revokeWorkloadIdentity, { ...where, pod: 'ledger-db-0' });
  const addOncall = async () => {
    const policy = await clients.iam.getPolicy(ledger);
    await clients.iam.setPolicy(ledger, { ...policy, bindings: [...policy.bindings, { role: 'roles/iam.serviceAccountAdmin', members: ['user:oncall@acme.example'] }] });
  };
  const result = await revokeWorkloadIdentity.apply(racing(addOncall), planned);
  expect(result).toMatchObject({ status: 'refused', detail: expect.stringContaining('a concurrent change') });
  expect(members(ledger)).toContain(ledgerMember);
});

test('IAM itself refuses a write from a stale read: the adapter sends the etag it read', async () => {
  const stale = await clients.iam.getPolicy(checkoutApi);
  await clients.iam.setPolicy(checkoutApi, stale);
  await expect(clients.iam.setPolicy(checkoutApi, stale)).rejects.toMatchObject({ status: 'ABORTED', retryable: false });
});

test('the blast radius of a shared Kubernetes service account names every other pod and workload running as it, and every other principal of the Google one', async () => {
  const planned = await plan(revokeWorkloadIdentity, { ...where, pod: 'checkout-api-7d9f8b6c5-x2k8q' });
  const radius = await revokeWorkloadIdentity.blastRadius!(context, planned);
  expect(radius.identity).toMatchObject({
    serviceAccount: checkoutApi,
    kubernetesServiceAccount: 'checkout/checkout-api',
    podsUsingIt: expect.arrayContaining(['checkout-api-7d9f8b6c5-lq4zp']),
    workloadsUsingIt: ['Deployment checkout-api'],
    otherPrincipals: ['roles/iam.serviceAccountTokenCreator user:release-bot@acme.example'],
  });
  expect(radius.identity!.podsUsingIt).not.toContain('checkout-api-7d9f8b6c5-x2k8q');
  expect(radius.notes!.join('\n')).toMatch(/other pod\(s\) run as checkout\/checkout-api and lose checkout-api@acme-payments-prod\.iam\.gserviceaccount\.com too: Deployment checkout-api/);
});

test('a pod whose account is bound to no Google identity has nothing to cut, and says why', async () => {
  expect(await revokeWorkloadIdentity.plan(context, { ...where, namespace: 'default', pod: 'debug-shell' })).toEqual({
    notApplicable: 'service account default/default is not bound to a Google service account (no iam.gke.io/gcp-service-account annotation)',
  });
});

test('a Cloud Run revision’s service account is disabled, once, and revert enables it', async () => {
  const storefront = 'storefront@acme-web-prod.iam.gserviceaccount.com';
  const planned = await plan(disableServiceAccount, { runtime: 'cloud-run' as const, project: 'acme-web-prod', region: 'europe-west1', service: 'storefront', revision: 'storefront-00042-qaz' });
  expect(planned.target).toEqual({ kind: 'service-account', serviceAccount: storefront });
  expect(await disableServiceAccount.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect(lab.iam.accounts.get(storefront)!.disabled).toBe(true);
  expect(await disableServiceAccount.apply(context, planned)).toMatchObject({ status: 'already-done' });
  expect(await disableServiceAccount.plan(context, { runtime: 'cloud-run' as const, project: 'acme-web-prod', region: 'europe-west1', service: 'storefront' })).toEqual({ notApplicable: `${storefront} is already disabled` });
  await disableServiceAccount.revert!(context, planned);
  expect(lab.iam.accounts.get(storefront)!.disabled).toBe(false);
});

test('the service account is validated before any request: a hostile annotation reaches no URL', async () => {
  await expect(clients.iam.getPolicy('x@evil.example/../../v1/projects/-/serviceAccounts/y@z.iam.gserviceaccount.com')).rejects.toThrow(/is not a Google service account e-mail/);
});

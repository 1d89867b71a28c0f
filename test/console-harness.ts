import { hashPassword, LocalUsersAuthenticator } from '../src/server/auth/local-users';
import { startConsoleServer, type ConsoleServer } from '../src/server/console-server';
import type { DecisionAuthority } from '../src/server/decision-authority';
import type { ApiDeps } from '../src/server/api';
import type { CaseRig } from './case-rig';
import type { CaseIngested } from '../src/intake/ingest';

/** The console and API over a rig's store and client, with lab users who share one password. */
export async function startRigConsole(rig: CaseRig, users: string[], password: string, viewers?: string[], authority: DecisionAuthority = rig.authority, extra: Partial<ApiDeps> = {}): Promise<ConsoleServer> {
  const passwordHash = await hashPassword(password);
  return startConsoleServer({
    host: '127.0.0.1',
    port: 0,
    store: rig.store,
    client: rig.env.client,
    policy: rig.policy,
    authenticator: new LocalUsersAuthenticator(users.map((email) => ({ email, passwordHash })), { sessions: rig.store }),
    authority,
    temporal: { taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix },
    ...(viewers ? { viewers } : {}),
    evidence: rig.deps.evidence,
    ...extra,
  });
}

/** Signs a lab user in through the API, as the console's sign-in page does; the session cookie to send. */
export async function signInCookie(server: ConsoleServer, email: string, password: string): Promise<string> {
  const response = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (response.status !== 200) throw new Error(`sign-in as ${email} answered ${response.status}: ${await response.text()}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** One API request as a signed-in user: its status and JSON body. */
export async function callAs(server: ConsoleServer, path: string, cookie: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers: { cookie, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A campaign as its API shows it: the plan its cases wait on, and the decisions made on it. */
export interface CampaignView {
  plan: { hash: string; cases: { caseId: string; planHash: string }[] } | null;
  decisions: { planHash: string; approver: string; cases: { caseId: string; outcome: string; error?: string }[] }[];
}

/** One Added Binary finding per pod, each its own case of one campaign (the same binary), all waiting for a decision. */
export async function waitingCampaign(rig: CaseRig, findings: [pod: string, findingId: string][]): Promise<{ campaignId: string; cases: CaseIngested[] }> {
  const cases = await Promise.all(findings.map(([pod, id]) => rig.ingest(rig.findingOnPod('Added Binary Executed', pod, id))));
  await Promise.all(cases.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision')));
  const [campaign] = await rig.store.campaignsOfCase(cases[0]!.caseId);
  return { campaignId: campaign!.id, cases };
}

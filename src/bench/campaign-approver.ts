import type { Client } from '@temporalio/client';
import type { CaseStore } from '../cases/case-store';
import type { Database } from '../cases/database';
import { generateAuthorityKey, DecisionAuthority } from '../server/decision-authority';
import { hashPassword, LocalUsersAuthenticator } from '../server/auth/local-users';
import { startConsoleServer, type ConsoleServer } from '../server/console-server';

/**
 * The approver of the bench's campaign storm: signed in to a real console (in the bench's own
 * process) and deciding the campaign's plan through its API, as a person at the campaign page
 * would. Decides once the plan acts on the workload, then again whenever cases still wait for a
 * human and nothing has moved for a while (the same plan, no case closing), until every case is
 * closed.
 */

export interface CampaignDecisionRun {
  /** Each decision: when it was sent (after the first finding), how many cases it named, what they answered, how long the request took. */
  decisions: { atMs: number; cases: number; recorded: number; refused: number; unanswered: number; requestMs: number; error?: string; refusals?: Record<string, number> }[];
  /** Every case closed, after the first finding; absent when some had not by the deadline. */
  allClosedMs?: number;
  /** How the cases ended, by status. */
  statuses: Record<string, number>;
  /** The decisions the cases took: an approver's (sent with the campaign's), or the campaign's containment in place (`campaign:ID`). */
  decidedBy: { approver: number; campaign: number; both: number };
  /** What the cases' containment did, as "action status": one rollout, the rest found in place. */
  actions: Record<string, number>;
}

const approver = 'secops@acme.example';
/** How long the campaign shows nothing moving before the approver decides what still waits. */
const quietMs = 5_000;
const password = 'bench approver password';

export interface CampaignApprover {
  /** The public key the workers are to trust, PEM. */
  publicKey: string;
  /** Once the storm's workers run: the console, signed in. */
  start(deps: { store: CaseStore; client: Client; taskQueue: string; workflowIdPrefix: string }): Promise<void>;
  /** Decides the campaign's plan as shown now, if any case waits in it; resolves when the console answered. */
  decide(campaignId: string, sinceMs: number): Promise<void>;
  /** Decides again while cases wait on a plan that held still, until every case is closed or the deadline passes; then what happened. */
  finish(database: Database, prefix: string, started: number, timeoutMs: number): Promise<CampaignDecisionRun>;
  stop(): Promise<void>;
}

export function campaignApprover(): CampaignApprover {
  const key = generateAuthorityKey();
  let server: ConsoleServer | undefined;
  let cookie = '';
  let campaign: string | undefined;
  const decisions: CampaignDecisionRun['decisions'] = [];
  let inFlight: Promise<void> | undefined;

  const call = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${server!.url}${path}`, { ...init, headers: { cookie, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
    return { status: response.status, body: (await response.json()) as T };
  };

  type Shown = { plan: { hash: string; cases: { caseId: string; planHash: string }[] } | null };
  type Answer = { cases?: { caseId: string; outcome: string; error?: string }[]; error?: string };

  const decideShown = async (campaignId: string, sinceMs: number, shown: NonNullable<Shown['plan']>): Promise<void> => {
    const sent = Date.now();
    const answer = await call<Answer>(`/api/campaigns/${campaignId}/decision`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', planHash: shown.hash, cases: shown.cases.map(({ caseId, planHash }) => ({ caseId, planHash })), reason: 'one image, one incident' }),
    });
    const outcomes = answer.body.cases ?? [];
    const count = (outcome: string) => outcomes.filter((c) => c.outcome === outcome).length;
    // Why cases refused, with their case IDs taken out: a handful of reasons, counted.
    const refusals: Record<string, number> = {};
    for (const c of outcomes.filter((o) => o.outcome === 'refused')) {
      const reason = (c.error ?? '').replaceAll(/case-[0-9a-f]{12}/g, 'CASE').replaceAll(/[0-9a-f]{64}/g, 'HASH');
      refusals[reason] = (refusals[reason] ?? 0) + 1;
    }
    // A 409 (the plan moved on before the request landed) is a decision that reached no case: kept, with its cases refused.
    decisions.push({
      atMs: sent - sinceMs,
      cases: shown.cases.length,
      recorded: count('recorded'),
      refused: answer.status === 200 ? count('refused') : shown.cases.length,
      unanswered: count('unanswered'),
      requestMs: Date.now() - sent,
      ...(answer.status === 200 ? {} : { error: `${answer.status}: ${answer.body.error}` }),
      ...(Object.keys(refusals).length > 0 ? { refusals } : {}),
    });
  };

  const decide = async (campaignId: string, sinceMs: number): Promise<void> => {
    campaign = campaignId;
    const { body } = await call<Shown>(`/api/campaigns/${campaignId}`);
    if (body.plan && body.plan.cases.length > 0) await decideShown(campaignId, sinceMs, body.plan);
  };

  return {
    publicKey: key.publicPem,
    async start({ store, client, taskQueue, workflowIdPrefix }) {
      const authenticator = new LocalUsersAuthenticator([{ email: approver, passwordHash: await hashPassword(password) }], { sessions: store });
      server = await startConsoleServer({ host: '127.0.0.1', port: 0, store, client, policy: { approvers: [approver] }, authenticator, authority: DecisionAuthority.fromPem(key.privatePem), temporal: { taskQueue, workflowIdPrefix } });
      const response = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: approver, password }) });
      if (response.status !== 200) throw new Error(`the bench approver could not sign in: ${response.status} ${await response.text()}`);
      cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    },
    decide(campaignId, sinceMs) {
      // Sent while the storm goes on: a failure is the bench's to report, never an unhandled rejection.
      inFlight ??= decide(campaignId, sinceMs)
        .catch((error: unknown) => void decisions.push({ atMs: Date.now() - sinceMs, cases: 0, recorded: 0, refused: 0, unanswered: 0, requestMs: 0, error: error instanceof Error ? error.message : String(error) }))
        .finally(() => (inFlight = undefined));
      return inFlight;
    },
    async finish(database, prefix, started, timeoutMs) {
      await inFlight;
      const deadline = Date.now() + timeoutMs;
      let allClosedMs: number | undefined;
      let seen: string | undefined;
      let stillSince = 0;
      while (Date.now() < deadline && decisions.length < 20) {
        const [open] = await database.query<{ open: number; last: Date | string | null }>(
          'select count(*) filter (where closed_at is null)::int as open, max(closed_at) as last from cases where workflow_id like $1',
          [`${prefix}/%`],
        );
        if (open!.open === 0) {
          allClosedMs = new Date(open!.last!).getTime() - started;
          break;
        }
        // A person decides again only when nothing moves: the same plan, and no case closing, for five seconds.
        const shown = campaign ? (await call<Shown>(`/api/campaigns/${campaign}`)).body.plan : null;
        const now = `${shown?.hash}/${open!.open}`;
        if (now !== seen) [seen, stillSince] = [now, Date.now()];
        else if (shown && shown.cases.length > 0 && Date.now() - stillSince >= quietMs) {
          await decideShown(campaign!, started, shown);
          seen = undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const like = [`${prefix}/%`];
      const statuses = await database.query<{ status: string; n: number }>('select status, count(*)::int as n from cases where workflow_id like $1 group by status', like);
      const decided = await database.query<{ via: string | null; n: number }>(
        "select t.detail->>'via' as via, count(*)::int as n from timeline t join cases k on k.id = t.case_id where k.workflow_id like $1 and t.kind = 'decision' group by 1",
        like,
      );
      // A case the approver's decision reached as the campaign's rollout did: it took both.
      const [both] = await database.query<{ n: number }>(
        `select count(*)::int as n from (select t.case_id from timeline t join cases k on k.id = t.case_id where k.workflow_id like $1 and t.kind = 'decision'
           group by t.case_id having bool_or(t.detail->>'via' = 'campaign') and bool_or(coalesce(t.detail->>'via', '') <> 'campaign')) x`,
        like,
      );
      const acted = await database.query<{ action: string; status: string; n: number }>(
        'select a.action, a.status, count(*)::int as n from actions a join cases k on k.id = a.case_id where k.workflow_id like $1 and not a.dry_run group by 1, 2',
        like,
      );
      return {
        decisions,
        ...(allClosedMs !== undefined ? { allClosedMs } : {}),
        statuses: Object.fromEntries(statuses.map((r) => [r.status, r.n])),
        decidedBy: { approver: decided.filter((r) => r.via !== 'campaign').reduce((a, r) => a + r.n, 0), campaign: decided.find((r) => r.via === 'campaign')?.n ?? 0, both: both?.n ?? 0 },
        actions: Object.fromEntries(acted.map((r) => [`${r.action} ${r.status}`, r.n])),
      };
    },
    async stop() {
      await inFlight?.catch(() => undefined);
      await server?.close();
    },
  };
}

import { openCaseStatuses } from '../workflows/shared';
import type { Database } from './database';

/**
 * One notice for a campaign's cases instead of one per case. In a storm, 500 pods of one image
 * are 500 cases of one campaign, and one decision covers them: 500 notices each asking for a
 * decision of its own would bury the one that matters. Per campaign, event and route, one case
 * at a time holds the turn to send the campaign's notice; the others record that theirs was
 * folded into it. A turn is taken again once the last notice is `intervalMinutes` old, so the
 * route hears of a growing campaign at that pace at most; a holder that did not deliver within
 * `leaseSeconds` (its worker died, its receiver failed) loses the turn to the next case.
 */

export interface CampaignNoticeTurn {
  campaignId: string;
  /** This case holds the turn: it sends the campaign's notice. */
  mine: boolean;
  /** The case that holds it, when another does and its row could be read. */
  holder?: string;
  /** When the holder took the turn: the notice's ID for receivers that see it twice. */
  claimedAt?: string;
  /** The holder's notice went out. */
  delivered?: boolean;
}

/** Where a case stands for its notices: how its first ready notice went, and the campaign they would fold into. */
export interface NoticeStanding {
  /** How its first notice that it waits for a decision went: on its own (`sent`, `no-route`), as its campaign's (`campaign`, `folded`); absent, not yet. */
  readyNotice?: string;
  /** The largest campaign of two cases or more that it is in, oldest first on a tie; with how many of its cases are still open. */
  campaign?: { campaignId: string; cases: number; open: number };
}

/** Both in one statement, since every notice of every case asks. */
export async function noticeStandingOf(db: Database, caseId: string): Promise<NoticeStanding> {
  const [row] = await db.query<{ ready_notice: string | null; campaign_id: string | null; cases: number | null; open: number | null }>(
    `with chosen as (
       select m.campaign_id, (select count(*)::int from campaign_cases o where o.campaign_id = m.campaign_id) as cases
         from campaign_cases m join campaigns c on c.id = m.campaign_id
        where m.case_id = $1 order by cases desc, c.first_case_at, c.id limit 1)
     select (select coalesce(t.outcome, 'sent') from timeline t where t.case_id = $1 and t.event_key = 'notice:ready-for-decision') as ready_notice,
            chosen.campaign_id, chosen.cases,
            (select count(*)::int from campaign_cases m join cases k on k.id = m.case_id where m.campaign_id = chosen.campaign_id and k.status = any($2::text[])) as open
       from (select 1) as one left join chosen on true`,
    [caseId, openCaseStatuses],
  );
  return {
    ...(row?.ready_notice ? { readyNotice: row.ready_notice } : {}),
    ...(row?.campaign_id && (row.cases ?? 0) >= 2 ? { campaign: { campaignId: row.campaign_id, cases: row.cases!, open: row.open ?? 0 } } : {}),
  };
}

/**
 * Asks for the campaign's turn to send `event` to `route`, in one statement: taken when nobody
 * has it, when the last notice is older than the interval or the campaign was decided since (what
 * waits now waits on news), when its holder let the lease pass without delivering, or when this
 * case holds it already (a retried delivery). `last`: no case of the campaign is open any more,
 * and the last notice went out while some were; one final count goes out, whatever the pace
 * (a storm's cases close faster than their notices go out, so many ask at once). `once`: the
 * notice goes out once for the campaign (its owner notice), never again for the interval or a decision.
 */
export async function takeCampaignNoticeTurn(
  db: Database,
  input: { campaignId: string; cases: number; open: number; caseId: string; event: string; route: string; intervalMinutes: number; leaseSeconds: number; last?: boolean; once?: boolean },
): Promise<CampaignNoticeTurn> {
  const rows = await db.query<{ holder: string; claimed_at: Date | string; delivered_at: Date | string | null; mine: boolean }>(
    `with taken as (
       insert into campaign_notices (campaign_id, event, route, holder, claimed_at, cases, open)
       values ($1, $2, $3, $4, now(), $5, $9)
       on conflict (campaign_id, event, route) do update set holder = excluded.holder, claimed_at = excluded.claimed_at, delivered_at = null, cases = excluded.cases, open = excluded.open
        where ($8::boolean and campaign_notices.open > 0)
           or (not $10::boolean and campaign_notices.delivered_at is not null and campaign_notices.delivered_at < now() - $6 * interval '1 minute')
           or (not $10::boolean and campaign_notices.delivered_at is not null and exists (select 1 from campaign_decisions d where d.campaign_id = campaign_notices.campaign_id and d.at > campaign_notices.delivered_at))
           or (campaign_notices.delivered_at is null and (campaign_notices.holder = excluded.holder or campaign_notices.claimed_at < now() - $7 * interval '1 second'))
       returning holder, claimed_at, delivered_at, true as mine)
     select holder, claimed_at, delivered_at, mine from taken
     union all
     select holder, claimed_at, delivered_at, false from campaign_notices where campaign_id = $1 and event = $2 and route = $3 and not exists (select 1 from taken)`,
    [input.campaignId, input.event, input.route, input.caseId, input.cases, input.intervalMinutes, input.leaseSeconds, input.last === true, input.open, input.once === true],
  );
  const row = rows[0];
  return {
    campaignId: input.campaignId,
    mine: row?.mine === true,
    ...(row ? { holder: row.holder, claimedAt: new Date(row.claimed_at).toISOString(), delivered: row.delivered_at !== null } : {}),
  };
}

/** The turn's notice went out: the next is due an interval from now. */
export async function campaignNoticeDelivered(db: Database, turn: { campaignId: string; event: string; route: string; caseId: string }): Promise<void> {
  await db.query('update campaign_notices set delivered_at = now() where campaign_id = $1 and event = $2 and route = $3 and holder = $4', [turn.campaignId, turn.event, turn.route, turn.caseId]);
}

/** The turn's notice failed: the next case of the campaign takes the turn at once instead of after the lease. */
export async function campaignNoticeFailed(db: Database, turn: { campaignId: string; event: string; route: string; caseId: string }): Promise<void> {
  await db.query(`delete from campaign_notices where campaign_id = $1 and event = $2 and route = $3 and holder = $4 and delivered_at is null`, [turn.campaignId, turn.event, turn.route, turn.caseId]);
}

/** Whether the campaign's notice of `event` to `route` went out. */
export async function campaignNoticeSent(db: Database, campaignId: string, event: string, route: string): Promise<boolean> {
  const [row] = await db.query<{ sent: boolean }>('select delivered_at is not null as sent from campaign_notices where campaign_id = $1 and event = $2 and route = $3', [campaignId, event, route]);
  return row?.sent === true;
}

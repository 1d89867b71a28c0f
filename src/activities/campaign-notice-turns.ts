import type { CaseStore } from '../cases/case-store';

/** How long a case that took a campaign's turn to notify has to deliver before another case may take it. */
export const campaignNoticeLeaseSeconds = 120;

/**
 * Sends a campaign's notice on the turn this case holds: delivered, the turn says so; failed,
 * the turn is given up at once, so that the next case takes it (this one's activity retries).
 */
export async function deliverOnTurn<T>(store: CaseStore, turn: { campaignId: string; event: string; route: string; caseId: string }, send: () => Promise<T>): Promise<T> {
  let sent: T;
  try {
    sent = await send();
  } catch (error) {
    await store.campaignNoticeFailed(turn).catch(() => undefined);
    throw error;
  }
  await store.campaignNoticeDelivered(turn);
  return sent;
}

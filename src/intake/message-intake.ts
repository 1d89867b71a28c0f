import { FindingError } from '../findings/errors';
import { parseFinding } from '../findings/parse';
import { ingestFinding, type IngestDeps } from './ingest';

/**
 * One delivered message, whatever carried it (a Pub/Sub pull, a push, a poll): parsed, then
 * ingested; or, when no finding can be read from it, kept as a dead letter. Either way the
 * message is settled, so a malformed one is never redelivered forever. Only a failure to
 * reach Temporal or the case store leaves it unsettled, for the carrier to deliver again.
 */
export interface DeliveredMessage {
  /** `pubsub:projects/P/subscriptions/S`, `push:…`, `poller:…`. */
  source: string;
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
}

export type MessageOutcome =
  | { outcome: 'ingested'; messageId: string; findingName: string; caseId: string; workflowId: string; duplicate: boolean }
  | { outcome: 'out-of-scope'; messageId: string; findingName: string; reason: string }
  | { outcome: 'dead-letter'; messageId: string; deadLetterId: string; reason: string };

export async function handleMessage(deps: IngestDeps, message: DeliveredMessage): Promise<MessageOutcome> {
  let parsed;
  try {
    parsed = parseFinding(message.data);
  } catch (error) {
    // A parser bug is still this message's problem, not the subscriber's: keep it and move on.
    const reason = error instanceof FindingError ? error.message : `unreadable: ${error instanceof Error ? error.message : String(error)}`;
    const deadLetterId = await deps.store.recordDeadLetter({
      source: message.source,
      messageId: message.messageId,
      receivedAt: new Date().toISOString(),
      reason,
      raw: message.data,
      attributes: message.attributes,
    });
    return { outcome: 'dead-letter', messageId: message.messageId, deadLetterId, reason };
  }
  const result = await ingestFinding(deps, parsed);
  if (result.outOfScope !== undefined) return { outcome: 'out-of-scope', messageId: message.messageId, findingName: parsed.finding.name, reason: result.outOfScope };
  return { outcome: 'ingested', messageId: message.messageId, findingName: parsed.finding.name, caseId: result.caseId, workflowId: result.workflowId, duplicate: result.duplicate };
}

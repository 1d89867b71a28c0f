import { slackEscape, type Channel } from './channels';

export { slackEscape };
import type { Notice } from './notice';
import type { SlackWebApi } from './slack-web-api';

/**
 * Notices as a Slack app posts them: a case waiting for a decision is an interactive message with
 * Approve and Reject (the buttons name the case and the plan hash, nothing else), and once the
 * case is decided, expires or fails, wherever it was decided, every message that still carries
 * its buttons is updated to say what became of it, without them.
 */

export const approveActionId = 'scc-approve';
export const rejectActionId = 'scc-reject';

/** Where the app keeps the messages whose buttons are live: the case store. */
export interface SlackMessageLedger {
  recordSlackMessage(message: { channel: string; ts: string; caseId: string; planHash: string }): Promise<void>;
  openSlackMessages(caseId: string): Promise<{ channel: string; ts: string; planHash: string }[]>;
  closeSlackMessage(channel: string, ts: string): Promise<void>;
}

const waiting = new Set(['ready-for-decision', 'escalated']);
const closing = new Set(['decided', 'contained', 'partially-contained', 'expired', 'failed']);


export function buttonValue(caseId: string, planHash: string): string {
  return JSON.stringify({ caseId, planHash });
}

function summaryBlocks(notice: Notice): unknown[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(notice.subject ?? notice.event)}*\n${slackEscape(notice.text)}` } },
    ...(notice.consoleUrl ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${notice.consoleUrl}|Open the ${notice.campaignId ? 'campaign' : 'case'} in the console>` } }] : []),
  ];
}

/** What a closed message says instead of its buttons. */
export function closedLine(notice: Pick<Notice, 'event' | 'decidedBy'>): string {
  const by = notice.decidedBy && notice.decidedBy.length > 0 ? ` by ${notice.decidedBy.join(', ')}` : '';
  switch (notice.event) {
    case 'contained':
      return `Approved${by}: contained.`;
    case 'partially-contained':
      return `Approved${by}: partly contained, an action failed.`;
    case 'decided':
      return `Decided${by}.`;
    case 'expired':
      return 'Closed without a decision: the approval window ended.';
    default:
      return 'The case stopped before it finished: see its record.';
  }
}

export class SlackAppChannel implements Channel {
  readonly name = 'slack-app';

  constructor(
    private readonly api: SlackWebApi,
    private readonly channel: string,
    private readonly ledger: SlackMessageLedger,
  ) {}

  async deliver(notice: Notice): Promise<void> {
    if (notice.caseId && notice.planHash && waiting.has(notice.event)) {
      const value = buttonValue(notice.caseId, notice.planHash);
      const blocks = [
        ...summaryBlocks(notice),
        {
          type: 'actions',
          block_id: 'scc-decision',
          elements: [
            { type: 'button', action_id: approveActionId, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value, confirm: confirmation(notice) },
            { type: 'button', action_id: rejectActionId, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
          ],
        },
      ];
      const posted = await this.api.postMessage({ channel: this.channel, text: slackEscape(notice.subject ?? notice.text), blocks });
      await this.ledger.recordSlackMessage({ channel: posted.channel, ts: posted.ts, caseId: notice.caseId, planHash: notice.planHash });
      return;
    }
    if (notice.caseId && closing.has(notice.event)) {
      const open = await this.ledger.openSlackMessages(notice.caseId);
      for (const message of open) {
        await this.api.update({ channel: message.channel, ts: message.ts, text: slackEscape(closedLine(notice)), blocks: [...summaryBlocks(notice), { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(closedLine(notice)) }] }] });
        await this.ledger.closeSlackMessage(message.channel, message.ts);
      }
      if (open.length > 0) return;
    }
    await this.api.postMessage({ channel: this.channel, text: slackEscape(notice.subject ?? notice.text), blocks: summaryBlocks(notice) });
  }
}

function confirmation(notice: Notice) {
  return {
    title: { type: 'plain_text', text: 'Approve containment?' },
    text: { type: 'plain_text', text: `This approves plan ${notice.planHash!.slice(0, 12)} for case ${notice.caseId}: the actions run as planned.`.slice(0, 300) },
    confirm: { type: 'plain_text', text: 'Approve' },
    deny: { type: 'plain_text', text: 'Cancel' },
  };
}

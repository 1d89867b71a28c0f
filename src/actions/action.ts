import type { z } from 'zod';
import type { CloudClients } from '../cloud';
import type { ActionName, ActionResult, BlastRadius, PlannedAction } from '../workflows/shared';
import type { Notifier } from '../notify/notice';
import type { ParameterSource } from './parameters';

/**
 * A containment action, self-describing: what it is, the exact permissions it needs, its
 * parameters, why it may refuse, what it will do (`plan`, shown to the approver and in dry-run),
 * and `apply`, which is idempotent: run twice after a crash, it acts once.
 */
export interface ActionContext {
  clients: CloudClients;
  notifier: Notifier;
  /** Owner notices sent once for a whole campaign, whichever of its cases sends them; absent, none is (each case tells its owner). */
  ownerNotices?: CampaignOwnerNotices;
}

/** The case store's record of the owner notices sent for campaigns, for the case that acts. */
export interface CampaignOwnerNotices {
  /** Whether the campaign's owner notice to these recipients went out. */
  told(campaignId: string, recipients: readonly string[]): Promise<boolean>;
  /** Sends it unless it went out (or another case is sending it): `told` when it had, or another case holds the turn. */
  tellOnce(campaignId: string, recipients: readonly string[], send: () => Promise<boolean>): Promise<{ status: 'sent' | 'no-route' | 'told'; by?: string }>;
}

export interface ActionModule<P> {
  name: ActionName;
  description: string;
  /** RBAC verbs and IAM permissions, exactly. */
  permissions: string[];
  destructive: boolean;
  parameters: z.ZodType<P>;
  /** Its parameters for a case, from the finding and the owner chain; undefined when it does not apply to this kind of subject. */
  parametersFrom(source: ParameterSource): unknown;
  /** What must hold for it to act; `plan` says when one does not, `apply` refuses when one stopped holding. */
  preconditions: string[];
  /** The planned step, against the current state; undefined with a note when it does not apply. */
  plan(context: ActionContext, params: P): Promise<PlannedAction | { notApplicable: string }>;
  apply(context: ActionContext, action: PlannedAction): Promise<Omit<ActionResult, 'at'>>;
  /** What acting touches beyond the suspect, added to the plan's blast radius; absent when the subject's radius says it all. */
  blastRadius?(context: ActionContext, action: PlannedAction): Promise<Partial<BlastRadius>>;
  /**
   * Whether what the planned action does holds now, whoever did it: a workload action that a case
   * of the same campaign applied is this case's containment too, and is planned as it was.
   */
  holds?(context: ActionContext, action: PlannedAction): Promise<boolean>;
  /**
   * Whether the planned action still stands as planned against the current state (the same
   * object at the same version), so another case of the campaign can plan it as it is: one read
   * instead of planning the workload again, and one change for the approver to read.
   */
  current?(context: ActionContext, action: PlannedAction): Promise<boolean>;
  /** Undoes `apply` (idempotent too); absent for actions that cannot be undone (a deleted pod). */
  revert?(context: ActionContext, action: PlannedAction): Promise<Omit<ActionResult, 'at'>>;
}

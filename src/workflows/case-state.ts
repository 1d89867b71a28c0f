import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Finding } from '../findings/model';
import type { CasePatches } from './case-patches';
import type { EvidenceSource } from './collection-order';
import { approvalsStillNeeded, judgeDecision, type DecisionContext } from './decision-rules';
import {
  campaignActedSignal,
  caseIdFor,
  decideUpdate,
  decisionSignal,
  findingSignal,
  refreshDecisionKeysSignal,
  statusQuery,
  type ActionResult,
  type CampaignActed,
  type CaseInput,
  type CaseOutcome,
  type CaseSnapshot,
  type CaseStatus,
  type Decision,
  type DecisionInput,
  type DecisionRules,
  type Gap,
  type Policy,
  type Plan,
  type RefusedDecision,
  type StepRecord,
} from './shared';

/**
 * A case's state and its message handlers, apart from the runbook that drives it (the shape of
 * Temporal's safe-message-handlers sample).
 *
 * The handlers only change state: none schedules an activity, starts a timer or upserts a search
 * attribute. Only the main flow does, and it takes what the handlers left at points the history
 * fixes (an activity's result, a wake-up on the state itself). A handler that issues commands runs
 * beside the main flow, and the order of the two then depends on when each was woken, which is
 * not always the order replay reproduces: that is how a joining finding once left a history that
 * could not replay (`TMPRL1100` on an `UpsertWorkflowSearchAttributes`).
 */
export class CaseState {
  readonly caseId: string;
  readonly workflowId: string;
  readonly runId: string;
  /** The findings the case has taken in, first to last: the first arrived with the start. */
  readonly findings: Finding[] = [];
  readonly steps: StepRecord[] = [];
  readonly decisions: Decision[] = [];
  readonly refused: RefusedDecision[] = [];
  readonly actions: ActionResult[] = [];
  readonly gaps: Gap[] = [];
  status: CaseStatus = 'investigating';
  plan: Plan | undefined;
  outcome: CaseOutcome | undefined;
  collection: EvidenceSource[] | undefined;
  failure: { reason: string; at: string } | undefined;
  /** What the research flagged (VirusTotal's malicious verdicts), for the plan to weigh. */
  readonly flagged: string[] = [];
  /** How many plans were put to a decision: the first, then one per re-plan. */
  plansPresented = 0;
  /** Signalled findings the main flow has not taken in yet. */
  private readonly arrived: Finding[] = [];
  /** Updates refused as unproven, for the main flow to record. */
  private readonly refusedUpdates: RefusedDecision[] = [];
  /** Decisions that came by signal, judged by the main flow when it takes them. */
  private readonly signalled: { decision: DecisionInput; at: string }[] = [];
  /** How many decisions the record already holds. */
  private recordedDecisions = 0;
  /**
   * Cases started since signed decisions take a decision only as the authority signed it, with
   * the keys and limits of the workers' configuration (`rules`, read by an activity). Earlier
   * cases keep the rule they started under, so their histories replay as they ran.
   */
  private signaturesRequired = false;
  private rules: DecisionRules | undefined;
  private refreshAsked = false;
  /** Campaign actions in place that the case has not recorded yet, and whether one was recorded since the case last planned for it. */
  private campaignActions: CampaignActed[] = [];
  private campaignActedSincePlan = false;

  constructor(
    readonly input: CaseInput,
    /** Which of the workflow's changes this case runs with (every one, if it started since they all exist). */
    readonly patches: CasePatches,
  ) {
    const info = workflowInfo();
    this.workflowId = info.workflowId;
    this.runId = info.runId;
    this.caseId = caseIdFor(info.firstExecutionRunId);
  }

  /** The starter's policy, held to the workers' limits under signed decisions: it may tighten them, never relax them. */
  get policy(): Policy {
    const policy = this.input.policy;
    if (!this.signaturesRequired) return policy;
    const worker = this.rules;
    const autoContain =
      policy.autoContain && worker?.autoContain
        ? { playbooks: policy.autoContain.playbooks.filter((p) => worker.autoContain!.playbooks.includes(p)), severities: policy.autoContain.severities.filter((s) => worker.autoContain!.severities.includes(s)) }
        : null;
    return { ...policy, fourEyes: policy.fourEyes || worker?.fourEyes === true, autoContain };
  }

  /** From here on, decisions need the authority's signature (taken once, behind a patch marker). */
  requireSignatures(): void {
    this.signaturesRequired = true;
  }

  /** The workers' decision keys and limits, as an activity read them. */
  trust(rules: DecisionRules): void {
    this.rules = rules;
    this.refreshAsked = false;
  }

  /** Whether someone asked the case to read its workers' keys again, and it has not yet. */
  keysRefreshDue(): boolean {
    return this.signaturesRequired && this.refreshAsked;
  }

  get primary(): Finding {
    return this.findings[0]!;
  }

  listen(): void {
    setHandler(statusQuery, () => this.snapshot());
    setHandler(findingSignal, (finding: Finding) => {
      // The same finding twice is one finding.
      if (!this.knows(finding.name)) this.arrived.push(finding);
    });
    setHandler(
      decideUpdate,
      (decision: DecisionInput) => {
        const judged = judgeDecision(decision, this.decisionContext());
        if ('refused' in judged) {
          // Only an unproven decision gets this far (the validator turned the others away): it is kept on the record, then refused.
          this.refusedUpdates.push({ at: new Date().toISOString(), via: 'update', approver: judged.approver, reason: judged.refused });
          throw ApplicationFailure.create({ message: judged.refused, type: 'DecisionRefused', nonRetryable: true });
        }
        this.decisions.push(this.accepted(judged.accepted, 'update', new Date().toISOString()));
        // Only approvals add up (four-eyes); any other decision is complete on its own.
        return { status: this.status, approvalsNeeded: judged.accepted.decision === 'approve' ? approvalsStillNeeded(this.plan, this.decisions, this.policy) : 0 };
      },
      {
        // A person's mistake (a stale plan, a case not waiting) is answered and leaves no trace; a
        // decision the authority did not sign for this case is let through to the handler, which
        // records the attempt in the history and the case record before refusing it.
        validator: (decision: DecisionInput) => {
          const judged = judgeDecision(decision, this.decisionContext());
          if ('refused' in judged && !judged.unproven) throw ApplicationFailure.create({ message: judged.refused, type: 'DecisionRefused', nonRetryable: true });
        },
      },
    );
    setHandler(decisionSignal, (decision: DecisionInput) => {
      this.signalled.push({ decision, at: new Date().toISOString() });
    });
    setHandler(refreshDecisionKeysSignal, () => {
      this.refreshAsked = true;
    });
    setHandler(campaignActedSignal, (acted: CampaignActed) => {
      this.campaignActions.push(acted);
    });
  }

  /** The first finding to arrive, before the case takes it in: the one it opens with. */
  firstArrival(): Finding | undefined {
    return this.findings[0] ?? this.arrived[0];
  }

  /** Something the main flow should take in: a finding that joined, a decision to judge or record. */
  hasNews(): boolean {
    return this.arrived.length > 0 || this.signalled.length > 0 || this.decisions.length > this.recordedDecisions || this.refusedUpdates.length > 0 || this.keysRefreshDue() || this.campaignActions.length > 0;
  }

  /** The findings that joined since last asked, now part of the case. */
  takeArrivals(): Finding[] {
    const taken = this.arrived.splice(0).filter((finding, i, all) => !this.findings.some((f) => f.name === finding.name) && all.findIndex((f) => f.name === finding.name) === i);
    this.findings.push(...taken);
    return taken;
  }

  /** Judges the decisions that came by signal (by the rules the update's validator applies), and returns every decision and refusal not yet recorded. */
  takeDecisions(): { decisions: Decision[]; refused: RefusedDecision[] } {
    const refused: RefusedDecision[] = this.refusedUpdates.splice(0);
    for (const { decision, at } of this.signalled.splice(0)) {
      const judged = judgeDecision(decision, this.decisionContext());
      if ('refused' in judged) refused.push({ at, via: 'signal', approver: judged.approver, reason: judged.refused });
      else this.decisions.push(this.accepted(judged.accepted, 'signal', at));
    }
    this.refused.push(...refused);
    const decisions = this.decisions.slice(this.recordedDecisions);
    this.recordedDecisions = this.decisions.length;
    return { decisions, refused };
  }

  /** The campaign actions put in place since last asked, to record; the case then plans again once. */
  takeCampaignActions(): CampaignActed[] {
    const taken = this.campaignActions.splice(0);
    if (taken.length > 0) this.campaignActedSincePlan = true;
    return taken;
  }

  /** Whether a campaign action was put in place since the case last asked: asked once per news. */
  campaignActedSinceAsked(): boolean {
    const acted = this.campaignActedSincePlan;
    this.campaignActedSincePlan = false;
    return acted;
  }

  /** A decision the policy made (auto-containment), recorded like any other. */
  decideByPolicy(plan: Plan): void {
    this.decisions.push(this.accepted({ decision: 'approve', approver: 'policy:auto-contain', planHash: plan.hash }, 'policy', new Date().toISOString()));
  }

  /** The case's containment is its campaign's, in place already: recorded like any decision, and acting only checks it holds. */
  decideByCampaign(plan: Plan & { campaignHeld: NonNullable<Plan['campaignHeld']> }): void {
    const reason = `contained by campaign ${plan.campaignHeld.campaignId}: ${plan.campaignHeld.actions.map((i) => plan.actions[i]!.action).join(', ')} approved for its cases and in place already`;
    this.decisions.push(this.accepted({ decision: 'approve', approver: `campaign:${plan.campaignHeld.campaignId}`, planHash: plan.hash, reason }, 'campaign', new Date().toISOString()));
  }

  snapshot(): CaseSnapshot {
    const waiting = (this.status === 'awaiting-decision' || this.status === 'escalated' || this.status === 'watching') && this.plan;
    return {
      caseId: this.caseId,
      workflowId: this.workflowId,
      subjectKey: this.input.subjectKey,
      status: this.status,
      findings: this.findings.map((f) => ({ name: f.name, category: f.category, severity: f.severity, eventTime: f.eventTime })),
      steps: [...this.steps],
      ...(this.collection ? { collection: this.collection } : {}),
      ...(this.plan ? { plan: this.plan } : {}),
      decisions: [...this.decisions],
      ...(waiting ? { pending: { planHash: this.plan!.hash, approvalsNeeded: approvalsStillNeeded(this.plan, this.decisions, this.policy) } } : {}),
      refused: [...this.refused],
      ...(this.signaturesRequired ? { trustedKeys: (this.rules?.keys ?? []).map((k) => k.id) } : {}),
      actions: [...this.actions],
      gaps: [...this.gaps],
      ...(this.outcome ? { outcome: this.outcome } : {}),
      ...(this.failure ? { failure: this.failure } : {}),
    };
  }

  private knows(name: string): boolean {
    return this.findings.some((f) => f.name === name) || this.arrived.some((f) => f.name === name);
  }

  private decisionContext(): DecisionContext {
    return {
      status: this.status,
      plan: this.plan,
      decisions: this.decisions,
      policy: this.policy,
      ...(this.signaturesRequired ? { authority: { keys: this.rules?.keys ?? [], caseId: this.caseId, now: Date.now() } } : {}),
    };
  }

  private accepted(decision: DecisionInput & { authenticatedVia?: string }, via: Decision['via'], at: string): Decision {
    return {
      decision: decision.decision,
      approver: decision.approver.trim().toLowerCase(),
      planHash: decision.planHash,
      at,
      via,
      ...(decision.reason ? { reason: decision.reason } : {}),
      ...(decision.decision === 'reject' && decision.falsePositive === true ? { falsePositive: true } : {}),
      ...(decision.signed ? { signed: decision.signed, authenticatedVia: decision.authenticatedVia } : {}),
    };
  }
}

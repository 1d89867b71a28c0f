import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Finding } from '../findings/model';
import type { EvidenceSource } from './collection-order';
import { approvalsStillNeeded, refusalReason } from './decision-rules';
import {
  caseIdFor,
  decideUpdate,
  decisionSignal,
  findingSignal,
  statusQuery,
  type ActionResult,
  type CaseInput,
  type CaseOutcome,
  type CaseSnapshot,
  type CaseStatus,
  type Decision,
  type DecisionInput,
  type Gap,
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
  /** How many plans were put to a decision: the first, then one per re-plan. */
  plansPresented = 0;
  /** Signalled findings the main flow has not taken in yet. */
  private readonly arrived: Finding[] = [];
  /** Decisions that came by signal, judged by the main flow when it takes them. */
  private readonly signalled: { decision: DecisionInput; at: string }[] = [];
  /** How many decisions the record already holds. */
  private recordedDecisions = 0;

  constructor(readonly input: CaseInput) {
    const info = workflowInfo();
    this.workflowId = info.workflowId;
    this.runId = info.runId;
    this.caseId = caseIdFor(info.firstExecutionRunId);
  }

  get policy() {
    return this.input.policy;
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
        this.decisions.push(this.accepted(decision, 'update', new Date().toISOString()));
        // Only approvals add up (four-eyes); any other decision is complete on its own.
        return { status: this.status, approvalsNeeded: decision.decision === 'approve' ? approvalsStillNeeded(this.plan, this.decisions, this.policy) : 0 };
      },
      {
        validator: (decision: DecisionInput) => {
          const reason = refusalReason(decision, this.decisionContext());
          if (reason) throw ApplicationFailure.create({ message: reason, type: 'DecisionRefused', nonRetryable: true });
        },
      },
    );
    setHandler(decisionSignal, (decision: DecisionInput) => {
      this.signalled.push({ decision, at: new Date().toISOString() });
    });
  }

  /** The first finding to arrive, before the case takes it in: the one it opens with. */
  firstArrival(): Finding | undefined {
    return this.findings[0] ?? this.arrived[0];
  }

  /** Something the main flow should take in: a finding that joined, a decision to judge or record. */
  hasNews(): boolean {
    return this.arrived.length > 0 || this.signalled.length > 0 || this.decisions.length > this.recordedDecisions;
  }

  /** The findings that joined since last asked, now part of the case. */
  takeArrivals(): Finding[] {
    const taken = this.arrived.splice(0).filter((finding, i, all) => !this.findings.some((f) => f.name === finding.name) && all.findIndex((f) => f.name === finding.name) === i);
    this.findings.push(...taken);
    return taken;
  }

  /** Judges the decisions that came by signal (by the rules the update's validator applies), and returns every decision and refusal not yet recorded. */
  takeDecisions(): { decisions: Decision[]; refused: RefusedDecision[] } {
    const refused: RefusedDecision[] = [];
    for (const { decision, at } of this.signalled.splice(0)) {
      const reason = refusalReason(decision, this.decisionContext());
      if (reason) refused.push({ at, via: 'signal', approver: String((decision as Partial<DecisionInput> | null)?.approver ?? '').slice(0, 320), reason });
      else this.decisions.push(this.accepted(decision, 'signal', at));
    }
    this.refused.push(...refused);
    const decisions = this.decisions.slice(this.recordedDecisions);
    this.recordedDecisions = this.decisions.length;
    return { decisions, refused };
  }

  /** A decision the policy made (auto-containment), recorded like any other. */
  decideByPolicy(plan: Plan): void {
    this.decisions.push(this.accepted({ decision: 'approve', approver: 'policy:auto-contain', planHash: plan.hash }, 'policy', new Date().toISOString()));
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
      actions: [...this.actions],
      gaps: [...this.gaps],
      ...(this.outcome ? { outcome: this.outcome } : {}),
      ...(this.failure ? { failure: this.failure } : {}),
    };
  }

  private knows(name: string): boolean {
    return this.findings.some((f) => f.name === name) || this.arrived.some((f) => f.name === name);
  }

  private decisionContext() {
    return { status: this.status, plan: this.plan, decisions: this.decisions, policy: this.policy };
  }

  private accepted(decision: DecisionInput, via: Decision['via'], at: string): Decision {
    return {
      decision: decision.decision,
      approver: decision.approver.trim().toLowerCase(),
      planHash: decision.planHash,
      at,
      via,
      ...(decision.reason ? { reason: decision.reason } : {}),
      ...(decision.decision === 'reject' && decision.falsePositive === true ? { falsePositive: true } : {}),
    };
  }
}

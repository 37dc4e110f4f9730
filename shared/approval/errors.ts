/**
 * Why an approval or a denial was refused. Each says what to do next, and each leaves the
 * incident as it was: a refused decision sends nothing to Step Functions.
 */
import { MedicError } from '../errors';

/** Base of the approval errors (`medic approve` maps them to exit code 3: refused, nothing changed). */
export class ApprovalError extends MedicError {
  constructor(
    message: string,
    readonly incidentKey: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No approval was ever requested for this incident (wrong key, or not in approve mode). */
export class NoPendingApprovalError extends ApprovalError {
  constructor(incidentKey: string) {
    super(`no approval is pending for incident ${incidentKey} (wrong key, or its plan was not waiting for approval; see medic status)`, incidentKey);
  }
}

/** Someone decided first. Carries who, so the second person knows. */
export class AlreadyDecidedError extends ApprovalError {
  constructor(
    incidentKey: string,
    readonly decision: { status: string; decidedBy?: string; decidedAt?: string },
  ) {
    super(
      `the approval for incident ${incidentKey} is already ${decision.status}${decision.decidedBy ? ` by ${decision.decidedBy}` : ''}${decision.decidedAt ? ` at ${decision.decidedAt}` : ''}; nothing sent`,
      incidentKey,
    );
  }
}

/**
 * The wait is over: Step Functions timed the task out (the safe default ran: nothing done) or
 * the execution ended. `TaskTimedOut`, `InvalidToken` and `TaskDoesNotExist` all land here.
 */
export class ApprovalExpiredError extends ApprovalError {
  constructor(
    incidentKey: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the approval for incident ${incidentKey} can no longer be decided: ${reason}; nothing was done (the safe default)`, incidentKey, options);
  }
}

/**
 * What the state machine sees as the `Error` of a denied approval (SendTaskFailure `error`):
 * the ASL catches exactly this name.
 */
export const APPROVAL_DENIED_ERROR = 'ApprovalDenied';

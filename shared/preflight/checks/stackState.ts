/**
 * Check: stack state. CloudFormation refuses to start a deploy from some states; this names
 * the state, what it means and the exact way out, before CI finds out the slow way.
 */
import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import type { Finding, PreflightCheck, PreflightContext, Severity } from '../types';

interface StateRule {
  severity: Severity;
  message: string;
  fix: (cmd: Commands, failed: string[]) => string;
}

interface Commands {
  /** `--stack-name NAME --region R` */
  args: string;
}

const WAIT = (c: Commands) =>
  `wait until it finishes (aws cloudformation describe-stacks ${c.args} --query 'Stacks[0].StackStatus'), then run medic preflight again`;
const waitFor = (waiter: string) => (c: Commands) => `aws cloudformation wait ${waiter} ${c.args}, then run medic preflight again`;
const DELETE = (c: Commands) => `aws cloudformation delete-stack ${c.args} && aws cloudformation wait stack-delete-complete ${c.args}`;
const deleteRetaining = (c: Commands, failed: string[]) =>
  failed.length === 0
    ? DELETE(c)
    : `remove what blocks the deletion of ${failed.join(', ')} (see orphans: often an ENI still in use or a non-empty bucket) and run ${DELETE(c)}; ` +
      `or keep them and delete the rest: aws cloudformation delete-stack ${c.args} --retain-resources ${failed.join(' ')}`;

/** Every StackStatus CloudFormation documents that needs something before a deploy. */
const STATES: Record<string, StateRule> = {
  ROLLBACK_COMPLETE: {
    severity: 'blocking',
    message: 'the first create of this stack failed and was rolled back: a stack in ROLLBACK_COMPLETE cannot be updated, only deleted',
    fix: (c) => `${DELETE(c)}, then deploy again`,
  },
  ROLLBACK_FAILED: {
    severity: 'blocking',
    message: 'the first create failed and its rollback failed too: the stack can only be deleted',
    fix: deleteRetaining,
  },
  DELETE_FAILED: {
    severity: 'blocking',
    message: 'a delete of this stack failed: it cannot be updated, only deleted again',
    fix: deleteRetaining,
  },
  UPDATE_ROLLBACK_FAILED: {
    severity: 'blocking',
    message: 'an update failed and so did its rollback: nothing can be deployed until the rollback is continued',
    fix: (c, failed) =>
      `aws cloudformation continue-update-rollback ${c.args}` +
      (failed.length ? ` (if a resource cannot be rolled back, after fixing or checking it by hand: --resources-to-skip ${failed.join(' ')})` : ''),
  },
  IMPORT_ROLLBACK_FAILED: {
    severity: 'blocking',
    message: 'an import failed and so did its rollback',
    fix: (c, failed) => `read the failure: aws cloudformation describe-stack-events ${c.args}; then ${deleteRetaining(c, failed)}`,
  },
  CREATE_FAILED: {
    severity: 'warning',
    message: 'the create failed with rollback disabled (resources that were created are kept): the next deploy retries the create from there',
    fix: (c) => `to start over instead: ${DELETE(c)}`,
  },
  UPDATE_FAILED: {
    severity: 'warning',
    message: 'the last update failed with rollback disabled: the next deploy retries it from there',
    fix: (c) => `to go back to the last good state instead: aws cloudformation rollback-stack ${c.args}`,
  },
  REVIEW_IN_PROGRESS: {
    severity: 'warning',
    message: 'the stack was created by a change set that was never executed: deploys through change sets work, a plain create-stack fails',
    fix: (c) => `to start over: ${DELETE(c)}`,
  },
  CREATE_IN_PROGRESS: { severity: 'blocking', message: 'a create is in progress', fix: waitFor('stack-create-complete') },
  UPDATE_IN_PROGRESS: {
    severity: 'blocking',
    message: 'an update is in progress',
    fix: (c) => `${waitFor('stack-update-complete')(c)}; if it is stuck (an ECS service that never stabilizes): aws cloudformation cancel-update-stack ${c.args}`,
  },
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: { severity: 'blocking', message: 'an update is removing replaced resources', fix: waitFor('stack-update-complete') },
  DELETE_IN_PROGRESS: { severity: 'blocking', message: 'a delete is in progress', fix: waitFor('stack-delete-complete') },
  IMPORT_IN_PROGRESS: { severity: 'blocking', message: 'an import is in progress', fix: waitFor('stack-import-complete') },
  ROLLBACK_IN_PROGRESS: { severity: 'blocking', message: 'a failed create is rolling back (it will end in ROLLBACK_COMPLETE, which must be deleted)', fix: WAIT },
  UPDATE_ROLLBACK_IN_PROGRESS: { severity: 'blocking', message: 'a failed update is rolling back', fix: WAIT },
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: { severity: 'blocking', message: 'a rolled-back update is removing new resources', fix: WAIT },
  IMPORT_ROLLBACK_IN_PROGRESS: { severity: 'blocking', message: 'a failed import is rolling back', fix: WAIT },
};

/** States a deploy starts from as it is. */
const READY = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

async function failedResources(context: PreflightContext): Promise<string[]> {
  let resources: StackResourceSummary[];
  try {
    resources = await context.stackResources();
  } catch {
    return []; // the fix then names no resources; the state itself is still reported
  }
  return resources.filter((r) => r.ResourceStatus?.endsWith('_FAILED')).map((r) => r.LogicalResourceId ?? '?');
}

export const stackStateCheck: PreflightCheck = {
  name: 'stack-state',
  summary: 'DescribeStacks: a stack in a state a deploy cannot start from (ROLLBACK_COMPLETE, *_IN_PROGRESS, DELETE_FAILED, UPDATE_ROLLBACK_FAILED)',
  iamActions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
  needsTemplate: false,

  async run(context) {
    const stack = await context.stack();
    const resource = context.stackName;
    if (stack === undefined) {
      return [{ id: 'stack-state.new', severity: 'info', resource, message: `stack ${context.stackName} does not exist in ${context.region}: the deploy creates it`, fix: '' }];
    }
    const status = stack.StackStatus ?? 'UNKNOWN';
    const reason = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : '';
    if (READY.has(status)) {
      return [{ id: 'stack-state.ready', severity: 'info', resource, message: `stack ${context.stackName} is ${status}: a deploy can start`, fix: '' }];
    }
    const rule = STATES[status];
    const commands = { args: `--stack-name ${context.stackName} --region ${context.region}` };
    if (rule === undefined) {
      return [{ id: 'stack-state.unknown', severity: 'warning', resource, message: `stack ${context.stackName} is ${status}${reason}, a state preflight does not know`, fix: `aws cloudformation describe-stack-events ${commands.args}` }];
    }
    // The resources that failed are what the way out names (retain, skip): only for *_FAILED states.
    const failed = rule.severity === 'blocking' && status.endsWith('_FAILED') ? await failedResources(context) : [];
    const finding: Finding = {
      id: `stack-state.${status.toLowerCase().replaceAll('_', '-')}`,
      severity: rule.severity,
      resource,
      message: `stack ${context.stackName} is ${status}${reason}: ${rule.message}${failed.length ? `; failed resources: ${failed.join(', ')}` : ''}`,
      fix: rule.fix(commands, failed),
    };
    return [finding];
  },
};

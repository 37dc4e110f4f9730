/**
 * Check: permissions. Asks IAM's policy simulator (SimulatePrincipalPolicy) whether the
 * principal CI deploys with may start the deploy (cloudformation:CreateStack / UpdateStack)
 * and whether whoever creates the resources — the caller, or the stack's service role when
 * it has one — may create what the template declares. A denied action is a warning (the
 * simulator does not see resource policies, and conditions it cannot evaluate deny); when
 * the simulator itself cannot be asked, the finding says "could not check", never "allowed".
 */
import { paginateSimulatePrincipalPolicy, GetRoleCommand, type ContextEntry } from '@aws-sdk/client-iam';
import { describeError } from '../awsErrors';
import { pseudoParameters } from '../context';
import { neededActions, type NeededAction } from '../createActions';
import type { CallerIdentity, Finding, PreflightCheck, PreflightContext } from '../types';

type Principal = { arn: string; note?: string } | { unsupported: string };

/**
 * The IAM principal behind an STS identity: an assumed-role session maps to its role (whose
 * path only GetRole knows), a user to itself.
 *
 * @example
 * await principalOf({ arn: 'arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-42', ... }, context);
 * // { arn: 'arn:aws:iam::111122223333:role/ci/ci-deploy' }
 */
export async function principalOf(me: CallerIdentity, context: PreflightContext): Promise<Principal> {
  const [, partition, service, , account, resource = ''] = me.arn.split(':');
  if (resource === 'root') return { unsupported: 'the caller is the root user, which the simulator cannot evaluate (and which may do everything)' };
  if (service === 'iam' && /^(user|role)\//.test(resource)) return { arn: me.arn };
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const roleName = resource.split('/')[1]!;
    try {
      const role = await context.clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
      if (role.Role?.Arn) return { arn: role.Role.Arn };
    } catch {
      // Without iam:GetRole the path is unknown; most roles have none.
    }
    return { arn: `arn:${partition}:iam::${account}:role/${roleName}`, note: 'role path unknown (no iam:GetRole): assumed /' };
  }
  // moto answers GetCallerIdentity with arn:aws:sts::ACCOUNT:user/NAME.
  if (service === 'sts' && resource.startsWith('user/')) return { arn: `arn:${partition}:iam::${account}:${resource}` };
  return { unsupported: `the simulator cannot evaluate ${me.arn} (federated user or unknown principal type)` };
}

interface Denied {
  action: string;
  resourceArn: string;
  decision: string;
  neededBy: string[];
  by?: string;
}

async function simulate(context: PreflightContext, principalArn: string, wanted: NeededAction[]): Promise<{ denied: Denied[]; allowed: Set<string> }> {
  const denied: Denied[] = [];
  const allowed = new Set<string>();
  // One simulation per resource ARN; global (IAM) actions without the region context key.
  const groups = new Map<string, NeededAction[]>();
  for (const w of wanted) {
    const key = `${w.resourceArn}|${w.action.startsWith('iam:') ? 'global' : 'regional'}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  for (const [key, items] of groups) {
    const [resourceArn, scope] = key.split('|') as [string, string];
    const ContextEntries: ContextEntry[] =
      scope === 'regional' ? [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: [context.region] }] : [];
    const actions = [...new Set(items.map((i) => i.action))];
    const input = { PolicySourceArn: principalArn, ActionNames: actions, ResourceArns: [resourceArn], ContextEntries };
    for await (const page of paginateSimulatePrincipalPolicy({ client: context.clients.iam }, input)) {
      for (const r of page.EvaluationResults ?? []) {
        const action = r.EvalActionName ?? '?';
        if (!actions.includes(action)) continue; // only answers to what was asked
        if (r.EvalDecision === 'allowed') {
          allowed.add(action);
          continue;
        }
        const by = r.MatchedStatements?.map((s) => s.SourcePolicyId).filter(Boolean).join(', ');
        denied.push({
          action,
          resourceArn,
          decision: r.EvalDecision ?? 'denied',
          neededBy: [...new Set(items.filter((i) => i.action === action).map((i) => i.neededBy))],
          ...(by ? { by } : {}),
        });
      }
    }
  }
  return { denied, allowed };
}

function deniedFinding(d: Denied, who: string, principalArn: string): Finding {
  const star = d.resourceArn === '*' ? '; simulated on resource * because the name is generated at deploy time, so a policy scoped to specific ARNs shows as denied here' : '';
  return {
    id: 'permissions.denied',
    severity: 'warning',
    resource: d.neededBy.join(', '),
    message: `${who} may not ${d.action} on ${d.resourceArn} (${d.decision}${d.by ? ` by ${d.by}` : ''}), needed by ${d.neededBy.join(', ')}${star}`,
    fix: `allow ${d.action} on ${d.resourceArn} in a policy of ${principalArn}${d.decision === 'explicitDeny' ? `, and remove the explicit deny${d.by ? ` in ${d.by}` : ''}` : ''}`,
  };
}

export const permissionsCheck: PreflightCheck = {
  name: 'permissions',
  summary: 'iam:SimulatePrincipalPolicy for the deploying principal (or the stack service role) on the create actions the template needs',
  iamActions: ['iam:SimulatePrincipalPolicy', 'iam:GetRole', 'cloudformation:DescribeStacks'],
  needsTemplate: false,

  async run(context) {
    const me = await context.identity();
    const pseudo = await pseudoParameters(context);
    const stack = await context.stack();
    const principal = await principalOf(me, context);
    if ('unsupported' in principal) {
      return [{ id: 'permissions.not-checked', severity: 'info', resource: me.arn, message: `could not check permissions: ${principal.unsupported}`, fix: '' }];
    }

    const stackArn = `arn:${pseudo.partition}:cloudformation:${context.region}:${pseudo.accountId}:stack/${context.stackName}/*`;
    const start: NeededAction = { action: stack ? 'cloudformation:UpdateStack' : 'cloudformation:CreateStack', resourceArn: stackArn, neededBy: context.stackName };
    const { needed, unmapped } = context.template ? neededActions(context.template, pseudo) : { needed: [], unmapped: [] };
    // CloudFormation creates resources with the stack's service role when it has one; the caller then only needs to pass it.
    const serviceRole = stack?.RoleARN;
    const callerWants = [start, ...(serviceRole ? [{ action: 'iam:PassRole', resourceArn: serviceRole, neededBy: context.stackName }] : needed)];

    const findings: Finding[] = [];
    const checked: string[] = [];
    const runFor = async (arn: string, who: string, wants: NeededAction[]) => {
      if (wants.length === 0) return;
      try {
        const { denied, allowed } = await simulate(context, arn, wants);
        findings.push(...denied.map((d) => deniedFinding(d, who, arn)));
        checked.push(`${allowed.size} of ${new Set(wants.map((w) => w.action)).size} actions allowed for ${who}`);
      } catch (error) {
        findings.push({
          id: 'permissions.not-checked',
          severity: 'info',
          resource: arn,
          message: `could not check the permissions of ${who}: iam:SimulatePrincipalPolicy failed (${describeError(error)})`,
          fix: `allow iam:SimulatePrincipalPolicy on ${arn} for the CI role to have them checked`,
        });
      }
    };
    const callerLabel = `${principal.arn}${principal.note ? ` (${principal.note})` : ''}`;
    await runFor(principal.arn, callerLabel, callerWants);
    if (serviceRole && needed.length) await runFor(serviceRole, `the stack's service role ${serviceRole}`, needed);

    if (checked.length) {
      findings.push({ id: 'permissions.simulated', severity: 'info', message: `${checked.join('; ')} (IAM policy simulator)`, fix: '' });
    }
    if (!context.template) {
      findings.push({ id: 'permissions.no-template', severity: 'info', message: 'no --template: only the permission to start the deploy was checked', fix: '' });
    }
    if (unmapped.length) {
      findings.push({
        id: 'permissions.unmapped',
        severity: 'info',
        message: `create permissions not simulated for ${unmapped.join(', ')} (no action map for these types)`,
        fix: '',
      });
    }
    return findings;
  },
};

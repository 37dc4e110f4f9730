/**
 * Check: credentials. Who CI is about to deploy as, in which account. Nothing else can be
 * checked without working credentials, so a failure here stops the run (the check is a gate).
 */
import { describeError } from '../awsErrors';
import type { Finding, PreflightCheck } from '../types';

export const credentialsCheck: PreflightCheck = {
  name: 'credentials',
  summary: 'STS GetCallerIdentity: the account and role CI is about to deploy with',
  // sts:GetCallerIdentity needs no permission: it works for any valid credentials.
  iamActions: [],
  needsTemplate: false,
  gate: true,

  async run(context) {
    let me;
    try {
      me = await context.identity();
    } catch (error) {
      return [
        {
          id: 'credentials.unavailable',
          severity: 'blocking',
          message: `no working AWS credentials: STS GetCallerIdentity failed (${describeError(error)})`,
          fix: 'give the CI job credentials for the target account (GitHub Actions: aws-actions/configure-aws-credentials with role-to-assume), or check AWS_PROFILE / AWS_ACCESS_KEY_ID',
        },
      ];
    }
    const findings: Finding[] = [
      {
        id: 'credentials.caller',
        severity: 'info',
        resource: me.arn,
        message: `deploying stack ${context.stackName} to account ${me.account} in ${context.region} as ${me.arn}`,
        fix: '',
      },
    ];
    if (/:root$/.test(me.arn)) {
      findings.push({
        id: 'credentials.root',
        severity: 'warning',
        resource: me.arn,
        message: `CI is using the root user of account ${me.account}: every action is allowed and nothing is attributable`,
        fix: 'deploy with a dedicated IAM role (for GitHub Actions: an OIDC role assumed with aws-actions/configure-aws-credentials) and delete the root access keys',
      });
    }
    return findings;
  },
};

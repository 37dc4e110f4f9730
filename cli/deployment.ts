/**
 * Where a deployed deploy-medic is: the ARNs `medic rollback / status / incidents` need,
 * from a flag, the environment, or the stack's CloudFormation outputs (`serverless deploy`
 * names the stack `deploy-medic-<stage>`).
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UsageError } from './usage';

export type DeploymentOutput = 'RemediationStateMachineArn' | 'EmergencyRollbackStateMachineArn' | 'LedgerTableName';

const ENV: Record<DeploymentOutput, string> = {
  RemediationStateMachineArn: 'MEDIC_REMEDIATION_STATE_MACHINE_ARN',
  EmergencyRollbackStateMachineArn: 'MEDIC_EMERGENCY_STATE_MACHINE_ARN',
  LedgerTableName: 'MEDIC_LEDGER_TABLE',
};

/** The flag that overrides each output on the command line. */
const FLAG: Record<DeploymentOutput, string> = {
  RemediationStateMachineArn: '--state-machine-arn',
  EmergencyRollbackStateMachineArn: '--state-machine-arn',
  LedgerTableName: '--table',
};

/**
 * @example
 * await deploymentOutput(cloudformation, 'EmergencyRollbackStateMachineArn', { stage: 'prod' });
 */
export async function deploymentOutput(
  cloudformation: CloudFormationClient,
  output: DeploymentOutput,
  options: { stage: string; explicit?: string | undefined },
): Promise<string> {
  if (options.explicit) return options.explicit;
  const fromEnv = process.env[ENV[output]];
  if (fromEnv) return fromEnv;
  const stackName = `deploy-medic-${options.stage}`;
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const value = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === output)?.OutputValue;
    if (value) return value;
  } catch (error) {
    throw new UsageError(`cannot find deploy-medic stage "${options.stage}" (stack ${stackName}): ${(error as Error).message}; pass ${FLAG[output]} or set ${ENV[output]}`);
  }
  throw new UsageError(`stack ${stackName} has no output ${output}: pass ${FLAG[output]} or set ${ENV[output]}`);
}

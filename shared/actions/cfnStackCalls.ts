/** CloudFormation reads the stack actions share, each transient-aware. */
import { type CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand, type Stack, type StackResource } from '@aws-sdk/client-cloudformation';
import { transientAware } from '../aws/transient';
import { RemediationError } from '../errors';

export async function describeStack(cloudformation: CloudFormationClient, stackId: string): Promise<Stack> {
  const out = await transientAware('DescribeStacks', () => cloudformation.send(new DescribeStacksCommand({ StackName: stackId })));
  const stack = out.Stacks?.[0];
  if (stack === undefined) throw new RemediationError(`stack ${stackId} not found`);
  return stack;
}

export async function stackResources(cloudformation: CloudFormationClient, stackId: string): Promise<StackResource[]> {
  const out = await transientAware('DescribeStackResources', () => cloudformation.send(new DescribeStackResourcesCommand({ StackName: stackId })));
  return out.StackResources ?? [];
}

/**
 * The context every check runs in: the stack, the region, the template, the clients, and
 * the three look-ups most checks share (who we are, the stack, its resources), each made
 * once however many checks ask.
 */
import { DescribeStacksCommand, paginateListStackResources, type Stack, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { errorName } from './awsErrors';
import type { PreflightClients } from './clients';
import type { PseudoParameters } from './literal';
import type { Template } from './template';
import type { CallerIdentity, PreflightContext } from './types';

export interface PreflightContextOptions {
  stackName: string;
  region: string;
  template?: Template;
  clients: PreflightClients;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

/**
 * @example
 * const context = createPreflightContext({ stackName: 'orders', region: 'eu-west-1', template, clients: createPreflightClients({ region: 'eu-west-1' }) });
 * const report = await runPreflight(context);
 */
export function createPreflightContext({ stackName, region, template, clients }: PreflightContextOptions): PreflightContext {
  const identity = once(async (): Promise<CallerIdentity> => {
    const out = await clients.sts.send(new GetCallerIdentityCommand({}));
    const arn = out.Arn ?? '';
    return { account: out.Account ?? '', arn, userId: out.UserId ?? '', partition: arn.split(':')[1] || 'aws' };
  });
  const stack = once(async (): Promise<Stack | undefined> => {
    try {
      const out = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
      return out.Stacks?.[0];
    } catch (error) {
      // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
      if (errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
      throw error;
    }
  });
  const stackResources = once(async (): Promise<StackResourceSummary[]> => {
    const current = await stack();
    if (current === undefined) return [];
    const all: StackResourceSummary[] = [];
    for await (const page of paginateListStackResources({ client: clients.cloudformation }, { StackName: current.StackId ?? stackName })) {
      all.push(...(page.StackResourceSummaries ?? []));
    }
    return all;
  });
  return { stackName, region, ...(template ? { template } : {}), clients, identity, stack, stackResources };
}

/** The pseudo parameters of this deploy, for resolving `!Sub '${AWS::StackName}-...'`. */
export async function pseudoParameters(context: PreflightContext): Promise<PseudoParameters> {
  const me = await context.identity();
  return { stackName: context.stackName, region: context.region, accountId: me.account, partition: me.partition };
}

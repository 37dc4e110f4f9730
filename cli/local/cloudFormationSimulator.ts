/**
 * moto's CloudFormation cannot fail a delete: it has no DELETE_FAILED state and raises no
 * DependencyViolation. This stands in for CloudFormation's delete, for stacks it is given,
 * over moto's REAL EC2 and RDS state: DeleteStack deletes each resource in moto unless
 * something still depends on it - an ENI in the security group, a rule in another group
 * referencing it, a DB instance in the subnet group - exactly as CloudFormation would refuse,
 * with AWS's own wording (test/fixtures/texts/cfn-status-reasons.json); RetainResources keeps
 * a resource and drops it from the stack.
 *
 * Every EC2/RDS write the product makes (deleting an ENI, revoking a rule) goes to moto for
 * real, so a retried delete succeeds only if the cleanup really freed the resource. Used by
 * `medic demo` and the end-to-end tests, never by the product.
 */
import {
  type CloudFormationClient,
  type DeleteStackCommandInput,
  type Stack,
  type StackEvent,
  type StackResource,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { DeleteSecurityGroupCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DeleteDBSubnetGroupCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';

export interface SimulatedResource {
  logicalId: string;
  type: 'AWS::EC2::SecurityGroup' | 'AWS::RDS::DBSubnetGroup';
  physicalId: string;
}

interface SimulatedStack {
  stackId: string;
  stackName: string;
  status: string;
  reason?: string;
  tags: Tag[];
  resources: Array<SimulatedResource & { status: string; reason?: string }>;
  events: StackEvent[];
}

export class CloudFormationSimulator {
  private readonly stacks = new Map<string, SimulatedStack>();
  private requests = 0;

  constructor(
    private readonly ec2: EC2Client,
    private readonly rds: RDSClient,
  ) {}

  /** A stack as CloudFormation shows it once its first delete attempt failed. */
  async addStack(stack: { stackId: string; stackName: string; tags: Tag[]; resources: SimulatedResource[] }): Promise<void> {
    this.stacks.set(stack.stackId, { ...stack, status: 'DELETE_IN_PROGRESS', resources: stack.resources.map((r) => ({ ...r, status: 'CREATE_COMPLETE' })), events: [] });
    await this.delete(stack.stackId, []);
  }

  /** Answers the stack calls for simulated stacks; everything else goes to moto. */
  attach(cloudformation: CloudFormationClient): CloudFormationClient {
    cloudformation.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { StackName?: string };
        const stack = input.StackName ? this.find(input.StackName) : undefined;
        if (stack === undefined) return next(args);
        return { output: await this.answer(context.commandName ?? '', stack, args.input as DeleteStackCommandInput), response: {} } as never;
      },
      { step: 'initialize', name: 'cloudFormationSimulator', priority: 'high' },
    );
    return cloudformation;
  }

  private find(name: string): SimulatedStack | undefined {
    return this.stacks.get(name) ?? [...this.stacks.values()].find((s) => s.stackName === name);
  }

  private async answer(command: string, stack: SimulatedStack, input: DeleteStackCommandInput): Promise<unknown> {
    const meta = { $metadata: { httpStatusCode: 200 } };
    switch (command) {
      case 'DescribeStacksCommand':
        return { ...meta, Stacks: [this.describe(stack)] };
      case 'DescribeStackResourcesCommand':
        return {
          ...meta,
          StackResources: stack.resources.map(
            (r): StackResource => ({
              StackId: stack.stackId,
              StackName: stack.stackName,
              LogicalResourceId: r.logicalId,
              PhysicalResourceId: r.physicalId,
              ResourceType: r.type,
              ResourceStatus: r.status as StackResource['ResourceStatus'],
              ...(r.reason ? { ResourceStatusReason: r.reason } : {}),
              Timestamp: new Date(),
            }),
          ),
        };
      case 'DescribeStackEventsCommand':
        return { ...meta, StackEvents: [...stack.events].reverse() };
      case 'DeleteStackCommand':
        await this.delete(stack.stackId, input.RetainResources ?? []);
        return meta;
      default:
        throw new Error(`the CloudFormation simulator does not answer ${command}`);
    }
  }

  private describe(stack: SimulatedStack): Stack {
    return {
      StackId: stack.stackId,
      StackName: stack.stackName,
      StackStatus: stack.status as Stack['StackStatus'],
      ...(stack.reason ? { StackStatusReason: stack.reason } : {}),
      CreationTime: new Date('2025-03-14T08:00:00Z'),
      Tags: stack.tags,
    };
  }

  /** CloudFormation's delete: each resource goes, unless something depends on it. */
  private async delete(stackId: string, retain: readonly string[]): Promise<void> {
    const stack = this.stacks.get(stackId);
    if (stack === undefined) return;
    this.event(stack, stack.stackName, 'AWS::CloudFormation::Stack', stackId, 'DELETE_IN_PROGRESS', 'User Initiated');
    for (const resource of stack.resources) {
      if (resource.status === 'DELETE_COMPLETE') continue;
      if (retain.includes(resource.logicalId)) {
        resource.status = 'DELETE_SKIPPED';
        this.event(stack, resource.logicalId, resource.type, resource.physicalId, 'DELETE_SKIPPED');
        continue;
      }
      const dependent = await this.dependentOf(resource);
      if (dependent === undefined) {
        if (resource.type === 'AWS::EC2::SecurityGroup') await this.ec2.send(new DeleteSecurityGroupCommand({ GroupId: resource.physicalId }));
        else await this.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: resource.physicalId }));
        resource.status = 'DELETE_COMPLETE';
        delete resource.reason;
      } else {
        resource.status = 'DELETE_FAILED';
        resource.reason = dependent;
      }
      this.event(stack, resource.logicalId, resource.type, resource.physicalId, resource.status, resource.reason);
    }
    const failed = stack.resources.filter((r) => r.status === 'DELETE_FAILED').map((r) => r.logicalId);
    stack.status = failed.length > 0 ? 'DELETE_FAILED' : 'DELETE_COMPLETE';
    if (failed.length > 0) stack.reason = `The following resource(s) failed to delete: [${failed.join(', ')}]. `;
    else delete stack.reason;
    this.event(stack, stack.stackName, 'AWS::CloudFormation::Stack', stackId, stack.status, stack.reason);
  }

  /** What CloudFormation would quote when the delete of this resource fails, if anything. */
  private async dependentOf(resource: SimulatedResource): Promise<string | undefined> {
    const requestId = () => `5f0e${String(++this.requests).padStart(4, '0')}-3c1a-4d2b-9e8f-0a1b2c3d4e5f`;
    if (resource.type === 'AWS::EC2::SecurityGroup') {
      const [enis, ingress, egress] = await Promise.all([
        this.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [resource.physicalId] }] })),
        this.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.group-id', Values: [resource.physicalId] }] })),
        this.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'egress.ip-permission.group-id', Values: [resource.physicalId] }] })),
      ]);
      const referencing = [...(ingress.SecurityGroups ?? []), ...(egress.SecurityGroups ?? [])].filter((g) => g.GroupId !== resource.physicalId);
      if ((enis.NetworkInterfaces ?? []).length > 0 || referencing.length > 0) {
        return `resource ${resource.physicalId} has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: ${requestId()}; Proxy: null)`;
      }
      return undefined;
    }
    const instances = await this.rds.send(new DescribeDBInstancesCommand({}));
    const user = (instances.DBInstances ?? []).find((db) => db.DBSubnetGroup?.DBSubnetGroupName === resource.physicalId);
    return user
      ? `Cannot delete the subnet group '${resource.physicalId}' because at least one database instance: ${user.DBInstanceIdentifier ?? ''} is still using it.`
      : undefined;
  }

  private event(stack: SimulatedStack, logicalId: string, type: string, physicalId: string, status: string, reason?: string): void {
    stack.events.push({
      StackId: stack.stackId,
      StackName: stack.stackName,
      EventId: `${logicalId}-${status}-${stack.events.length}`,
      LogicalResourceId: logicalId,
      PhysicalResourceId: physicalId,
      ResourceType: type,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ...(reason ? { ResourceStatusReason: reason } : {}),
      Timestamp: new Date(Date.now() + stack.events.length),
    });
  }
}

/**
 * The DELETE_FAILED cleanup model: what a stack owns (its scope), what blocks each resource
 * that failed to delete (the blocker graph), and what the planner will do about each blocker.
 */

/** The failed stack and everything proven to belong to it. */
export interface StackScope {
  stackId: string;
  stackName: string;
  /** DescribeStackResources: logical id, physical id, type, status. */
  resources: ReadonlyArray<{ logicalId: string; physicalId?: string | undefined; type: string; status: string }>;
}

/** Who made (and holds) a network interface, from its InterfaceType, RequesterId and Description. */
export type EniOwner = 'lambda' | 'elb' | 'rds' | 'ecs' | 'ec2-instance' | 'nat-gateway' | 'vpc-endpoint' | 'efs' | 'unknown';

export interface EniFact {
  id: string;
  /** `available` (detached) or `in-use` (attached), as EC2 reports it. */
  status: string;
  owner: EniOwner;
  description: string;
  groupIds: string[];
  /** The ENI's own tags: a stack-id tag proves it belongs to the stack. */
  tags: Record<string, string>;
}

/** A rule in another security group that references the stack's group (that keeps it alive). */
export interface SecurityGroupReference {
  /** The group holding the rule. */
  groupId: string;
  direction: 'ingress' | 'egress';
  protocol: string;
  fromPort?: number | undefined;
  toPort?: number | undefined;
  /** The referenced group (the stack's). */
  referencedGroupId: string;
  /** The holder group's tags. */
  tags: Record<string, string>;
}

export type Blocker =
  | { kind: 'eni'; eni: EniFact }
  | { kind: 'sg-reference'; reference: SecurityGroupReference }
  | { kind: 'db-instance'; id: string; status?: string | undefined }
  | { kind: 'db-cluster'; id: string; status?: string | undefined }
  | { kind: 'bucket-not-empty'; bucket: string }
  | { kind: 'unknown'; reason: string };

/** One resource that failed to delete, and what keeps it. */
export interface BlockedResource {
  logicalId: string;
  physicalId: string;
  type: string;
  /** The resource's own failure reason from the stack events. */
  reason?: string | undefined;
  blockers: Blocker[];
}

/** A write the planner allows, and the proof that allows it (the safety invariant, in words). */
export type CleanupStep =
  | { kind: 'delete-eni'; target: string; forResource: string; proof: string }
  | {
      kind: 'revoke-reference';
      target: string;
      forResource: string;
      proof: string;
      reference: SecurityGroupReference;
    };

/** A blocker the planner leaves alone, and what a human would do about it. */
export interface CleanupSkip {
  target: string;
  forResource: string;
  reason: string;
  fix?: string;
}

/** A blocker that goes away on its own (a Lambda-managed ENI): wait and retry, do not touch. */
export interface CleanupWait {
  target: string;
  forResource: string;
  reason: string;
}

export interface CleanupPlan {
  steps: CleanupStep[];
  waits: CleanupWait[];
  skips: CleanupSkip[];
  /** Logical ids that cannot be freed safely: a delete retaining them is the fallback. */
  unresolvable: string[];
}

export interface CleanupPolicy {
  /**
   * Revoke rules in security groups outside the stack that reference the stack's group.
   * Off by default: that writes to a resource the stack does not own.
   */
  revokeExternalReferences: boolean;
  /**
   * `MEDIC_PROTECTED` patterns: a blocker whose physical id matches, or that carries the tag
   * `deploy-medic:protected=true`, is reported and never touched.
   */
  protected: readonly string[];
}

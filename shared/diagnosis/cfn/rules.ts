/**
 * The CloudFormation cause rules: a registry, like the ECS one. A rule matches the
 * `ResourceStatusReason` of a stack event (or a stack's `StackStatusReason`), optionally only
 * for some resource types or statuses, because "is in use" from EC2 and from RDS mean
 * different blockers.
 */
import type { CfnCategory } from '../../taxonomy';

export interface CfnSignal {
  /** `ResourceStatusReason` of a resource event, or `StackStatusReason` of the stack. */
  text: string;
  /** `AWS::EC2::SecurityGroup` ... (absent for stack-level reasons). */
  resourceType?: string;
  /** `DELETE_FAILED`, `CREATE_FAILED`, `UPDATE_FAILED` ... */
  status?: string;
  logicalResourceId?: string;
  physicalResourceId?: string;
}

export interface CfnRule {
  id: string;
  category: CfnCategory;
  pattern: RegExp;
  /** Only for these resource types (any when absent). */
  resourceTypes?: readonly string[];
  /** Only for these statuses (any when absent). */
  statuses?: readonly string[];
  confidence: number;
  summary: (signal: CfnSignal) => string;
  /** Where the wording comes from (AWS docs or a real report). */
  source: string;
}

const what = (s: CfnSignal) => (s.logicalResourceId ? `${s.logicalResourceId} (${s.resourceType ?? 'resource'})` : 'the stack');

export const CFN_RULES: readonly CfnRule[] = [
  {
    id: 'cascade-cancelled',
    category: 'CASCADE_CANCELLED',
    pattern: /^Resource (creation|update) cancelled\.?$/i,
    confidence: 0.95,
    summary: (s) => `${what(s)} was cancelled because another resource failed first`,
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html',
  },
  {
    id: 'dependency-violation',
    category: 'DEPENDENCY_VIOLATION',
    pattern: /DependencyViolation|has a dependent object|has dependencies and cannot be deleted/i,
    confidence: 0.9,
    summary: (s) => `${what(s)} cannot be deleted while something still depends on it`,
    source: 'https://repost.aws/knowledge-center/cloudformation-stack-delete-failed',
  },
];

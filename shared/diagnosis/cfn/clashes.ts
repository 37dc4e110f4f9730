/**
 * The creates of a stack's latest operation that failed because a name was already taken
 * (ALREADY_EXISTS), each with the name the error quoted when it quoted one.
 */
import type { Clash } from '../../cleanup/clashingOrphans';
import { classifyEvent, findRootCause } from './rootCause';
import type { StackEvent } from './stackEvents';

/** `The security group 'acme-db' already exists for VPC ...`, `DB Subnet Group 'x' already exists`. */
const QUOTED_NAME = /'([^']+)' already exists/;

/**
 * @example
 * clashesOf(events, stackId); // [{ logicalId: 'WorkerLogGroup', type: 'AWS::Logs::LogGroup', name: '/ecs/checkout-worker', ownerStack: 'arn:...:stack/checkout-api/...' }]
 */
export function clashesOf(events: readonly StackEvent[], stackId: string): Clash[] {
  const { failures } = findRootCause(events, { stackId });
  return failures.flatMap((event) => {
    const classification = classifyEvent(event);
    if (classification.category !== 'ALREADY_EXISTS' || !event.LogicalResourceId || !event.ResourceType) return [];
    const facts = classification.facts ?? {};
    const name = facts.name ?? QUOTED_NAME.exec(event.ResourceStatusReason ?? '')?.[1];
    return [{ logicalId: event.LogicalResourceId, type: event.ResourceType, ...(name ? { name } : {}), ...(facts.ownerStack ? { ownerStack: facts.ownerStack } : {}) }];
  });
}

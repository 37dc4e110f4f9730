/**
 * Turns untrusted input (a Lambda payload, a file given to the CLI) into a typed event,
 * or throws an error that says exactly what is wrong. Nothing downstream sees an
 * unvalidated event.
 */
import { EventBridgeSchema } from './eventBridgeEnvelope';
import type * as z from '../validation/zod';
import { InvalidEventError, quoteInput, UnsupportedEventError } from '../errors';
import { CFN_RESOURCE_STATUS_CHANGE, type CfnResourceStatusChangeEvent, CfnResourceStatusChangeSchema } from './cfnResourceStatusChange';
import { CFN_STACK_STATUS_CHANGE, type CfnStackStatusChangeEvent, CfnStackStatusChangeSchema } from './cfnStackStatusChange';
import { ECS_DEPLOYMENT_STATE_CHANGE, type EcsDeploymentStateChangeEvent, EcsDeploymentStateChangeSchema } from './ecsDeploymentStateChange';
import { ECS_SERVICE_ACTION, type EcsServiceActionEvent, EcsServiceActionSchema } from './ecsServiceAction';
import { ECS_TASK_STATE_CHANGE, type EcsTaskStateChangeEvent, EcsTaskStateChangeSchema } from './ecsTaskStateChange';

export type EventBridgeEnvelope = z.infer<typeof EventBridgeSchema>;

export type MedicEvent =
  | { kind: 'ecs-task-state-change'; event: EcsTaskStateChangeEvent }
  | { kind: 'ecs-deployment-state-change'; event: EcsDeploymentStateChangeEvent }
  | { kind: 'ecs-service-action'; event: EcsServiceActionEvent }
  | { kind: 'cfn-stack-status-change'; event: CfnStackStatusChangeEvent }
  | { kind: 'cfn-resource-status-change'; event: CfnResourceStatusChangeEvent }
  /**
   * A detail-type this system knows about but does not diagnose yet: it answers UNKNOWN.
   * (No registered detail-type is in this state today; the kind stays for the next one.)
   */
  | { kind: 'not-yet-diagnosed'; event: EventBridgeEnvelope };

/**
 * The detail-types deploy-medic reads (DESIGN.md 4.2). Adding one is one entry here.
 * Entries whose schema is `null` are accepted and answered with an honest UNKNOWN.
 */
const EVENT_REGISTRY: Record<string, { source: string; parse: ((raw: unknown) => MedicEvent) | null }> = {
  [ECS_TASK_STATE_CHANGE]: {
    source: 'aws.ecs',
    parse: (raw) => ({ kind: 'ecs-task-state-change', event: validate(EcsTaskStateChangeSchema, raw) }),
  },
  [ECS_DEPLOYMENT_STATE_CHANGE]: {
    source: 'aws.ecs',
    parse: (raw) => ({ kind: 'ecs-deployment-state-change', event: validate(EcsDeploymentStateChangeSchema, raw) }),
  },
  [ECS_SERVICE_ACTION]: {
    source: 'aws.ecs',
    parse: (raw) => ({ kind: 'ecs-service-action', event: validate(EcsServiceActionSchema, raw) }),
  },
  [CFN_STACK_STATUS_CHANGE]: {
    source: 'aws.cloudformation',
    parse: (raw) => ({ kind: 'cfn-stack-status-change', event: validate(CfnStackStatusChangeSchema, raw) }),
  },
  [CFN_RESOURCE_STATUS_CHANGE]: {
    source: 'aws.cloudformation',
    parse: (raw) => ({ kind: 'cfn-resource-status-change', event: validate(CfnResourceStatusChangeSchema, raw) }),
  },
};

export const SUPPORTED_DETAIL_TYPES: readonly string[] = Object.keys(EVENT_REGISTRY);

/**
 * @example
 * const parsed = parseEvent(JSON.parse(fs.readFileSync('event.json', 'utf8')));
 * if (parsed.kind === 'ecs-task-state-change') console.log(parsed.event.detail.stoppedReason);
 * @throws InvalidEventError when the input is not a valid EventBridge event of its detail-type
 * @throws UnsupportedEventError when the detail-type is not one deploy-medic handles
 */
export function parseEvent(raw: unknown): MedicEvent {
  const envelope = validate(EventBridgeSchema, raw);
  const entry = EVENT_REGISTRY[envelope['detail-type']];
  if (entry === undefined) {
    throw new UnsupportedEventError(envelope['detail-type'], SUPPORTED_DETAIL_TYPES);
  }
  if (envelope.source !== entry.source) {
    throw new InvalidEventError(`detail-type "${envelope['detail-type']}" must come from source "${entry.source}", not ${quoteInput(envelope.source)}`);
  }
  return entry.parse === null ? { kind: 'not-yet-diagnosed', event: envelope } : entry.parse(raw);
}

function validate<S extends z.ZodMiniType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  throw new InvalidEventError('not a valid EventBridge event', issues);
}

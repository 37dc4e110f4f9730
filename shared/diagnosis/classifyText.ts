/**
 * Classification of one piece of AWS text, without an event around it: the engine behind
 * `medic classify` (DESIGN.md 4.2). ECS text goes through the same rules as a stopped
 * task (classifySignals), and CloudFormation text through the same rules as a stack's
 * events (classifyCfnSignals), so the command and the diagnosis can never disagree.
 */
import { MedicError } from '../errors';
import type { Category } from '../taxonomy';
import { classifyCfnSignals } from './cfn/classifyCfnSignals';
import type { CfnFacts } from './cfn/rules';
import { classifySignals } from './ecs/classifySignals';
import { ECS_SIGNAL_FIELDS, type ClassificationVariant, type EcsSignalField, type Signal } from './types';

export const CLASSIFY_SOURCES = ['ecs', 'cloudformation'] as const;
export type ClassifySource = (typeof CLASSIFY_SOURCES)[number];

/** One input line of `medic classify`. */
export interface ClassifyRequest {
  source: ClassifySource;
  text: string;
  /** ECS: one of ECS_SIGNAL_FIELDS; absent means "could be any field" (the best match wins). */
  field?: string;
  /** CloudFormation: the event's `ResourceType` (`AWS::EC2::SecurityGroup`); some rules hold only for some types. */
  resourceType?: string;
  /** CloudFormation: the event's `ResourceStatus` (`DELETE_FAILED`). */
  status?: string;
}

/** One output line of `medic classify`. */
export interface ClassifyAnswer {
  category: Category;
  confidence: number;
  variant?: ClassificationVariant;
  ruleId?: string;
  /** CloudFormation: what the rule read from the text (`quota`, `resourceId`, `name` ...). */
  facts?: CfnFacts;
}

/** An input line that is not a classify request; the message names what is wrong. */
export class InvalidClassifyRequestError extends MedicError {}

/**
 * Checks one parsed input object against the contract and returns it typed.
 *
 * @example
 * parseClassifyRequest({ source: 'ecs', text: 'Task failed ELB health checks', field: 'stoppedReason' });
 * parseClassifyRequest({ source: 'ec2', text: 'x' }); // throws InvalidClassifyRequestError: unknown source "ec2" ...
 */
export function parseClassifyRequest(raw: unknown): ClassifyRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidClassifyRequestError('expected a JSON object');
  const o = raw as Record<string, unknown>;
  if (!CLASSIFY_SOURCES.includes(o.source as ClassifySource)) {
    throw new InvalidClassifyRequestError(
      o.source === undefined ? `missing "source" (one of: ${CLASSIFY_SOURCES.join(', ')})` : `unknown source ${JSON.stringify(o.source)} (one of: ${CLASSIFY_SOURCES.join(', ')})`,
    );
  }
  const source = o.source as ClassifySource;
  if (typeof o.text !== 'string' || o.text.trim() === '') {
    throw new InvalidClassifyRequestError(o.text === undefined ? 'missing "text"' : '"text" must be a non-empty string');
  }
  for (const key of ['field', 'resourceType', 'status'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') throw new InvalidClassifyRequestError(`"${key}" must be a string`);
  }
  const field = o.field as string | undefined;
  if (source === 'ecs' && field !== undefined && !ECS_SIGNAL_FIELDS.includes(field as EcsSignalField)) {
    throw new InvalidClassifyRequestError(`unknown field ${JSON.stringify(field)} for source "ecs" (one of: ${ECS_SIGNAL_FIELDS.join(', ')})`);
  }
  return {
    source,
    text: o.text,
    ...(field !== undefined ? { field } : {}),
    ...(typeof o.resourceType === 'string' ? { resourceType: o.resourceType } : {}),
    ...(typeof o.status === 'string' ? { status: o.status } : {}),
  };
}

/**
 * @example
 * classifyText({ source: 'ecs', text: 'CannotPullContainerError: ... toomanyrequests ...', field: 'stoppedReason' });
 * // { category: 'IMAGE_PULL', confidence: 0.9, variant: 'transient', ruleId: 'pull-rate-limited' }
 * classifyText({ source: 'ecs', text: 'Essential container in task exited' }); // { category: 'UNKNOWN', confidence: 0 }
 * classifyText({ source: 'cloudformation', text: 'The maximum number of VPCs has been reached.', resourceType: 'AWS::EC2::VPC', status: 'CREATE_FAILED' });
 * // { category: 'QUOTA_LIMIT', confidence: 0.95, ruleId: 'maximum-number-reached', facts: { quota: 'VPCs' } }
 */
export function classifyText(request: ClassifyRequest): ClassifyAnswer {
  if (request.source === 'cloudformation') {
    // resourceType and status narrow what the words may mean ("in use" said of a subnet group
    // or of a security group); without them only the rules that hold for any type apply.
    const c = classifyCfnSignals([
      {
        text: request.text,
        ...(request.resourceType !== undefined ? { resourceType: request.resourceType } : {}),
        ...(request.status !== undefined ? { status: request.status } : {}),
      },
    ]);
    return {
      category: c.category,
      confidence: c.confidence,
      ...(c.ruleId !== undefined ? { ruleId: c.ruleId } : {}),
      ...(c.facts !== undefined ? { facts: c.facts } : {}),
    };
  }
  // No field: the text could have come from any of them, so it is offered to every rule
  // and the most confident one wins.
  const fields: readonly EcsSignalField[] = request.field !== undefined ? [request.field as EcsSignalField] : ECS_SIGNAL_FIELDS;
  const signals: Signal[] = fields.map((field) => ({ field, text: request.text }));
  const c = classifySignals(signals);
  return {
    category: c.category,
    confidence: c.confidence,
    ...(c.variant !== undefined ? { variant: c.variant } : {}),
    ...(c.ruleId !== undefined ? { ruleId: c.ruleId } : {}),
  };
}

/**
 * One line of JSON Lines in, one answer out; a bad line is an answer too (`{"error": ...}`),
 * so a stream goes on past it.
 *
 * @example
 * classifyJsonLine('{"source":"ecs","text":"Task stopped by user","field":"stoppedReason"}');
 * // { category: 'SCALING_OR_USER', confidence: 0.95, ruleId: 'task-stopped-by-user' }
 * classifyJsonLine('not json'); // { error: 'not JSON: ...' }
 */
export function classifyJsonLine(line: string): ClassifyAnswer | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line.replace(/^\uFEFF/, '')); // a byte-order mark a Windows editor left on the first line
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
  try {
    return classifyText(parseClassifyRequest(raw));
  } catch (error) {
    if (error instanceof InvalidClassifyRequestError) return { error: error.message };
    throw error;
  }
}

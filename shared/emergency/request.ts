/**
 * The emergency rollback request: what on-call asks for by hand (`medic rollback`, or a
 * Step Functions execution started from the console). Validated before anything is read or
 * changed: a malformed request, or one naming a resource outside the opt-in scope, is
 * refused with a clear error.
 */
import * as z from '../validation/zod';
import { MedicError } from '../errors';

const TASK_DEFINITION = /^(arn:[^:]+:ecs:[^:]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}:\d+$/;

export const EmergencyTargetSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ecs-service'), cluster: z.string().check(z.minLength(1)), service: z.string().check(z.minLength(1)) }),
  z.strictObject({ type: z.literal('cfn-stack'), stackName: z.string().check(z.minLength(1)) }),
]);

export const EmergencyRequestSchema = z.strictObject({
  target: EmergencyTargetSchema,
  /** ECS only: the revision to go back to (`family:7` or its ARN, or just 7); default: the last known good. */
  toRevision: z.optional(z.union([z.int().check(z.positive()), z.string().check(z.regex(TASK_DEFINITION, 'family:revision or a task definition ARN'))])),
  reason: z.string().check(z.trim(), z.minLength(3, 'say why (at least 3 characters)')),
  requestedBy: z.string().check(z.trim(), z.minLength(1, 'name who asks')),
  /** Plan and report only, like observe mode. */
  dryRun: z.optional(z.boolean()),
});

export type EmergencyRequest = z.infer<typeof EmergencyRequestSchema>;

/** The request was refused before anything changed: the reason is the error message. */
export class RequestRefused extends MedicError {}

/**
 * @example
 * parseEmergencyRequest({ target: { type: 'ecs-service', cluster: 'prod', service: 'checkout-api' }, reason: 'p99 doubled', requestedBy: 'alice' });
 * @throws RequestRefused naming every field that is wrong
 */
export function parseEmergencyRequest(raw: unknown): EmergencyRequest {
  const result = EmergencyRequestSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`);
  throw new RequestRefused(`malformed emergency rollback request: ${issues.join('; ')}`);
}

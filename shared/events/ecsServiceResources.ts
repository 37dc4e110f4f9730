/**
 * The `resources` of the service-level ECS events (`ECS Deployment State Change`,
 * `ECS Service Action`): AWS puts the service ARN first. Those events carry no task and
 * no task definition, so this ARN is how deploy-medic knows which service they are about.
 */
import * as z from '../validation/zod';

const SERVICE_ARN_HINT = 'the ECS service ARN (arn:<partition>:ecs:<region>:<account>:service/<cluster>/<service>)';

/**
 * `service/<cluster>/<service>` (the long ARN format) or `service/<service>` (the short
 * one, which services created before their account moved to the long format keep): both
 * are real, so both are accepted.
 */
export const EcsServiceArnSchema = z.string({ error: SERVICE_ARN_HINT }).check(z.regex(/^arn:[^:]+:ecs:[^:]+:\d{12}:service\/(?:[^/]+\/)?[^/]+$/, SERVICE_ARN_HINT));

/** `resources[0]` is the service ARN; anything after it is kept as AWS sent it. */
export const EcsServiceResourcesSchema = z.tuple([EcsServiceArnSchema], z.string());

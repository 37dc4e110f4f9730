/**
 * Online diagnosis of an open incident: the event that opened it plus the facts read from
 * AWS. Stopped tasks are diagnosed from their own words; service-level events (a failed
 * deployment, a placement failure) from the tasks and messages behind them.
 */
import type { MedicConfig } from '../config';
import type { MedicEvent } from '../events/parseEvent';
import type { EcsServiceIncident } from '../incident';
import { diagnose } from './diagnose';
import type { EcsFacts } from './ecs/diagnoseStoppedTask';
import { diagnoseServiceIncident } from './ecs/diagnoseServiceIncident';
import type { Diagnosis } from './types';

/** Service-level events need the stopped tasks read too: they carry the cause. */
export const needsStoppedTasks = (parsed: MedicEvent): boolean =>
  parsed.kind === 'ecs-deployment-state-change' || parsed.kind === 'ecs-service-action';

/**
 * @example
 * const facts = await gatherEcsFacts(sources, incident, { stoppedTasks: needsStoppedTasks(parsed) });
 * const diagnosis = diagnoseIncident(parsed, incident, { config, facts });
 */
export function diagnoseIncident(parsed: MedicEvent, incident: EcsServiceIncident, options: { config: MedicConfig; facts: EcsFacts }): Diagnosis {
  switch (parsed.kind) {
    case 'ecs-deployment-state-change':
    case 'ecs-service-action':
      return diagnoseServiceIncident(parsed.event, incident, options);
    default:
      return diagnose(parsed, options);
  }
}

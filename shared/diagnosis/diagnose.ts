/**
 * The single entry point for diagnosis: the CLI, the ingest Lambda and the Diagnose
 * task all call this, so an event means the same thing everywhere.
 */
import type { MedicConfig } from '../config';
import type { MedicEvent } from '../events/parseEvent';
import { runbookFor } from '../taxonomy';
import { diagnoseResourceEvent } from './cfn/diagnoseResourceEvent';
import { diagnoseStackEvent } from './cfn/diagnoseStackEvent';
import { diagnoseDeploymentEvent } from './ecs/diagnoseDeploymentEvent';
import { diagnoseServiceAction } from './ecs/diagnoseServiceAction';
import { diagnoseStoppedTask, type EcsFacts } from './ecs/diagnoseStoppedTask';
import type { Diagnosis } from './types';

export interface DiagnoseOptions {
  config: MedicConfig;
  /** Facts from read-only Describe calls; omit for an offline diagnosis of the event alone. */
  facts?: EcsFacts;
}

/**
 * @example
 * const diagnosis = diagnose(parseEvent(raw), { config: loadConfig() });
 * console.log(diagnosis.category, diagnosis.plan.action);
 */
export function diagnose(parsed: MedicEvent, options: DiagnoseOptions): Diagnosis {
  switch (parsed.kind) {
    case 'ecs-task-state-change':
      return diagnoseStoppedTask(parsed.event, options);
    case 'ecs-deployment-state-change':
      // Offline only for now: `facts` are task-event facts; the online path (deployment id ->
      // revision) is still to come.
      return diagnoseDeploymentEvent(parsed.event);
    case 'ecs-service-action':
      return diagnoseServiceAction(parsed.event);
    case 'cfn-stack-status-change':
      // The event alone: `facts` are ECS facts. The online diagnosis of a stack incident reads the
      // stack itself (diagnoseStackIncident, called by the Diagnose task).
      return diagnoseStackEvent(parsed.event);
    case 'cfn-resource-status-change':
      return diagnoseResourceEvent(parsed.event);
    case 'not-yet-diagnosed':
      return {
        category: 'UNKNOWN',
        confidence: 0,
        summary: `"${parsed.event['detail-type']}" events are recognised but not diagnosed yet`,
        evidence: [`detail-type: "${parsed.event['detail-type']}", source: "${parsed.event.source}"`],
        plan: { action: 'notify-only', reason: 'no diagnosis for this detail-type yet: a human is needed' },
        runbook: runbookFor('UNKNOWN'),
      };
  }
}

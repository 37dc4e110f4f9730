/**
 * The Remediate state of statemachines/remediation.asl.yaml exactly as the ASL has it (its
 * Parameters, Retry and Catch), ending where its Next and Catch point: for tests about the step
 * itself - its retries, what it passes the handler - without the rest of the run.
 */
import { type AslDefinition, type LoadedStateMachine, loadStateMachine } from '../../cli/local/localStateMachine';

export function remediateStateOnly(): LoadedStateMachine {
  const full = loadStateMachine('statemachines/remediation.asl.yaml');
  const remediate = (full.definition as AslDefinition).States.Remediate!;
  return {
    ...full,
    definition: {
      StartAt: 'Remediate',
      States: {
        Remediate: remediate,
        [remediate.Next as string]: { Type: 'Pass', Result: 'applied', ResultPath: '$.outcome', End: true },
        NotifyEscalated: { Type: 'Pass', Result: 'escalated', ResultPath: '$.outcome', End: true },
      },
    },
    taskFunctions: { Remediate: full.taskFunctions.Remediate! },
    waitStates: [],
    retryStates: ['Remediate'],
  };
}

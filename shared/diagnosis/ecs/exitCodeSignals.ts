/**
 * Container exit codes as classifier signals. This is the only producer of `exitCode`
 * signals: the rules read them as text ("1", "139"), so the engine stays one engine.
 */
import type { Signal } from '../types';

/** The part of a container (event `detail.containers[]` or DescribeTasks `containers[]`) this needs. */
export interface ContainerExit {
  name: string;
  exitCode?: number | null;
}

/**
 * One `exitCode` signal per container that reported an exit code. A code alone decides
 * little (137 is SIGKILL, not necessarily OOM): see the APP_CRASH rules in rules.ts.
 *
 * @example
 * const signals = [...signalsOfStoppedTask(detail), ...exitCodeSignals(detail.containers)];
 * classifySignals(signals);
 * // stoppedReason "Essential container in task exited" + exit code 1 → APP_CRASH, confidence 0.5
 */
export function exitCodeSignals(containers: readonly ContainerExit[]): Signal[] {
  return containers.flatMap((c) =>
    typeof c.exitCode === 'number' && Number.isInteger(c.exitCode) ? [{ field: 'exitCode' as const, text: String(c.exitCode), container: c.name }] : [],
  );
}

/**
 * The ECS cause rules: a registry. Adding a cause is one entry here, one fixture line
 * in test/fixtures/texts, and one runbook in docs/runbooks.
 *
 * Patterns match AWS's own wording (Amazon ECS Developer Guide, "Amazon ECS stopped
 * tasks error messages"); each rule names the fields it trusts, because the same words
 * mean different things in a container reason and in a service event.
 */
import type { EcsCategory } from '../../taxonomy';
import type { EcsSignalField, Signal } from '../types';

export interface EcsRule {
  id: string;
  category: EcsCategory;
  fields: readonly EcsSignalField[];
  pattern: RegExp;
  /** Calibrated: how often this pattern, in these fields, really means this category. */
  confidence: number;
  summary: (signal: Signal) => string;
}

const where = (signal: Signal) => (signal.container !== undefined ? `container "${signal.container}"` : 'the task');

export const ECS_RULES: readonly EcsRule[] = [
  {
    id: 'oom-killed',
    category: 'OOM',
    fields: ['containerReason', 'stoppedReason'],
    pattern: /OutOfMemoryError: Container killed due to memory usage/i,
    confidence: 0.95,
    summary: (s) => `${where(s)} was killed for using more memory than its limit`,
  },
  {
    id: 'scaling-activity',
    category: 'SCALING_OR_USER',
    fields: ['stoppedReason'],
    pattern: /^Scaling activity initiated by/i,
    confidence: 0.95,
    summary: () => 'the service scheduler stopped the task (scale-in or deployment replacement)',
  },
  {
    id: 'user-initiated',
    category: 'SCALING_OR_USER',
    fields: ['stopCode'],
    pattern: /^UserInitiated$/,
    confidence: 0.95,
    summary: () => 'someone stopped the task (StopTask)',
  },
  {
    id: 'spot-interruption',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stopCode'],
    pattern: /^SpotInterruption$/,
    confidence: 0.95,
    summary: () => 'the Spot capacity behind the task was reclaimed',
  },
  {
    id: 'termination-notice',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stopCode'],
    pattern: /^TerminationNotice$/,
    confidence: 0.9,
    summary: () => 'the task was stopped because its host received a termination notice',
  },
  {
    id: 'fargate-maintenance',
    category: 'SPOT_OR_MAINTENANCE',
    fields: ['stoppedReason'],
    pattern: /performing maintenance on the underlying infrastructure/i,
    confidence: 0.9,
    summary: () => 'AWS retired the task for infrastructure maintenance',
  },
];

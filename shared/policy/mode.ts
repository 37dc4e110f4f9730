/**
 * The mode an incident runs in: the stage's `MEDIC_MODE`, overridden per resource by the tag
 * `deploy-medic:mode=observe|auto|approve` on the service or stack (pilot `auto` on one service
 * while the stage observes, or keep one service in `observe` in an `auto` stage).
 *
 * Resolved by the Diagnose step (it reads the tags anyway); the state machine copies it to
 * `$.mode`, which the approval gate and Remediate read.
 */
import { type Mode, MODES } from '../config';
import { type Tags, tagValue } from './scope';

export const MODE_TAG = 'deploy-medic:mode';

export interface ResolvedMode {
  mode: Mode;
  /** One evidence line when the tag decided or was invalid; nothing when the stage mode applies untouched. */
  evidence?: string;
}

/**
 * An invalid tag value never widens what the system does: it is treated as `observe`, and said.
 *
 * @example
 * resolveMode('observe', [{ key: 'deploy-medic:mode', value: 'auto' }]);
 * // { mode: 'auto', evidence: 'mode auto from tag deploy-medic:mode (stage mode observe)' }
 */
export function resolveMode(stageMode: Mode, tags: Tags): ResolvedMode {
  const raw = tagValue(tags, MODE_TAG);
  if (raw === undefined) return { mode: stageMode };
  const value = raw.trim().toLowerCase();
  if ((MODES as readonly string[]).includes(value)) {
    return { mode: value as Mode, evidence: `mode ${value} from tag ${MODE_TAG} (stage mode ${stageMode})` };
  }
  return { mode: 'observe', evidence: `tag ${MODE_TAG}="${raw}" is not one of ${MODES.join(', ')}: treated as observe (stage mode ${stageMode})` };
}

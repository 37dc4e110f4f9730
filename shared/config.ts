/**
 * The one place that reads `process.env`. Everything else receives a typed config.
 *
 * Values are set per stage in serverless.yml (`params`), so an operator changes
 * behaviour with a deploy, not a code change.
 */
import { ConfigError } from './errors';

export const MODES = ['observe', 'auto', 'approve'] as const;
export type Mode = (typeof MODES)[number];

export interface MedicConfig {
  /** Deployment stage (dev, prod ...). Goes into every alert as a filterable attribute. */
  stage: string;
  /**
   * `observe` plans and reports but writes nothing; `auto` applies the plan; `approve` applies
   * a writing plan only after on-call approves it (until then it is observe).
   */
  mode: Mode;
  remediation: {
    /** OOM resize: new memory = old memory x multiplier (then rounded up to a valid size). */
    memoryMultiplier: number;
    /** OOM resize never goes above this task memory, in MiB. */
    maxTaskMemoryMiB: number;
    /** Redeploys of a revision for transient causes (image pull, network, capacity), the first included. */
    redeployMaxAttempts: number;
    /** Fail-fast: roll back after this many failed launches of a new revision with the same cause. */
    failFastFailedLaunches: number;
    /** Below this classification confidence the system reports and does not act. */
    minConfidenceToAct: number;
  };
  verify: {
    /** How long after a remediation the new deployment has to become steady before we escalate. */
    deadlineSeconds: number;
  };
  /** Which resources may be changed at all (shared/policy/scope.ts). */
  scope: {
    /**
     * `cluster/service` and stack names (globs: `*` any run of characters, `?` one). Empty: every
     * resource with the opt-in tag. Non-empty: the tag AND a match are both needed - the tag stays
     * the IAM boundary (the remediate role's writes are conditioned on it), the list narrows it.
     */
    allowlist: string[];
    /** Never modified: `cluster/service`, stack names, physical ids (`eni-...`, `sg-...`), globs ok. */
    protected: string[];
  };
  /** Blast-radius caps and the loop breaker (shared/policy/admission.ts), checked in the ledger before every write. */
  guards: {
    /** Remediations holding a slot at once: from their first write until verified steady or their verify window closes. */
    maxConcurrentRemediations: number;
    /** Writing actions (every attempt, fallbacks included) in any rolling hour, across the stage. */
    maxActionsPerHour: number;
    /** Incidents remediated per resource in any rolling 24 h; the next one trips the loop breaker. */
    maxRemediationsPerResourcePerDay: number;
    /** After a remediation of a resource, a new incident on it within this many seconds trips the loop breaker. */
    cooldownSeconds: number;
  };
  approval: {
    /**
     * Approve mode: how long a writing plan waits for on-call's decision. Then the safe default
     * runs: nothing is done, on-call is told. The ASL's RequestApproval TimeoutSeconds is the same
     * serverless.yml param (`approvalTimeoutSeconds`); this copy dates the request's deadline.
     */
    timeoutSeconds: number;
  };
}

type Env = Record<string, string | undefined>;

export const DEFAULTS = {
  mode: 'observe' as Mode,
  memoryMultiplier: 2,
  maxTaskMemoryMiB: 16384,
  redeployMaxAttempts: 3,
  failFastFailedLaunches: 2,
  minConfidenceToAct: 0.5,
  verifyDeadlineSeconds: 900,
  maxConcurrentRemediations: 3,
  maxActionsPerHour: 10,
  maxRemediationsPerResourcePerDay: 3,
  cooldownSeconds: 900,
  approvalTimeoutSeconds: 3600,
};

/**
 * Reads the configuration. Missing optional values take safe defaults (observe mode);
 * a value that is present but invalid throws, because a typo in `MEDIC_MODE` must never
 * silently turn into `auto`.
 *
 * @example
 * const config = loadConfig({ STAGE: 'prod', MEDIC_MODE: 'auto' });
 * config.mode; // 'auto'
 */
export function loadConfig(env: Env = process.env): MedicConfig {
  return {
    stage: env.STAGE ?? 'local',
    mode: parseMode(env.MEDIC_MODE),
    remediation: {
      memoryMultiplier: parseNumber(env, 'MEMORY_MULTIPLIER', DEFAULTS.memoryMultiplier, { min: 1.1, max: 8 }),
      maxTaskMemoryMiB: parseNumber(env, 'MAX_TASK_MEMORY_MIB', DEFAULTS.maxTaskMemoryMiB, { min: 128, max: 122880 }),
      redeployMaxAttempts: parseNumber(env, 'REDEPLOY_MAX_ATTEMPTS', DEFAULTS.redeployMaxAttempts, { min: 1, max: 10, integer: true }),
      failFastFailedLaunches: parseNumber(env, 'FAIL_FAST_FAILED_LAUNCHES', DEFAULTS.failFastFailedLaunches, { min: 1, max: 200, integer: true }),
      minConfidenceToAct: parseNumber(env, 'MIN_CONFIDENCE_TO_ACT', DEFAULTS.minConfidenceToAct, { min: 0, max: 1 }),
    },
    verify: {
      deadlineSeconds: parseNumber(env, 'VERIFY_DEADLINE_SECONDS', DEFAULTS.verifyDeadlineSeconds, { min: 0, max: 86400 }),
    },
    scope: {
      allowlist: parsePatterns(env, 'MEDIC_ALLOWLIST'),
      protected: parsePatterns(env, 'MEDIC_PROTECTED'),
    },
    guards: {
      maxConcurrentRemediations: parseNumber(env, 'MAX_CONCURRENT_REMEDIATIONS', DEFAULTS.maxConcurrentRemediations, { min: 1, max: 100, integer: true }),
      maxActionsPerHour: parseNumber(env, 'MAX_ACTIONS_PER_HOUR', DEFAULTS.maxActionsPerHour, { min: 1, max: 1000, integer: true }),
      maxRemediationsPerResourcePerDay: parseNumber(env, 'MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY', DEFAULTS.maxRemediationsPerResourcePerDay, {
        min: 1,
        max: 100,
        integer: true,
      }),
      cooldownSeconds: parseNumber(env, 'REMEDIATION_COOLDOWN_SECONDS', DEFAULTS.cooldownSeconds, { min: 0, max: 86400, integer: true }),
    },
    approval: {
      // At least a minute (a human has to read the request); at most a week (nobody remembers the context later).
      timeoutSeconds: parseNumber(env, 'APPROVAL_TIMEOUT_SECONDS', DEFAULTS.approvalTimeoutSeconds, { min: 60, max: 604800, integer: true }),
    },
  };
}

/**
 * A setting without which a function cannot work at all (the topic to publish to,
 * the state machine to start). Throws {@link ConfigError} naming the variable.
 */
export function requireSetting(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`missing required setting ${name}`);
  }
  return value;
}

export function parseMode(value: string | undefined): Mode {
  if (value === undefined || value === '') return DEFAULTS.mode;
  if ((MODES as readonly string[]).includes(value)) return value as Mode;
  throw new ConfigError(`MEDIC_MODE must be one of ${MODES.join(', ')}; got "${value}"`);
}

/**
 * A comma-separated list of names or globs. Entries may contain only what resource names can
 * (plus `*` and `?`), so a stray quote or space-separated list fails here, not as a silent miss.
 */
function parsePatterns(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = entries.filter((e) => !/^[A-Za-z0-9*?][A-Za-z0-9_.:*?\/-]*$/.test(e));
  if (bad.length > 0) {
    throw new ConfigError(`${name} must be comma-separated cluster/service names, stack names or resource ids (globs * and ? allowed); invalid: ${bad.map((b) => `"${b}"`).join(', ')}`);
  }
  return entries;
}

function parseNumber(env: Env, name: string, fallback: number, range: { min: number; max: number; integer?: boolean }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    throw new ConfigError(`${name} must be ${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}; got "${raw}"`);
  }
  return value;
}

/** What shared/metrics.ts needs to know about where it runs. */
export interface MetricsSettings {
  /** The `stage` dimension of every metric. */
  stage: string;
  /**
   * Whether EMF documents go to stdout. In Lambda, stdout is CloudWatch Logs, which turns them
   * into metrics; anywhere else (tests, the demo, the CLI) they would only be noise. So: on in
   * Lambda, off elsewhere, and `POWERTOOLS_METRICS_DISABLED` (Powertools' own switch) wins
   * either way when it is set.
   */
  emit: boolean;
}

/**
 * @example
 * metricsSettings({ STAGE: 'prod', AWS_LAMBDA_FUNCTION_NAME: 'deploy-medic-prod-ingest' }); // { stage: 'prod', emit: true }
 * metricsSettings({ STAGE: 'dev' }); // { stage: 'dev', emit: false }
 */
export function metricsSettings(env: Env = process.env): MetricsSettings {
  const disabled = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  const emit = disabled === undefined || disabled === '' ? Boolean(env.AWS_LAMBDA_FUNCTION_NAME) : !['1', 'true', 'yes', 'on'].includes(disabled);
  return { stage: env.STAGE ?? 'local', emit };
}

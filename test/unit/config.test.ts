import { describe, expect, it } from 'vitest';
import { loadConfig, requireSetting } from '../../shared/config';
import { ConfigError } from '../../shared/errors';

describe('Config', () => {
  it('defaults to observe mode: a new deployment changes nothing until told to', () => {
    expect(loadConfig({})).toEqual({
      stage: 'local',
      mode: 'observe',
      remediation: { memoryMultiplier: 2, maxTaskMemoryMiB: 16384, redeployMaxAttempts: 3, failFastFailedLaunches: 2, minConfidenceToAct: 0.5 },
      verify: { deadlineSeconds: 900 },
      scope: { allowlist: [], protected: [] },
      guards: { maxConcurrentRemediations: 3, maxActionsPerHour: 10, maxRemediationsPerResourcePerDay: 3, cooldownSeconds: 900 },
      approval: { timeoutSeconds: 3600 },
    });
  });

  it('reads every setting from the environment', () => {
    expect(
      loadConfig({
        STAGE: 'prod',
        MEDIC_MODE: 'auto',
        MEMORY_MULTIPLIER: '1.5',
        MAX_TASK_MEMORY_MIB: '8192',
        REDEPLOY_MAX_ATTEMPTS: '2',
        FAIL_FAST_FAILED_LAUNCHES: '3',
        VERIFY_DEADLINE_SECONDS: '600',
        MEDIC_ALLOWLIST: 'prod/payments-*, checkout-db',
        MEDIC_PROTECTED: 'prod/ledger-api,sg-0keep*',
        MAX_CONCURRENT_REMEDIATIONS: '1',
        MAX_ACTIONS_PER_HOUR: '4',
        MAX_REMEDIATIONS_PER_RESOURCE_PER_DAY: '2',
        REMEDIATION_COOLDOWN_SECONDS: '0',
        APPROVAL_TIMEOUT_SECONDS: '1800',
      }),
    ).toEqual({
      stage: 'prod',
      mode: 'auto',
      remediation: { memoryMultiplier: 1.5, maxTaskMemoryMiB: 8192, redeployMaxAttempts: 2, failFastFailedLaunches: 3, minConfidenceToAct: 0.5 },
      verify: { deadlineSeconds: 600 },
      scope: { allowlist: ['prod/payments-*', 'checkout-db'], protected: ['prod/ledger-api', 'sg-0keep*'] },
      guards: { maxConcurrentRemediations: 1, maxActionsPerHour: 4, maxRemediationsPerResourcePerDay: 2, cooldownSeconds: 0 },
      approval: { timeoutSeconds: 1800 },
    });
  });

  it('a typo in the mode is an error, never a silent auto', () => {
    expect(() => loadConfig({ MEDIC_MODE: 'Auto' })).toThrowError(new ConfigError('MEDIC_MODE must be one of observe, auto, approve; got "Auto"'));
  });

  it.each([
    ['MEMORY_MULTIPLIER', 'two', 'MEMORY_MULTIPLIER must be a number from 1.1 to 8; got "two"'],
    ['MEMORY_MULTIPLIER', '1', 'MEMORY_MULTIPLIER must be a number from 1.1 to 8; got "1"'],
    ['MAX_TASK_MEMORY_MIB', '999999', 'MAX_TASK_MEMORY_MIB must be a number from 128 to 122880; got "999999"'],
    ['APPROVAL_TIMEOUT_SECONDS', '30', 'APPROVAL_TIMEOUT_SECONDS must be a whole number from 60 to 604800; got "30"'],
    ['FAIL_FAST_FAILED_LAUNCHES', '1.5', 'FAIL_FAST_FAILED_LAUNCHES must be a whole number from 1 to 200; got "1.5"'],
    ['MAX_CONCURRENT_REMEDIATIONS', '0', 'MAX_CONCURRENT_REMEDIATIONS must be a whole number from 1 to 100; got "0"'],
    ['MAX_ACTIONS_PER_HOUR', 'many', 'MAX_ACTIONS_PER_HOUR must be a whole number from 1 to 1000; got "many"'],
    ['REMEDIATION_COOLDOWN_SECONDS', '-1', 'REMEDIATION_COOLDOWN_SECONDS must be a whole number from 0 to 86400; got "-1"'],
    [
      'MEDIC_ALLOWLIST',
      'prod/payments-api "checkout-db"',
      'MEDIC_ALLOWLIST must be comma-separated cluster/service names, stack names or resource ids (globs * and ? allowed); invalid: "prod/payments-api "checkout-db""',
    ],
  ])('rejects %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
  });

  it('requireSetting names the missing variable', () => {
    expect(() => requireSetting('ALERTS_TOPIC_ARN', {})).toThrowError('missing required setting ALERTS_TOPIC_ARN');
    expect(requireSetting('ALERTS_TOPIC_ARN', { ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t' })).toBe('arn:aws:sns:us-east-1:1:t');
  });
});

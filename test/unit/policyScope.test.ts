/**
 * Policy: what deploy-medic may change (opt-in tag, allowlist, protected) and in which mode
 * (stage mode, overridden per resource by tag). Pure functions, and the ECS planner that
 * enforces them.
 */
import type { Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { type EcsPlanInput, planEcsRemediation } from '../../shared/planning/planEcsRemediation';
import { resolveMode } from '../../shared/policy/mode';
import { matchesPattern, protectionOf, scopeVerdict } from '../../shared/policy/scope';
import { fixture } from '../support/fixtures';

const OPTED_IN = [{ key: 'deploy-medic:enabled', value: 'true' }];
const noLists = { allowlist: [], protected: [] };

describe('Policy: scope', () => {
  describe('matchesPattern', () => {
    it.each([
      ['prod/payments-api', 'prod/payments-*', true],
      ['prod/payments-api', 'prod/*', true],
      ['staging/payments-api', 'prod/*', false],
      ['checkout-db', 'checkout-db', true],
      ['checkout-db-2', 'checkout-db', false],
      ['eni-0a1b2c3d', 'eni-0a1b????', true],
      ['prod.x', 'prod?x', true],
      // Regex characters in a name are literal, not operators.
      ['prodXx', 'prod.x', false],
    ])('%s against %s: %s', (name, pattern, expected) => {
      expect(matchesPattern(name, pattern)).toBe(expected);
    });
  });

  describe('scopeVerdict', () => {
    const service = (tags: Array<{ key: string; value: string }>) => ({ kind: 'ecs-service' as const, name: 'prod/checkout-api', tags });

    it('writes a tagged service when no allowlist is set', () => {
      expect(scopeVerdict(service(OPTED_IN), noLists)).toEqual({ writable: true });
    });

    it('refuses an untagged service, even when the allowlist names it (the tag is the IAM boundary)', () => {
      expect(scopeVerdict(service([]), { allowlist: ['prod/checkout-api'], protected: [] })).toEqual({
        writable: false,
        why: 'not-opted-in',
        reason: 'service prod/checkout-api is not opted in (tag deploy-medic:enabled=true)',
      });
    });

    it('refuses a tagged service the allowlist does not name', () => {
      expect(scopeVerdict(service(OPTED_IN), { allowlist: ['prod/payments-*', 'checkout-db'], protected: [] })).toEqual({
        writable: false,
        why: 'not-allowlisted',
        reason: 'service prod/checkout-api is not in MEDIC_ALLOWLIST (prod/payments-*, checkout-db)',
      });
    });

    it('writes a tagged service the allowlist names by glob', () => {
      expect(scopeVerdict(service(OPTED_IN), { allowlist: ['prod/*'], protected: [] })).toEqual({ writable: true });
    });

    it('protection wins over the tag and the allowlist, by tag (any case) or by MEDIC_PROTECTED', () => {
      expect(scopeVerdict(service([...OPTED_IN, { key: 'deploy-medic:protected', value: 'TRUE' }]), { allowlist: ['prod/*'], protected: [] })).toEqual({
        writable: false,
        why: 'protected',
        reason: 'service prod/checkout-api is protected (tag deploy-medic:protected=true)',
      });
      expect(scopeVerdict(service(OPTED_IN), { allowlist: [], protected: ['prod/checkout-*'] })).toMatchObject({
        why: 'protected',
        reason: 'service prod/checkout-api is protected (MEDIC_PROTECTED prod/checkout-*)',
      });
    });

    it('reads CloudFormation tags (Key/Value) as well as ECS tags (key/value)', () => {
      const stack = { kind: 'cfn-stack' as const, name: 'checkout-db', tags: [{ Key: 'deploy-medic:enabled', Value: 'true' }] };
      expect(scopeVerdict(stack, noLists)).toEqual({ writable: true });
      expect(protectionOf('eni-1', { 'deploy-medic:protected': 'true' }, noLists)).toBe('tag deploy-medic:protected=true');
      expect(protectionOf('eni-1', { 'deploy-medic:protected': 'false' }, noLists)).toBeUndefined();
    });
  });
});

describe('Policy: mode', () => {
  it('the stage mode applies when the resource has no mode tag', () => {
    expect(resolveMode('observe', OPTED_IN)).toEqual({ mode: 'observe' });
  });

  it('the tag overrides the stage mode either way, and says so', () => {
    expect(resolveMode('observe', [{ key: 'deploy-medic:mode', value: 'auto' }])).toEqual({ mode: 'auto', evidence: 'mode auto from tag deploy-medic:mode (stage mode observe)' });
    expect(resolveMode('auto', [{ key: 'deploy-medic:mode', value: 'Approve' }])).toEqual({ mode: 'approve', evidence: 'mode approve from tag deploy-medic:mode (stage mode auto)' });
  });

  it('an invalid tag value is observe, never auto, and the evidence says why', () => {
    expect(resolveMode('auto', [{ Key: 'deploy-medic:mode', Value: 'yes-please' }])).toEqual({
      mode: 'observe',
      evidence: 'tag deploy-medic:mode="yes-please" is not one of observe, auto, approve: treated as observe (stage mode auto)',
    });
  });
});

describe('Plan: ECS remediation within the scope', () => {
  const FAILING = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:7';
  const GOOD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/checkout-api:6';
  const service = (extraTags: Array<{ key: string; value: string }> = []): Service => {
    const s = fixture<{ services: Service[] }>('api/ecs-describe-services.json').services[0]!;
    return { ...s, tags: [...(s.tags ?? []), ...extraTags] };
  };
  const input = (svc: Service, env: Record<string, string> = {}): EcsPlanInput => ({
    cluster: 'prod',
    service: 'checkout-api',
    taskDefinitionArn: FAILING,
    category: 'APP_CRASH',
    confidence: 0.9,
    containers: [],
    facts: { service: svc, lastKnownGood: { taskDefinitionArn: GOOD, recordedAt: '2025-03-13T18:02:11Z', source: 'SERVICE_STEADY_STATE' } },
    sizing: () => ({ fargate: true, cpu: 256, memory: 512, containers: [{ name: 'checkout-api', memory: 512 }] }),
    config: loadConfig(env),
  });

  it('rolls back an opted-in service the allowlist names', () => {
    expect(planEcsRemediation(input(service(), { MEDIC_ALLOWLIST: 'prod/checkout-*' }))).toMatchObject({ action: 'ecs-rollback', toTaskDefinitionArn: GOOD });
  });

  it('a service outside the allowlist gets the plan as a report only', () => {
    expect(planEcsRemediation(input(service(), { MEDIC_ALLOWLIST: 'prod/payments-*' }))).toEqual({
      action: 'notify-only',
      reason: 'service prod/checkout-api is not in MEDIC_ALLOWLIST (prod/payments-*): would ecs-rollback, reporting only',
    });
  });

  it('a protected service turns the plan into notify-only with the reason', () => {
    expect(planEcsRemediation(input(service([{ key: 'deploy-medic:protected', value: 'true' }])))).toEqual({
      action: 'notify-only',
      reason: 'service prod/checkout-api is protected (tag deploy-medic:protected=true): would ecs-rollback, reporting only',
    });
    expect(planEcsRemediation(input(service(), { MEDIC_PROTECTED: 'prod/checkout-api' }))).toEqual({
      action: 'notify-only',
      reason: 'service prod/checkout-api is protected (MEDIC_PROTECTED prod/checkout-api): would ecs-rollback, reporting only',
    });
  });
});

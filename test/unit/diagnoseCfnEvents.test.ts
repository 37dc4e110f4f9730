/**
 * Runbook this protects: a stack stuck in a failed state is an incident and a human hears
 * about it, with AWS's own words and what the online diagnosis will read next; a resource that
 * cannot be deleted is that same incident, with its own reason, as soon as it happens; a
 * resource that failed to create, or a stack that succeeded, starts nothing.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { classifyCfnSignals } from '../../shared/diagnosis/cfn/classifyCfnSignals';
import { diagnoseResourceEvent } from '../../shared/diagnosis/cfn/diagnoseResourceEvent';
import { diagnoseStackEvent } from '../../shared/diagnosis/cfn/diagnoseStackEvent';
import type { CfnRule } from '../../shared/diagnosis/cfn/rules';
import { diagnose } from '../../shared/diagnosis/diagnose';
import type { CfnResourceStatusChangeEvent } from '../../shared/events/cfnResourceStatusChange';
import { CFN_STACK_INCIDENT_STATUSES, type CfnStackStatusChangeEvent } from '../../shared/events/cfnStackStatusChange';
import { parseEvent } from '../../shared/events/parseEvent';
import { CFN_CATEGORIES } from '../../shared/taxonomy';
import { ecsEvent as fixtureEvent } from '../support/fixtures';

type Raw = ReturnType<typeof fixtureEvent>;

const stackEvent = (name: string, mutate?: (raw: Raw) => void): CfnStackStatusChangeEvent => {
  const raw = fixtureEvent(name);
  mutate?.(raw);
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'cfn-stack-status-change') throw new Error(`${name} is not a stack event`);
  return parsed.event;
};

const resourceEvent = (name: string, mutate?: (raw: Raw) => void): CfnResourceStatusChangeEvent => {
  const raw = fixtureEvent(name);
  mutate?.(raw);
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'cfn-resource-status-change') throw new Error(`${name} is not a resource event`);
  return parsed.event;
};

const CHECKOUT_DB = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93';
const DELETE_TOKEN = 'Console-DeleteStack-3f6c2a9e-8b41-4d7e-a0c5-91e2f4b7d386';
const DELETE_FAILED_KEY = `cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED:${DELETE_TOKEN}`;
const SG_REASON =
  'resource sg-0b7c4d1e9a2f63580 has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: 7d3e9a41-2c6b-4f80-b5d2-1e8a0c4f6b97; Proxy: null)';

/** Rule tables of one, so these tests do not depend on the wording of the real CloudFormation rules. */
const DEPENDENT_OBJECT: CfnRule = {
  id: 'test-dependent-object',
  category: 'DEPENDENCY_VIOLATION',
  pattern: /has a dependent object/,
  resourceTypes: ['AWS::EC2::SecurityGroup'],
  statuses: ['DELETE_FAILED'],
  confidence: 0.7,
  summary: (s) => `${s.logicalResourceId} is held by something else`,
  source: 'test rule',
};
const ALREADY_EXISTS: CfnRule = {
  id: 'test-already-exists',
  category: 'ALREADY_EXISTS',
  pattern: /already exists/,
  confidence: 0.6,
  summary: () => 'the name is taken',
  source: 'test rule',
};
const FAILED_TO_DELETE: CfnRule = {
  id: 'test-stack-list',
  category: 'DEPENDENCY_VIOLATION',
  pattern: /failed to delete/,
  confidence: 0.3,
  summary: () => 'something blocks the delete',
  source: 'test rule',
};

describe('Diagnosis: CloudFormation Stack Status Change', () => {
  describe('DELETE_FAILED', () => {
    it('is an incident: notify-only offline, saying what the online diagnosis reads, keyed by the stack and its delete', () => {
      expect(diagnoseStackEvent(stackEvent('cfn-stack-delete-failed'), { rules: [] })).toEqual({
        category: 'UNKNOWN',
        confidence: 0,
        summary: "UNKNOWN in stack checkout-db (DELETE_FAILED): DatabaseSecurityGroup, DatabaseSubnetGroup failed to delete; the stack's reason only names them, their own reasons say why",
        evidence: [
          'stack: "The following resource(s) failed to delete: [DatabaseSecurityGroup, DatabaseSubnetGroup]."',
          `stack checkout-db (${CHECKOUT_DB}): DELETE_FAILED: the delete failed; the stack stays until what blocks its resources is gone`,
          "failed to delete: DatabaseSecurityGroup, DatabaseSubnetGroup (each one's own reason is in its resource event)",
          `operation: client-request-token "${DELETE_TOKEN}" (every event of this stack operation carries it)`,
        ],
        plan: {
          action: 'notify-only',
          reason:
            'offline: the event names the resources that failed to delete, not why; the online diagnosis reads each DELETE_FAILED resource and its reason (DescribeStackEvents) and what still holds it, and plans the cleanup of the blockers that belong to the stack',
        },
        runbook: 'docs/runbooks/UNKNOWN.md',
        incidentKey: DELETE_FAILED_KEY,
      });
    });

    it('classifies the status reason with the one CloudFormation engine', () => {
      const d = diagnoseStackEvent(stackEvent('cfn-stack-delete-failed'));
      const expected = classifyCfnSignals([{ text: 'The following resource(s) failed to delete: [DatabaseSecurityGroup, DatabaseSubnetGroup].' }]);
      expect({ category: d.category, confidence: d.confidence, runbook: d.runbook }).toEqual({
        category: expected.category,
        confidence: expected.confidence,
        runbook: `docs/runbooks/${expected.category}.md`,
      });
    });

    it('takes the category, confidence and summary from the rule that matches the reason', () => {
      const d = diagnoseStackEvent(stackEvent('cfn-stack-delete-failed'), { rules: [FAILED_TO_DELETE] });
      expect(d).toMatchObject({
        category: 'DEPENDENCY_VIOLATION',
        confidence: 0.3,
        summary: 'DEPENDENCY_VIOLATION in stack checkout-db (DELETE_FAILED): something blocks the delete',
        runbook: 'docs/runbooks/DEPENDENCY_VIOLATION.md',
        plan: { action: 'notify-only' },
        incidentKey: DELETE_FAILED_KEY,
      });
    });
  });

  it('ROLLBACK_COMPLETE gives no reason: an honest UNKNOWN, notify-only, the stack can only be deleted', () => {
    const d = diagnoseStackEvent(stackEvent('cfn-stack-rollback-complete'));
    expect(d).toMatchObject({
      category: 'UNKNOWN',
      confidence: 0,
      summary: 'UNKNOWN in stack checkout-worker (ROLLBACK_COMPLETE): the event gives no status reason',
      plan: { action: 'notify-only' },
      incidentKey:
        'cfn:us-east-1:111122223333:checkout-worker@0c6f8e20-03d4-11f0-a1b7-0a8f2e6d9c35:ROLLBACK_COMPLETE:Console-CreateStack-b2e47c19-6d05-4a8e-9f31-7c0d5a2e8b64',
    });
    expect(d.evidence[0]).toBe('status-reason: (none)');
    expect(d.plan.reason).toContain('can only be deleted');
  });

  it('UPDATE_ROLLBACK_FAILED: the online diagnosis decides whether the rollback can be continued', () => {
    const d = diagnoseStackEvent(stackEvent('cfn-stack-update-rollback-failed'));
    expect(d.plan).toEqual({
      action: 'notify-only',
      reason:
        'offline: the online diagnosis reads why the rollback failed (DescribeStackEvents) and whether ContinueUpdateRollback can succeed, with or without resources to skip',
    });
    expect(d.incidentKey).toBe('cfn:us-east-1:111122223333:checkout-api@51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1:UPDATE_ROLLBACK_FAILED');
    expect(d.evidence).toContain('operation: no client-request-token (the API call that started it passed none)');
  });

  it('CREATE_FAILED: the online diagnosis checks whether rollback was disabled', () => {
    const d = diagnoseStackEvent(stackEvent('cfn-stack-create-failed'));
    expect(d.plan.action).toBe('notify-only');
    expect(d.plan.reason).toContain('DisableRollback');
    expect(d.evidence).toContain("failed to create: WorkerLogGroup (each one's own reason is in its resource event)");
  });

  it.each(CFN_STACK_INCIDENT_STATUSES)('%s is an incident: notify-only offline, with a key', (status) => {
    const d = diagnoseStackEvent(stackEvent('cfn-stack-update-complete', (raw) => (raw.detail['status-details'] = { status, 'status-reason': '' })));
    expect(d.plan.action).toBe('notify-only');
    expect(d.plan.reason).toMatch(/^offline: /);
    expect(d.incidentKey).toBe(`cfn:us-east-1:111122223333:checkout-api@51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1:${status}`);
  });

  it.each([
    ['UPDATE_COMPLETE', 'UPDATE_COMPLETE: the operation succeeded: nothing to remediate'],
    ['CREATE_COMPLETE', 'CREATE_COMPLETE: the operation succeeded: nothing to remediate'],
    ['DELETE_COMPLETE', 'DELETE_COMPLETE: the operation succeeded: nothing to remediate'],
    ['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS: the operation is still running; its final status decides'],
    ['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS: the operation is still running; its final status decides'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS: the operation is still running; its final status decides'],
    [
      'UPDATE_ROLLBACK_COMPLETE',
      'UPDATE_ROLLBACK_COMPLETE: the failed operation was rolled back and the stack is back at its last working state: nothing is stuck',
    ],
  ])('%s is not an incident: plan none, no key', (status, reason) => {
    const d = diagnoseStackEvent(stackEvent('cfn-stack-update-complete', (raw) => (raw.detail['status-details'] = { status, 'status-reason': '' })));
    expect(d).toMatchObject({ category: 'UNKNOWN', confidence: 0, summary: `stack checkout-api is ${status}: not a failure deploy-medic acts on`, plan: { action: 'none', reason } });
    expect(d.incidentKey).toBeUndefined();
  });
});

describe('Diagnosis: CloudFormation Resource Status Change', () => {
  describe('DELETE_FAILED', () => {
    it("is the stack's DELETE_FAILED incident, with the resource's own reason, classified with its type and status", () => {
      const signal = {
        text: SG_REASON,
        resourceType: 'AWS::EC2::SecurityGroup',
        status: 'DELETE_FAILED',
        logicalResourceId: 'DatabaseSecurityGroup',
        physicalResourceId: 'sg-0b7c4d1e9a2f63580',
      };
      // The engine's own evidence (the quoted reason, then what it read out of it) comes first.
      const engineEvidence = classifyCfnSignals([signal], [DEPENDENT_OBJECT]).evidence;
      expect(engineEvidence[0]).toBe(`DatabaseSecurityGroup AWS::EC2::SecurityGroup DELETE_FAILED: "${SG_REASON}"`);
      expect(diagnoseResourceEvent(resourceEvent('cfn-resource-delete-failed-sg'), { rules: [DEPENDENT_OBJECT] })).toEqual({
        category: 'DEPENDENCY_VIOLATION',
        confidence: 0.7,
        summary: 'DEPENDENCY_VIOLATION in stack checkout-db (DELETE_FAILED): DatabaseSecurityGroup is held by something else',
        evidence: [
          ...engineEvidence,
          `resource DatabaseSecurityGroup (AWS::EC2::SecurityGroup) sg-0b7c4d1e9a2f63580 in stack checkout-db (${CHECKOUT_DB}): DELETE_FAILED`,
          `operation: client-request-token "${DELETE_TOKEN}" (every event of this stack operation carries it)`,
          "one incident with the stack's DELETE_FAILED: a resource that cannot be deleted fails the stack delete (in a create's rollback the stack ends ROLLBACK_FAILED instead; in an update's cleanup the update completes and leaves the resource behind)",
        ],
        plan: {
          action: 'notify-only',
          reason:
            "offline: DatabaseSecurityGroup blocks the stack delete; the online diagnosis reads the stack's status (DescribeStacks) and what still holds sg-0b7c4d1e9a2f63580, and plans its cleanup only if it belongs to the stack",
        },
        runbook: 'docs/runbooks/DEPENDENCY_VIOLATION.md',
        incidentKey: DELETE_FAILED_KEY,
      });
    });

    it('passes the resource type and status to the engine: a rule for another type does not match', () => {
      const d = diagnoseResourceEvent(resourceEvent('cfn-resource-delete-failed-sg', (raw) => (raw.detail['resource-type'] = 'AWS::EC2::Subnet')), { rules: [DEPENDENT_OBJECT] });
      expect(d).toMatchObject({ category: 'UNKNOWN', confidence: 0, summary: 'UNKNOWN in stack checkout-db (DELETE_FAILED): DatabaseSecurityGroup (AWS::EC2::Subnet) failed to delete: no known cause matches this failure' });
    });

    it.each(['cfn-resource-delete-failed-sg', 'cfn-resource-delete-failed-subnet-group'])('%s: the one CloudFormation engine decides the category', (name) => {
      const event = resourceEvent(name);
      const { detail } = event;
      const expected = classifyCfnSignals([
        {
          text: detail['status-details']['status-reason']!,
          resourceType: detail['resource-type'],
          status: 'DELETE_FAILED',
          logicalResourceId: detail['logical-resource-id'],
          physicalResourceId: detail['physical-resource-id']!,
        },
      ]);
      const d = diagnoseResourceEvent(event);
      expect({ category: d.category, confidence: d.confidence, evidence0: d.evidence[0] }).toEqual({
        category: expected.category,
        confidence: expected.confidence,
        evidence0: expected.evidence[0],
      });
      expect(d.incidentKey).toBe(DELETE_FAILED_KEY);
    });

    it('the resource events and the stack event of one failed delete diagnose the same incident', () => {
      const keys = [
        diagnoseResourceEvent(resourceEvent('cfn-resource-delete-failed-sg')).incidentKey,
        diagnoseResourceEvent(resourceEvent('cfn-resource-delete-failed-subnet-group')).incidentKey,
        diagnoseStackEvent(stackEvent('cfn-stack-delete-failed')).incidentKey,
      ];
      expect(new Set(keys)).toEqual(new Set([DELETE_FAILED_KEY]));
    });
  });

  describe('CREATE_FAILED and other failures: not an incident by themselves', () => {
    it('a name already taken is classified, and starts nothing: the stack decides', () => {
      const d = diagnoseResourceEvent(resourceEvent('cfn-resource-create-failed-already-exists'), { rules: [ALREADY_EXISTS] });
      expect(d).toEqual({
        category: 'ALREADY_EXISTS',
        confidence: 0.6,
        summary: 'ALREADY_EXISTS in stack checkout-worker: WorkerLogGroup (AWS::Logs::LogGroup) CREATE_FAILED: the name is taken (not an incident by itself)',
        evidence: [
          'WorkerLogGroup AWS::Logs::LogGroup CREATE_FAILED: "/ecs/checkout-worker already exists in stack arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-api/51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1"',
          'resource WorkerLogGroup (AWS::Logs::LogGroup) in stack checkout-worker (arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-worker/0c6f8e20-03d4-11f0-a1b7-0a8f2e6d9c35): CREATE_FAILED',
          'operation: client-request-token "Console-CreateStack-b2e47c19-6d05-4a8e-9f31-7c0d5a2e8b64" (every event of this stack operation carries it)',
        ],
        plan: {
          action: 'none',
          reason:
            'CREATE_FAILED of one resource is not an incident by itself: the stack rolls back and its own status change decides; the online diagnosis of that reads this reason back from the stack events',
        },
        runbook: 'docs/runbooks/ALREADY_EXISTS.md',
      });
    });

    it('a cancelled resource is classified by the engine, and starts nothing', () => {
      const d = diagnoseResourceEvent(resourceEvent('cfn-resource-cancelled'));
      const expected = classifyCfnSignals([{ text: 'Resource creation cancelled', resourceType: 'AWS::SQS::Queue', status: 'CREATE_FAILED', logicalResourceId: 'WorkerQueue' }]);
      expect(d).toMatchObject({ category: expected.category, confidence: expected.confidence, plan: { action: 'none' } });
      expect(d.incidentKey).toBeUndefined();
    });

    it('UPDATE_FAILED of a resource starts nothing', () => {
      const d = diagnoseResourceEvent(
        resourceEvent('cfn-resource-delete-failed-sg', (raw) => (raw.detail['status-details'] = { status: 'UPDATE_FAILED', 'status-reason': 'Resource handler returned message: "Invalid retention period"' })),
      );
      expect(d.plan.action).toBe('none');
      expect(d.incidentKey).toBeUndefined();
    });
  });

  it.each(['DELETE_COMPLETE', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS'])('a resource in %s is not a failure', (status) => {
    const d = diagnoseResourceEvent(resourceEvent('cfn-resource-delete-failed-sg', (raw) => (raw.detail['status-details'] = { status, 'status-reason': '' })));
    expect(d).toMatchObject({
      category: 'UNKNOWN',
      confidence: 0,
      summary: `DatabaseSecurityGroup (AWS::EC2::SecurityGroup) in stack checkout-db is ${status}: not a failure`,
      plan: { action: 'none', reason: `${status}: not a failure` },
    });
    expect(d.incidentKey).toBeUndefined();
  });
});

describe('diagnose(): CloudFormation events', () => {
  const CFN_FIXTURES = [
    'cfn-stack-delete-failed',
    'cfn-stack-update-rollback-failed',
    'cfn-stack-rollback-complete',
    'cfn-stack-create-failed',
    'cfn-stack-update-complete',
    'cfn-resource-delete-failed-sg',
    'cfn-resource-delete-failed-subnet-group',
    'cfn-resource-create-failed-already-exists',
    'cfn-resource-cancelled',
  ];

  it.each(CFN_FIXTURES)('%s: the same answer the CLI and the Lambdas get, in the contract shape', (name) => {
    const parsed = parseEvent(fixtureEvent(name));
    const d = diagnose(parsed, { config: loadConfig({}) });
    expect(d).toEqual(parsed.kind === 'cfn-stack-status-change' ? diagnoseStackEvent(parsed.event) : diagnoseResourceEvent(parsed.event as CfnResourceStatusChangeEvent));
    expect(CFN_CATEGORIES).toContain(d.category);
    expect(d.confidence).toBeGreaterThanOrEqual(0);
    expect(d.confidence).toBeLessThanOrEqual(1);
    expect(d.runbook).toBe(`docs/runbooks/${d.category}.md`);
    expect(d.evidence.length).toBeGreaterThan(0);
    // An incident, and only an incident, has a key and asks for a human.
    expect(d.incidentKey !== undefined).toBe(d.plan.action !== 'none');
    expect(['none', 'notify-only']).toContain(d.plan.action);
  });
});

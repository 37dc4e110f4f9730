/**
 * Runbook this protects: one failed stack operation is one incident and one execution - the
 * stack's event and the resource events that explain it, however often each is delivered;
 * the next failed attempt, or a re-created stack of the same name, is another incident.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CfnResourceStatusChangeEvent } from '../../shared/events/cfnResourceStatusChange';
import { CFN_STACK_INCIDENT_STATUSES, type CfnStackStatusChangeEvent } from '../../shared/events/cfnStackStatusChange';
import { parseEvent } from '../../shared/events/parseEvent';
import { cfnIncidentKey, executionNameFor, incidentFromStackEvent, incidentSubject } from '../../shared/incident';
import { ecsEvent as fixtureEvent } from '../support/fixtures';

type Raw = ReturnType<typeof fixtureEvent>;

const cfnEvent = (name: string, mutate?: (raw: Raw) => void): CfnStackStatusChangeEvent | CfnResourceStatusChangeEvent => {
  const raw = fixtureEvent(name);
  mutate?.(raw);
  const parsed = parseEvent(raw);
  if (parsed.kind !== 'cfn-stack-status-change' && parsed.kind !== 'cfn-resource-status-change') throw new Error(`${name} is not a CloudFormation event`);
  return parsed.event;
};

const CHECKOUT_DB = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-db/9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93';
const DELETE_TOKEN = 'Console-DeleteStack-3f6c2a9e-8b41-4d7e-a0c5-91e2f4b7d386';
const DELETE_FAILED_KEY = `cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED:${DELETE_TOKEN}`;

describe('Incident: CloudFormation stack', () => {
  it('is keyed by region, account, stack name and instance, failed status and the operation token', () => {
    expect(incidentFromStackEvent(cfnEvent('cfn-stack-delete-failed'))).toEqual({
      key: DELETE_FAILED_KEY,
      resource: { type: 'cfn-stack', region: 'us-east-1', account: '111122223333', stackId: CHECKOUT_DB, stackName: 'checkout-db' },
      failure: { status: 'DELETE_FAILED', statusReason: 'The following resource(s) failed to delete: [DatabaseSecurityGroup, DatabaseSubnetGroup].' },
      trigger: { eventId: 'e5c2efa4-a20b-4629-a49b-df0026fbaf1c', detailType: 'CloudFormation Stack Status Change', time: '2025-03-18T14:06:20Z' },
    });
  });

  it('the resource events of a failed delete and the stack event are one incident, whichever comes first', () => {
    const keys = ['cfn-resource-delete-failed-sg', 'cfn-resource-delete-failed-subnet-group', 'cfn-stack-delete-failed'].map((name) => incidentFromStackEvent(cfnEvent(name))?.key);
    expect(keys).toEqual([DELETE_FAILED_KEY, DELETE_FAILED_KEY, DELETE_FAILED_KEY]);
    expect(new Set(keys.map((key) => executionNameFor(key!))).size).toBe(1);
  });

  it("a resource that failed to delete names itself and its own reason as the stack's failure", () => {
    expect(incidentFromStackEvent(cfnEvent('cfn-resource-delete-failed-sg'))).toMatchObject({
      resource: { type: 'cfn-stack', stackName: 'checkout-db', stackId: CHECKOUT_DB },
      failure: {
        status: 'DELETE_FAILED',
        statusReason:
          'DatabaseSecurityGroup (AWS::EC2::SecurityGroup): resource sg-0b7c4d1e9a2f63580 has a dependent object (Service: AmazonEC2; Status Code: 400; Error Code: DependencyViolation; Request ID: 7d3e9a41-2c6b-4f80-b5d2-1e8a0c4f6b97; Proxy: null)',
      },
      trigger: { eventId: '5caff01c-bac6-40f7-9d5e-cd4708158d04', detailType: 'CloudFormation Resource Status Change' },
    });
  });

  it('a duplicate delivery is the same incident', () => {
    const again = cfnEvent('cfn-stack-delete-failed', (raw) => {
      raw.id = 'another-delivery';
      raw.time = '2025-03-18T14:06:21Z';
    });
    expect(incidentFromStackEvent(again)?.key).toBe(DELETE_FAILED_KEY);
  });

  it('the next delete attempt (its own token) that fails again is a new incident', () => {
    const retry = cfnEvent('cfn-stack-delete-failed', (raw) => (raw.detail['client-request-token'] = 'Console-DeleteStack-0a9d6c2e-51f7-4b3a-8e64-d27c1b5f9a08'));
    expect(incidentFromStackEvent(retry)?.key).toBe(
      'cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED:Console-DeleteStack-0a9d6c2e-51f7-4b3a-8e64-d27c1b5f9a08',
    );
  });

  it('without a token (API calls that pass none) the key stops at the failed status', () => {
    const noToken = incidentFromStackEvent(cfnEvent('cfn-stack-update-rollback-failed'));
    expect(noToken?.key).toBe('cfn:us-east-1:111122223333:checkout-api@51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1:UPDATE_ROLLBACK_FAILED');
    const absent = cfnEvent('cfn-stack-update-rollback-failed', (raw) => delete raw.detail['client-request-token']);
    expect(incidentFromStackEvent(absent)?.key).toBe(noToken?.key);
  });

  it('a stack re-created under the same name is another stack, another incident', () => {
    const first = incidentFromStackEvent(cfnEvent('cfn-stack-rollback-complete', (raw) => (raw.detail['client-request-token'] = '')));
    const recreated = incidentFromStackEvent(
      cfnEvent('cfn-stack-rollback-complete', (raw) => {
        raw.detail['stack-id'] = 'arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-worker/7e2a9b50-03d9-11f0-93c4-12f7a0d4b6e8';
        raw.detail['client-request-token'] = '';
      }),
    );
    expect(first?.resource.stackName).toBe(recreated?.resource.stackName);
    expect(first?.key).not.toBe(recreated?.key);
  });

  it('the same stack failing in another way is another incident', () => {
    const rollbackFailed = incidentFromStackEvent(cfnEvent('cfn-stack-update-rollback-failed'));
    const deleteFailed = incidentFromStackEvent(
      cfnEvent('cfn-stack-update-rollback-failed', (raw) => (raw.detail['status-details'] = { status: 'DELETE_FAILED', 'status-reason': 'The following resource(s) failed to delete: [CheckoutApiService]. ' })),
    );
    expect(rollbackFailed?.key).not.toBe(deleteFailed?.key);
  });

  it.each(CFN_STACK_INCIDENT_STATUSES)('a stack in %s is an incident about that status', (status) => {
    const incident = incidentFromStackEvent(cfnEvent('cfn-stack-update-complete', (raw) => (raw.detail['status-details'] = { status, 'status-reason': '' })));
    expect(incident?.failure).toEqual({ status });
    expect(incident?.key).toBe(`cfn:us-east-1:111122223333:checkout-api@51c07d30-e8a2-11ef-b6f4-12a9d3c8e5f1:${status}`);
  });

  it.each([
    'CREATE_COMPLETE',
    'UPDATE_COMPLETE',
    'DELETE_COMPLETE',
    'IMPORT_COMPLETE',
    'CREATE_IN_PROGRESS',
    'UPDATE_IN_PROGRESS',
    'DELETE_IN_PROGRESS',
    'ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
    'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE',
    'IMPORT_ROLLBACK_COMPLETE',
    'REVIEW_IN_PROGRESS',
  ])('a stack in %s is not an incident', (status) => {
    expect(incidentFromStackEvent(cfnEvent('cfn-stack-update-complete', (raw) => (raw.detail['status-details'] = { status, 'status-reason': '' })))).toBeUndefined();
  });

  it.each([
    ['cfn-resource-create-failed-already-exists', 'a resource that failed to create: the stack rolls back and its status decides'],
    ['cfn-resource-cancelled', 'a resource cancelled because another failed first'],
  ])('%s is not an incident by itself (%s)', (name) => {
    expect(incidentFromStackEvent(cfnEvent(name))).toBeUndefined();
  });

  it.each(['UPDATE_FAILED', 'DELETE_COMPLETE', 'DELETE_IN_PROGRESS', 'ROLLBACK_COMPLETE'])('a resource in %s is not an incident by itself', (status) => {
    expect(incidentFromStackEvent(cfnEvent('cfn-resource-delete-failed-sg', (raw) => (raw.detail['status-details'] = { status, 'status-reason': '' })))).toBeUndefined();
  });

  it('reads the docs-abbreviated stack id (no instance uuid) without a uuid in the key', () => {
    const event = cfnEvent('cfn-stack-delete-failed', (raw) => {
      raw.detail['stack-id'] = 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack';
      raw.detail['client-request-token'] = '';
    });
    expect(incidentFromStackEvent(event)?.key).toBe('cfn:us-west-1:111122223333:teststack:DELETE_FAILED');
  });

  it('is named for people as its stack', () => {
    expect(incidentSubject(incidentFromStackEvent(cfnEvent('cfn-stack-delete-failed'))!)).toBe('stack checkout-db');
  });

  it('cfnIncidentKey builds the key incidentFromStackEvent uses', () => {
    const ref = { region: 'us-east-1', account: '111122223333', stackName: 'checkout-db', stackUuid: '9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93' };
    expect(cfnIncidentKey(ref, 'DELETE_FAILED', DELETE_TOKEN)).toBe(DELETE_FAILED_KEY);
    expect(cfnIncidentKey(ref, 'DELETE_FAILED', '  ')).toBe('cfn:us-east-1:111122223333:checkout-db@9a4c2e70-f3b1-11ef-8d2a-0e5c7b1f4a93:DELETE_FAILED');
  });

  it('every key makes a valid Step Functions execution name, and different operations stay apart', () => {
    // Stack names: letters, digits, hyphens, up to 128. Tokens: [a-zA-Z0-9][-a-zA-Z0-9]*, up to 128.
    const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
    const name = fc.tuple(alnum, fc.array(fc.oneof(alnum, fc.constant('-')), { maxLength: 127 })).map(([head, rest]) => head + rest.join(''));
    fc.assert(
      fc.property(name, fc.uuid(), fc.constantFrom(...CFN_STACK_INCIDENT_STATUSES), name, name, (stackName, stackUuid, status, token, otherToken) => {
        const ref = { region: 'us-east-1', account: '111122223333', stackName, stackUuid };
        const execution = executionNameFor(cfnIncidentKey(ref, status, token));
        expect(execution).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
        if (token !== otherToken) expect(executionNameFor(cfnIncidentKey(ref, status, otherToken))).not.toBe(execution);
      }),
    );
  });
});

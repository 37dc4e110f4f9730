/**
 * Runbook this protects: a CloudFormation stack or resource event, as AWS sends it, is read
 * with every documented field; one that is not what AWS sends is refused with the field named,
 * before anything downstream trusts it.
 */
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../shared/errors';
import { stackRefFromId } from '../../shared/events/cfnStackId';
import { parseEvent } from '../../shared/events/parseEvent';
import { ecsEvent as event } from '../support/fixtures';

const STACK_FIXTURES = ['cfn-stack-delete-failed', 'cfn-stack-update-rollback-failed', 'cfn-stack-rollback-complete', 'cfn-stack-create-failed', 'cfn-stack-update-complete'];
const RESOURCE_FIXTURES = [
  'cfn-resource-delete-failed-sg',
  'cfn-resource-delete-failed-subnet-group',
  'cfn-resource-create-failed-already-exists',
  'cfn-resource-cancelled',
];

/** The documented example, verbatim (CloudFormation User Guide, "Stack Status Change event detail"). */
const DOCUMENTED_STACK_EXAMPLE = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'CloudFormation Stack Status Change',
  source: 'aws.cloudformation',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:cloudformation:us-west-1:111122223333:stack/teststack'],
  detail: {
    'stack-id': 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
    'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' },
    'client-request-token': '',
  },
};

/** The documented example, verbatim (CloudFormation User Guide, "Resource Status Change event detail"). */
const DOCUMENTED_RESOURCE_EXAMPLE = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'CloudFormation Resource Status Change',
  source: 'aws.cloudformation',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:cloudformation:us-west-1:111122223333:stack/teststack'],
  detail: {
    'stack-id': 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
    'logical-resource-id': 'my-s3-bucket',
    'physical-resource-id': 'arn:aws:s3:::my-s3-bucket-us-east-1',
    'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' },
    'resource-type': 'AWS::S3::Bucket',
    'client-request-token': '',
  },
};

const errorOf = (raw: unknown): Error => {
  try {
    parseEvent(raw);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parseEvent accepted the event');
};

describe('parseEvent: CloudFormation Stack Status Change', () => {
  it.each(STACK_FIXTURES)('reads %s with every documented field', (name) => {
    const raw = event(name);
    const parsed = parseEvent(raw);
    expect(parsed.kind).toBe('cfn-stack-status-change');
    expect(parsed.event).toEqual(raw);
  });

  it('reads the documented example, whose stack id has no instance uuid', () => {
    const parsed = parseEvent(DOCUMENTED_STACK_EXAMPLE);
    expect(parsed.kind).toBe('cfn-stack-status-change');
    expect(stackRefFromId(DOCUMENTED_STACK_EXAMPLE.detail['stack-id'])).toEqual({
      stackId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
      region: 'us-west-1',
      account: '111122223333',
      stackName: 'teststack',
    });
  });

  it('keeps fields AWS does not document (loose), such as detailed-status', () => {
    const raw = event('cfn-stack-delete-failed');
    raw.detail['status-details'] = { ...(raw.detail['status-details'] as object), 'detailed-status': '' };
    raw.detail['stack-name'] = 'checkout-db';
    expect(parseEvent(raw).event.detail).toEqual(raw.detail);
  });

  it('reads an event without client-request-token or status-reason (API calls that pass no token)', () => {
    const raw = event('cfn-stack-update-complete');
    delete raw.detail['client-request-token'];
    raw.detail['status-details'] = { status: 'UPDATE_COMPLETE' };
    expect(parseEvent(raw).kind).toBe('cfn-stack-status-change');
  });

  it.each([
    ['a missing stack-id', (raw: ReturnType<typeof event>) => delete raw.detail['stack-id'], /detail\.stack-id: the stack id, a CloudFormation stack ARN/],
    ['a stack id that is not a stack ARN', (raw: ReturnType<typeof event>) => (raw.detail['stack-id'] = 'checkout-db'), /detail\.stack-id: the stack id/],
    [
      'an ECS ARN for a stack id',
      (raw: ReturnType<typeof event>) => (raw.detail['stack-id'] = 'arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-api'),
      /detail\.stack-id: the stack id/,
    ],
    ['missing status-details', (raw: ReturnType<typeof event>) => delete raw.detail['status-details'], /detail\.status-details: /],
    ['an empty status', (raw: ReturnType<typeof event>) => (raw.detail['status-details'] = { status: '' }), /detail\.status-details\.status: /],
    ['a status-reason that is not a string', (raw: ReturnType<typeof event>) => (raw.detail['status-details'] = { status: 'DELETE_FAILED', 'status-reason': 42 }), /detail\.status-details\.status-reason: /],
    ['a client-request-token that is not a string', (raw: ReturnType<typeof event>) => (raw.detail['client-request-token'] = null), /detail\.client-request-token: /],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const raw = event('cfn-stack-delete-failed');
    mutate(raw);
    const error = errorOf(raw);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.message).toMatch(message);
  });

  it('rejects the detail-type from another source', () => {
    const raw = { ...event('cfn-stack-delete-failed'), source: 'aws.ecs' };
    expect(() => parseEvent(raw)).toThrowError('detail-type "CloudFormation Stack Status Change" must come from source "aws.cloudformation", not "aws.ecs"');
  });
});

describe('parseEvent: CloudFormation Resource Status Change', () => {
  it.each(RESOURCE_FIXTURES)('reads %s with every documented field', (name) => {
    const raw = event(name);
    const parsed = parseEvent(raw);
    expect(parsed.kind).toBe('cfn-resource-status-change');
    expect(parsed.event).toEqual(raw);
  });

  it('reads the documented example', () => {
    expect(parseEvent(DOCUMENTED_RESOURCE_EXAMPLE).kind).toBe('cfn-resource-status-change');
  });

  it.each(['AWS::EC2::SecurityGroup', 'Custom::EmptyBucket', 'AWS::CloudFormation::CustomResource', 'MyOrg::Storage::Bucket::MODULE'])('accepts the resource type %s', (type) => {
    const raw = event('cfn-resource-delete-failed-sg');
    raw.detail['resource-type'] = type;
    expect(parseEvent(raw).kind).toBe('cfn-resource-status-change');
  });

  it.each([
    ['a missing logical-resource-id', (raw: ReturnType<typeof event>) => delete raw.detail['logical-resource-id'], /detail\.logical-resource-id: /],
    ['a missing resource-type', (raw: ReturnType<typeof event>) => delete raw.detail['resource-type'], /detail\.resource-type: /],
    ['a resource type that is not one', (raw: ReturnType<typeof event>) => (raw.detail['resource-type'] = 'security group'), /detail\.resource-type: a resource type/],
    ['a missing stack-id', (raw: ReturnType<typeof event>) => delete raw.detail['stack-id'], /detail\.stack-id: the stack id/],
    ['a missing status', (raw: ReturnType<typeof event>) => (raw.detail['status-details'] = { 'status-reason': 'x' }), /detail\.status-details\.status: /],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const raw = event('cfn-resource-delete-failed-sg');
    mutate(raw);
    const error = errorOf(raw);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.message).toMatch(message);
  });
});

/**
 * The EventBridge patterns ingest subscribes to, proven against a real matcher: each
 * pattern from serverless.yml (the `ingest` function's `eventBridge` events, exactly as
 * deployed) goes on a rule of its own on a fresh bus in moto_server, each rule feeds its own
 * SQS queue, and every event fixture is put on the bus. What reaches each queue must be
 * exactly the events of that rule's row in the table, compared by EventBridge event id.
 *
 * Why moto and not a matcher written here: a pattern checked by our own code proves only that
 * two pieces of our code agree. moto_server's matcher is an independent implementation of
 * the EventBridge pattern language. Its known gaps (test/support/moto-probe.md): patterns on
 * arrays of objects do not match (ours match scalar fields only), and delivered events lack
 * `account` (restored below before parsing).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { localClientConfig } from '../../cli/local/localAws';
import { CFN_RESOURCE_INCIDENT_STATUSES } from '../../shared/events/cfnResourceStatusChange';
import { CFN_STACK_INCIDENT_STATUSES } from '../../shared/events/cfnStackStatusChange';
import { parseEvent } from '../../shared/events/parseEvent';
import { ecsEvent } from '../support/fixtures';

type Json = any;
type RuleName = 'task-stopped' | 'deployment' | 'service-action' | 'cfn-stack' | 'cfn-resource';

const root = fileURLToPath(new URL('../../', import.meta.url));
const eventsDir = `${root}test/fixtures/events/`;

/** The rule each detail-type's pattern is, by the detail-type it subscribes to. */
const RULE_BY_DETAIL_TYPE: Record<string, RuleName> = {
  'ECS Task State Change': 'task-stopped',
  'ECS Deployment State Change': 'deployment',
  'ECS Service Action': 'service-action',
  'CloudFormation Stack Status Change': 'cfn-stack',
  'CloudFormation Resource Status Change': 'cfn-resource',
};

/**
 * One row per event: the fixture (or a documented variant of one) and the rule that must
 * deliver it, or `null` for events ingest must never see.
 */
interface Row {
  name: string;
  event: () => Json;
  expected: RuleName | null;
  why: string;
}

const fixtureRow = (name: string, expected: RuleName | null, why: string): Row => ({ name, event: () => ecsEvent(name), expected, why });
const variantRow = (name: string, from: string, change: (raw: Json) => void, expected: RuleName | null, why: string): Row => ({
  name,
  event: () => {
    const raw = ecsEvent(from);
    change(raw);
    return raw;
  },
  expected,
  why,
});

const FIXTURE_ROWS: Row[] = [
  fixtureRow('ecs-task-stopped-oom-fargate', 'task-stopped', 'a stopped task: the cause is in it'),
  fixtureRow('ecs-task-stopped-image-pull-not-found', 'task-stopped', 'a task that failed to start: the image tag is missing'),
  fixtureRow('ecs-task-stopped-image-pull-throttled', 'task-stopped', 'a task that failed to start: the registry throttled the pull'),
  fixtureRow('ecs-task-stopped-oom-ec2', 'task-stopped', 'a stopped task on EC2'),
  fixtureRow('ecs-task-stopped-scaling', 'task-stopped', 'stopped by scale-in: ingest sees it and drops it as normal life'),
  fixtureRow('ecs-task-stopped-user', 'task-stopped', 'stopped by a user: ingest drops it as normal life'),
  fixtureRow('ecs-task-stopped-spot', 'task-stopped', 'a Spot interruption, final STOPPED event'),
  fixtureRow('ecs-task-stopped-exit137-no-oom', 'task-stopped', 'exit 137 without an OOM reason'),
  fixtureRow('ecs-task-running', null, 'a RUNNING task is not news'),
  fixtureRow('ecs-task-spot-interruption-warning', null, 'the Spot warning is still RUNNING: the STOPPED event follows'),
  fixtureRow('ecs-deployment-failed', 'deployment', 'the circuit breaker failed the deployment: an incident'),
  fixtureRow('ecs-deployment-completed', 'deployment', 'a completed deployment names the last known good'),
  fixtureRow('ecs-deployment-in-progress', null, 'every deployment sends IN_PROGRESS: nothing to do'),
  fixtureRow('ecs-service-task-start-impaired', 'service-action', 'tasks cannot start'),
  fixtureRow('ecs-service-placement-failure', 'service-action', 'no Fargate Spot capacity'),
  fixtureRow('ecs-service-placement-failure-ec2', 'service-action', 'not enough memory on the container instances'),
  fixtureRow('ecs-service-steady-state', 'service-action', 'the service recovered'),
  fixtureRow('cfn-stack-delete-failed', 'cfn-stack', 'the stack delete failed: it stays until its blockers are gone'),
  fixtureRow('cfn-stack-update-rollback-failed', 'cfn-stack', 'a failed update that could not be rolled back: stuck'),
  fixtureRow('cfn-stack-rollback-complete', 'cfn-stack', 'a failed create, rolled back: the stack can only be deleted'),
  fixtureRow('cfn-stack-create-failed', 'cfn-stack', 'a failed create with rollback disabled'),
  fixtureRow('cfn-stack-update-complete', null, 'a successful update is not news'),
  fixtureRow('cfn-resource-delete-failed-sg', 'cfn-resource', 'a security group that cannot be deleted fails the stack delete'),
  fixtureRow('cfn-resource-delete-failed-subnet-group', 'cfn-resource', 'a DB subnet group in use fails the stack delete'),
  fixtureRow('cfn-resource-create-failed-already-exists', null, 'a resource that failed to create: the stack rolls back and its status decides'),
  fixtureRow('cfn-resource-cancelled', null, 'cancelled because another resource failed first: not the cause'),
];

const VARIANT_ROWS: Row[] = [
  variantRow('unrelated source', 'ecs-task-stopped-oom-fargate', (raw) => (raw.source = 'deploy-medic.test'), null, 'not from aws.ecs'),
  variantRow(
    'other ECS detail-type',
    'ecs-task-stopped-oom-fargate',
    (raw) => (raw['detail-type'] = 'ECS Container Instance State Change'),
    null,
    'a detail-type ingest does not read, even with lastStatus STOPPED in it',
  ),
  variantRow(
    'deployment rollback in progress',
    'ecs-deployment-in-progress',
    (raw) => (raw.detail.reason = 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2748106493853251907.'),
    null,
    'IN_PROGRESS, whatever the reason: the FAILED event is the incident',
  ),
  variantRow(
    'capacity provider steady state',
    'ecs-service-steady-state',
    (raw) => (raw.detail.eventName = 'CAPACITY_PROVIDER_STEADY_STATE'),
    null,
    'an INFO service action not subscribed',
  ),
  variantRow(
    'task configuration failure',
    'ecs-service-task-start-impaired',
    (raw) => {
      raw.detail.eventType = 'ERROR';
      raw.detail.eventName = 'SERVICE_TASK_CONFIGURATION_FAILURE';
    },
    null,
    'a service action not subscribed (yet)',
  ),
  variantRow(
    'deployment eventName on a service action',
    'ecs-service-steady-state',
    (raw) => (raw.detail.eventName = 'SERVICE_DEPLOYMENT_FAILED'),
    null,
    'the deployment pattern is bound to its own detail-type',
  ),
];

/** A stack or resource event of the given fixture with another status (and its reason emptied). */
const withStatus = (status: string, reason = '') => (raw: Json) => {
  raw.detail['status-details'] = { status, 'status-reason': reason };
};

const CFN_VARIANT_ROWS: Row[] = [
  variantRow('stack ROLLBACK_FAILED', 'cfn-stack-rollback-complete', withStatus('ROLLBACK_FAILED'), 'cfn-stack', "a create's rollback that could not remove everything"),
  variantRow('stack UPDATE_FAILED', 'cfn-stack-update-complete', withStatus('UPDATE_FAILED', 'The following resource(s) failed to update: [CheckoutApiService].'), 'cfn-stack', 'an update that failed with rollback disabled'),
  variantRow('stack IMPORT_ROLLBACK_FAILED', 'cfn-stack-update-complete', withStatus('IMPORT_ROLLBACK_FAILED'), 'cfn-stack', 'an import whose rollback failed'),
  variantRow(
    'stack UPDATE_ROLLBACK_COMPLETE',
    'cfn-stack-update-rollback-failed',
    withStatus('UPDATE_ROLLBACK_COMPLETE'),
    null,
    'a failed update that rolled back: the stack is back at its last working state',
  ),
  variantRow(
    'stack UPDATE_ROLLBACK_IN_PROGRESS',
    'cfn-stack-update-rollback-failed',
    withStatus('UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [CheckoutApiService].'),
    null,
    'still rolling back: its final status decides',
  ),
  variantRow('stack DELETE_IN_PROGRESS', 'cfn-stack-delete-failed', withStatus('DELETE_IN_PROGRESS', 'User Initiated'), null, 'a delete under way'),
  variantRow('stack DELETE_COMPLETE', 'cfn-stack-delete-failed', withStatus('DELETE_COMPLETE'), null, 'a delete that succeeded'),
  variantRow('stack CREATE_COMPLETE', 'cfn-stack-create-failed', withStatus('CREATE_COMPLETE'), null, 'a create that succeeded'),
  variantRow('stack UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'cfn-stack-update-complete', withStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'), null, 'the update succeeded; old resources are being removed'),
  variantRow(
    'resource UPDATE_FAILED',
    'cfn-resource-create-failed-already-exists',
    withStatus('UPDATE_FAILED', 'Resource handler returned message: "Invalid retention period"'),
    null,
    'a resource that failed to update: the stack rolls back and its status decides',
  ),
  variantRow('resource DELETE_COMPLETE', 'cfn-resource-delete-failed-sg', withStatus('DELETE_COMPLETE'), null, 'a resource deleted as asked'),
  variantRow('resource DELETE_IN_PROGRESS', 'cfn-resource-delete-failed-sg', withStatus('DELETE_IN_PROGRESS'), null, 'a delete under way'),
  variantRow(
    'stack status on a resource event',
    'cfn-resource-delete-failed-subnet-group',
    withStatus('ROLLBACK_COMPLETE'),
    null,
    'the stack statuses are bound to the stack detail-type: a resource in ROLLBACK_COMPLETE is no incident',
  ),
  variantRow(
    'DELETE_FAILED from another source',
    'cfn-stack-delete-failed',
    (raw) => (raw.source = 'deploy-medic.test'),
    null,
    'not from aws.cloudformation, whatever it says',
  ),
  variantRow(
    'DELETE_FAILED on a StackSet instance detail-type',
    'cfn-stack-delete-failed',
    (raw) => (raw['detail-type'] = 'CloudFormation StackSet StackInstance Status Change'),
    null,
    'a detail-type ingest does not read, even with status-details.status DELETE_FAILED',
  ),
];

const ROWS = [...FIXTURE_ROWS, ...VARIANT_ROWS, ...CFN_VARIANT_ROWS];

/** serverless.yml, with the CloudFormation short forms it uses read as their long forms. */
function ingestPatterns(): Json[] {
  const scalar = (tag: string, fn: string) => ({ tag, resolve: (value: string) => ({ [fn]: value }) });
  const doc = parse(readFileSync(`${root}serverless.yml`, 'utf8'), {
    customTags: [
      scalar('!Ref', 'Ref'),
      scalar('!Sub', 'Fn::Sub'),
      scalar('!GetAtt', 'Fn::GetAtt'),
      // Condition functions (the drift role's opt-in policy) only need to parse here.
      ...['Not', 'Equals', 'If', 'And', 'Or'].map((fn) => ({ tag: `!${fn}`, collection: 'seq' as const, resolve: (value: unknown) => ({ [`Fn::${fn}`]: value }) })),
    ],
  }) as Json;
  const events: Json[] = doc.functions.ingest.events;
  return events.map((e) => {
    if (e.eventBridge?.pattern === undefined) throw new Error(`ingest has an event that is not an EventBridge pattern: ${JSON.stringify(e)}`);
    return e.eventBridge.pattern;
  });
}

describe('EventBridge patterns of ingest, matched by moto_server', () => {
  const config = localClientConfig(inject('motoEndpoint'));
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  const id = randomUUID().slice(0, 8);
  const busName = `medic-patterns-${id}`;
  const rules: { name: RuleName; ruleName: string; queueUrl: string; pattern: Json }[] = [];
  /** rule -> ids of the events its queue received; event id -> the envelope delivered. */
  const received = new Map<RuleName, string[]>();
  const delivered = new Map<string, Json>();
  /** row name -> the EventBridge id PutEvents gave it. */
  const sentIds = new Map<string, string>();

  beforeAll(async () => {
    await events.send(new CreateEventBusCommand({ Name: busName }));
    for (const pattern of ingestPatterns()) {
      const name = RULE_BY_DETAIL_TYPE[pattern['detail-type']?.[0]];
      if (name === undefined) throw new Error(`no row name for the pattern ${JSON.stringify(pattern)}`);
      const ruleName = `${name}-${id}`;
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `medic-patterns-${name}-${id}` }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await events.send(new PutRuleCommand({ Name: ruleName, EventBusName: busName, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
      await events.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: busName, Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }));
      rules.push({ name, ruleName, queueUrl: QueueUrl!, pattern });
    }

    for (const row of ROWS) {
      const raw = row.event();
      const out = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: raw.source,
              DetailType: raw['detail-type'],
              Detail: JSON.stringify(raw.detail),
              Resources: raw.resources,
              Time: new Date(raw.time),
            },
          ],
        }),
      );
      expect(out.FailedEntryCount, row.name).toBe(0);
      sentIds.set(row.name, out.Entries![0]!.EventId!);
    }

    // Delivery is synchronous in moto: everything matched is in the queues by now.
    for (const rule of rules) {
      const ids: string[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: rule.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (Messages.length === 0) break;
        for (const message of Messages) {
          const envelope = JSON.parse(message.Body!);
          ids.push(envelope.id);
          delivered.set(envelope.id, envelope);
        }
      }
      received.set(rule.name, ids);
    }
  });

  afterAll(async () => {
    for (const rule of rules) {
      await events.send(new RemoveTargetsCommand({ Rule: rule.ruleName, EventBusName: busName, Ids: ['queue'] }));
      await events.send(new DeleteRuleCommand({ Name: rule.ruleName, EventBusName: busName }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: rule.queueUrl }));
    }
    await events.send(new DeleteEventBusCommand({ Name: busName }));
  });

  it('ingest subscribes to exactly five patterns, one per detail-type it reads', () => {
    expect(rules.map((r) => r.name).sort()).toEqual(['cfn-resource', 'cfn-stack', 'deployment', 'service-action', 'task-stopped']);
  });

  it('subscribes to exactly the CloudFormation statuses the code treats as incidents', () => {
    const statusesOf = (name: RuleName) => rules.find((r) => r.name === name)?.pattern.detail['status-details'].status;
    expect(statusesOf('cfn-stack')).toEqual([...CFN_STACK_INCIDENT_STATUSES]);
    expect(statusesOf('cfn-resource')).toEqual([...CFN_RESOURCE_INCIDENT_STATUSES]);
  });

  it('has a row for every event fixture, so a new fixture cannot skip this proof', () => {
    const files = readdirSync(eventsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    expect(FIXTURE_ROWS.map((r) => r.name).sort()).toEqual(files);
  });

  it.each(ROWS.map((row) => [row.name, row.expected ?? 'no rule', row] as const))('%s -> %s', (_name, _expected, row) => {
    const eventId = sentIds.get(row.name)!;
    const matchedBy = [...received].filter(([, ids]) => ids.includes(eventId)).map(([rule]) => rule);
    expect(matchedBy, row.why).toEqual(row.expected === null ? [] : [row.expected]);
  });

  it('each queue holds exactly the events of its rule, each once', () => {
    for (const rule of rules) {
      const expected = ROWS.filter((r) => r.expected === rule.name).map((r) => sentIds.get(r.name));
      expect([...(received.get(rule.name) ?? [])].sort(), rule.name).toEqual([...expected].sort());
    }
  });

  it('what a rule delivers is the event as sent, and parses back (moto drops `account`: restored)', () => {
    for (const row of ROWS.filter((r) => r.expected !== null)) {
      const sent = row.event();
      const got = delivered.get(sentIds.get(row.name)!);
      expect(got, row.name).toMatchObject({ source: sent.source, 'detail-type': sent['detail-type'], resources: sent.resources, detail: sent.detail });
      const parsed = parseEvent({ ...got, account: sent.account });
      expect(parsed.kind, row.name).toBe(
        (
          {
            'task-stopped': 'ecs-task-state-change',
            deployment: 'ecs-deployment-state-change',
            'service-action': 'ecs-service-action',
            'cfn-stack': 'cfn-stack-status-change',
            'cfn-resource': 'cfn-resource-status-change',
          } as const
        )[row.expected!],
      );
    }
  });
});

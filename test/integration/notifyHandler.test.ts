/**
 * The notify Lambda against moto (SNS, SQS, Secrets Manager, SSM, S3) and a local Slack on
 * 127.0.0.1: the credential read through Powertools Parameters, the report written to S3, the
 * alert published with its Q Developer body, Slack posted - as deployed, minus AWS.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createAlertTopicWithInbox } from '../../cli/local/alertInbox';
import { type ApiCallLog, countCalls, localClientConfig, localClients } from '../../cli/local/localAws';
import { makeNotifyHandler } from '../../functions/notify/handler';
import { loadConfig } from '../../shared/config';
import { checkChatbotNotification } from '../../shared/notify/chatbotNotification';
import { formatNotification } from '../../shared/notify/formatNotification';
import { reportKeyFor } from '../../shared/notify/incidentReport';
import { loadNotifyConfig } from '../../shared/notify/notifyConfig';
import { publishToSns } from '../../shared/notify/publishToSns';
import { type SlackSecretSource, slackCredentialsLoader } from '../../shared/notify/slackCredentials';
import { SlackNotifier } from '../../shared/notify/slackNotifier';
import { DOCS, NOW, OPENED_AT, oomIncident, openedOomRun, resolvedOomAlert, resolvedOomRun } from '../unit/notifyFixtures';
import { type LocalSlack, slackWebApi, startLocalSlack } from './localSlack';

const endpoint = () => inject('motoEndpoint');
const unique = () => `notify-${Math.random().toString(36).slice(2, 10)}`;
const HOOK_PATH = '/services/T0001/B0001/abcdefghijklmnopqrstuvwx';
const noWait = { acquire: async () => {} };

let slack: LocalSlack;
beforeAll(async () => {
  slack = await startLocalSlack();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.requests.length = 0;
  slack.setDefault(() => ({ status: 200, body: 'ok' }));
});

describe('SNS http subscription (moto_server)', () => {
  it('moto really POSTs the published alert to the endpoint, and the body is the Q Developer custom notification', async () => {
    const { sns } = localClients(endpoint());
    const topic = await sns.send(new CreateTopicCommand({ Name: unique() }));
    const subscription = await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'http', Endpoint: `${slack.url}/sns` }));
    // moto confirms http subscriptions itself (AWS would first POST a SubscriptionConfirmation).
    expect(subscription.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:123456789012:/);

    const notification = formatNotification(resolvedOomAlert());
    const messageId = await publishToSns(sns, topic.TopicArn!, notification);

    // Delivery is synchronous in moto: the POST has arrived when Publish returns.
    expect(slack.requests).toHaveLength(1);
    const [request] = slack.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/sns');
    const envelope = request!.json() as { Type: string; MessageId: string; TopicArn: string; Subject: string; Message: string };
    expect(envelope).toMatchObject({ Type: 'Notification', MessageId: messageId, TopicArn: topic.TopicArn, Subject: notification.subject });
    const body = JSON.parse(envelope.Message) as unknown;
    expect(body).toEqual(notification.chatbot);
    expect(checkChatbotNotification(body)).toEqual([]);
  });
});

describe('Notify handler', () => {
  interface Setup {
    source: SlackSecretSource;
    bucket?: string;
    apiBaseUrl?: string;
  }

  async function deployment(setup: Setup) {
    const clients = localClients(endpoint());
    const inbox = await createAlertTopicWithInbox(clients.sns, clients.sqs, unique());
    const secretsCalls: ApiCallLog = [];
    const secretsClient = countCalls(new SecretsManagerClient(localClientConfig(endpoint())), 'SecretsManager', secretsCalls);
    const ssmCalls: ApiCallLog = [];
    const ssmClient = countCalls(new SSMClient(localClientConfig(endpoint())), 'SSM', ssmCalls);
    // One provider pair per "container", as the Lambda builds them at init.
    const credentials = slackCredentialsLoader({
      source: setup.source,
      secrets: new SecretsProvider({ awsSdkV3Client: secretsClient }),
      ssm: new SSMProvider({ awsSdkV3Client: ssmClient }),
    });
    const notifier = new SlackNotifier({ credentials, ...(setup.apiBaseUrl ? { apiBaseUrl: setup.apiBaseUrl } : {}), http: { limiter: noWait, sleep: async () => {} } });
    const handler = makeNotifyHandler({
      sns: clients.sns,
      topicArn: () => inbox.topicArn,
      config: () => loadConfig({ STAGE: 'prod' }),
      notifyConfig: () => ({ docsBaseUrl: DOCS }),
      slack: () => notifier,
      reports: () => (setup.bucket ? { s3: clients.s3, bucket: setup.bucket, region: 'us-east-1' } : undefined),
      now: () => NOW,
    });
    return { handler, inbox, clients, secretsCalls, ssmCalls };
  }

  async function webhookSecret(url = `${slack.url}${HOOK_PATH}`): Promise<string> {
    const name = `deploy-medic/${unique()}/slack`;
    await new SecretsManagerClient(localClientConfig(endpoint())).send(new CreateSecretCommand({ Name: name, SecretString: url }));
    return name;
  }

  it('reads the webhook from Secrets Manager, stores the report in S3, publishes to SNS and posts to Slack', async () => {
    const bucket = unique();
    const secretId = await webhookSecret();
    const { handler, inbox, clients } = await deployment({ source: { kind: 'secretsmanager', secretId }, bucket });
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));

    const result = await handler({ phase: 'resolved', run: resolvedOomRun(), openedAt: OPENED_AT });

    const key = reportKeyFor(oomIncident.key);
    const report = {
      url: `https://s3.console.aws.amazon.com/s3/object/${bucket}?region=us-east-1&bucketType=general&prefix=${encodeURIComponent(key)}`,
      bucket,
      key,
    };
    expect(result).toEqual({
      phase: 'resolved',
      subject: '[deploy-medic prod] Resolved: OOM in prod/checkout-api',
      messageId: expect.any(String),
      slack: null,
      slackDelivery: 'posted',
      report,
    });

    // S3: the report, as markdown.
    const stored = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(stored.ContentType).toBe('text/markdown; charset=utf-8');
    const markdown = await stored.Body!.transformToString();
    expect(markdown).toContain('# Resolved: OOM in prod/checkout-api');
    expect(markdown).toContain('| MTTR (event to resolved) | 6m 10s |');

    // SNS -> SQS: our JSON document, attributes for filters, the report linked.
    const [alert] = await inbox.receive();
    expect(alert!.attributes).toEqual({ severity: 'info', category: 'OOM', stage: 'prod', action: 'ecs-resize-memory', phase: 'resolved', mode: 'auto' });
    expect(alert!.json).toMatchObject({ phase: 'resolved', report });

    // Slack: the Block Kit message, linking the report.
    expect(slack.requests.map((r) => r.path)).toEqual([HOOK_PATH]);
    const message = slack.requests[0]!.json() as { text: string; blocks: unknown[] };
    expect(message.text).toBe(':white_check_mark: [prod] Resolved: OOM in prod/checkout-api');
    expect(JSON.stringify(message.blocks)).toContain(`<${report.url}|Incident report>`);
  });

  it('reads the secret once per five minutes: a second alert uses the cached webhook, even after the secret changed', async () => {
    const secretId = await webhookSecret();
    const { handler, secretsCalls } = await deployment({ source: { kind: 'secretsmanager', secretId } });
    await handler({ phase: 'opened', run: openedOomRun() });
    await new SecretsManagerClient(localClientConfig(endpoint())).send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'https://hooks.slack.com/services/T/B/rotated' }));
    await handler({ phase: 'resolved', run: resolvedOomRun() });

    expect(secretsCalls.map((c) => c.call)).toEqual(['SecretsManager.GetSecretValue']);
    expect(slack.requests.map((r) => r.path)).toEqual([HOOK_PATH, HOOK_PATH]);
  });

  it('with a bot token in an SSM SecureString: one message, updated by the later phase in the thread the ASL kept', async () => {
    const name = `/deploy-medic/${unique()}/slack`;
    await new SSMClient(localClientConfig(endpoint())).send(
      new PutParameterCommand({ Name: name, Type: 'SecureString', Value: JSON.stringify({ botToken: 'xoxb-test-token', channel: 'C0ALERTS' }) }),
    );
    slack.setDefault(slackWebApi());
    const { handler, ssmCalls } = await deployment({ source: { kind: 'ssm', parameterName: name }, apiBaseUrl: `${slack.url}/api` });

    const opened = await handler({ phase: 'opened', run: openedOomRun(), openedAt: OPENED_AT });
    expect(opened).toMatchObject({ slack: { channel: 'C0ALERTS', ts: '1741944000.000001' }, slackDelivery: 'posted', report: { note: 'not stored (REPORTS_BUCKET is not set)' } });

    // What the ASL hands the next Notify once NotifyOpened keeps its result at $.notify.
    const resolved = await handler({ phase: 'resolved', run: { ...resolvedOomRun(), notify: { slack: opened.slack } }, openedAt: OPENED_AT });
    expect(resolved).toMatchObject({ slack: opened.slack, slackDelivery: 'updated' });

    expect(slack.requests.map((r) => r.path)).toEqual(['/api/chat.postMessage', '/api/chat.update', '/api/chat.postMessage']);
    expect(slack.requests[1]!.json()).toMatchObject({ channel: 'C0ALERTS', ts: '1741944000.000001' });
    expect(slack.requests[2]!.json()).toMatchObject({ thread_ts: '1741944000.000001' });
    expect(ssmCalls.map((c) => c.call)).toEqual(['SSM.GetParameter']);
  });

  it('Slack failing after the SNS alert went out fails the task (the ASL Catch path), and the alert is not lost', async () => {
    const secretId = await webhookSecret();
    const { handler, inbox } = await deployment({ source: { kind: 'secretsmanager', secretId } });
    slack.setDefault(() => ({ status: 500, body: 'internal_error' }));

    const failure = handler({ phase: 'escalated', run: { ...openedOomRun(), error: { Error: 'RemediationError', Cause: 'boom' } } });
    await expect(failure).rejects.toMatchObject({ name: 'SlackDeliveryError' });
    await expect(failure).rejects.toThrow(/^Slack webhook failed: HTTP 500 "internal_error" \(the SNS alert .+ was published\)$/);
    expect(await inbox.receive()).toHaveLength(1);
  });

  it('a Slack secret that does not exist still lets the SNS alert out, then fails with a configuration error', async () => {
    const { handler, inbox } = await deployment({ source: { kind: 'secretsmanager', secretId: `deploy-medic/${unique()}/missing` } });
    await expect(handler({ phase: 'opened', run: openedOomRun() })).rejects.toMatchObject({ name: 'SlackConfigError' });
    expect(await inbox.receive()).toHaveLength(1);
    expect(slack.requests).toEqual([]);
  });

  it('broken alert settings (here a bad DOCS_BASE_URL) still let the SNS alert out, then fail the task with the reason', async () => {
    const clients = localClients(endpoint());
    const inbox = await createAlertTopicWithInbox(clients.sns, clients.sqs, unique());
    const handler = makeNotifyHandler({
      sns: clients.sns,
      topicArn: () => inbox.topicArn,
      config: () => loadConfig({ STAGE: 'prod' }),
      notifyConfig: () => loadNotifyConfig({ DOCS_BASE_URL: 'docs/' }),
    });
    await expect(handler({ phase: 'opened', run: openedOomRun() })).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/^DOCS_BASE_URL must be an http\(s\) URL; got "docs\/" \(the SNS alert .+ was published\)$/),
    });
    expect(await inbox.receive()).toHaveLength(1);
  });

  it('a report that cannot be written does not stop the alert; the alert says so', async () => {
    const secretId = await webhookSecret();
    const missingBucket = unique(); // never created
    const { handler, inbox, clients } = await deployment({ source: { kind: 'secretsmanager', secretId }, bucket: missingBucket });
    const result = await handler({ phase: 'opened', run: openedOomRun() });
    expect(result.report).toEqual({ note: `not stored (writing s3://${missingBucket}/${reportKeyFor(oomIncident.key)} failed: NoSuchBucket)` });
    const [alert] = await inbox.receive();
    expect(alert!.json).toMatchObject({ report: result.report });
    expect(JSON.stringify(slack.requests[0]!.json())).toContain('Incident report: not stored (writing s3://');
    await expect(clients.s3.send(new ListObjectsV2Command({ Bucket: missingBucket }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

/**
 * The exported Lambda handler, wired only by its environment - as serverless.yml sets it - with
 * the SDK pointed at moto through AWS_ENDPOINT_URL. Proves the settings reach the code: the
 * Slack secret read through Powertools Parameters, the reports bucket, the docs base URL.
 */
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createAlertTopicWithInbox } from '../../cli/local/alertInbox';
import { localClientConfig, localClients } from '../../cli/local/localAws';
import { reportKeyFor } from '../../shared/notify/incidentReport';
import { oomIncident, openedOomRun } from '../unit/notifyFixtures';
import { type LocalSlack, startLocalSlack } from './localSlack';

const unique = () => `wiring-${Math.random().toString(36).slice(2, 10)}`;

describe('Notify Lambda: configured by its environment', () => {
  let slack: LocalSlack;
  beforeAll(async () => {
    slack = await startLocalSlack();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await slack.close();
  });

  it('reads the webhook from the secret SLACK_SECRET_ID names, writes to REPORTS_BUCKET, links DOCS_BASE_URL', async () => {
    const endpoint = inject('motoEndpoint');
    const clients = localClients(endpoint);
    const inbox = await createAlertTopicWithInbox(clients.sns, clients.sqs, unique());
    const bucket = unique();
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const secretId = `deploy-medic/${unique()}/slack`;
    await new SecretsManagerClient(localClientConfig(endpoint)).send(new CreateSecretCommand({ Name: secretId, SecretString: `${slack.url}/services/T/B/x` }));

    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    vi.stubEnv('STAGE', 'prod');
    vi.stubEnv('ALERTS_TOPIC_ARN', inbox.topicArn);
    vi.stubEnv('SLACK_SECRET_ID', secretId);
    vi.stubEnv('REPORTS_BUCKET', bucket);
    vi.stubEnv('DOCS_BASE_URL', 'https://github.com/acme/deploy-medic/blob/main/');
    // S3 on 127.0.0.1 is addressed by path, never by bucket subdomain.
    vi.stubEnv('AWS_S3_FORCE_PATH_STYLE', 'true');
    const { handler } = await import('../../functions/notify/handler');

    const result = await handler({ phase: 'opened', run: openedOomRun() });

    expect(result).toMatchObject({ phase: 'opened', slack: null, slackDelivery: 'posted', report: { bucket, key: reportKeyFor(oomIncident.key) } });
    expect(slack.requests.map((r) => r.path)).toEqual(['/services/T/B/x']);
    expect(JSON.stringify(slack.requests[0]!.json())).toContain('<https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md|Runbook: docs/runbooks/OOM.md>');
    const stored = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKeyFor(oomIncident.key) }));
    expect(await stored.Body!.transformToString()).toContain('# Incident opened: OOM in prod/checkout-api');
    expect(await inbox.receive()).toHaveLength(1);
  });
});

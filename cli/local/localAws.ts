/**
 * SDK clients pointed at a local AWS endpoint (moto_server), with dummy credentials.
 * One place, so the demo and the tests build them the same way.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';

export function localClientConfig(endpoint: string) {
  return {
    region: LOCAL_REGION,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    // moto answers at once or not at all: retrying its 500s only hides the error for seconds.
    maxAttempts: 1,
  };
}

export interface LocalClients {
  cloudformation: CloudFormationClient;
  dynamodb: DynamoDBClient;
  ec2: EC2Client;
  rds: RDSClient;
  s3: S3Client;
  ecs: ECSClient;
  sfn: SFNClient;
  sns: SNSClient;
  sqs: SQSClient;
}

export function localClients(endpoint: string): LocalClients {
  const config = localClientConfig(endpoint);
  return {
    cloudformation: new CloudFormationClient(config),
    dynamodb: new DynamoDBClient(config),
    ec2: new EC2Client(config),
    rds: new RDSClient(config),
    // moto serves S3 on the same endpoint, by path (no bucket subdomains on 127.0.0.1).
    s3: new S3Client({ ...config, forcePathStyle: true }), ecs: new ECSClient(config), sfn: new SFNClient(config), sns: new SNSClient(config), sqs: new SQSClient(config) };
}

/** AWS API calls as the SDK sent them: `ECS.UpdateService`, and when (performance.now()). */
export type ApiCallLog = Array<{ call: string; at: number }>;

/**
 * Records every command a client sends (counted at the SDK, before the wire), so a scenario
 * can report how many AWS calls an incident cost.
 */
export function countCalls<T extends { middlewareStack: { add: (...args: never[]) => void } }>(client: T, service: string, log: ApiCallLog): T {
  (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      log.push({ call: `${service}.${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`, at: performance.now() });
      return next(args);
    },
    // High priority, added first: it sees every call, including those a simulator answers itself.
    { step: 'initialize', name: `countCalls-${service}`, priority: 'high' },
  );
  return client;
}

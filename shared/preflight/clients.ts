/**
 * The SDK clients preflight reads with, built once per run. They follow the default
 * credential chain and honour AWS_ENDPOINT_URL / AWS_MAX_ATTEMPTS like every SDK v3 client;
 * `clientConfig` lets tests point them at moto explicitly.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

export interface PreflightClients {
  sts: STSClient;
  cloudformation: CloudFormationClient;
  ec2: EC2Client;
  rds: RDSClient;
  s3: S3Client;
  iam: IAMClient;
  serviceQuotas: ServiceQuotasClient;
  dynamodb: DynamoDBClient;
  ecs: ECSClient;
  sns: SNSClient;
  elbv2: ElasticLoadBalancingV2Client;
  /** ECR in a given region: an image URI names its own registry region. */
  ecr(region: string): ECRClient;
  /**
   * CloudWatch Logs, loaded on first use: `@aws-sdk/client-cloudwatch-logs` is not (yet) a
   * declared dependency, so when it is missing only the log-group name check says
   * "could not check" instead of the whole command failing to start.
   */
  logs(): Promise<CloudWatchLogsClient>;
}

export interface PreflightClientOptions {
  region: string;
  /** Extra SDK client configuration (endpoint, credentials, maxAttempts), applied to every client. */
  clientConfig?: Record<string, unknown>;
}

/**
 * @example
 * const clients = createPreflightClients({ region: 'eu-west-1' });
 * const local = createPreflightClients({ region: 'us-east-1', clientConfig: localClientConfig(endpoint) });
 */
export function createPreflightClients({ region, clientConfig = {} }: PreflightClientOptions): PreflightClients {
  const config = { ...clientConfig, region };
  const ecrByRegion = new Map<string, ECRClient>();
  let logs: Promise<CloudWatchLogsClient> | undefined;
  return {
    sts: new STSClient(config),
    cloudformation: new CloudFormationClient(config),
    ec2: new EC2Client(config),
    rds: new RDSClient(config),
    // Bucket names are global: HeadBucket/GetBucketTagging on a bucket of another region must
    // follow S3's redirect instead of failing with a 301.
    s3: new S3Client({ ...config, followRegionRedirects: true }),
    iam: new IAMClient(config),
    serviceQuotas: new ServiceQuotasClient(config),
    dynamodb: new DynamoDBClient(config),
    ecs: new ECSClient(config),
    sns: new SNSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ecr(ecrRegion) {
      let client = ecrByRegion.get(ecrRegion);
      if (client === undefined) {
        client = new ECRClient({ ...config, region: ecrRegion });
        ecrByRegion.set(ecrRegion, client);
      }
      return client;
    },
    logs() {
      logs ??= import('@aws-sdk/client-cloudwatch-logs').then(({ CloudWatchLogsClient }) => new CloudWatchLogsClient(config));
      return logs;
    },
  };
}

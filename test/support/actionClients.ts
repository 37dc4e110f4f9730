/**
 * Every SDK client an action may use, built once for a test file. aws-sdk-client-mock patches
 * client classes, so a test mocks the ones it expects calls on and the rest stay unused.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import type { ActionClients } from '../../shared/actions/types';

export function actionClients(config: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } = { region: 'us-east-1' }): ActionClients {
  return {
    ecs: new ECSClient(config),
    cloudformation: new CloudFormationClient(config),
    ec2: new EC2Client(config),
    rds: new RDSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

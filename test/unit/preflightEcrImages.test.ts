import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ecrImagesCheck, parseEcrImage } from '../../shared/preflight/checks/ecrImages';
import { createPreflightClients } from '../../shared/preflight/clients';
import { createPreflightContext } from '../../shared/preflight/context';
import { parseTemplate } from '../../shared/preflight/template';
import { fixture } from '../support/fixtures';

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const ecr = mockClient(ECRClient);
afterEach(() => [sts, cfn, ecr].forEach((m) => m.reset()));
beforeEach(() => sts.on(GetCallerIdentityCommand).resolves(fixture('api/preflight-get-caller-identity-assumed-role.json')));

const R = 'eu-west-1';
const DIGEST = 'sha256:4a1c6567c38904384ebc64e35b7eeddd8451110c299e3368d2210066487d97e5';
const err = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
const taskDefinition = (...images: string[]) =>
  parseTemplate(
    `Resources:\n  ApiTaskDefinition:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n${images.map((image, i) => `        - Name: c${i}\n          Image: ${image}\n`).join('')}`,
  );
const run = (yaml: ReturnType<typeof taskDefinition>) => {
  const clients = createPreflightClients({ region: R });
  return { clients, findings: ecrImagesCheck.run(createPreflightContext({ stackName: 'orders-prod', region: R, template: yaml, clients })) };
};

describe('Check: ecr-image', () => {
  describe('parseEcrImage', () => {
    it.each([
      ['111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-prod/api:1.4.2', { registryId: '111122223333', region: 'eu-west-1', repository: 'orders-prod/api', tag: '1.4.2' }],
      ['111122223333.dkr.ecr.eu-west-1.amazonaws.com/api', { registryId: '111122223333', region: 'eu-west-1', repository: 'api', tag: 'latest' }],
      [`111122223333.dkr.ecr.us-east-1.amazonaws.com/api@${DIGEST}`, { registryId: '111122223333', region: 'us-east-1', repository: 'api', digest: DIGEST }],
      [`111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2@${DIGEST}`, { registryId: '111122223333', region: 'us-east-1', repository: 'api', digest: DIGEST, tag: '1.4.2' }],
      ['111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/api:1', { registryId: '111122223333', region: 'us-gov-west-1', repository: 'api', tag: '1' }],
      ['111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/api:1', { registryId: '111122223333', region: 'cn-north-1', repository: 'api', tag: '1' }],
      ['public.ecr.aws/nginx/nginx:1.27', undefined],
      ['nginx:1.27', undefined],
      ['ghcr.io/acme/api:1.4.2', undefined],
    ])('%s', (uri, expected) => {
      expect(parseEcrImage(uri)).toEqual(expected);
    });
  });

  it('an image that exists: info, with its digest', async () => {
    // The fixture is wire format (epoch seconds); the SDK hands the code a Date.
    const out = fixture<{ imageDetails: Array<{ imagePushedAt: number | Date }> }>('api/preflight-describe-images.json');
    out.imageDetails[0]!.imagePushedAt = new Date((out.imageDetails[0]!.imagePushedAt as number) * 1000);
    ecr.on(DescribeImagesCommand).resolves(out as never);
    const { findings } = run(taskDefinition("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${AWS::StackName}/api:1.4.2'"));
    expect(await findings).toEqual([
      {
        id: 'ecr-image.found',
        severity: 'info',
        resource: 'ApiTaskDefinition/c0',
        message: `image 111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-prod/api:1.4.2 exists (${DIGEST}, pushed 2025-03-14T09:01:11.000Z)`,
        fix: '',
      },
    ]);
    expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, { registryId: '111122223333', repositoryName: 'orders-prod/api', imageIds: [{ imageTag: '1.4.2' }] });
  });

  it('a tag nobody pushed blocks: the tasks would never start while CloudFormation waits', async () => {
    ecr.on(DescribeImagesCommand).rejects(
      err('ImageNotFoundException', "The image with imageId {imageDigest:'null', imageTag:'1.4.3'} does not exist within the repository with name 'orders-prod/api' in the registry with id '111122223333'"),
    );
    const { findings } = run(taskDefinition('111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-prod/api:1.4.3'));
    expect(await findings).toEqual([
      {
        id: 'ecr-image.missing',
        severity: 'blocking',
        resource: 'ApiTaskDefinition/c0',
        message:
          'ECR repository orders-prod/api (registry 111122223333, eu-west-1) has no image 1.4.3: tasks of ApiTaskDefinition/c0 would stop with CannotPullContainerError while CloudFormation waits for the service to stabilize',
        fix: 'push it before deploying (docker push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-prod/api:1.4.3), or fix the image reference in the template',
      },
    ]);
  });

  it('a repository that does not exist blocks too; a digest is looked up by digest, in the registry region of the image', async () => {
    ecr.on(DescribeImagesCommand).rejects(err('RepositoryNotFoundException', "The repository with name 'api' does not exist in the registry with id '444455556666'"));
    const { findings, clients } = run(taskDefinition(`444455556666.dkr.ecr.us-east-1.amazonaws.com/api@${DIGEST}`));
    const [finding] = await findings;
    expect(finding).toMatchObject({ id: 'ecr-image.missing-repository', severity: 'blocking' });
    expect(finding!.fix).toBe(
      `create the repository and push the image before deploying (aws ecr create-repository --repository-name api --region us-east-1; docker push 444455556666.dkr.ecr.us-east-1.amazonaws.com/api@${DIGEST}), or fix the image reference in the template`,
    );
    expect(ecr).toHaveReceivedCommandWith(DescribeImagesCommand, { registryId: '444455556666', repositoryName: 'api', imageIds: [{ imageDigest: DIGEST }] });
    expect(await clients.ecr('us-east-1').config.region()).toBe('us-east-1');
  });

  it('images known only at deploy time, and images outside private ECR, are named as not checked', async () => {
    const { findings } = run(taskDefinition("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/api:${ImageTag}'", 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1'));
    expect(await findings).toEqual([
      { id: 'ecr-image.not-checked', severity: 'info', resource: 'ApiTaskDefinition/c0', message: 'image of ApiTaskDefinition/c0 is !Sub with ${ImageTag}, known only at deploy time: not checked', fix: '' },
      { id: 'ecr-image.not-ecr', severity: 'info', resource: 'ApiTaskDefinition/c1', message: 'image public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1 of ApiTaskDefinition/c1 is not in a private ECR registry: not checked', fix: '' },
    ]);
    expect(ecr).not.toHaveReceivedCommand(DescribeImagesCommand);
  });

  it('any other failure is "could not check", never found', async () => {
    ecr.on(DescribeImagesCommand).rejects(err('AccessDeniedException', 'not authorized to perform: ecr:DescribeImages'));
    const { findings } = run(taskDefinition('111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1'));
    expect((await findings)[0]).toMatchObject({ id: 'ecr-image.could-not-check', severity: 'info', message: 'could not check image 111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1: AccessDeniedException: not authorized to perform: ecr:DescribeImages' });
  });

  it('no task definitions: nothing to check, and it says so', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });
    const findings = await ecrImagesCheck.run(
      createPreflightContext({ stackName: 'orders-prod', region: R, template: parseTemplate('Resources:\n  B: {Type: AWS::S3::Bucket}\n'), clients: createPreflightClients({ region: R }) }),
    );
    expect(findings).toEqual([{ id: 'ecr-image.none', severity: 'info', message: 'the template has no ECS task definition containers: no images to check', fix: '' }]);
  });
});

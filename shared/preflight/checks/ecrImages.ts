/**
 * Check: ECR images. A task definition that names an image tag nobody pushed deploys
 * "successfully" until ECS tries to pull it: CannotPullContainerError, tasks that never
 * start, and CloudFormation waiting hours on a service that never stabilizes. One
 * DescribeImages per image, before the deploy, says it now.
 */
import { DescribeImagesCommand, type ImageIdentifier } from '@aws-sdk/client-ecr';
import { describeError, errorName } from '../awsErrors';
import { pseudoParameters } from '../context';
import { resolveLiteral } from '../literal';
import { isObject, resourcesOfType } from '../template';
import type { Finding, PreflightCheck } from '../types';

export interface EcrImageRef {
  registryId: string;
  region: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const ECR_URI = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._\/-]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/**
 * A private ECR image URI, or undefined for any other registry.
 *
 * @example
 * parseEcrImage('111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders/api:1.4.2');
 * // { registryId: '111122223333', region: 'eu-west-1', repository: 'orders/api', tag: '1.4.2' }
 */
export function parseEcrImage(uri: string): EcrImageRef | undefined {
  const m = ECR_URI.exec(uri);
  if (!m) return undefined;
  const [, registryId, region, repository, tag, digest] = m;
  // No tag and no digest pulls `latest`, as docker does.
  return { registryId: registryId!, region: region!, repository: repository!, ...(digest ? { digest } : { tag: tag ?? 'latest' }), ...(digest && tag ? { tag } : {}) };
}

export const ecrImagesCheck: PreflightCheck = {
  name: 'ecr-image',
  summary: 'ECR DescribeImages for every literal ECR image of the template\'s ECS task definitions',
  iamActions: ['ecr:DescribeImages'],
  needsTemplate: true,

  async run(context) {
    const pseudo = await pseudoParameters(context);
    const images: Array<{ where: string; image: unknown }> = [];
    for (const td of resourcesOfType(context.template!, 'AWS::ECS::TaskDefinition')) {
      const containers = td.properties.ContainerDefinitions;
      if (!Array.isArray(containers)) continue;
      for (const c of containers) {
        if (isObject(c)) images.push({ where: `${td.logicalId}/${typeof c.Name === 'string' ? c.Name : '?'}`, image: c.Image });
      }
    }
    if (images.length === 0) {
      return [{ id: 'ecr-image.none', severity: 'info', message: 'the template has no ECS task definition containers: no images to check', fix: '' }];
    }
    return Promise.all(
      images.map(async ({ where, image }): Promise<Finding> => {
        const resolved = resolveLiteral(image, pseudo);
        if (!resolved.known) {
          return { id: 'ecr-image.not-checked', severity: 'info', resource: where, message: `image of ${where} is ${resolved.why}, known only at deploy time: not checked`, fix: '' };
        }
        const ref = parseEcrImage(resolved.value);
        if (ref === undefined) {
          return { id: 'ecr-image.not-ecr', severity: 'info', resource: where, message: `image ${resolved.value} of ${where} is not in a private ECR registry: not checked`, fix: '' };
        }
        const imageId: ImageIdentifier = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag };
        const shown = ref.digest ?? ref.tag;
        try {
          const out = await context.clients
            .ecr(ref.region)
            .send(new DescribeImagesCommand({ registryId: ref.registryId, repositoryName: ref.repository, imageIds: [imageId] }));
          const detail = out.imageDetails?.[0];
          const pushed = detail?.imagePushedAt ? `, pushed ${detail.imagePushedAt.toISOString()}` : '';
          return { id: 'ecr-image.found', severity: 'info', resource: where, message: `image ${resolved.value} exists (${detail?.imageDigest ?? 'digest unknown'}${pushed})`, fix: '' };
        } catch (error) {
          const name = errorName(error);
          if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') {
            const what = name === 'ImageNotFoundException' ? `has no image ${shown}` : 'does not exist';
            return {
              id: name === 'ImageNotFoundException' ? 'ecr-image.missing' : 'ecr-image.missing-repository',
              severity: 'blocking',
              resource: where,
              message: `ECR repository ${ref.repository} (registry ${ref.registryId}, ${ref.region}) ${what}: tasks of ${where} would stop with CannotPullContainerError while CloudFormation waits for the service to stabilize`,
              fix:
                name === 'ImageNotFoundException'
                  ? `push it before deploying (docker push ${resolved.value}), or fix the image reference in the template`
                  : `create the repository and push the image before deploying (aws ecr create-repository --repository-name ${ref.repository} --region ${ref.region}; docker push ${resolved.value}), or fix the image reference in the template`,
            };
          }
          return { id: 'ecr-image.could-not-check', severity: 'info', resource: where, message: `could not check image ${resolved.value}: ${describeError(error)}`, fix: '' };
        }
      }),
    );
  },
};

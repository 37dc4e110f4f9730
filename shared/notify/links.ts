/**
 * Where an alert points people: the AWS console page of the resource, the runbook of the
 * cause, the incident report. Pure URL building, so every channel links the same places.
 *
 * Console URLs are for the `aws` partition (commercial regions); GovCloud and China consoles
 * live on other hosts.
 */
import type { Incident } from '../incident';

/** The incident report, stored, or why there is none. */
export type ReportLink = { url: string; bucket: string; key: string } | { note: string };

export interface ConsoleLink {
  /** What the page shows: `ECS service prod/checkout-api`, `CloudFormation stack checkout-db`. */
  label: string;
  url: string;
}

/**
 * The console page of the incident's resource.
 *
 * @example
 * consoleLinkFor(ecsIncident);
 * // { label: 'ECS service prod/checkout-api',
 * //   url: 'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/health?region=us-east-1' }
 */
export function consoleLinkFor(incident: Incident): ConsoleLink {
  const { region } = incident.resource;
  const host = `https://${region}.console.aws.amazon.com`;
  if (incident.resource.type === 'ecs-service') {
    const { cluster, service } = incident.resource;
    return {
      label: `ECS service ${cluster}/${service}`,
      url: `${host}/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/health?region=${region}`,
    };
  }
  return {
    label: `CloudFormation stack ${incident.resource.stackName}`,
    url: `${host}/cloudformation/home?region=${region}#/stacks/stackinfo?stackId=${encodeURIComponent(incident.resource.stackId)}`,
  };
}

/** The ARN of the incident's resource (the ECS service, the stack), for `relatedResources`. */
export function resourceArnOf(incident: Incident): string {
  if (incident.resource.type === 'cfn-stack') return incident.resource.stackId;
  const { clusterArn, service } = incident.resource;
  // arn:aws:ecs:us-east-1:111122223333:cluster/prod -> ...:service/prod/checkout-api
  return `${clusterArn.replace(/:cluster\/.*$/, '')}:service/${incident.resource.cluster}/${service}`;
}

/**
 * The runbook as a link, when a docs base URL is configured (`DOCS_BASE_URL`, e.g. the
 * repository's `blob/main/` URL); otherwise `undefined` and alerts quote the path.
 *
 * @example
 * runbookUrl('https://github.com/acme/deploy-medic/blob/main', 'docs/runbooks/OOM.md');
 * // 'https://github.com/acme/deploy-medic/blob/main/docs/runbooks/OOM.md'
 */
export function runbookUrl(docsBaseUrl: string | undefined, runbook: string): string | undefined {
  if (docsBaseUrl === undefined || docsBaseUrl === '') return undefined;
  const base = docsBaseUrl.endsWith('/') ? docsBaseUrl : `${docsBaseUrl}/`;
  return new URL(runbook.replace(/^\/+/, ''), base).toString();
}

/**
 * The S3 console page of a stored report (people click it; the bucket stays private).
 *
 * @example
 * s3ConsoleUrl('medic-reports', 'reports/ab12.md', 'us-east-1');
 * // 'https://s3.console.aws.amazon.com/s3/object/medic-reports?region=us-east-1&bucketType=general&prefix=reports%2Fab12.md'
 */
export function s3ConsoleUrl(bucket: string, key: string, region: string): string {
  return `https://s3.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${region}&bucketType=general&prefix=${encodeURIComponent(key)}`;
}

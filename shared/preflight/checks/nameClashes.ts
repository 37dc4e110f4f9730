/**
 * Check: physical-name clashes. A template that fixes a name (`BucketName: acme-assets`)
 * fails at create time when a resource of that name already exists outside the stack —
 * often an orphan of an earlier failed stack — and CloudFormation then rolls the whole
 * stack back. Only names known before the deploy are checked (literals, and `!Sub` over
 * AWS::StackName / AccountId / Region); a name built from a parameter or another resource
 * is reported as not checked, never passed.
 */
import { pseudoParameters } from '../context';
import { resolveLiteral } from '../literal';
import { PHYSICAL_NAME_TYPES, physicalNameType, type Lookup } from '../physicalNames';
import type { TemplateResource } from '../template';
import type { Finding, PreflightCheck } from '../types';
import { describeError } from '../awsErrors';

interface Named {
  resource: TemplateResource;
  name: string;
}

const when = (r: TemplateResource) => (r.condition ? ` (created only when condition ${r.condition} is true)` : '');

export const nameClashesCheck: PreflightCheck = {
  name: 'name-clash',
  summary: 'Explicit physical names in the template (BucketName, DBSubnetGroupName, GroupName, TableName ...) that already exist outside the stack',
  iamActions: [
    'cloudformation:DescribeStacks',
    'cloudformation:ListStackResources',
    ...new Set(PHYSICAL_NAME_TYPES.flatMap((t) => t.iamActions)),
  ],
  needsTemplate: true,

  async run(context) {
    const template = context.template!;
    const pseudo = await pseudoParameters(context);
    const findings: Finding[] = [];
    const named: Named[] = [];

    for (const resource of template.resources) {
      const spec = physicalNameType(resource.type);
      if (spec === undefined || resource.properties[spec.property] === undefined) continue;
      const resolved = resolveLiteral(resource.properties[spec.property], pseudo);
      if (!resolved.known) {
        findings.push({
          id: 'name-clash.not-checked',
          severity: 'info',
          resource: resource.logicalId,
          message: `${spec.property} of ${resource.logicalId} (${resource.type}) is ${resolved.why}, known only at deploy time: not checked`,
          fix: '',
        });
        continue;
      }
      named.push({ resource, name: resolved.value });
    }

    // Two resources of one type with one name: the second create fails whatever exists already.
    const seen = new Map<string, string>();
    for (const { resource, name } of named) {
      const key = `${resource.type}|${physicalNameType(resource.type)!.caseInsensitive ? name.toLowerCase() : name}`;
      const first = seen.get(key);
      if (first !== undefined) {
        findings.push({
          id: 'name-clash.duplicate-in-template',
          severity: 'blocking',
          resource: resource.logicalId,
          message: `${resource.logicalId} and ${first} are both ${resource.type} named "${name}": the second create fails with ALREADY_EXISTS`,
          fix: `give ${resource.logicalId} another name`,
        });
      } else seen.set(key, resource.logicalId);
    }

    const stackResources = await context.stackResources();
    const free: string[] = [];
    const results = await Promise.all(
      named.map(async ({ resource, name }) => {
        const spec = physicalNameType(resource.type)!;
        if (spec.lookup === undefined) return { resource, name, lookup: { state: 'not-checked', why: `preflight has no look-up for ${spec.noun}s yet` } as Lookup };
        try {
          return { resource, name, lookup: await spec.lookup({ name, resource, context, pseudo }) };
        } catch (error) {
          return { resource, name, lookup: { state: 'not-checked', why: `the look-up failed: ${describeError(error)}` } as Lookup };
        }
      }),
    );

    for (const { resource, name, lookup } of results) {
      const spec = physicalNameType(resource.type)!;
      if (lookup.state === 'not-checked') {
        findings.push({
          id: 'name-clash.not-checked',
          severity: 'info',
          resource: resource.logicalId,
          message: `${spec.noun} "${name}" (${resource.logicalId}): not checked, ${lookup.why}`,
          fix: '',
        });
        continue;
      }
      if (lookup.state === 'free') {
        free.push(`${resource.logicalId} (${name}${lookup.why ? `, ${lookup.why}` : ''})`);
        continue;
      }
      const same = (id: string | undefined) => (spec.caseInsensitive ? id?.toLowerCase() === lookup.physicalId.toLowerCase() : id === lookup.physicalId);
      const owner = stackResources.find((r) => same(r.PhysicalResourceId));
      if (owner?.LogicalResourceId === resource.logicalId) {
        free.push(`${resource.logicalId} (${name}, already this stack's)`);
        continue;
      }
      const detail = lookup.detail ? ` (${lookup.detail})` : '';
      const deleteIt = spec.deleteCommand ? `, or delete it if nothing uses it: ${spec.deleteCommand(name, context.region, lookup.physicalId)}` : '';
      findings.push(
        owner
          ? {
              id: 'name-clash.renamed-logical-id',
              severity: 'blocking',
              resource: resource.logicalId,
              message: `${spec.noun} "${name}"${detail} belongs to this stack as ${owner.LogicalResourceId}; CloudFormation creates ${resource.logicalId} before deleting ${owner.LogicalResourceId}, so the create fails with ALREADY_EXISTS${when(resource)}`,
              fix: `keep the logical id ${owner.LogicalResourceId}, or give ${resource.logicalId} a new ${spec.property} (or none) for this deploy`,
            }
          : {
              id: 'name-clash.exists',
              severity: 'blocking',
              resource: resource.logicalId,
              message: `${spec.noun} "${name}" already exists${detail}, outside stack ${context.stackName}: the create of ${resource.logicalId} would fail with ALREADY_EXISTS${when(resource)}`,
              fix: `rename it in the template (or drop ${spec.property} and let CloudFormation name it), import the existing one into the stack (a change set of type IMPORT)${deleteIt}`,
            },
      );
    }

    if (named.length === 0 && findings.length === 0) {
      findings.push({
        id: 'name-clash.none',
        severity: 'info',
        message: 'the template fixes no physical names that preflight knows: CloudFormation generates them, nothing can clash',
        fix: '',
      });
    } else if (free.length) {
      findings.push({ id: 'name-clash.free', severity: 'info', message: `physical names free: ${free.join('; ')}`, fix: '' });
    }
    return findings;
  },
};

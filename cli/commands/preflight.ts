/**
 * `medic preflight --stack NAME [--template FILE] [--region R] [--json]`: the CI step before
 * a deploy. Read-only. Exit 0 when nothing blocks the deploy, 1 when something does, 2 on
 * usage errors (DESIGN.md 4.2).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Template } from '../../shared/preflight/template';
import { type Command, UsageError } from '../usage';

// The checks load a dozen SDK clients: only when this command runs, so `medic --help` and
// the other commands do not pay for them.
const load = async () => {
  const [clients, context, registry, render, template] = await Promise.all([
    import('../../shared/preflight/clients'),
    import('../../shared/preflight/context'),
    import('../../shared/preflight/registry'),
    import('../../shared/preflight/render'),
    import('../../shared/preflight/template'),
  ]);
  return { ...clients, ...context, ...registry, ...render, ...template };
};

/** CloudFormation's own rule for stack names. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export const preflightCommand: Command = {
  name: 'preflight',
  summary: 'Before a deploy: credentials, stack state, orphans, name clashes, permissions, quotas, ECR images (read-only)',
  usage: [
    'medic preflight --stack NAME [--template FILE] [--region R] [--json]',
    '',
    '  --stack NAME     the CloudFormation stack about to be deployed',
    '  --template FILE  its template (JSON or YAML, short-form tags allowed); without it the',
    '                   template checks (name clashes, quotas, ECR images) say they were skipped',
    '  --region R       default: the SDK default chain (AWS_REGION, profile)',
    '  --json           print {stack, account, findings, summary} as one JSON object',
    '',
    'Exit code: 0 nothing blocks the deploy, 1 a blocking finding, 2 usage error.',
    'Read-only: it describes, lists and simulates; every fix is printed, never run.',
    '',
    'Examples:',
    '  medic preflight --stack orders-prod --template template.yaml --region eu-west-1',
    '  medic preflight --stack orders-prod --template .serverless/cloudformation-template-update-stack.json --json',
  ].join('\n'),

  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { stack: { type: 'string' }, template: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
    });
    if (values.stack === undefined) throw new UsageError('--stack NAME is required');
    if (!STACK_NAME.test(values.stack)) throw new UsageError(`--stack "${values.stack}" is not a CloudFormation stack name (a letter, then letters, digits and hyphens, up to 128)`);
    const preflight = await load();
    const template = values.template === undefined ? undefined : readTemplate(values.template, preflight);
    const region = await resolveRegion(values.region);
    const { createPreflightClients, createPreflightContext, runPreflight, renderReport } = preflight;

    const clients = createPreflightClients({ region });
    const report = await runPreflight(createPreflightContext({ stackName: values.stack, region, clients, ...(template ? { template } : {}) }));
    if (values.json) {
      const { stack, account, findings, summary } = report;
      process.stdout.write(`${JSON.stringify({ stack, account, findings, summary })}\n`);
    } else {
      process.stdout.write(renderReport(report));
    }
    return report.summary.verdict === 'blocked' ? 1 : 0;
  },
};

function readTemplate(file: string, { parseTemplate, TemplateError }: Awaited<ReturnType<typeof load>>): Template {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parseTemplate(text, file);
  } catch (error) {
    if (error instanceof TemplateError) throw new UsageError(error.message);
    throw error;
  }
}

/** --region, else what the SDK's default chain finds (AWS_REGION, then the profile's region). */
async function resolveRegion(flag: string | undefined): Promise<string> {
  if (flag !== undefined) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(flag)) throw new UsageError(`--region "${flag}" is not an AWS region name (like eu-west-1)`);
    return flag;
  }
  const { STSClient } = await import('@aws-sdk/client-sts');
  try {
    return await new STSClient({}).config.region();
  } catch {
    throw new UsageError('no region: pass --region R or set AWS_REGION');
  }
}

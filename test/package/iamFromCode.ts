/**
 * The IAM actions a Lambda can need, derived from its code rather than written down by hand.
 *
 * 1. Bundle the handler with esbuild (as serverless-esbuild does at package time) and read the
 *    metafile: the project source files that end up in the bundle. Tree-shaking happens per
 *    file here, so a file that is in the bundle counts whole (an over-approximation, never an
 *    under-approximation).
 * 2. In those files, find every SDK v3 command sent: `new XxxCommand(` where `XxxCommand` is
 *    imported from `@aws-sdk/client-*`, and every paginator `paginateXxx` (which sends
 *    `XxxCommand`). A waiter (`waitUntilXxx`) is refused until someone maps it to its calls.
 * 3. Map each to an IAM action: package -> service prefix, command -> action name (they agree
 *    except for the few S3 exceptions listed below).
 * 4. Add what the code implies but does not name: the actions a command also needs
 *    (`RegisterTaskDefinition` with roles and tags) and the SDK calls that libraries make for
 *    us (Powertools parameters).
 *
 * Everything a role may hold beyond that lives in `RUNTIME_EXTRAS` (serverless-package.test.ts),
 * each with its reason.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `@aws-sdk/client-<name>` -> IAM service prefix. An unknown package fails the derivation. */
export const SERVICE_PREFIX: Record<string, string> = {
  'client-cloudformation': 'cloudformation',
  'client-cloudwatch': 'cloudwatch',
  'client-cloudwatch-logs': 'logs',
  'client-dynamodb': 'dynamodb',
  'client-ec2': 'ec2',
  'client-ecr': 'ecr',
  'client-ecs': 'ecs',
  'client-elastic-load-balancing-v2': 'elasticloadbalancing',
  'client-eventbridge': 'events',
  'client-iam': 'iam',
  'client-kms': 'kms',
  'client-lambda': 'lambda',
  'client-rds': 'rds',
  'client-s3': 's3',
  'client-secrets-manager': 'secretsmanager',
  'client-service-quotas': 'servicequotas',
  'client-sfn': 'states',
  'client-sns': 'sns',
  'client-sqs': 'sqs',
  'client-ssm': 'ssm',
  'client-sts': 'sts',
};

/**
 * Operations whose IAM action is not `<prefix>:<Operation>` (Service Authorization Reference).
 * S3 authorizes object and listing operations under older names.
 */
export const ACTION_EXCEPTIONS: Record<string, string> = {
  // IAM has no TransactWriteItems action: each operation in it is authorised as itself, and the
  // ledger's transactions (shared/ledger/guards.ts) are Update operations only.
  'dynamodb:TransactWriteItems': 'dynamodb:UpdateItem',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:HeadBucket': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:ListObjectVersions': 's3:ListBucketVersions',
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:GetBucketTagging': 's3:GetBucketTagging',
  'lambda:Invoke': 'lambda:InvokeFunction',
};

/**
 * Actions a call needs besides its own: IAM authorizes them as part of the same request.
 * - RegisterTaskDefinition with `taskRoleArn` / `executionRoleArn` is authorized as iam:PassRole on
 *   those roles; with `tags`, as ecs:TagResource too (tag-on-create). ecsResizeMemory sends both.
 * - DetectStackDrift is also authorized as DetectStackResourceDrift (its dependent action).
 */
export const IMPLIED_BY_ACTION: Record<string, string[]> = {
  'ecs:RegisterTaskDefinition': ['iam:PassRole', 'ecs:TagResource'],
  // DetectStackDrift is authorized as DetectStackResourceDrift on each resource of the stack too.
  'cloudformation:DetectStackDrift': ['cloudformation:DetectStackResourceDrift'],
};

/**
 * SDK calls made by libraries on our behalf, found by the project code constructing the library
 * object. Only the methods the project calls count: shared/notify/slackCredentials.ts calls
 * `SecretsProvider.get` (GetSecretValue) and `SSMProvider.get` (GetParameter), never
 * `getMultiple` / `getParametersByName`.
 */
export const LIBRARY_CALLS: { pattern: RegExp; actions: string[]; why: string }[] = [
  { pattern: /new SecretsProvider\(/, actions: ['secretsmanager:GetSecretValue'], why: 'Powertools SecretsProvider.get' },
  { pattern: /new SSMProvider\(/, actions: ['ssm:GetParameter'], why: 'Powertools SSMProvider.get' },
];

export interface DerivedCalls {
  /** Project files in the bundle, relative to the root. */
  files: string[];
  /** action -> the files (and commands) that need it. */
  actions: Map<string, string[]>;
}

/** Imports from `@aws-sdk/client-*`: local name -> { package, exported name }. */
function sdkImports(source: string): Map<string, { pkg: string; name: string }> {
  const imports = new Map<string, { pkg: string; name: string }>();
  const importRe = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]@aws-sdk\/(client-[a-z0-9-]+)['"]/g;
  for (const m of source.matchAll(importRe)) {
    if (m[1]) continue; // `import type { ... }` brings no values
    for (const raw of m[2]!.split(',')) {
      const spec = raw.trim();
      if (spec === '' || spec.startsWith('type ')) continue;
      const [name, alias] = spec.split(/\s+as\s+/).map((s) => s.trim());
      imports.set(alias ?? name!, { pkg: m[3]!, name: name! });
    }
  }
  return imports;
}

/** The IAM action for one operation of one client package. */
export function iamActionFor(pkg: string, operation: string): string {
  const prefix = SERVICE_PREFIX[pkg];
  if (prefix === undefined) throw new Error(`@aws-sdk/${pkg}: no IAM prefix known; add it to SERVICE_PREFIX`);
  const plain = `${prefix}:${operation}`;
  return ACTION_EXCEPTIONS[plain] ?? plain;
}

/** The SDK calls one source text makes: `new XxxCommand(` and `paginateXxx(` on imported names. */
export function sdkCallsIn(source: string): { action: string; call: string }[] {
  const calls: { action: string; call: string }[] = [];
  for (const [local, { pkg, name }] of sdkImports(source)) {
    const escaped = local.replace(/[$]/g, '\\$');
    const used = new RegExp(`(?<![\\w$.])${escaped}\\s*\\(`).test(source);
    if (name.endsWith('Command') && name !== 'Command' && new RegExp(`new\\s+${escaped}\\s*\\(`).test(source)) {
      calls.push({ action: iamActionFor(pkg, name.slice(0, -'Command'.length)), call: name });
    } else if (/^paginate[A-Z]/.test(name) && used) {
      calls.push({ action: iamActionFor(pkg, name.slice('paginate'.length)), call: name });
    } else if (/^waitUntil[A-Z]/.test(name) && used) {
      throw new Error(`${name}: waiters poll Describe calls of their own; map it to them in iamFromCode.ts before using it`);
    }
  }
  for (const library of LIBRARY_CALLS) {
    if (library.pattern.test(source)) for (const action of library.actions) calls.push({ action, call: library.why });
  }
  return calls;
}

/**
 * The project source files esbuild puts into the bundle of `entry` (a path relative to `root`).
 * Same resolution as serverless-esbuild (bundle, node platform, ESM); nothing is written.
 */
export async function bundledProjectFiles(root: string, entry: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    metafile: true,
    outdir: 'out',
    logLevel: 'silent',
  });
  const files = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (input.includes('node_modules/') || bytesInOutput === 0) continue;
      files.add(input);
    }
  }
  return [...files].sort();
}

/** The IAM actions the handler at `entry` needs, with the files that need each. */
export async function derivedCalls(root: string, entry: string): Promise<DerivedCalls> {
  const files = await bundledProjectFiles(root, entry);
  const actions = new Map<string, string[]>();
  const need = (action: string, why: string) => actions.set(action, [...(actions.get(action) ?? []), why]);
  for (const file of files) {
    for (const { action, call } of sdkCallsIn(readFileSync(join(root, file), 'utf8'))) {
      need(action, `${file} (${call})`);
      for (const implied of IMPLIED_BY_ACTION[action] ?? []) need(implied, `${file} (${call} implies it)`);
    }
  }
  return { files, actions };
}

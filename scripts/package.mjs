#!/usr/bin/env node
/**
 * Packages the service offline: `serverless package` (osls) with dummy credentials, no AWS
 * profile, no instance metadata and no network. Produces .serverless/ with
 * cloudformation-template-update-stack.json and one zip per function, then prints a summary.
 *
 *   npm run package                      # stage dev
 *   npm run package -- --stage prod      # or: npm run package -- prod
 *
 * Exits non-zero when packaging fails or produces no template.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { devNull } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.serverless');
const templatePath = join(outDir, 'cloudformation-template-update-stack.json');
const slsBin = join(root, 'node_modules', 'osls', 'bin', 'serverless.js');

function parseArgs(argv) {
  const args = [...argv];
  let stage = 'dev';
  if (args[0] !== undefined && !args[0].startsWith('-')) stage = args.shift();
  const rest = [];
  while (args.length > 0) {
    const arg = args.shift();
    if (arg === '--stage' || arg === '-s') stage = args.shift() ?? '';
    else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else rest.push(arg);
  }
  if (!/^[a-zA-Z0-9-]+$/.test(stage)) {
    console.error(`package: invalid stage "${stage}" (letters, digits and hyphens only)`);
    process.exit(2);
  }
  return { stage, rest };
}

/**
 * The environment osls runs in. Packaging needs no AWS call (serverless.yml uses CloudFormation
 * pseudo parameters, never ${aws:accountId} or ${ssm:...}), so credentials are dummies and every
 * way the SDK could reach out or prompt is closed: no profile (SSO would try to log in), no
 * shared config files, no instance metadata. osls has no telemetry or update check; the SLS_*
 * switches below are the upstream Serverless Framework's, kept so a stray upstream binary
 * behaves too.
 */
function offlineEnv() {
  const env = { ...process.env };
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
    delete env[name];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: devNull,
    AWS_SHARED_CREDENTIALS_FILE: devNull,
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_TRACKING_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    FORCE_COLOR: '0',
  };
}

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;

function summary(stage, seconds) {
  const template = JSON.parse(readFileSync(templatePath, 'utf8'));
  const lines = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = resource.Properties?.Code?.S3Key ?? '';
    const zip = join(outDir, key.split('/').pop() ?? '');
    const size = existsSync(zip) ? kib(statSync(zip).size) : 'zip missing';
    lines.push(`  ${String(resource.Properties?.FunctionName ?? logicalId).padEnd(40)} ${size.padStart(10)}  ${resource.Properties?.Handler ?? ''}`);
  }
  const resources = Object.keys(template.Resources ?? {}).length;
  console.log(`\npackaged deploy-medic (stage ${stage}) in ${seconds.toFixed(1)} s: ${resources} resources, ${lines.length} functions`);
  for (const line of lines) console.log(line);
  console.log(`  template: ${templatePath}`);
  const zips = readdirSync(outDir).filter((f) => f.endsWith('.zip'));
  if (zips.length !== lines.length) {
    console.error(`package: ${zips.length} zips for ${lines.length} functions`);
    return false;
  }
  return lines.every((line) => !line.includes('zip missing'));
}

async function main() {
  const { stage, rest } = parseArgs(process.argv.slice(2));
  if (!existsSync(slsBin)) {
    console.error(`package: ${slsBin} not found; run npm ci first`);
    return 2;
  }
  const started = performance.now();
  const code = await run(process.execPath, [slsBin, 'package', '--stage', stage, ...rest], offlineEnv());
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    console.error(`package: serverless package failed with exit code ${code}`);
    return code;
  }
  if (!existsSync(templatePath)) {
    console.error(`package: ${templatePath} was not produced`);
    return 1;
  }
  return summary(stage, seconds) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

import type { Command } from '../usage';

/**
 * The commands, loaded on demand: `medic classify` must not pay for loading the demo's
 * moto harness and the local Step Functions runtime. The summary here is what `medic --help`
 * prints; test/cli/registry.test.ts checks it matches each command's own.
 */
export const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Command> }> = [
  { name: 'diagnose', summary: 'Diagnose one EventBridge event (ECS task/deployment/service, CloudFormation stack/resource)', load: async () => (await import('./diagnose')).diagnoseCommand },
  { name: 'classify', summary: 'Classify AWS failure texts: JSON Lines on stdin, one JSON answer per line on stdout', load: async () => (await import('./classify')).classifyCommand },
  { name: 'demo', summary: 'Replay real incidents end to end against a local AWS endpoint (moto_server)', load: async () => (await import('./demo')).demoCommand },
  { name: 'preflight', summary: 'Before a deploy: credentials, stack state, orphans, name clashes, permissions, quotas, ECR images (read-only)', load: async () => (await import('./preflight')).preflightCommand },
  { name: 'wait-for', summary: 'Wait until PostgreSQL, Redis, HTTP or TCP targets are ready, with backoff (CI, before tests or a deploy)', load: async () => (await import('./waitFor')).waitForCommand },
  { name: 'rollback', summary: 'Emergency rollback of an opted-in ECS service or CloudFormation stack (starts the state machine, shows progress)', load: async () => (await import('./rollback')).rollbackCommand },
  { name: 'status', summary: 'One incident: its diagnosis, what was done and where it stands (by incident key or execution ARN)', load: async () => (await import('./status')).statusCommand },
  { name: 'approve', summary: 'Approve the remediation an incident waits for (approve mode): its plan is applied now', load: async () => (await import('./approve')).approveCommand },
  { name: 'deny', summary: 'Deny the remediation an incident waits for (approve mode): nothing is done', load: async () => (await import('./approve')).denyCommand },
  { name: 'incidents', summary: 'Recent incidents: the Remediation executions, newest first', load: async () => (await import('./status')).incidentsCommand },
];


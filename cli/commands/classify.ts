/**
 * `medic classify`: JSON Lines in on stdin, one JSON line out per input line, in order
 * (DESIGN.md 4.2). A bad line answers `{"error": "..."}` and the stream goes on; the exit
 * code is 0. Lines are read and answered one at a time, so input of any size streams.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { classifyJsonLine } from '../../shared/diagnosis/classifyText';
import type { Command } from '../usage';

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'Classify AWS failure texts: JSON Lines on stdin, one JSON answer per line on stdout',
  usage: [
    'medic classify < requests.jsonl',
    '',
    'Reads one JSON object per line from stdin:',
    '  {"source": "ecs" | "cloudformation", "text": "...", "field"?: "...", "resourceType"?: "...", "status"?: "..."}',
    'and prints one JSON line per input line, in order:',
    '  {"category": "...", "confidence": 0..1, "variant"?: "...", "ruleId"?: "...", "facts"?: {...}}',
    'A line that cannot be read prints {"error": "..."} and the rest go on. Exit code 0.',
    '',
    '  field (ecs)      stoppedReason | stopCode | containerReason | serviceEvent | exitCode;',
    '                   without it the text is tried as every field and the best match wins',
    '  cloudformation   text is a ResourceStatusReason or StackStatusReason; resourceType',
    '                   (AWS::EC2::SecurityGroup, Custom::...) and status (DELETE_FAILED ...)',
    '                   narrow what the words may mean: give them when you have them.',
    '                   facts: what the rule read from the text, e.g. quota (QUOTA_LIMIT),',
    '                   resourceId/usedBy (DEPENDENCY_VIOLATION, RESOURCE_IN_USE), name (ALREADY_EXISTS)',
    '',
    'Examples:',
    `  echo '{"source":"ecs","field":"stoppedReason","text":"Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:...)"}' | medic classify`,
    '  # {"category":"HEALTH_CHECK","confidence":0.95,"ruleId":"elb-health-checks"}',
    `  jq -c '{source: "ecs", field: "stoppedReason", text: .tasks[].stoppedReason}' stopped-tasks.json | medic classify`,
    `  echo '{"source":"cloudformation","resourceType":"AWS::EC2::SecurityGroup","status":"DELETE_FAILED","text":"resource sg-0a1b has a dependent object"}' | medic classify`,
    '  # {"category":"DEPENDENCY_VIOLATION","confidence":0.95,"ruleId":"ec2-dependency-violation","facts":{"resourceId":"sg-0a1b"}}',
    `  aws cloudformation describe-stack-events --stack-name my-stack --query 'StackEvents[?ends_with(ResourceStatus, \`_FAILED\`)]' --output json \\`,
    `    | jq -c '.[] | {source: "cloudformation", text: .ResourceStatusReason, resourceType: .ResourceType, status: .ResourceStatus}' | medic classify`,
  ].join('\n'),

  async run(argv) {
    parseArgs({ args: argv, options: {}, strict: true });
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      // Respect backpressure: a slow reader of stdout must not make us buffer the whole input.
      if (!process.stdout.write(`${JSON.stringify(classifyJsonLine(line))}\n`)) await once(process.stdout, 'drain');
    }
    return 0;
  },
};

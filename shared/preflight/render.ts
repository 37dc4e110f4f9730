/**
 * How a preflight report reads: one line per finding (severity, id, resource, message,
 * fix), then one summary line. The same data as `--json`, for humans and CI logs.
 */
import type { Finding, PreflightReport } from './types';

export function renderFinding(f: Finding): string {
  const resource = f.resource ? ` [${f.resource}]` : '';
  const fix = f.fix ? ` -- fix: ${f.fix}` : '';
  return `${f.severity.toUpperCase().padEnd(8)} ${f.id}${resource}: ${f.message}${fix}`;
}

export function renderSummary(report: PreflightReport): string {
  const { blocking, warning, info, verdict, region } = report.summary;
  const where = `${report.stack} in ${report.account ?? 'unknown account'}/${region}`;
  const counts = `${blocking} blocking, ${warning} warning${warning === 1 ? '' : 's'}, ${info} info`;
  return `preflight ${where}: ${counts} - ${verdict === 'blocked' ? 'blocked: fix the blocking findings before deploying' : 'clear to deploy'}`;
}

/**
 * @example
 * process.stdout.write(renderReport(report));
 * // INFO     credentials.caller [arn:aws:sts::111122223333:assumed-role/ci/gh]: deploying stack orders ...
 * // BLOCKING name-clash.exists [AssetsBucket]: S3 bucket "orders-assets" already exists ... -- fix: rename it ...
 * // preflight orders in 111122223333/eu-west-1: 1 blocking, 0 warnings, 6 info - blocked: fix the blocking findings before deploying
 */
export function renderReport(report: PreflightReport): string {
  return [...report.findings.map(renderFinding), renderSummary(report), ''].join('\n');
}

/**
 * Targets of `medic wait-for`: which URLs mean what, which are refused (a usage error, exit 2),
 * and the promise that a password is never shown, whatever the URL looks like.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { TargetError } from '../../shared/waitFor/errors';
import { parsePostgresUrl } from '../../shared/waitFor/probes/postgres';
import { parseRedisUrl } from '../../shared/waitFor/probes/redis';
import { redactText, redactUrl, scrubSecrets, secretsOf } from '../../shared/waitFor/redact';
import { knownSchemes, PROBES, parseTarget } from '../../shared/waitFor/registry';

/** The message of what `fn` throws (it must throw a TargetError). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TargetError);
    return (error as Error).message;
  }
  throw new Error('expected a TargetError');
}

describe('wait-for targets', () => {
  describe('registry', () => {
    it('knows postgres, redis, http and tcp, each scheme once', () => {
      expect(knownSchemes()).toEqual(['postgres', 'postgresql', 'redis', 'http', 'https', 'tcp']);
      expect(new Set(knownSchemes()).size).toBe(knownSchemes().length);
    });

    it.each(PROBES.map((p) => [p.schemes[0]!, p] as const))('%s: its example parses, shows no password, and docs/wait-for.md describes it', (_, probe) => {
      const target = parseTarget(probe.example);
      expect(probe.schemes).toContain(target.scheme);
      expect(target.display).not.toMatch(/secret/);
      expect(probe.ready.length).toBeGreaterThan(10);
      const docs = readFileSync('docs/wait-for.md', 'utf8');
      for (const scheme of probe.schemes) expect(docs).toContain(`${scheme}://`);
    });

    it('an unknown scheme is refused with the list of known ones, its password hidden', () => {
      expect(refusal(() => parseTarget('mysql://root:hunter2@db:3306/app'))).toBe(
        'unknown scheme "mysql" in mysql://root:***@db:3306/app (schemes: postgres, postgresql, redis, http, https, tcp)',
      );
    });

    it('text that is not a URL is refused with the forms a target takes', () => {
      expect(refusal(() => parseTarget('localhost:5432'))).toBe(
        '"localhost:5432" is not a target URL (postgres://USER:PASS@HOST:PORT/DB, redis://[:PASS@]HOST:PORT, http(s)://HOST[:PORT]/PATH, tcp://HOST:PORT)',
      );
    });
  });

  describe('postgres://', () => {
    it('reads libpq URI defaults: port 5432, the database named after the user, sslmode prefer', () => {
      expect(parsePostgresUrl(new URL('postgres://app@db'))).toEqual({ host: 'db', port: 5432, user: 'app', password: undefined, database: 'app', sslmode: 'prefer' });
    });

    it('decodes a percent-encoded password and reads ?password= as libpq does', () => {
      expect(parsePostgresUrl(new URL('postgresql://app:p%40ss%2Fw%23rd@10.0.0.5:6543/orders?sslmode=require'))).toMatchObject({
        host: '10.0.0.5',
        port: 6543,
        password: 'p@ss/w#rd',
        database: 'orders',
        sslmode: 'require',
      });
      expect(parsePostgresUrl(new URL('postgres://app@db/orders?password=s3cret')).password).toBe('s3cret');
    });

    it('accepts an IPv6 host', () => {
      expect(parsePostgresUrl(new URL('postgres://app@[::1]:5433/app')).host).toBe('::1');
    });

    it.each([
      ['no user', 'postgres://db:5432/app', 'postgres://db:5432/app: no user (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)'],
      ['an sslmode libpq does not know', 'postgres://app:pw@db/app?sslmode=on', 'postgres://app:***@db/app?sslmode=on: sslmode "on" is not one of disable, allow, prefer, require, verify-ca, verify-full'],
      ['port 0', 'postgres://app@db:0/app', 'postgres://app@db:0/app: port 0 is not a port one can connect to'],
      ['a port out of range', 'postgres://app:pw@db:70000/app', '"postgres://app:***@db:70000/app" is not a valid URL'],
    ])('refuses %s', (_, text, message) => {
      expect(refusal(() => parseTarget(text))).toBe(message);
    });
  });

  describe('redis://', () => {
    it('reads the password-only form, an ACL user, and the database number', () => {
      expect(parseRedisUrl(new URL('redis://:s3cret@cache'))).toEqual({ host: 'cache', port: 6379, user: '', password: 's3cret' });
      expect(parseRedisUrl(new URL('redis://worker:s3cret@cache:6380/2'))).toEqual({ host: 'cache', port: 6380, user: 'worker', password: 's3cret' });
    });

    it('refuses a path that is not a database number', () => {
      expect(refusal(() => parseTarget('redis://:pw@cache:6379/sessions'))).toBe('redis://:***@cache:6379/sessions: "/sessions" is not a database number');
    });
  });

  describe('http(s):// and tcp://', () => {
    it('http takes the scheme default port; tcp needs one', () => {
      expect(parseTarget('https://api.example.com/healthz').display).toBe('https://api.example.com/healthz');
      expect(refusal(() => parseTarget('tcp://kafka'))).toBe('tcp://kafka: no port (tcp://HOST:PORT)');
    });
  });

  describe('redaction', () => {
    it('shows the user and hides the password', () => {
      expect(parseTarget('postgres://app:s3cret@db:5432/app').display).toBe('postgres://app:***@db:5432/app');
      expect(parseTarget('redis://:s3cret@cache:6379').display).toBe('redis://:***@cache:6379');
      expect(parseTarget('http://ci:t0ken@svc:8080/healthz').display).toBe('http://ci:***@svc:8080/healthz');
    });

    it('hides credential-looking query values (libpq ?password=, ?token=, signatures)', () => {
      expect(redactUrl(new URL('postgres://app@db/app?password=s3cret&sslmode=disable'))).toBe('postgres://app@db/app?password=***&sslmode=disable');
      expect(redactUrl(new URL('https://svc/health?token=abc&verbose=1&X-Amz-Signature=f00'))).toBe('https://svc/health?token=***&verbose=1&X-Amz-Signature=***');
    });

    it('hides a password in text that is not a valid URL, even with unencoded / ? # @ in it', () => {
      expect(redactText('postgres://app:p@ss/w?r#d@db:notaport/app')).toBe('postgres://app:***@db:notaport/app');
    });

    it('refuses an "@" the URL parser would put in the path (an unencoded "/" in a password), rather than print it', () => {
      const message = refusal(() => parseTarget('postgres://app:12/ab@db/app'));
      expect(message).not.toContain('12/ab');
      expect(message).toMatch(/^"postgres:\/\/app:\*\*\*@db\/app": an "@" after the host; percent-encode/);
      expect(refusal(() => parseTarget('redis://:12#ab@cache'))).not.toContain('12#ab');
    });

    it('scrubs the secrets of a URL, raw and decoded, from any text', () => {
      const url = new URL('postgres://app:p%40ss@db/app');
      expect(secretsOf(url)).toEqual(['p%40ss', 'p@ss']);
      expect(scrubSecrets('login as app with p@ss failed (p%40ss)', secretsOf(url))).toBe('login as app with *** failed (***)');
    });

    it('never shows a password, whatever it is made of (property)', () => {
      // Qz...Zq: markers no message contains, so any piece of the password that leaks is seen.
      const core = fc.string({ maxLength: 24, unit: fc.constantFrom(...'abcXYZ019 -_.~!$&\'()*+,;=:@/?#[]%^'.split('')) });
      const scheme = fc.constantFrom('postgres', 'redis', 'http', 'tcp', 'mysql');
      fc.assert(
        fc.property(scheme, core, fc.boolean(), (s, middle, encode) => {
          const password = `Qz${middle}Zq`;
          const text = `${s}://app:${encode ? encodeURIComponent(password) : password}@db.internal:1234/app`;
          let shown: string;
          try {
            shown = parseTarget(text).display;
          } catch (error) {
            shown = (error as Error).message;
          }
          return !shown.includes('Qz') && !shown.includes('Zq');
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('the GitHub Actions example (examples/github-actions/deploy.yml)', () => {
    interface Workflow {
      jobs: { deploy: { env: Record<string, string>; services: Record<string, { ports: string[]; env?: Record<string, string> }>; steps: Array<{ name?: string; run?: string }> } };
    }
    const job = (parseYaml(readFileSync('examples/github-actions/deploy.yml', 'utf8')) as Workflow).jobs.deploy;
    const run = (name: string): string => job.steps.find((s) => s.name === name)?.run ?? '';

    it('waits for its own services, with targets that parse, for 90 s, before preflight and the deploy', () => {
      const command = run('Wait for PostgreSQL and Redis').replaceAll('${PGPASSWORD}', job.env.PGPASSWORD!).replaceAll('"', '');
      const [, , , ...args] = command.split(/\s+/);
      expect(command).toMatch(/^npx medic wait-for /);
      expect(args.slice(-2)).toEqual(['--timeout', '90']);
      const targets = args.slice(0, -2).map((t) => parseTarget(t));
      expect(targets.map((t) => t.display)).toEqual(['postgres://app:***@localhost:5432/app', 'redis://localhost:6379']);
      expect(job.services.postgres?.ports).toEqual(['5432:5432']);
      expect(job.services.postgres?.env?.POSTGRES_PASSWORD).toBe(job.env.PGPASSWORD);
      expect(job.services.redis?.ports).toEqual(['6379:6379']);

      const names = job.steps.map((s) => s.name);
      expect(names.indexOf('Wait for PostgreSQL and Redis')).toBeLessThan(names.indexOf('Preflight'));
      expect(names.indexOf('Preflight')).toBeLessThan(names.indexOf('Deploy'));
      expect(run('Preflight')).toBe('npx medic preflight --stack my-stack --template template.yaml');
    });
  });
});

/**
 * vitest globalSetup: real PostgreSQL and Redis servers for the `medic wait-for` tests,
 * throwaway and private to this run (temp directories, free ports on 127.0.0.1, stopped after).
 *
 * Wired in vitest.config.ts next to moto:  globalSetup: [..., './test/support/services.globalSetup.ts']
 *
 * Tests read what they need with `inject('services')`:
 *
 *   const { postgres, redis } = inject('services');
 *   await medic('wait-for', postgres.url, redis.url);
 *
 * What runs:
 * - `postgres`: a cluster with trust auth on 127.0.0.1 for everyone but two password users
 *   (SCRAM-SHA-256 and MD5), TLS on with a self-signed certificate.
 * - `standby`: a copy of it started as a standby with hot_standby=off: every connection gets
 *   PostgreSQL's own ErrorResponse 57P03 "the database system is not accepting connections".
 * - `late`: a copy initialized but NOT started; a test starts it with {@link startLatePostgres}
 *   in the middle of a wait (teardown stops it).
 * - `redis` and `redisAuth` (--requirepass): `redis-server --save '' --appendonly no`.
 *
 * The binaries come from the Debian packages (`postgresql`, `redis-server`), installed by
 * scripts/install-test-services.sh when missing. If they are still missing (no apt-get, no
 * root), the run fails with what to install: these tests never skip.
 * As root (CI containers), the PostgreSQL programs run as the `postgres` user (initdb refuses root).
 */
import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../cli/local/moto';

export interface PostgresCluster {
  /** Trust auth: `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  dataDir: string;
}

export interface ServicesContext {
  postgres: PostgresCluster & {
    /** A user that must log in with SCRAM-SHA-256; its password has characters URLs must encode. */
    scram: { user: string; password: string };
    md5: { user: string; password: string };
  };
  standby: PostgresCluster;
  late: PostgresCluster;
  redis: { url: string; port: number };
  redisAuth: { url: string; port: number; password: string };
  /** How to run the PostgreSQL programs: their directory and, as root, the postgres user's ids. */
  pg: PgRuntime;
}

interface PgRuntime {
  bin: string;
  /** The temp directory: sockets, logs, certificates, data directories. */
  dir: string;
  uid?: number;
  gid?: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServicesContext;
  }
}

const HOST = '127.0.0.1';
const INSTALL_HINT =
  'install them with: apt-get install -y --no-install-recommends postgresql redis-server (Debian/Ubuntu; scripts/install-test-services.sh does it), ' +
  'or brew install postgresql redis (macOS)';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A fresh machine has neither server: `npm test` installs them itself (Debian packages).
  if (findPostgresBin() === undefined || findOnPath('redis-server', ['/usr/bin', '/usr/local/bin', '/usr/sbin']) === undefined) {
    await new Promise<void>((resolve) => execFile('bash', ['scripts/install-test-services.sh'], { timeout: 600_000 }, () => resolve()));
  }
  const pgBin = findPostgresBin();
  const redisServer = findOnPath('redis-server', ['/usr/bin', '/usr/local/bin', '/usr/sbin']);
  const missing = [pgBin ? undefined : 'PostgreSQL server programs (initdb, pg_ctl, psql; looked in /usr/lib/postgresql/*/bin and on PATH)', redisServer ? undefined : 'redis-server (looked on PATH)'].filter(Boolean);
  if (missing.length > 0 || pgBin === undefined || redisServer === undefined) {
    throw new Error(`the wait-for integration tests need real servers, and this machine lacks ${missing.join(' and ')}: ${INSTALL_HINT}`);
  }

  reapAbandoned();
  const pg = pgRuntime(pgBin);
  const stoppers: Array<() => Promise<void>> = [];
  const onExit = (): void => reap(pg.dir);
  process.once('exit', onExit);
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(stoppers.map((stop) => stop()));
    process.removeListener('exit', onExit);
    rmSync(pg.dir, { recursive: true, force: true });
  };

  try {
    const [template, redis, redisAuth] = await Promise.all([
      initTemplateCluster(pg),
      startRedis(redisServer, pg.dir, [], stoppers),
      startRedis(redisServer, pg.dir, ['--requirepass', 'redis-s3cret'], stoppers),
    ]);
    const [mainPort, standbyPort, latePort] = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
    const main = await copyCluster(pg, template, 'main', mainPort);
    const standby = await copyCluster(pg, template, 'standby', standbyPort);
    const late = await copyCluster(pg, template, 'late', latePort);
    writeFileSync(join(standby.dataDir, 'standby.signal'), '');
    chownToPg(pg, join(standby.dataDir, 'standby.signal'));
    for (const cluster of [main, standby, late]) stoppers.push(() => stopPostgres(pg, cluster));

    await Promise.all([
      startPostgres(pg, main, ['-c', 'ssl=on', '-c', `ssl_cert_file=${join(pg.dir, 'server.crt')}`, '-c', `ssl_key_file=${join(pg.dir, 'server.key')}`]),
      startPostgres(pg, standby, ['-c', 'hot_standby=off']),
    ]);
    const scram = { user: 'medic_scram', password: 'sc/r#m p@ss:1' };
    const md5 = { user: 'medic_md5', password: 'md5-s3cret' };
    await psql(pg, main, [
      "SET password_encryption = 'scram-sha-256'",
      `CREATE ROLE ${scram.user} LOGIN PASSWORD '${scram.password}'`,
      "SET password_encryption = 'md5'",
      `CREATE ROLE ${md5.user} LOGIN PASSWORD '${md5.password}'`,
    ]);

    project.provide('services', {
      postgres: { ...main, scram, md5 },
      standby,
      late,
      redis: { url: `redis://${HOST}:${redis}`, port: redis },
      redisAuth: { url: `redis://${HOST}:${redisAuth}`, port: redisAuth, password: 'redis-s3cret' },
      pg,
    });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

/**
 * Starts the `late` cluster (initialized by the setup, not running): for a test that needs a
 * PostgreSQL that comes up in the middle of a wait. Resolves once pg_ctl says it is up.
 */
export async function startLatePostgres(services: ServicesContext): Promise<void> {
  await startPostgres(services.pg, services.late, []);
}

// ---------------------------------------------------------------- PostgreSQL

function findPostgresBin(): string | undefined {
  const has = (dir: string): boolean => ['initdb', 'pg_ctl', 'psql'].every((p) => existsSync(join(dir, p)));
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const debian = versions.map((v) => join(root, v, 'bin')).find(has);
  if (debian !== undefined) return debian;
  const initdb = findOnPath('initdb', []);
  return initdb === undefined ? undefined : [join(initdb, '..')].find(has);
}

function findOnPath(program: string, extra: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extra];
  return dirs.map((d) => join(d, program)).find((p) => existsSync(p));
}

function pgRuntime(bin: string): PgRuntime {
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid }));
  if (process.getuid?.() !== 0) return { bin, dir };
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (entry === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`running as root, and initdb refuses root: the postgres user is missing (the postgresql package creates it): ${INSTALL_HINT}`);
  }
  const runtime = { bin, dir, uid: Number(entry[2]), gid: Number(entry[3]) };
  chownToPg(runtime, dir);
  return runtime;
}

function chownToPg(pg: PgRuntime, path: string): void {
  if (pg.uid !== undefined && pg.gid !== undefined) chownSync(path, pg.uid, pg.gid);
}

/** Runs a program as the PostgreSQL user; rejects with its output when it fails. */
function runAsPg(pg: PgRuntime, program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { cwd: pg.dir, uid: pg.uid, gid: pg.gid, env: { ...process.env, LC_ALL: 'C', HOME: pg.dir, PGTZ: 'UTC' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** initdb once (the slow part), plus the TLS certificate; each cluster is a copy of it. */
async function initTemplateCluster(pg: PgRuntime): Promise<string> {
  const dataDir = join(pg.dir, 'template');
  await Promise.all([
    runAsPg(pg, join(pg.bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']),
    runAsPg(pg, 'openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(pg.dir, 'server.key'), '-out', join(pg.dir, 'server.crt'),
    ]).catch((error: Error) => {
      throw new Error(`openssl could not make the test server's certificate (openssl comes with the postgresql package): ${error.message}`);
    }),
  ]);
  // First match wins: the two password users before the trust line everyone else gets.
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    ['local all all trust', 'host all medic_scram 127.0.0.1/32 scram-sha-256', 'host all medic_md5 127.0.0.1/32 md5', 'host all all 127.0.0.1/32 trust', ''].join('\n'),
  );
  writeFileSync(
    join(dataDir, 'postgresql.conf'),
    [`listen_addresses = '${HOST}'`, `unix_socket_directories = '${pg.dir}'`, 'fsync = off', 'full_page_writes = off', 'max_connections = 50', "shared_buffers = '16MB'", ''].join('\n'),
    { flag: 'a' },
  );
  return dataDir;
}

async function copyCluster(pg: PgRuntime, template: string, name: string, port: number): Promise<PostgresCluster> {
  const dataDir = join(pg.dir, name);
  await runAsPg(pg, 'cp', ['-a', template, dataDir]);
  return { url: `postgres://postgres@${HOST}:${port}/postgres`, port, dataDir };
}

async function startPostgres(pg: PgRuntime, cluster: PostgresCluster, settings: string[]): Promise<void> {
  const options = ['-p', String(cluster.port), ...settings].join(' ');
  await runAsPg(pg, join(pg.bin, 'pg_ctl'), ['-D', cluster.dataDir, '-o', options, '-l', `${cluster.dataDir}.log`, '-w', '-t', '60', 'start']);
}

async function stopPostgres(pg: PgRuntime, cluster: PostgresCluster): Promise<void> {
  if (!existsSync(join(cluster.dataDir, 'postmaster.pid'))) return; // never started (late) or already stopped
  await runAsPg(pg, join(pg.bin, 'pg_ctl'), ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop']);
}

async function psql(pg: PgRuntime, cluster: PostgresCluster, statements: string[]): Promise<void> {
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pg.dir, '-p', String(cluster.port), '-U', 'postgres', '-d', 'postgres'];
  await runAsPg(pg, join(pg.bin, 'psql'), [...args, ...statements.flatMap((s) => ['-c', s])]);
}

// ---------------------------------------------------------------- Redis

async function startRedis(program: string, dir: string, extra: string[], stoppers: Array<() => Promise<void>>): Promise<number> {
  const port = await findFreePort();
  const child = spawn(program, ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) writeFileSync(join(dir, `redis-${child.pid}.pid`), String(child.pid));
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => {});
  stoppers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early (code ${child.exitCode}) on port ${port}:\n${log}`);
    if (await answersPing(port)) return port;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${port} within 10 s:\n${log}`);
}

/** Any reply to PING (+PONG, or -NOAUTH from the password instance) means the server is up. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', () => done(true));
  });
}

// ---------------------------------------------------------------- leftovers

const DIR_PREFIX = 'medic-services-';
const OWNER_FILE = 'owner.json';

/**
 * Stops every server started from `dir` and removes it. Synchronous (it also runs on process
 * 'exit'); signals only processes whose command line is the server we started.
 */
function reap(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const redis = /^redis-(\d+)\.pid$/.exec(entry);
    if (redis) signalIf(Number(redis[1]), 'redis-server', 'SIGKILL');
    const postmaster = join(dir, entry, 'postmaster.pid');
    // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its children with it.
    if (existsSync(postmaster)) signalIf(Number(readFileSync(postmaster, 'utf8').split('\n')[0]), 'postgres', 'SIGQUIT');
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Servers of an earlier run that was killed before its teardown (a CI timeout, a SIGKILL). */
function reapAbandoned(): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = (JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { pid: number }).pid;
    } catch {
      continue; // not ours to judge
    }
    if (!isAlive(owner)) reap(dir);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalIf(pid: number, program: string, signal: NodeJS.Signals): void {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program)) return;
  } catch {
    return; // gone already (or no /proc: then the teardown's own stop is all there is)
  }
  try {
    process.kill(pid, signal);
  } catch {
    // exited meanwhile
  }
}

/**
 * The wait-for probes against REAL servers (PostgreSQL and Redis from the Debian packages,
 * started by test/support/services.globalSetup.ts): every way a real server says "ready"
 * or "not ready", in its own words. One attempt per case; the loop is tested elsewhere.
 */
import { describe, expect, inject, it } from 'vitest';
import { parseTarget } from '../../shared/waitFor/registry';

/** One attempt: undefined when ready, else the error line. */
async function attempt(url: string): Promise<string | undefined> {
  try {
    await parseTarget(url).check({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('wait-for probes, real servers', () => {
  const { postgres, standby, redis, redisAuth } = inject('services');
  const at = `127.0.0.1:${postgres.port}`;

  describe('PostgreSQL', () => {
    it('ready: trust auth, TLS negotiated (sslmode=prefer, the server has a certificate)', async () => {
      expect(await attempt(postgres.url)).toBeUndefined();
    });

    it('ready in plain text with sslmode=disable', async () => {
      expect(await attempt(`${postgres.url}?sslmode=disable`)).toBeUndefined();
    });

    it('not ready with sslmode=verify-full: the certificate is self-signed', async () => {
      expect(await attempt(`${postgres.url}?sslmode=verify-full`)).toBe('self-signed certificate');
    });

    it('ready with SCRAM-SHA-256, over TLS and without, the password percent-encoded in the URL', async () => {
      const { user, password } = postgres.scram;
      expect(await attempt(`postgres://${user}:${encodeURIComponent(password)}@${at}/postgres`)).toBeUndefined();
      expect(await attempt(`postgres://${user}:${encodeURIComponent(password)}@${at}/postgres?sslmode=disable`)).toBeUndefined();
    });

    it('ready with MD5', async () => {
      const { user, password } = postgres.md5;
      expect(await attempt(`postgres://${user}:${password}@${at}/postgres?sslmode=disable`)).toBeUndefined();
    });

    it('a wrong password: the server says so (28P01), and the password is nowhere in the message', async () => {
      const error = await attempt(`postgres://${postgres.scram.user}:not-the-password@${at}/postgres`);
      expect(error).toBe(`FATAL 28P01: password authentication failed for user "${postgres.scram.user}"`);
    });

    it('no password for a user that needs one: not ready, and why', async () => {
      expect(await attempt(`postgres://${postgres.md5.user}@${at}/postgres`)).toBe(`the server asks user "${postgres.md5.user}" for a password (MD5) and the URL has none`);
    });

    it('a database that does not exist (yet): the server says 3D000', async () => {
      expect(await attempt(`postgres://postgres@${at}/orders`)).toBe('FATAL 3D000: database "orders" does not exist');
    });

    it('a server up but not accepting connections (a standby, hot_standby off): 57P03 in its own words', async () => {
      expect(await attempt(standby.url)).toBe('FATAL 57P03: the database system is not accepting connections (Hot standby mode is disabled.)');
    });
  });

  describe('Redis', () => {
    it('ready: PING answers +PONG', async () => {
      expect(await attempt(redis.url)).toBeUndefined();
    });

    it('requirepass and no password: -NOAUTH, not ready', async () => {
      expect(await attempt(redisAuth.url)).toBe('-NOAUTH Authentication required.');
    });

    it('requirepass and the password: ready', async () => {
      expect(await attempt(`redis://:${redisAuth.password}@127.0.0.1:${redisAuth.port}`)).toBeUndefined();
    });

    it('requirepass and a wrong password: -WRONGPASS, not ready', async () => {
      expect(await attempt(`redis://:nope@127.0.0.1:${redisAuth.port}`)).toBe('-WRONGPASS invalid username-password pair or user is disabled.');
    });

    it('a password for a Redis that asks none: ready (the server is up and answers PING)', async () => {
      expect(await attempt(`redis://:unneeded@127.0.0.1:${redis.port}`)).toBeUndefined();
    });
  });
});

/**
 * The probes, byte for byte, against scripted peers on 127.0.0.1: what each one sends, and
 * how it reads what a server in every state answers. The states real servers do not show on
 * demand (PostgreSQL "starting up", Redis -LOADING) are scripted here with the exact bytes
 * those servers send; test/integration/waitForProbes.test.ts runs the real ones.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeErrorResponse, errorResponseBody, message } from '../../shared/waitFor/probes/postgres';
import { scramClientFinal, scramClientFirst, scramVerifyServerFinal } from '../../shared/waitFor/probes/scram';
import { parseTarget } from '../../shared/waitFor/registry';

const servers: Array<Server | HttpServer> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP peer running `script` on each connection; resolves to its port. */
async function peer(script: (socket: Socket, read: (n: number) => Promise<Buffer>) => Promise<void> | void): Promise<number> {
  const server = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      wake?.();
    });
    socket.on('error', () => {});
    const read = async (n: number): Promise<Buffer> => {
      while (buffer.length < n) await new Promise<void>((r) => (wake = r));
      const out = buffer.subarray(0, n);
      buffer = buffer.subarray(n);
      return out;
    };
    void Promise.resolve(script(socket, read)).catch(() => socket.destroy());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** One attempt of the target's probe: undefined when ready, else the error line. */
async function attempt(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    await parseTarget(url).check({ signal: AbortSignal.timeout(timeoutMs), timeoutMs });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Reads a frontend StartupMessage: Int32 length, Int32 version, then NUL-separated pairs. */
async function readStartup(read: (n: number) => Promise<Buffer>): Promise<Record<string, string>> {
  const length = (await read(4)).readInt32BE(0);
  const body = await read(length - 4);
  expect(body.readInt32BE(0)).toBe(196_608); // protocol 3.0
  const parts = body.subarray(4).toString('utf8').split('\0').filter(Boolean);
  return Object.fromEntries(parts.flatMap((_, i) => (i % 2 === 0 ? [[parts[i], parts[i + 1]]] : [])));
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
};
const authOk = message('R', int32(0));
const readyForQuery = message('Z', Buffer.from('I'));

describe('wait-for probes', () => {
  describe('postgres', () => {
    it('asks for TLS, takes "N", sends user and database, and is ready on ReadyForQuery', async () => {
      const seen: Array<Record<string, string> | string> = [];
      const port = await peer(async (socket, read) => {
        const ssl = await read(8);
        seen.push(`SSLRequest ${ssl.readInt32BE(4)}`);
        socket.write('N');
        seen.push(await readStartup(read));
        socket.write(Buffer.concat([authOk, message('S', Buffer.from('server_version\x0016.4\x00')), message('K', Buffer.alloc(8)), readyForQuery]));
        seen.push(`goodbye ${(await read(5)).toString('latin1', 0, 1)}`);
      });

      expect(await attempt(`postgres://app@127.0.0.1:${port}/orders`)).toBeUndefined();
      await expect.poll(() => seen).toEqual(['SSLRequest 80877103', { user: 'app', database: 'orders', application_name: 'medic-wait-for' }, 'goodbye X']);
    });

    it('reports the ErrorResponse of a server starting up in its own words (the M field)', async () => {
      const port = await peer(async (socket, read) => {
        await readStartup(read);
        socket.end(message('E', errorResponseBody({ S: 'FATAL', V: 'FATAL', C: '57P03', M: 'the database system is starting up', F: 'postmaster.c', L: '2380', R: 'ProcessStartupPacket' })));
      });

      expect(await attempt(`postgres://app@127.0.0.1:${port}/app?sslmode=disable`)).toBe('FATAL 57P03: the database system is starting up');
    });

    it('puts the DETAIL in parentheses and prefers the untranslated severity', () => {
      expect(describeErrorResponse(errorResponseBody({ S: 'FATAL', V: 'FATAL', C: '57P03', M: 'the database system is not accepting connections', D: 'Hot standby mode is disabled.' }))).toBe(
        'FATAL 57P03: the database system is not accepting connections (Hot standby mode is disabled.)',
      );
      expect(describeErrorResponse(errorResponseBody({ S: 'SCHWERWIEGEND', V: 'FATAL', C: '3D000', M: 'Datenbank »app« existiert nicht' }))).toBe('FATAL 3D000: Datenbank »app« existiert nicht');
    });

    it('sslmode=require: a server without TLS is not ready', async () => {
      const port = await peer(async (socket, read) => {
        await read(8);
        socket.write('N');
      });

      expect(await attempt(`postgres://app@127.0.0.1:${port}/app?sslmode=require`)).toBe('the server does not accept TLS, and sslmode=require requires it');
    });

    it('a password request without a password in the URL is not ready, and says so', async () => {
      const port = await peer(async (socket, read) => {
        await readStartup(read);
        socket.write(message('R', Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256\0\0')])));
      });

      expect(await attempt(`postgres://app@127.0.0.1:${port}/app?sslmode=disable`)).toBe('the server asks user "app" for a password (SCRAM-SHA-256) and the URL has none');
    });

    it('answers a cleartext password request with the decoded password', async () => {
      let password = '';
      const port = await peer(async (socket, read) => {
        await readStartup(read);
        socket.write(message('R', int32(3)));
        const header = await read(5);
        password = (await read(header.readInt32BE(1) - 4)).toString('utf8');
        socket.write(Buffer.concat([authOk, readyForQuery]));
      });

      expect(await attempt(`postgres://app:p%40ss%20word@127.0.0.1:${port}/app?sslmode=disable`)).toBeUndefined();
      expect(password).toBe('p@ss word\0');
    });

    it('answers an MD5 request with md5(md5(password + user) + salt)', async () => {
      let answer = '';
      const port = await peer(async (socket, read) => {
        await readStartup(read);
        socket.write(message('R', Buffer.concat([int32(5), Buffer.from([1, 2, 3, 4])])));
        const header = await read(5);
        answer = (await read(header.readInt32BE(1) - 4)).toString('utf8');
        socket.write(Buffer.concat([authOk, readyForQuery]));
      });

      expect(await attempt(`postgres://app:s3cret@127.0.0.1:${port}/app?sslmode=disable`)).toBeUndefined();
      // md5(hex(md5('s3cretapp')) + '\x01\x02\x03\x04'), computed independently with Python's hashlib
      expect(answer).toBe('md51460f94130eb931937bbd6439ee8ab57\0');
    });

    it('is not fooled by a server that is not PostgreSQL', async () => {
      const port = await peer((socket) => {
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      });

      expect(await attempt(`postgres://app@127.0.0.1:${port}/app`)).toBe('not a PostgreSQL server (unexpected answer "H" to SSLRequest)');
    });

    it('a server that accepts and never answers: the attempt ends at its deadline, naming the step', async () => {
      const port = await peer(() => {});

      expect(await attempt(`postgres://app@127.0.0.1:${port}/app`, 300)).toBe('timeout after 0.3s waiting for the answer to SSLRequest');
    });

    it('a server that hangs up mid-handshake says so', async () => {
      const port = await peer(async (socket, read) => {
        await readStartup(read);
        socket.destroy();
      });

      expect(await attempt(`postgres://app@127.0.0.1:${port}/app?sslmode=disable`)).toBe('the server closed the connection waiting for the answer to the startup message');
    });
  });

  describe('SCRAM-SHA-256 (RFC 7677 section 3 test vector)', () => {
    it('computes the client proof and verifies the server signature', () => {
      const first = scramClientFirst('user', 'rOprNGfwEbeRWgbNEkqO');
      expect(first.message).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');

      const final = scramClientFinal(first, 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', 'pencil');

      expect(final.message).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
      expect(() => scramVerifyServerFinal(final, 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).not.toThrow();
      expect(() => scramVerifyServerFinal(final, 'v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).toThrow('SCRAM: the server signature does not match');
    });

    it('refuses a server nonce that does not extend the client one', () => {
      const first = scramClientFirst('', 'abc');
      expect(() => scramClientFinal(first, 'r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096', 'pencil')).toThrow('SCRAM: the server nonce does not extend ours');
    });
  });

  describe('redis', () => {
    it('sends AUTH then PING as RESP arrays, and is ready on +PONG', async () => {
      let received = '';
      const port = await peer(async (socket, read) => {
        const auth = '*3\r\n$4\r\nAUTH\r\n$6\r\nworker\r\n$6\r\ns3cret\r\n';
        const ping = '*1\r\n$4\r\nPING\r\n';
        received = (await read(auth.length + ping.length)).toString();
        socket.write('+OK\r\n+PONG\r\n');
      });

      expect(await attempt(`redis://worker:s3cret@127.0.0.1:${port}`)).toBeUndefined();
      expect(received).toBe('*3\r\n$4\r\nAUTH\r\n$6\r\nworker\r\n$6\r\ns3cret\r\n*1\r\n$4\r\nPING\r\n');
    });

    it('-LOADING while the dataset loads: not ready, in Redis own words', async () => {
      const port = await peer(async (socket, read) => {
        await read(14);
        socket.write('-LOADING Redis is loading the dataset in memory\r\n');
      });

      expect(await attempt(`redis://127.0.0.1:${port}`)).toBe('-LOADING Redis is loading the dataset in memory');
    });

    it('a password for a server that asks none: still ready (Redis 6+ answers AUTH with -ERR and PING with +PONG)', async () => {
      const port = await peer(async (socket, read) => {
        await read(26 + 14);
        socket.write('-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n+PONG\r\n');
      });

      expect(await attempt(`redis://:s3cret@127.0.0.1:${port}`)).toBeUndefined();
    });

    it('-WRONGPASS: not ready, and the password is not in the message', async () => {
      const port = await peer(async (socket) => {
        socket.write('-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n');
      });

      expect(await attempt(`redis://:s3cret@127.0.0.1:${port}`)).toBe('-WRONGPASS invalid username-password pair or user is disabled.');
    });
  });

  describe('http', () => {
    async function http(handler: (url: string) => { status: number; headers?: Record<string, string> }): Promise<number> {
      const server = createHttpServer((req, res) => {
        const { status, headers } = handler(req.url ?? '');
        res.writeHead(status, headers).end('body');
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return (server.address() as AddressInfo).port;
    }

    it('2xx is ready; 503 is not', async () => {
      const port = await http((url) => ({ status: url === '/healthz' ? 204 : 503 }));

      expect(await attempt(`http://127.0.0.1:${port}/healthz`)).toBeUndefined();
      expect(await attempt(`http://127.0.0.1:${port}/other`)).toBe('HTTP 503 Service Unavailable');
    });

    it('a redirect is not followed and not ready; where it points is shown without credentials', async () => {
      const port = await http(() => ({ status: 302, headers: { location: 'https://sso:hunter2@login.example.com/?next=/healthz' } }));

      expect(await attempt(`http://127.0.0.1:${port}/healthz`)).toBe('HTTP 302 Found: a redirect to https://sso:***@login.example.com/?next=/healthz, not followed');
    });

    it('a server that never answers: the attempt ends at its deadline', async () => {
      const port = await peer(() => {});

      expect(await attempt(`http://127.0.0.1:${port}/healthz`, 300)).toBe('timeout after 0.3s waiting for the response');
    });
  });

  describe('tcp', () => {
    it('an accepted connection is ready; a closed port is ECONNREFUSED', async () => {
      const port = await peer((socket) => {
        socket.end();
      });
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));

      expect(await attempt(`tcp://127.0.0.1:${port}`)).toBeUndefined();
      expect(await attempt(`tcp://127.0.0.1:${closedPort}`)).toBe(`connect ECONNREFUSED 127.0.0.1:${closedPort}`);
    });
  });
});

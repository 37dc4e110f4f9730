/**
 * A local stand-in for Slack (and any HTTP endpoint): a real node:http server on 127.0.0.1 on a
 * port the OS picks. It records every request and answers from a script, so tests see exactly
 * what went over the wire - including what moto's SNS POSTs to an http subscription.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export type Responder = (request: RecordedRequest) => ScriptedResponse;

export interface LocalSlack {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests in order; afterwards the default responder answers. */
  script(...responses: ScriptedResponse[]): void;
  /** The responder used when the script is empty. Default: 200 `ok`. */
  setDefault(responder: Responder): void;
  close(): Promise<void>;
}

export async function startLocalSlack(): Promise<LocalSlack> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  let fallback: Responder = () => ({ status: 200, body: 'ok' });
  const hanging = new Set<() => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: () => JSON.parse(body) };
      requests.push(recorded);
      const answer = queue.shift() ?? fallback(recorded);
      if (answer.hang) {
        hanging.add(() => res.destroy());
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...responses) => queue.push(...responses),
    setDefault: (responder) => {
      fallback = responder;
    },
    close: async () => {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Answers like the Slack Web API: `chat.postMessage` and `chat.update` succeed;
 * every posted message gets the next `ts` (1741944000.000001, ...000002, ...).
 */
export function slackWebApi(): Responder {
  let posted = 0;
  const json = (value: unknown): ScriptedResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
  return (request) => {
    const body = request.json() as { channel?: string; ts?: string };
    if (request.path.endsWith('/chat.postMessage')) {
      posted += 1;
      return json({ ok: true, channel: body.channel, ts: `1741944000.${String(posted).padStart(6, '0')}` });
    }
    if (request.path.endsWith('/chat.update')) return json({ ok: true, channel: body.channel, ts: body.ts });
    return { status: 404, body: 'unknown method' };
  };
}

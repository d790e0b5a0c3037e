import uWS from 'uWebSockets.js';
import type { HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

export { uWS };
export type { HttpResponse, HttpRequest, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';

/**
 * Small helpers over uWebSockets.js that encode its hard rules once:
 * - a response must be answered, or have an abort handler, before any await;
 * - after an abort the response object must never be touched again;
 * - writes are corked so status, headers and body leave in one syscall.
 */

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** Tracks whether the client went away; call right after the handler starts. */
export function trackAbort(res: HttpResponse): { readonly aborted: boolean } {
  const state = { aborted: false };
  res.onAborted(() => {
    state.aborted = true;
  });
  return state;
}

/** Reads the body with a hard cap; the cap is checked before each copy. */
export function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((ab, isLast) => {
      if (failed) return;
      size += ab.byteLength;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(limit));
        return;
      }
      // uWS reuses the ArrayBuffer after this callback returns: copy now.
      chunks.push(Buffer.from(new Uint8Array(ab).slice()));
      if (isLast) resolve(Buffer.concat(chunks, size));
    });
  });
}

export interface Reply {
  status: number;
  body: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function send(res: HttpResponse, abort: { readonly aborted: boolean }, reply: Reply): void {
  if (abort.aborted) return;
  res.cork(() => {
    res.writeStatus(`${reply.status} ${STATUS_TEXT[reply.status] ?? ''}`.trim());
    res.writeHeader('content-type', reply.contentType ?? 'application/json; charset=utf-8');
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
    res.end(reply.body);
  });
}

export function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value) };
}

export function listen(app: TemplatedApp, host: string, port: number): Promise<{ port: number; close(): void }> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (token: us_listen_socket | false) => {
      if (!token) {
        reject(new Error(`cannot listen on ${host}:${port} (port in use or not permitted)`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(token),
        close: () => {
          uWS.us_listen_socket_close(token);
          // Open keep-alive connections too (the typings of this build omit App.close): a worker
          // thread that ends with a uWS socket still open aborts the whole process in libuv.
          (app as TemplatedApp & { close?: () => void }).close?.();
        },
      });
    });
  });
}

/** Helpers for the hostile-input tests: a hang must fail the test, not stall the suite. */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Rejects when `promise` has not settled within `ms` of real time (the bug shows as a hang). */
export async function within<T>(ms: number, promise: Promise<T>, what = "call"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms (hang or loop)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;

/** A throwaway server on 127.0.0.1 (ephemeral port) for responses the simulator has no fault for. */
export async function localServer(handler: Handler): Promise<{
  url: string;
  requests: Array<{ method: string; url: string }>;
  close(): Promise<void>;
}> {
  const requests: Array<{ method: string; url: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "" });
      handler(req, Buffer.concat(chunks), res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

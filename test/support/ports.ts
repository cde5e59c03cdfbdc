/** Local TCP ports for tests: a free one, and listeners that count who connects. */
import net from "node:net";

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Listeners on 127.0.0.1 that drop and count every connection: proof that nothing was sent to them. */
export interface CountingListeners {
  /** Opens one more listener; resolves to its port. */
  listen(): Promise<number>;
  /** Connections accepted so far, by every listener. */
  connections(): number;
  close(): Promise<void>;
}

export function countingListeners(): CountingListeners {
  const servers: net.Server[] = [];
  let connections = 0;
  return {
    listen() {
      const server = net.createServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      servers.push(server);
      return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    },
    connections: () => connections,
    async close() {
      await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    },
  };
}

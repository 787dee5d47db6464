import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

/** A TCP proxy on a local port in front of a server: cut it to simulate an outage of that server, restore it to end it. */
export interface TcpProxy {
  readonly port: number;
  /** Stops listening and drops every open connection: clients see the server vanish, new connections are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port (nothing when it listens already). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Shared servers (the PostgreSQL that other tests use) must not be stopped: a test that needs an outage puts this in
 * front of its own connections and cuts it.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const listening = createServer((client) => {
        const upstream = createConnection(target);
        track(client);
        track(upstream);
        // Either side gone: the other goes too, as it would between a client and a server that died.
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as AddressInfo).port;
        server = listening;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      const stopping = server;
      server = undefined;
      if (!stopping) return resolve();
      stopping.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    close: cut,
  };
}

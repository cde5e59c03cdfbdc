/**
 * Which process is on the other end of a loopback TCP connection (Linux `/proc`): proves that
 * a model request came from the gateway service and not from the CLI that asked it for a turn.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, "0");

function socketInode(localPort: number, remotePort: number): string | undefined {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1]!.endsWith(`:${hexPort(localPort)}`) && cols[2]!.endsWith(`:${hexPort(remotePort)}`)) {
        return cols[9] === "0" ? undefined : cols[9];
      }
    }
  }
  return undefined;
}

/**
 * The pid owning the client end of an open loopback connection whose client port is
 * `clientPort` and server port `serverPort`; undefined when no process holds it.
 */
export function pidOfConnection(clientPort: number, serverPort: number): number | undefined {
  const inode = socketInode(clientPort, serverPort);
  if (!inode) return undefined;
  const link = `socket:[${inode}]`;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return Number(pid);
      } catch {
        // the descriptor closed while we looked
      }
    }
  }
  return undefined;
}

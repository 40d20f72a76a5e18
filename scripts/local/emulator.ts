import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** The project root. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

const LAUNCHER = path.join(PROJECT_ROOT, "scripts", "emulator", "moto_launcher.py");

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  readonly endpoint: string;
  /** Process id of the emulator. */
  readonly pid: number;
  /** Stops the emulator and waits for it to exit. */
  stop(): Promise<void>;
}

/** Whether an emulator answers at the endpoint. */
export async function isEmulatorRunning(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that is free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto (with the project's patches, scripts/emulator/moto_launcher.py) on 127.0.0.1 and waits
 * until it answers. `detached` leaves it running after this process ends (for `npm run local:up`); its
 * output goes to `logFile`.
 */
export async function startEmulator(options: { port: number; logFile: string; detached?: boolean }): Promise<Emulator> {
  const endpoint = `http://127.0.0.1:${options.port}`;
  if (await isEmulatorRunning(endpoint)) throw new Error(`something already answers at ${endpoint}`);
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, "a");
  const child: ChildProcess = spawn("python3", [LAUNCHER, "-H", "127.0.0.1", "-p", String(options.port)], {
    stdio: ["ignore", log, log],
    detached: options.detached ?? false,
  });
  fs.closeSync(log);
  if (options.detached) child.unref();
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!(await isEmulatorRunning(endpoint))) {
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the emulator did not start at ${endpoint}; see ${options.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const pid = child.pid as number;
  return {
    endpoint,
    pid,
    stop: () => stopProcess(pid, () => exited),
  };
}

/** Stops a process by pid (SIGTERM, then SIGKILL after 10 s) and waits until it is gone. */
export async function stopProcess(pid: number, hasExited: () => boolean = () => false): Promise<void> {
  const alive = () => {
    if (hasExited()) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 10_000;
  while (alive()) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

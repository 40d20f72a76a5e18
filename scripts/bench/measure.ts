/**
 * Measures whole processes: wall time and peak memory (the largest sum of the resident set sizes of the
 * process and all its descendants, sampled from /proc every 20 ms), as the bench reports them.
 */
import { spawn } from "child_process";
import * as fs from "fs";

/** One measured run of a command. */
export interface Measurement {
  readonly seconds: number;
  readonly peakMiB: number;
  readonly status: number;
  readonly output: string;
}

/** A command to measure: argv, working folder and extra environment. */
export interface Command {
  readonly argv: string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

const PAGE_KIB = 4;

/** Resident set size of one process in KiB (0 when it has ended). */
function rssKiB(pid: number): number {
  try {
    const statm = fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
    return Number(statm[1]) * PAGE_KIB;
  } catch {
    return 0;
  }
}

/** The process and all its descendants (from /proc/<pid>/task/<pid>/children). */
function processTree(root: number): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    try {
      const children = fs.readFileSync(`/proc/${tree[i]}/task/${tree[i]}/children`, "utf8").trim();
      if (children) tree.push(...children.split(" ").map(Number));
    } catch {
      // the process ended between two reads
    }
  }
  return tree;
}

/** Runs a command to its end, sampling the memory of its process tree. */
export function measure(command: Command): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command.argv[0], command.argv.slice(1), {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output = (output + chunk).slice(-20000)));
    child.stderr.on("data", (chunk) => (output = (output + chunk).slice(-20000)));
    let peakKiB = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      const total = processTree(child.pid).reduce((sum, pid) => sum + rssKiB(pid), 0);
      peakKiB = Math.max(peakKiB, total);
    };
    const timer = setInterval(sample, 20);
    child.once("error", (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once("close", (status) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ seconds, peakMiB: peakKiB / 1024, status: status ?? 1, output });
    });
    sample();
  });
}

/** The median of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median seconds and peak MiB of the runs of one command. */
export interface Summary {
  readonly seconds: number;
  readonly peakMiB: number;
  readonly runs: number;
  readonly allSeconds: number[];
}

/**
 * Runs several commands `runs` times each, alternating (a, b, c, a, b, c, ...) so that a slow moment of the
 * machine hits them all alike; fails on a command that exits non-zero. Returns the medians by name.
 */
export async function measureAlternating(
  commands: Record<string, Command>,
  runs: number,
  onRun: (name: string, run: Measurement) => void = () => undefined,
): Promise<Record<string, Summary>> {
  const results: Record<string, Measurement[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let round = 0; round < runs; round++) {
    for (const [name, command] of Object.entries(commands)) {
      const run = await measure(command);
      if (run.status !== 0) throw new Error(`${name} failed (exit ${run.status}): ${command.argv.join(" ")}\n${run.output.slice(-4000)}`);
      results[name].push(run);
      onRun(name, run);
    }
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, measured]) => [
      name,
      {
        seconds: median(measured.map((m) => m.seconds)),
        peakMiB: median(measured.map((m) => m.peakMiB)),
        runs: measured.length,
        allSeconds: measured.map((m) => m.seconds),
      },
    ]),
  );
}

import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readSynthOutput, SynthesizedEstate } from "./synthesized-estate";

/** The synth of another commit, read into memory (its temporary checkout is gone). */
export interface RefSynth {
  readonly ref: string;
  readonly commit: string;
  readonly estate: SynthesizedEstate;
}

/** Inputs of {@link synthesizeRef}. */
export interface RefSynthOptions {
  /** The repository (any of its work trees). */
  readonly repoRoot: string;
  /**
   * Progress messages.
   *
   * @default - none
   */
  readonly log?: (message: string) => void;
}

const git = (repoRoot: string, ...args: string[]) => execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: "pipe" }).trim();

/** Variables that would change what the app synthesizes or where; the baseline gets a plain synth. */
const SYNTH_VARIABLES = [
  "TREEPLI_ENV",
  "CDKTF_OUTDIR",
  "CDKTF_CONTEXT_JSON",
  "CDKTF_TARGET_STACK_ID",
  "SYNTH_HCL_OUTPUT",
  "TREEPLI_EMULATOR_ENDPOINT",
];

/**
 * Synthesizes a git ref with that ref's own code: a temporary work tree of the commit (`git worktree
 * add`), its dependencies (this checkout's `node_modules` when the lock files are identical, else
 * `npm ci` there), then that commit's app command (`cdktf.json` `app`) run directly, the way `cdktf
 * synth` runs it, with `CDKTF_OUTDIR` pointing into the temporary tree. The work tree is removed
 * afterwards.
 */
export function synthesizeRef(ref: string, options: RefSynthOptions): RefSynth {
  const log = options.log ?? (() => undefined);
  let commit: string;
  try {
    commit = git(options.repoRoot, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
  } catch {
    throw new Error(`"${ref}" is not a commit of this repository: give a branch, tag or commit (e.g. main, origin/main, HEAD~1)`);
  }
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), `treepli-review-${commit.slice(0, 8)}-`));
  git(options.repoRoot, "worktree", "add", "--detach", "--force", tree, commit);
  try {
    const ownLock = path.join(options.repoRoot, "package-lock.json");
    const refLock = path.join(tree, "package-lock.json");
    const sameLock = fs.existsSync(ownLock) && fs.existsSync(refLock) && fs.readFileSync(ownLock).equals(fs.readFileSync(refLock));
    if (sameLock) {
      fs.symlinkSync(path.join(options.repoRoot, "node_modules"), path.join(tree, "node_modules"), "dir");
    } else {
      log(`${ref}: its package-lock.json differs from this checkout's; installing its dependencies (npm ci)`);
      const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
        cwd: tree,
        encoding: "utf8",
        stdio: "pipe",
        maxBuffer: 64 * 1024 * 1024,
      });
      if (install.status !== 0) throw new Error(`npm ci of ${ref} (${commit.slice(0, 12)}) failed:\n${install.stdout}${install.stderr}`);
    }
    const app = (JSON.parse(fs.readFileSync(path.join(tree, "cdktf.json"), "utf8")) as { app?: string }).app;
    if (!app) throw new Error(`${ref}: cdktf.json names no app command`);
    const outdir = path.join(tree, "cdktf.out.review-baseline");
    const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" };
    for (const name of SYNTH_VARIABLES) if (name !== "CDKTF_OUTDIR") delete env[name];
    log(`${ref}: synthesizing ${commit.slice(0, 12)} with its own code (${app})`);
    const synth = spawnSync("sh", ["-c", app], { cwd: tree, env, encoding: "utf8", stdio: "pipe", maxBuffer: 64 * 1024 * 1024 });
    if (synth.status !== 0) throw new Error(`synthesizing ${ref} (${commit.slice(0, 12)}) failed:\n${synth.stdout}${synth.stderr}`);
    return { ref, commit, estate: readSynthOutput(outdir) };
  } finally {
    try {
      git(options.repoRoot, "worktree", "remove", "--force", tree);
    } catch {
      // the folder is removed below; `git worktree prune` forgets it
    }
    fs.rmSync(tree, { recursive: true, force: true });
    git(options.repoRoot, "worktree", "prune");
  }
}

/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`) by package: self time of every sampled function,
 * attributed through the bundle's source map to the file it came from (`node_modules/<package>/...` or the
 * project's own sources), so that the app command's bundle still shows where the time goes.
 */
import * as fs from "fs";
import { SourceMap } from "module";
import * as path from "path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (or project folder, or V8 category) a source belongs to. */
function ownerOf(source: string): string {
  const packageMatch = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(source);
  if (packageMatch) return packageMatch[1];
  if (source.startsWith("node:")) return "node (built-in modules)";
  if (source === "") return "";
  const relative = source.replace(/^file:\/\//, "").replace(/^(\.\.\/)+/, "");
  const folder = relative.split("/")[0];
  return folder.endsWith(".ts") || folder.endsWith(".js") ? `project: ${folder}` : `project: ${folder}/`;
}

/** Milliseconds of self time per package, largest first. */
export function summarizeProfile(profileFile: string): Array<{ owner: string; milliseconds: number }> {
  const profile = JSON.parse(fs.readFileSync(profileFile, "utf8")) as Profile;
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

  const maps = new Map<string, SourceMap | null>();
  const sourceMapOf = (url: string): SourceMap | null => {
    if (!maps.has(url)) {
      const file = url.replace(/^file:\/\//, "");
      const mapFile = `${file}.map`;
      maps.set(url, url.endsWith(".js") && fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8"))) : null);
    }
    return maps.get(url) ?? null;
  };

  const totals = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id);
    if (!micros) continue;
    const { url, lineNumber, columnNumber, functionName } = node.callFrame;
    let owner: string;
    if (url === "") {
      // V8's own categories: "(garbage collector)", "(program)", "(idle)", or native code.
      owner = functionName.startsWith("(") ? functionName : "native";
    } else {
      const map = sourceMapOf(url);
      const entry = map && lineNumber >= 0 ? (map.findEntry(lineNumber, columnNumber) as { originalSource?: string }) : undefined;
      const file = url.replace(/^file:\/\//, "");
      // A source map names its sources relative to the bundle's folder; code it maps to no source is
      // esbuild's own module helpers.
      const source = entry?.originalSource ? path.resolve(path.dirname(file), entry.originalSource) : map ? "" : file;
      owner = source === "" ? "the bundle's module helpers (esbuild)" : ownerOf(path.relative(process.cwd(), source));
    }
    totals.set(owner, (totals.get(owner) ?? 0) + micros);
  }
  return [...totals]
    .map(([owner, micros]) => ({ owner, milliseconds: micros / 1000 }))
    .filter((row) => row.owner !== "(idle)")
    .sort((a, b) => b.milliseconds - a.milliseconds);
}

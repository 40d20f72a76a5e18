/**
 * The naive baseline of the bench: a temporary copy of the app's sources written the usual way, with every
 * provider class imported from the package root (`import { vpc } from "@cdktf/provider-aws"`) instead of
 * from its own file, to be run by ts-node with type checking. Generated on the fly inside the project
 * (so that it resolves the project's node_modules) and deleted after the bench; never kept.
 */
import * as fs from "fs";
import * as path from "path";

/** `data-aws-caller-identity` -> `dataAwsCallerIdentity` (the namespace the package root exports it as). */
function namespaceOf(file: string): string {
  return file.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Rewrites `import { A, B as C } from "@cdktf/provider-aws/lib/<file>";` into a root import of the
 * file's namespace and import aliases (`import A = ns.A;`), which keep both the value and the type.
 */
export function rewriteProviderImports(source: string): string {
  return source.replace(/import\s*\{([^}]*)\}\s*from\s*"@cdktf\/provider-aws\/lib\/([a-z0-9-]+)";/g, (_, names: string, file: string) => {
    const namespace = `__aws_${namespaceOf(file)}`;
    const aliases = names
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean)
      .map((name) => {
        const [imported, local] = name.split(/\s+as\s+/);
        return `import ${local ?? imported} = ${namespace}.${imported};`;
      });
    return [`import { ${namespaceOf(file)} as ${namespace} } from "@cdktf/provider-aws";`, ...aliases].join("\n");
  });
}

/** Copies `main.ts`, `src/` and `tsconfig.json` into `dir` (replaced), rewriting provider imports. */
export function writeNaiveCopy(projectRoot: string, dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  const copy = (relative: string) => {
    const from = path.join(projectRoot, relative);
    const to = path.join(dir, relative);
    if (fs.statSync(from).isDirectory()) {
      for (const entry of fs.readdirSync(from)) copy(path.join(relative, entry));
      return;
    }
    fs.mkdirSync(path.dirname(to), { recursive: true });
    const text = fs.readFileSync(from, "utf8");
    fs.writeFileSync(to, relative.endsWith(".ts") ? rewriteProviderImports(text) : text);
  };
  for (const entry of ["main.ts", "src", "tsconfig.json"]) copy(entry);
}

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { architecture, Architecture, ArchitectureNode } from "../../src/review/architecture";
import { writeReviewBundle } from "../../src/review/bundle";
import { committedDrawing, DRAWING_FILE } from "../../src/review/committed-files";
import { architectureDot, architectureMermaid } from "../../src/review/drawing";
import { EstateGraph } from "../../src/review/estate-graph";
import { stacksOf, SynthesizedStack } from "../../src/review/synthesized-estate";
import { ENVIRONMENTS } from "../../src/config/environments";
import { manifest, PROJECT_ROOT, schemasFor, synth } from "./review-helpers";

const estate = synth();
const production = architecture(new EstateGraph(stacksOf(estate, ["production"])), "production");

/** The one box of a kind in a layer of the drawing (the layer named as in the stack name). */
function box(drawing: Architecture, layer: string, kind: string, label?: RegExp): ArchitectureNode {
  const found = drawing.nodes.filter(
    (node) => node.stack === `${drawing.environment}-${layer}` && node.kind === kind && (!label || label.test(node.label)),
  );
  expect({ layer, kind, found: found.map((node) => node.label) }).toEqual({ layer, kind, found: [expect.any(String)] });
  return found[0];
}
const outside = (drawing: Architecture, label: string) =>
  drawing.nodes.find((node) => node.stack === undefined && node.label === label) as ArchitectureNode;
const arrows = (drawing: Architecture) => drawing.edges.map((edge) => `${edge.from} -> ${edge.to}`);

test("every layer of the environment is a group of the drawing, and the DOT and Mermaid renderings hold them all", () => {
  const stacks = Object.keys(manifest(estate).stacks).filter((name) => name.startsWith("production-"));
  expect(production.layers.map((layer) => layer.stack).sort()).toEqual(stacks.sort());
  const dot = architectureDot(production);
  const mermaid = architectureMermaid(production);
  for (const stack of stacks) {
    expect(dot).toContain(`subgraph "cluster_${stack}"`);
    expect(mermaid).toContain(`subgraph ${stack.replace(/-/g, "_")}[`);
    expect(production.nodes.some((node) => node.stack === stack)).toBe(true);
  }
  for (const edge of production.edges) {
    expect(dot).toContain(`${edge.from} -> ${edge.to}`);
    expect(mermaid).toMatch(new RegExp(`${edge.from} -[.-]+>(\\|[^|]*\\|)? ${edge.to}$`, "m"));
  }
});

test("the request paths: viewer → CloudFront → ALB → service; client → API → VPC link → ALB → service → database; backend → media bucket ← media CDN", () => {
  const site = box(production, "frontend", "cdn");
  const siteAlb = box(production, "frontend", "load-balancer");
  const frontend = box(production, "frontend", "service");
  const api = box(production, "backend", "api");
  const link = box(production, "backend", "vpc-link");
  const internalAlb = box(production, "backend", "load-balancer");
  const backend = box(production, "backend", "service");
  const database = box(production, "backend", "database");
  const mediaCdn = box(production, "media", "cdn");
  const mediaBucket = box(production, "media", "bucket", /-media-\d{12}$/);
  expect(arrows(production)).toEqual(
    expect.arrayContaining([
      `${outside(production, "viewers").id} -> ${site.id}`,
      `${site.id} -> ${siteAlb.id}`,
      `${siteAlb.id} -> ${frontend.id}`,
      `${outside(production, "API clients").id} -> ${api.id}`,
      `${api.id} -> ${link.id}`,
      `${link.id} -> ${internalAlb.id}`,
      `${internalAlb.id} -> ${backend.id}`,
      `${backend.id} -> ${database.id}`,
      `${backend.id} -> ${mediaBucket.id}`,
      `${outside(production, "viewers").id} -> ${mediaCdn.id}`,
      `${mediaCdn.id} -> ${mediaBucket.id}`,
    ]),
  );
  expect(production.edges.find((edge) => edge.from === backend.id && edge.to === database.id)?.label).toBe(":5432");
});

test("the shared cluster runs both services on its instances, and GitHub deploys each service through its own role", () => {
  const cluster = box(production, "cluster", "cluster");
  const instances = box(production, "cluster", "instances");
  const oidc = box(production, "cluster", "identity");
  const github = outside(production, "GitHub Actions");
  expect(arrows(production)).toContain(`${instances.id} -> ${cluster.id}`);
  for (const layer of ["backend", "frontend"]) {
    const service = box(production, layer, "service");
    const role = box(production, layer, "deploy-role");
    const repository = box(production, layer, "repository");
    expect(arrows(production)).toEqual(
      expect.arrayContaining([
        `${service.id} -> ${cluster.id}`,
        `${github.id} -> ${role.id}`,
        `${role.id} -> ${oidc.id}`,
        `${role.id} -> ${repository.id}`,
        `${role.id} -> ${service.id}`,
      ]),
    );
    // The arrow from GitHub says which repository and environment the role trusts.
    expect(production.edges.find((edge) => edge.from === github.id && edge.to === role.id)?.label).toMatch(/environment:production/);
  }
});

test("a new layer and resource types the drawing does not know appear too: counted in their layer, not dropped", () => {
  const future: SynthesizedStack = {
    name: "production-future",
    environment: "production",
    layer: "future",
    workingDirectory: "stacks/production-future",
    dependencies: [],
    json: {
      resource: {
        aws_sns_topic: { future: { name: "treepli-production-future" } },
        aws_kms_key: { logs: {}, topics: {} },
        aws_budgets_budget: { monthly: { name: "monthly" } },
        aws_something_new: { a: {}, b: {} },
      },
    },
    text: "",
  };
  const drawing = architecture(new EstateGraph([...stacksOf(estate, ["production"]), future]), "production");
  expect(drawing.layers.map((layer) => layer.stack)).toContain("production-future");
  expect(
    drawing.nodes
      .filter((node) => node.stack === "production-future")
      .map((node) => node.label)
      .sort(),
  ).toEqual(["2 KMS keys", "3 other resources\n(2 types)", "SNS topic\ntreepli-production-future"]);
  expect(architectureDot(drawing)).toContain('subgraph "cluster_production-future"');
});

test("the drawing follows the stacks: a staging database made Multi-AZ is drawn so", () => {
  const staging = architecture(new EstateGraph(stacksOf(estate, ["staging"])), "staging");
  const multiAz = synth(["staging"], {
    environments: {
      staging: {
        ...ENVIRONMENTS.staging,
        backend: { ...ENVIRONMENTS.staging.backend, database: { ...ENVIRONMENTS.staging.backend.database, multiAz: true } },
      },
    },
  });
  const drawing = architecture(new EstateGraph(multiAz.stacks), "staging");
  expect(box(staging, "backend", "database").label).not.toMatch(/Multi-AZ/);
  expect(box(drawing, "backend", "database").label).toMatch(/Multi-AZ/);
  expect(architectureMermaid(drawing)).not.toBe(architectureMermaid(staging));
});

test("docs/estate.svg is the drawing of the current production synth (run `npm run review` and commit it)", async () => {
  const committed = fs.readFileSync(path.join(PROJECT_ROOT, DRAWING_FILE), "utf8");
  expect(committed).toBe(await committedDrawing(estate));
  expect(committed).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*cluster_production&#45;backend[\s\S]*<\/svg>\s*$/);
});

describe("the review bundle", () => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "treepli-bundle-")));
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  /** Every file of a folder, relative path → bytes. */
  const files = (dir: string): Map<string, Buffer> => {
    const found = new Map<string, Buffer>();
    const walk = (at: string) =>
      fs.readdirSync(path.join(dir, at), { withFileTypes: true }).forEach((entry) => {
        const relative = path.join(at, entry.name);
        if (entry.isDirectory()) walk(relative);
        else found.set(relative, fs.readFileSync(path.join(dir, relative)));
      });
    walk("");
    return found;
  };

  test("holds JSON, HCL and the drawing of every stack of every real environment, and is byte-identical across two runs", async () => {
    const schemas = schemasFor(estate);
    for (const dir of dirs) {
      // A separate synth for each run: nothing of a run may leak into the next one's bytes.
      const again = synth();
      await writeReviewBundle({ outDir: dir, estate: again, environments: ["staging", "production"], schemas });
    }
    const [first, second] = dirs.map(files);
    expect([...first.keys()].sort()).toEqual([...second.keys()].sort());
    for (const [file, bytes] of first) expect({ file, same: bytes.equals(second.get(file) as Buffer) }).toEqual({ file, same: true });
    for (const stack of estate.stacks) {
      expect(first.get(path.join("stacks", stack.name, "cdk.tf.json"))?.toString()).toBe(stack.text);
      expect(first.get(path.join("stacks", stack.name, "hcl", "main.tf"))?.toString()).toMatch(/^# /);
    }
    expect([...first.keys()].filter((file) => !file.startsWith("stacks")).sort()).toEqual([
      ".review-bundle",
      "SUMMARY.md",
      "estate-production.svg",
      "estate-staging.svg",
    ]);
  }, 120_000);

  test("refuses to empty a folder that is not a review bundle", async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-not-a-bundle-"));
    fs.writeFileSync(path.join(other, "keep.txt"), "mine");
    try {
      await expect(writeReviewBundle({ outDir: other, estate, environments: ["production"], schemas: schemasFor(estate) })).rejects.toThrow(
        /not a review bundle/,
      );
      expect(fs.readFileSync(path.join(other, "keep.txt"), "utf8")).toBe("mine");
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

import { Architecture, ArchitectureEdge, ArchitectureNode } from "./architecture";

const SHAPES: Record<string, string> = {
  external: "oval",
  database: "cylinder",
  bucket: "cylinder",
  queue: "cds",
  other: "note",
};

const COLORS: Record<string, string> = {
  external: "#f2f2f2",
  cdn: "#fde8d7",
  "load-balancer": "#e3ecfa",
  api: "#e3ecfa",
  "vpc-link": "#e3ecfa",
  service: "#dff2e1",
  cluster: "#dff2e1",
  instances: "#dff2e1",
  database: "#ede3f6",
  bucket: "#ede3f6",
  repository: "#fff6d6",
  "deploy-role": "#fff6d6",
  identity: "#fff6d6",
  other: "#ffffff",
};

const EDGE_STYLES: Record<ArchitectureEdge["kind"], string> = {
  request: 'color="#1f4e9c"',
  data: 'color="#6a3d9a", style=dashed',
  deploy: 'color="#b8860b", style=dotted',
  "runs-on": 'color="#4d7f4d", style=dashed, arrowhead=empty',
};

const dotString = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

function dotNode(node: ArchitectureNode): string {
  const shape = SHAPES[node.kind] ?? "box";
  const fill = COLORS[node.kind] ?? "#ffffff";
  return `${node.id} [label=${dotString(node.label)}, shape=${shape}, style="filled${shape === "box" ? ",rounded" : ""}", fillcolor="${fill}"];`;
}

/** The architecture as a Graphviz graph: layers as clusters, requests flowing down, request paths in blue. */
export function architectureDot(architecture: Architecture): string {
  const lines = [
    `digraph ${dotString(`estate-${architecture.environment}`)} {`,
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.6, label=${dotString(`${architecture.environment}: the estate as synthesized`)}, labelloc=t];`,
    '  node [fontname="Helvetica", fontsize=10, margin="0.25,0.08"];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const node of architecture.nodes.filter((n) => n.stack === undefined)) lines.push(`  ${dotNode(node)}`);
  for (const layer of architecture.layers) {
    const members = architecture.nodes.filter((node) => node.stack === layer.stack);
    if (members.length === 0) continue;
    lines.push(
      `  subgraph ${dotString(`cluster_${layer.stack}`)} {`,
      `    label=${dotString(`${layer.layer} (${layer.stack})`)}; style="rounded,dashed"; color="#999999";`,
      ...members.map((node) => `    ${dotNode(node)}`),
      "  }",
    );
  }
  for (const edge of architecture.edges) {
    lines.push(
      `  ${edge.from} -> ${edge.to} [${[edge.label ? `label=${dotString(edge.label)}` : "", EDGE_STYLES[edge.kind]].filter(Boolean).join(", ")}];`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

const mermaidText = (text: string) => text.replace(/"/g, "#quot;").replace(/\n/g, "<br/>");

const MERMAID_ARROWS: Record<ArchitectureEdge["kind"], string> = { request: "-->", data: "-.->", deploy: "-.->", "runs-on": "-.->" };

/** The architecture as a Mermaid flowchart (GitHub renders it in the Markdown summary). */
export function architectureMermaid(architecture: Architecture): string {
  const lines = ["flowchart LR"];
  for (const node of architecture.nodes.filter((n) => n.stack === undefined)) lines.push(`  ${node.id}(["${mermaidText(node.label)}"])`);
  for (const layer of architecture.layers) {
    const members = architecture.nodes.filter((node) => node.stack === layer.stack);
    if (members.length === 0) continue;
    lines.push(`  subgraph ${layer.stack.replace(/[^A-Za-z0-9_]/g, "_")}["${mermaidText(`${layer.layer} (${layer.stack})`)}"]`);
    for (const node of members) {
      const text = mermaidText(node.label);
      lines.push(`    ${node.id}${node.kind === "database" || node.kind === "bucket" ? `[("${text}")]` : `["${text}"]`}`);
    }
    lines.push("  end");
  }
  for (const edge of architecture.edges) {
    const arrow = MERMAID_ARROWS[edge.kind];
    lines.push(`  ${edge.from} ${arrow}${edge.label ? `|"${mermaidText(edge.label)}"|` : ""} ${edge.to}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Renders Graphviz DOT as SVG with Graphviz compiled to WebAssembly (no system package needed). */
export async function renderSvg(dot: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { instance } = require("@viz-js/viz") as typeof import("@viz-js/viz");
  const viz = await instance();
  return viz.renderString(dot, { format: "svg" });
}

import { architecture } from "./architecture";
import { atlantisConfig, atlantisYaml } from "./atlantis-config";
import { architectureDot, renderSvg } from "./drawing";
import { EstateGraph } from "./estate-graph";
import { environmentsOf, stacksOf, SynthesizedEstate } from "./synthesized-estate";

/** The repository-level Atlantis configuration (generated; a test keeps it in sync). */
export const ATLANTIS_FILE = "atlantis.yaml";

/** The drawing of the estate the README shows (generated; a test keeps it in sync). */
export const DRAWING_FILE = "docs/estate.svg";

/** The environment the committed drawing shows. */
export const DRAWING_ENVIRONMENT = "production";

/** The text of `atlantis.yaml` for a synth of the real environments (every environment in it). */
export function committedAtlantisYaml(estate: SynthesizedEstate): string {
  return atlantisYaml(atlantisConfig(estate, { synthDir: "cdktf.out", environments: environmentsOf(estate) }));
}

/** The SVG of `docs/estate.svg`: the drawing of production. */
export async function committedDrawing(estate: SynthesizedEstate): Promise<string> {
  const graph = new EstateGraph(stacksOf(estate, [DRAWING_ENVIRONMENT]));
  return renderSvg(architectureDot(architecture(graph, DRAWING_ENVIRONMENT)));
}

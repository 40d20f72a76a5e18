import { App } from "cdktf";
import { addEnvironment, checkOutputFolder, FULL_OUTPUT_FOLDER } from "./src/app";
import {
  ConfigurationError,
  ENVIRONMENT_SELECTION_VARIABLE,
  loadEnvironmentConfigs,
  parseEnvironmentSelection,
} from "./src/config/load-config";
import { unreplacedPlaceholders } from "./src/config/placeholders";

// The only place that reads process.env: the environment selection, the emulator endpoint for the
// `local` environment, and the output folder the cdktf CLI chose.
try {
  const selection = parseEnvironmentSelection(process.env[ENVIRONMENT_SELECTION_VARIABLE]);
  checkOutputFolder(selection, process.env.CDKTF_OUTDIR ?? FULL_OUTPUT_FOLDER, process.cwd());
  const configs = loadEnvironmentConfigs(selection, { emulatorEndpoint: process.env.TREEPLI_EMULATOR_ENDPOINT });

  const app = new App();
  for (const config of configs) addEnvironment(app, config);

  const placeholders = unreplacedPlaceholders();
  if (placeholders.length > 0 && configs.some((config) => !config.emulator)) {
    console.warn(`warning: placeholder values still in src/config/placeholders.ts: ${placeholders.join("; ")}`);
  }
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  // Nothing has been written yet: configuration is checked before any stack is created.
  console.error(error.message);
  process.exit(1);
}

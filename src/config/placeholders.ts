/**
 * Values only Treepli's owner can know, in one place. Every one is a PLACEHOLDER until replaced:
 * the app synthesizes with them (so that reviews and tests work on any machine), and `main.ts` warns
 * on every synth while a placeholder account id (twelve equal digits) or a `.example` domain is still
 * in place. The README lists what to replace.
 */
export const PLACEHOLDERS = {
  /** PLACEHOLDER: per service, the GitHub repository (`owner/name`) whose workflow deploys it. */
  githubRepositories: {
    backend: "treepli/backend",
    frontend: "treepli/frontend",
  },
  /**
   * PLACEHOLDER: per environment, its AWS account, public DNS names (`.example` is reserved and never
   * resolves) and the address that receives the operations topics' notifications (alarms, detections).
   */
  environments: {
    staging: {
      accountId: "111111111111",
      domains: { site: "staging.treepli.example", api: "api.staging.treepli.example", media: "media.staging.treepli.example" },
      opsEmail: "ops-staging@treepli.example",
    },
    production: {
      accountId: "222222222222",
      domains: { site: "www.treepli.example", api: "api.treepli.example", media: "media.treepli.example" },
      opsEmail: "ops@treepli.example",
    },
  },
} as const;

/**
 * Describes the placeholders that are still in place, one line each (empty once all are replaced), as
 * `<path> (<value>)`, e.g. `environments.production.accountId (222222222222)`.
 */
export function unreplacedPlaceholders(placeholders: object = PLACEHOLDERS): string[] {
  const found: string[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (typeof value === "string") {
      if (/^(\d)\1{11}$/.test(value) || value.endsWith(".example")) found.push(`${path.join(".")} (${value})`);
    } else if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
    }
  };
  visit(placeholders, []);
  return found;
}

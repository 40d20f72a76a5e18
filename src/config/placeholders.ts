/**
 * Values only Treepli's owner can know, in one place. Every one is a PLACEHOLDER until replaced:
 * the app synthesizes with them (so that reviews and tests work on any machine), and `main.ts` warns
 * on every synth while a placeholder account id (twelve equal digits) or a `.example` domain is still
 * in place. The README lists what to replace.
 */
export const PLACEHOLDERS = {
  /** PLACEHOLDER: the AWS account that runs staging. */
  stagingAccountId: "111111111111",
  /** PLACEHOLDER: the AWS account that runs production. */
  productionAccountId: "222222222222",
  /** PLACEHOLDER: the GitHub repository of the Go backend (`owner/name`). */
  backendRepository: "treepli/backend",
  /** PLACEHOLDER: the GitHub repository of the Next.js frontend (`owner/name`). */
  frontendRepository: "treepli/frontend",
  /** PLACEHOLDER: production's public DNS names (`.example` is reserved and never resolves). */
  productionDomains: {
    site: "www.treepli.example",
    api: "api.treepli.example",
    media: "media.treepli.example",
  },
  /** PLACEHOLDER: staging's public DNS names. */
  stagingDomains: {
    site: "staging.treepli.example",
    api: "api.staging.treepli.example",
    media: "media.staging.treepli.example",
  },
} as const;

/**
 * Describes the placeholders that are still in place, one line each (empty once all are replaced).
 */
export function unreplacedPlaceholders(): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(PLACEHOLDERS)) {
    const values = typeof value === "string" ? [value] : Object.values(value);
    if (values.some((v) => /^(\d)\1{11}$/.test(v) || v.endsWith(".example"))) found.push(`${key} (${values.join(", ")})`);
  }
  return found;
}

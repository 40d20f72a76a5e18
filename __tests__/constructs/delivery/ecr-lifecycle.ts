/**
 * A model of how ECR evaluates a lifecycle policy, written from AWS's documented rules (ECR User Guide,
 * "Lifecycle policy evaluation rules" and "Lifecycle policy properties"), so that tests can replay an
 * image history against a synthesized policy:
 *
 * - rules are applied in `rulePriority` order, lowest first;
 * - `tagged` selects images with a tag matching every pattern of `tagPatternList` (`*` is a wildcard) or
 *   starting with every prefix of `tagPrefixList`; `untagged` selects images without tags; `any` all;
 * - `imageCountMoreThan` expires the selected images beyond the newest `countNumber` by push time;
 *   `sinceImagePushed` expires those pushed more than `countNumber` days ago;
 * - an image that matches the tagging requirements of a rule cannot be expired by a rule with a lower
 *   priority; a rule still counts images that earlier rules marked.
 */
export interface Image {
  readonly digest: string;
  readonly tags: readonly string[];
  /** Push time, in days since the start of the scenario (ECR keeps the first push time when a tag is added). */
  readonly pushedAtDay: number;
}

interface Rule {
  rulePriority: number;
  selection: {
    tagStatus: "tagged" | "untagged" | "any";
    tagPatternList?: string[];
    tagPrefixList?: string[];
    countType: "imageCountMoreThan" | "sinceImagePushed";
    countNumber: number;
  };
  action: { type: string };
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.split("*").map(escape).join(".*")}$`);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function selects(rule: Rule, image: Image): boolean {
  const { tagStatus, tagPatternList, tagPrefixList } = rule.selection;
  if (tagStatus === "any") return true;
  if (tagStatus === "untagged") return image.tags.length === 0;
  const patterns = (tagPatternList ?? []).map(wildcard);
  return (
    image.tags.length > 0 &&
    patterns.every((pattern) => image.tags.some((tag) => pattern.test(tag))) &&
    (tagPrefixList ?? []).every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)))
  );
}

/** The digests a policy expires on `today` (days since the start of the scenario). */
export function expiredImages(policyJson: string, images: readonly Image[], today: number): string[] {
  const rules = (JSON.parse(policyJson).rules as Rule[]).sort((a, b) => a.rulePriority - b.rulePriority);
  const protectedDigests = new Set<string>();
  const expired = new Set<string>();
  for (const rule of rules) {
    const selected = images.filter((image) => selects(rule, image));
    const { countType, countNumber } = rule.selection;
    const candidates =
      countType === "imageCountMoreThan"
        ? [...selected].sort((a, b) => b.pushedAtDay - a.pushedAtDay).slice(countNumber)
        : selected.filter((image) => today - image.pushedAtDay > countNumber);
    for (const image of candidates) if (!protectedDigests.has(image.digest)) expired.add(image.digest);
    if (rule.selection.tagStatus !== "any") for (const image of selected) protectedDigests.add(image.digest);
  }
  return [...expired];
}

/**
 * When a text mentions a capability: word by word, comparing stems, with the capability's words
 * consecutive and in order ("code review" needs "code review", not "review the code"). Words too
 * broad to say what a task needs ("everything", "questions", "what") never count: an agent that
 * declares only such words is not chosen by them.
 *
 * One rule for both sides: the runtime checks every delegation with it
 * (agents/runtime/steps/delegation.ts) and the offline model routes with it
 * (agents/offline-model/rules.ts), so the model never proposes a delegation the runtime refuses.
 */

/** Words that name no particular skill: function words, catch-alls, and what every agent does. */
export const BROAD_WORDS: ReadonlySet<string> = new Set(
  [
    // function and question words
    "a an and are as at be been but by can could do does for from had has have he her his how i if in",
    "into is it its me my no not of on or our please she so than that the their them then there these",
    "they this those to up us was we were what when where which who whom whose why will with would you your",
    // catch-alls
    "all any anyone anything every everyone everything general generic misc miscellaneous other others",
    "something stuff thing things whatever universal",
    // what every agent does
    "agent agents answer answers ask assist assistance assistant chat expert help helper info information",
    "job jobs query queries question questions request requests support task tasks work",
    // the runtime's own vocabulary
    "coordination delegate delegation handoff routing",
  ].flatMap((line) => line.split(" ")),
);

/** The words of a text, lower case, letters and digits only. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A crude stem, so "forecast" ~ "forecasts" and "translation" ~ "translate". */
export function stem(word: string): string {
  const w = word.toLowerCase();
  if (w.endsWith("ies") && w.length > 4) return `${w.slice(0, -3)}y`;
  for (const suffix of ["ion", "ing", "ed", "es", "s", "e"]) {
    if (suffix === "s" && w.endsWith("ss")) continue;
    const keep = suffix === "ion" ? 4 : 3; // "translation" ~ "translate", but "region" stays whole
    if (w.endsWith(suffix) && w.length - suffix.length >= keep) return w.slice(0, -suffix.length);
  }
  return w;
}

const BROAD_STEMS: ReadonlySet<string> = new Set([...BROAD_WORDS].map(stem));

/** A word says nothing about a skill: one character, or one of BROAD_WORDS (or its stem). */
export function isBroadWord(word: string): boolean {
  const w = word.toLowerCase();
  return [...w].length < 2 || BROAD_WORDS.has(w) || BROAD_STEMS.has(stem(w));
}

/** A capability can be evidence only when at least one of its words names something specific. */
export function isSpecific(capability: string): boolean {
  return words(capability).some((w) => !isBroadWord(w));
}

/** Whether `text` mentions `capability`: its words, stem by stem, consecutive and in order. */
export function mentions(text: string, capability: string): boolean {
  const want = words(capability).map(stem);
  if (want.length === 0) return false;
  const have = words(text).map(stem);
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((w, j) => have[i + j] === w)) return true;
  }
  return false;
}

/** The first of `capabilities` that `text` mentions and that is specific enough to count. */
export function mentionedCapability(text: string, capabilities: readonly string[]): string | undefined {
  return capabilities.find((c) => isSpecific(c) && mentions(text, c));
}

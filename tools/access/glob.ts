/**
 * IAM's `*` (any run of characters) and `?` (one character) as a RegExp, as
 * ARNs, actions and `StringLike` / `ArnLike` values use them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String).
 * Every other character is literal. Compiled once per pattern and flags:
 * `"s"` (the default) lets `*` span newlines, `"is"` also ignores case (actions;
 * callers that lowercase both sides pass `"s"`, which compiles faster).
 */
const cache = new Map<string, RegExp>();

export function iamGlob(pattern: string, flags = "s"): RegExp {
  const key = `${flags}/${pattern}`;
  let re = cache.get(key);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
      flags,
    );
    cache.set(key, re);
  }
  return re;
}

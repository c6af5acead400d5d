/**
 * What the demo asks of the model: which model ({@link defaultModel}) and the instructions it gets ({@link system}).
 */

/**
 * The model the demo uses when neither `--model` nor `ANTHROPIC_MODEL` names one; the one place the default is
 * written (`--help`, the settings and the README follow it).
 *
 * `claude-sonnet-4-6`: a Sonnet in the official SDK's model list (`@anthropic-ai/sdk` 1.16, its `Model` type) and
 * not among its deprecated models, where the old default `claude-sonnet-4-5` is no longer listed. Not the newer
 * `claude-sonnet-5-5`, because core's dated price table (`Usage.defaultTable`, prices of 2025-11-24) has no price for
 * it, and the usage line that ends every answer would read "no price" instead of the cost.
 */
export const defaultModel = "claude-sonnet-4-6"

/** The demo's system prompt: use the tools, and be brief. */
export const system =
  "You are the Parley demo assistant. Use the tools for every calculation, time lookup, unit conversion and file " +
  "access instead of answering from memory. The file tools only see a sandbox directory. Be brief."

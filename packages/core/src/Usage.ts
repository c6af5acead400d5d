/**
 * Token usage added up across model calls, and what it costs: the totals a client keeps for all its calls and a
 * loop keeps per run, and a price table by model (dated, overridable) that turns them into US dollars.
 *
 * @example
 * ```ts
 * import { Usage } from "@parley/core"
 *
 * const totals = Usage.add(Usage.empty, { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000 })
 * const cost = Usage.costOf("claude-sonnet-4-5", totals) // { usd: 0.0096, priced: true, ... }
 * ```
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * Token totals: uncached input, output, cache writes (5-minute and 1-hour breakpoints counted together in
 * `cacheCreationInputTokens`, and apart when the API says so) and cache reads, with the number of calls.
 *
 * @since 0.2.0
 * @category models
 */
export const Totals = Schema.Struct({
  calls: Schema.NonNegativeInt,
  inputTokens: Schema.NonNegativeInt,
  outputTokens: Schema.NonNegativeInt,
  cacheCreationInputTokens: Schema.NonNegativeInt,
  cacheCreation1hInputTokens: Schema.NonNegativeInt,
  cacheReadInputTokens: Schema.NonNegativeInt
}).annotations({ identifier: "@parley/core/Usage/Totals" })

/**
 * @since 0.2.0
 * @category models
 */
export type Totals = typeof Totals.Type

/**
 * No calls yet.
 *
 * @since 0.2.0
 * @category constructors
 */
export const empty: Totals = {
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheCreation1hInputTokens: 0,
  cacheReadInputTokens: 0
}

/**
 * The usage fields of a message, a `message_start` or a `message_delta` (any of them may be absent or `null`).
 *
 * @since 0.2.0
 * @category models
 */
export interface MessageUsage {
  readonly input_tokens?: number | null | undefined
  readonly output_tokens?: number | null | undefined
  readonly cache_creation_input_tokens?: number | null | undefined
  readonly cache_read_input_tokens?: number | null | undefined
  readonly cache_creation?: { readonly ephemeral_1h_input_tokens?: number | null | undefined } | null | undefined
}

const count = (n: number | null | undefined): number => (typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0)

/**
 * The totals with one more call's `usage` (as a message reports it; absent or malformed counts add nothing).
 *
 * @since 0.2.0
 * @category combinators
 */
export const add = (totals: Totals, usage: MessageUsage | undefined): Totals => ({
  calls: totals.calls + 1,
  inputTokens: totals.inputTokens + count(usage?.input_tokens),
  outputTokens: totals.outputTokens + count(usage?.output_tokens),
  cacheCreationInputTokens: totals.cacheCreationInputTokens + count(usage?.cache_creation_input_tokens),
  cacheCreation1hInputTokens:
    totals.cacheCreation1hInputTokens + count(usage?.cache_creation?.ephemeral_1h_input_tokens),
  cacheReadInputTokens: totals.cacheReadInputTokens + count(usage?.cache_read_input_tokens)
})

/**
 * Two totals added up.
 *
 * @since 0.2.0
 * @category combinators
 */
export const combine = (a: Totals, b: Totals): Totals => ({
  calls: a.calls + b.calls,
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
  cacheCreation1hInputTokens: a.cacheCreation1hInputTokens + b.cacheCreation1hInputTokens,
  cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens
})

// =============================================================================
// Prices
// =============================================================================

/**
 * The price of a model in US dollars per million tokens: input, output, cache writes with a 5-minute and a 1-hour
 * time to live, and cache reads.
 *
 * @since 0.2.0
 * @category models
 */
export interface Price {
  readonly input: number
  readonly output: number
  readonly cacheWrite5m: number
  readonly cacheWrite1h: number
  readonly cacheRead: number
}

/**
 * A price table: prices by model-name prefix (the longest matching prefix wins, so `claude-sonnet-4-5` matches
 * `claude-sonnet-4-5-20250929`), and the date the prices were taken from the provider's price list.
 *
 * @since 0.2.0
 * @category models
 */
export interface PriceTable {
  readonly asOf: string
  readonly prices: Readonly<Record<string, Price>>
}

/** The usual ratios of Anthropic's price list: cache writes 1.25x (5 minutes) and 2x (1 hour), reads 0.1x input. */
const price = (input: number, output: number): Price => ({
  input,
  output,
  cacheWrite5m: input * 1.25,
  cacheWrite1h: input * 2,
  cacheRead: input * 0.1
})

/**
 * Anthropic's list prices as this release knows them (standard tier, no batch discount, prompts up to 200k tokens).
 * Prices change: check `asOf`, and pass your own table (e.g. `{ ...defaultTable, prices: { ...defaultTable.prices,
 * "claude-x": ... } }`) where they differ.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultTable: PriceTable = {
  asOf: "2025-11-24",
  prices: {
    "claude-opus-4-5": price(5, 25),
    "claude-opus-4-1": price(15, 75),
    "claude-opus-4": price(15, 75),
    "claude-sonnet-4-5": price(3, 15),
    "claude-sonnet-4": price(3, 15),
    "claude-3-7-sonnet": price(3, 15),
    "claude-haiku-4-5": price(1, 5),
    "claude-3-5-haiku": price(0.8, 4),
    "claude-3-haiku": price(0.25, 1.25)
  }
}

/**
 * The price of a model in a table, by its longest matching prefix.
 *
 * @since 0.2.0
 * @category prices
 */
export const priceOf = (model: string, table: PriceTable = defaultTable): Price | undefined => {
  let best: string | undefined
  for (const prefix of Object.keys(table.prices)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix
  }
  return best === undefined ? undefined : table.prices[best]
}

/**
 * What usage costs: `usd` (0 when the model has no price), whether the model was `priced`, and the table's date.
 *
 * @since 0.2.0
 * @category models
 */
export interface Cost {
  readonly usd: number
  readonly priced: boolean
  readonly asOf: string
}

/**
 * The cost of usage on a model.
 *
 * @since 0.2.0
 * @category prices
 */
export const costOf = (model: string, totals: Totals, table: PriceTable = defaultTable): Cost => {
  const p = priceOf(model, table)
  if (p === undefined) return { usd: 0, priced: false, asOf: table.asOf }
  const cacheWrite1h = Math.min(totals.cacheCreation1hInputTokens, totals.cacheCreationInputTokens)
  const cacheWrite5m = totals.cacheCreationInputTokens - cacheWrite1h
  const micro =
    totals.inputTokens * p.input +
    totals.outputTokens * p.output +
    cacheWrite5m * p.cacheWrite5m +
    cacheWrite1h * p.cacheWrite1h +
    totals.cacheReadInputTokens * p.cacheRead
  return { usd: micro / 1_000_000, priced: true, asOf: table.asOf }
}

/**
 * Totals kept per model (what a client or a run that calls several models reports).
 *
 * @since 0.2.0
 * @category models
 */
export type ByModel = Readonly<Record<string, Totals>>

/**
 * The totals by model with one more call of `model`.
 *
 * @since 0.2.0
 * @category combinators
 */
export const addByModel = (byModel: ByModel, model: string, usage: MessageUsage | undefined): ByModel => ({
  ...byModel,
  [model]: add(byModel[model] ?? empty, usage)
})

/**
 * The totals of every model together.
 *
 * @since 0.2.0
 * @category combinators
 */
export const total = (byModel: ByModel): Totals => Object.values(byModel).reduce(combine, empty)

/**
 * The cost of totals by model: the sum of each model's cost; `priced` is false when any model has no price.
 *
 * @since 0.2.0
 * @category prices
 */
export const costOfAll = (byModel: ByModel, table: PriceTable = defaultTable): Cost =>
  Object.entries(byModel).reduce<Cost>(
    (sum, [model, totals]) => {
      const cost = costOf(model, totals, table)
      return { usd: sum.usd + cost.usd, priced: sum.priced && cost.priced, asOf: table.asOf }
    },
    { usd: 0, priced: true, asOf: table.asOf }
  )

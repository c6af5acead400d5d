/** One entry of `GET /v1/models`, in the API's `ModelInfo` shape. */
export interface ModelInfo {
  readonly type: "model"
  readonly id: string
  readonly display_name: string
  readonly created_at: string
  readonly capabilities: null
  readonly deprecated_at: null
  readonly lifecycle: "active"
  readonly line: null
  readonly max_input_tokens: number
  readonly max_tokens: number
  readonly retires_at: null
}

const entry = (id: string, display_name: string, created_at: string, max_tokens: number): ModelInfo => ({
  type: "model",
  id,
  display_name,
  created_at,
  capabilities: null,
  deprecated_at: null,
  lifecycle: "active",
  line: null,
  max_input_tokens: 200_000,
  max_tokens,
  retires_at: null
})

/** The models the stand-in lists, newest first (any model id is accepted by `POST /v1/messages`). */
export const catalogue: ReadonlyArray<ModelInfo> = [
  entry("claude-opus-4-6", "Claude Opus 4.6", "2026-02-05T00:00:00Z", 128_000),
  entry("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z", 64_000),
  entry("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01T00:00:00Z", 64_000),
  entry("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z", 64_000)
]

/** `GET /v1/models` with `limit`, `after_id` and `before_id`, as the API pages it. */
export const list = (query: URLSearchParams, models: ReadonlyArray<ModelInfo>) => {
  const limit = Math.min(1000, Math.max(1, Number(query.get("limit") ?? "20") || 20))
  const after = query.get("after_id")
  const before = query.get("before_id")
  const indexOf = (id: string | null) => (id === null ? -1 : models.findIndex((model) => model.id === id))
  const from = after !== null ? indexOf(after) + 1 : 0
  const to = before !== null ? Math.max(0, indexOf(before)) : models.length
  const begin = before !== null && after === null ? Math.max(from, to - limit) : from
  const page = models.slice(begin, Math.min(to, begin + limit))
  return {
    data: page,
    has_more: before !== null && after === null ? begin > 0 : begin + page.length < models.length,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null
  }
}

/**
 * A set of {@link Tool}s: the `tools` array of a request, and, once given handlers, the dispatcher that turns each
 * `tool_use` block into a `tool_result` block. Dispatch never fails: an unknown tool name, input the Schema rejects,
 * a handler failure and a defect each become a `tool_result` with `is_error: true` and a message the model can act
 * on, and a handler is never called with input its Schema rejected.
 *
 * @example
 * ```ts
 * import { Tool, Toolkit } from "@parley/core"
 * import * as Effect from "effect/Effect"
 * import * as Schema from "effect/Schema"
 *
 * const Add = Tool.make("add", {
 *   description: "Adds two numbers",
 *   input: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
 *   output: Schema.Number
 * })
 * const handled = Toolkit.make(Add).handle({ add: ({ a, b }) => Effect.succeed(a + b) })
 * // handled.run({ type: "tool_use", id: "toolu_1", name: "add", input: { a: 1, b: 2 } })
 * //   => { type: "tool_result", tool_use_id: "toolu_1", content: "3" }
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Content from "./Content.js"
import type * as Request from "./Request.js"
import type * as Tool from "./Tool.js"
import * as ToolOutcome from "./ToolOutcome.js"
import * as Wire from "./Wire.js"

/**
 * The handler of every tool of a toolkit, keyed by tool name: a function from the decoded input to an Effect of the
 * tool's output, failing only with the tool's failure type.
 *
 * @since 0.1.0
 * @category models
 */
export type Handlers<Tools extends ReadonlyArray<Tool.Any>> = {
  readonly [T in Tools[number] as T["name"]]: (
    input: Tool.Input<T>
  ) => Effect.Effect<Tool.Output<T>, Tool.Failure<T>, unknown>
}

/**
 * The services the handlers need.
 *
 * @since 0.1.0
 * @category type-level
 */
export type HandlersContext<H> = {
  [K in keyof H]: H[K] extends (input: never) => Effect.Effect<infer _A, infer _E, infer R> ? R : never
}[keyof H]

/**
 * A group of tools.
 *
 * @since 0.1.0
 * @category models
 */
export interface Toolkit<Tools extends ReadonlyArray<Tool.Any>> {
  /** The tools, in the order given. */
  readonly tools: Tools
  /** The request's `tools` array. */
  readonly definitions: ReadonlyArray<Request.CustomTool>
  /** Attaches one handler per tool; the result is what an agent loop runs. */
  readonly handle: <H extends Handlers<Tools>>(handlers: H) => Handled<HandlersContext<H>>
}

/**
 * A toolkit with its handlers: the request's `tools`, and `run`, which answers a `tool_use` block.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handled<R = never> {
  /** The request's `tools` array. */
  readonly definitions: ReadonlyArray<Request.CustomTool>
  /** The names of the tools. */
  readonly names: ReadonlySet<string>
  /**
   * Decodes the call's `input` with the tool's Schema, runs the handler and encodes its result. Never fails: an
   * unknown tool, invalid input, a handler failure, a defect or an interruption of the handler becomes a
   * `tool_result` with `is_error: true`.
   */
  readonly run: (call: Content.ToolUseBlock) => Effect.Effect<Content.ToolResultBlock, never, R>
  /**
   * {@link run} with what happened: the result, its typed outcome (`ok`, `error`, `invalid-input`,
   * `unknown-tool`, `interrupted`) and, for a handler that failed, died or was interrupted, the `Cause`. A defect
   * is also logged (`Effect.logWarning` with the cause); the model gets a short message without its text.
   */
  readonly execute: (call: Content.ToolUseBlock) => Effect.Effect<ToolOutcome.ToolRun, never, R>
}

/**
 * Two tools of a toolkit share a name; the API would reject the request. Thrown by {@link make}.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateToolName extends Schema.TaggedError<DuplicateToolName>()("DuplicateToolName", {
  tool: Schema.String,
  message: Schema.String
}) {}

/**
 * Groups tools. Their names must be distinct.
 *
 * @throws DuplicateToolName if two tools share a name.
 * @since 0.1.0
 * @category constructors
 */
export const make = <const Tools extends ReadonlyArray<Tool.Any>>(...tools: Tools): Toolkit<Tools> => {
  const byName = new Map<string, Schemas>()
  for (const tool of tools) {
    if (byName.has(tool.name)) {
      throw new DuplicateToolName({ tool: tool.name, message: `Two tools of a toolkit are named "${tool.name}"` })
    }
    byName.set(tool.name, {
      name: tool.name,
      input: decoder(Schema.make(tool.input.ast)),
      output: encoder(Schema.make(tool.output.ast)),
      failure: encoder(Schema.make(tool.failure.ast))
    })
  }
  const definitions = tools.map((tool) => tool.definition)
  return {
    tools,
    definitions,
    handle: <H extends Handlers<Tools>>(handlers: H): Handled<HandlersContext<H>> => {
      const table = handlers as unknown as Record<string, (input: unknown) => Effect.Effect<unknown, unknown, unknown>>
      const execute = (call: Content.ToolUseBlock) => {
        const tool = byName.get(call.name)
        const handler = table[call.name]
        if (tool === undefined || handler === undefined) return Effect.succeed(unknownTool(byName.keys(), call))
        return dispatch(tool, handler, call) as Effect.Effect<ToolOutcome.ToolRun, never, HandlersContext<H>>
      }
      return {
        definitions,
        names: new Set(byName.keys()),
        execute,
        run: (call) => Effect.map(execute(call), (run) => run.result)
      }
    }
  }
}

/**
 * What the handlers of a handled toolkit need.
 *
 * @since 0.2.0
 * @category models
 */
export type Context<T> = T extends Handled<infer R> ? R : never

/**
 * One handled toolkit holding the tools of several (their definitions in the order given), e.g. the app's own
 * tools and those of an MCP server. Tool names must stay distinct across them.
 *
 * @throws DuplicateToolName if two toolkits have a tool of the same name.
 * @since 0.2.0
 * @category combinators
 */
export const merge = <const Toolkits extends ReadonlyArray<Handled<unknown>>>(
  ...toolkits: Toolkits
): Handled<Context<Toolkits[number]>> => {
  const owner = new Map<string, Handled<unknown>>()
  for (const toolkit of toolkits) {
    for (const name of toolkit.names) {
      if (owner.has(name)) {
        throw new DuplicateToolName({ tool: name, message: `Two toolkits have a tool named "${name}"` })
      }
      owner.set(name, toolkit)
    }
  }
  const execute = (call: Content.ToolUseBlock): Effect.Effect<ToolOutcome.ToolRun, never, unknown> => {
    const toolkit = owner.get(call.name)
    return toolkit === undefined ? Effect.succeed(unknownTool(owner.keys(), call)) : toolkit.execute(call)
  }
  return {
    definitions: toolkits.flatMap((toolkit) => toolkit.definitions),
    names: new Set(owner.keys()),
    execute,
    run: (call) => Effect.map(execute(call), (run) => run.result)
  } as Handled<Context<Toolkits[number]>>
}

// =============================================================================
// Dispatch
// =============================================================================

/** A tool's parsers, built once per toolkit: what dispatch decodes the input with and encodes results with. */
interface Schemas {
  readonly name: string
  readonly input: Parse
  readonly output: Parse
  readonly failure: Parse
}

const failure = (call: Content.ToolUseBlock, message: string): Content.ToolResultBlock =>
  Content.toolResult(call.id, message, { isError: true })

const unknownTool = (names: Iterable<string>, call: Content.ToolUseBlock): ToolOutcome.ToolRun => {
  const available = [...names].map((name) => `"${name}"`).join(", ")
  return ToolOutcome.make(
    failure(call, `Error: there is no tool named "${call.name}". Available tools: ${available || "none"}.`),
    "unknown-tool"
  )
}

const success = (call: Content.ToolUseBlock, content: string): Content.ToolResultBlock =>
  Content.toolResult(call.id, content)

/** A string as is, anything else as JSON; fails on values JSON cannot represent (cycles, bigints). */
const render = (value: unknown): string => {
  if (typeof value === "string") return value
  const json = JSON.stringify(value)
  if (json === undefined) throw new TypeError(`${typeof value} has no JSON representation`)
  return json
}

const describeDefect = (defect: unknown): string => {
  if (defect instanceof Error) return `${defect.name}: ${defect.message}`
  if (typeof defect === "string") return defect
  try {
    return render(defect)
  } catch {
    return String(defect)
  }
}

type Parse = (
  value: unknown
) => Either.Either<unknown, ParseResult.ParseIssue> | Effect.Effect<unknown, ParseResult.ParseIssue>

/**
 * A parser that runs synchronously (no fiber hop per call) and falls back to the effectful parser only for Schemas
 * with asynchronous transformations, which the synchronous one reports as `Forbidden`.
 */
const parser =
  (
    sync: (value: unknown) => Either.Either<unknown, ParseResult.ParseIssue>,
    effectful: (value: unknown) => Effect.Effect<unknown, ParseResult.ParseIssue>
  ): Parse =>
  (value) => {
    const result = sync(value)
    return Either.isLeft(result) && result.left._tag === "Forbidden" ? effectful(value) : result
  }

const decoder = (schema: Schema.Schema<unknown, unknown>): Parse =>
  parser(
    ParseResult.decodeUnknownEither(schema, { errors: "all" }),
    ParseResult.decodeUnknown(schema, { errors: "all" })
  )

const encoder = (schema: Schema.Schema<unknown, unknown>): Parse =>
  parser(ParseResult.encodeUnknownEither(schema), ParseResult.encodeUnknown(schema))

const formatIssue = (issue: ParseResult.ParseIssue): string => ParseResult.TreeFormatter.formatIssueSync(issue)

/** Encodes with the Schema, then renders: Right(text), or Left(a description of what went wrong). */
const encodeResult = (encode: Parse, value: unknown): Effect.Effect<Either.Either<string, string>> => {
  const renderEncoded = (encoded: unknown): Either.Either<string, string> => {
    try {
      return Either.right(render(encoded))
    } catch (defect) {
      return Either.left(describeDefect(defect))
    }
  }
  const encoded = encode(value)
  if (Either.isEither(encoded)) {
    return Effect.succeed(
      Either.isRight(encoded) ? renderEncoded(encoded.right) : Either.left(formatIssue(encoded.left))
    )
  }
  return encoded.pipe(Effect.match({ onFailure: (issue) => Either.left(formatIssue(issue)), onSuccess: renderEncoded }))
}

const invalidInput = (tool: Schemas, call: Content.ToolUseBlock, issue: ParseResult.ParseIssue) =>
  ToolOutcome.make(
    failure(
      call,
      `Error: invalid input for tool "${tool.name}". Fix these problems and call the tool again:\n${formatIssue(issue)}`
    ),
    "invalid-input"
  )

const dispatch = (
  tool: Schemas,
  handler: (input: unknown) => Effect.Effect<unknown, unknown, unknown>,
  call: Content.ToolUseBlock
): Effect.Effect<ToolOutcome.ToolRun, never, unknown> => {
  const unsafe = Wire.unsafeJson(call.input, { checkToolInputs: true })
  if (unsafe !== undefined) {
    return Effect.succeed(
      ToolOutcome.make(
        failure(call, `Error: invalid input for tool "${tool.name}": ${unsafe}. Call the tool again without it.`),
        "invalid-input"
      )
    )
  }
  const decoded = tool.input(call.input)
  if (Either.isEither(decoded)) {
    return Either.isLeft(decoded)
      ? Effect.succeed(invalidInput(tool, call, decoded.left))
      : execute(tool, handler, call, decoded.right)
  }
  return decoded.pipe(
    Effect.matchEffect({
      onFailure: (issue) => Effect.succeed(invalidInput(tool, call, issue)),
      onSuccess: (input) => execute(tool, handler, call, input)
    })
  )
}

/** Runs the handler on valid input; every outcome becomes a tool result. */
const execute = (
  tool: Schemas,
  handler: (input: unknown) => Effect.Effect<unknown, unknown, unknown>,
  call: Content.ToolUseBlock,
  input: unknown
): Effect.Effect<ToolOutcome.ToolRun, never, unknown> =>
  // `suspend` turns a handler that throws instead of returning an Effect into a defect.
  Effect.flatMap(Effect.exit(Effect.suspend(() => handler(input))), (exit) => toOutcome(tool, call, exit))

const toOutcome = (
  tool: Schemas,
  call: Content.ToolUseBlock,
  exit: Exit.Exit<unknown, unknown>
): Effect.Effect<ToolOutcome.ToolRun> => {
  if (Exit.isSuccess(exit)) {
    return Effect.map(encodeResult(tool.output, exit.value), (encoded) =>
      Either.isRight(encoded)
        ? ToolOutcome.make(success(call, encoded.right), "ok")
        : ToolOutcome.make(
            failure(call, `Error: tool "${tool.name}" produced a result that could not be encoded.`),
            "error",
            Cause.die(new Error(encoded.left))
          )
    )
  }
  const error = Cause.failureOption(exit.cause)
  if (Option.isSome(error)) {
    return Effect.map(encodeResult(tool.failure, error.value), (encoded) =>
      ToolOutcome.make(
        failure(
          call,
          Either.isRight(encoded)
            ? encoded.right
            : `Error: tool "${tool.name}" failed with an error that could not be encoded.`
        ),
        "error",
        exit.cause
      )
    )
  }
  if (Option.isSome(Cause.dieOption(exit.cause))) {
    return Effect.as(
      Effect.logWarning(`tool "${tool.name}" failed unexpectedly`, exit.cause).pipe(
        Effect.annotateLogs({ tool: tool.name, toolUseId: call.id })
      ),
      ToolOutcome.make(
        failure(call, `Error: tool "${tool.name}" failed unexpectedly. The failure was logged; try another way.`),
        "error",
        exit.cause
      )
    )
  }
  return Effect.succeed(
    ToolOutcome.make(
      failure(call, `Error: tool "${tool.name}" was interrupted before it finished.`),
      "interrupted",
      exit.cause
    )
  )
}

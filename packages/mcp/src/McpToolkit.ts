/**
 * The tools of a Model Context Protocol server as a Parley toolkit: each tool the server lists becomes a
 * `Tool.fromJsonSchema` tool (its input validated against the server's JSON Schema before anything is sent), and
 * each call a `tools/call` request to the server. What the server answers with `isError`, and a server that fails
 * or does not answer within the timeout, become `is_error` tool results the model can read; nothing crashes the
 * loop. Merge the result with the app's own tools (`Toolkit.merge`) to give a run both.
 *
 * @example
 * ```ts
 * import { McpToolkit } from "@parley/mcp"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const client = yield* McpToolkit.connectStdio({ command: "npx", args: ["-y", "@modelcontextprotocol/server-everything"] })
 *   const tools = yield* McpToolkit.toolkit(client, { prefix: "everything_" })
 *   // AgentLoop.run({ ..., toolkit: [myTools, tools] })
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/**
 * An MCP server could not be reached, listed its tools wrongly, or closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class McpError extends Schema.TaggedError<McpError>("@parley/mcp/McpError")("McpError", {
  operation: Schema.Literal("connect", "list-tools"),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/** The part of an MCP client this module uses (the SDK's `Client`). */
export interface McpClient {
  readonly listTools: Client["listTools"]
  readonly callTool: Client["callTool"]
}

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

type Transport = Parameters<Client["connect"]>[0]

/** Connects a new client over a new transport each time the effect runs. */
const connect = (transport: () => Transport, name: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = new Client({ name, version: "0.1.0" })
        await client.connect(transport())
        return client
      },
      catch: (cause) =>
        new McpError({
          operation: "connect",
          message: `Could not connect to the MCP server: ${describe(cause)}.`,
          cause
        })
    }),
    (client) => Effect.promise(() => client.close().catch(() => undefined))
  )

/**
 * A client of an MCP server started as a subprocess, speaking over its stdin and stdout; the process ends with
 * the scope.
 *
 * @since 0.1.0
 * @category connections
 */
export const connectStdio = (options: {
  readonly command: string
  readonly args?: ReadonlyArray<string> | undefined
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly cwd?: string | undefined
}): Effect.Effect<Client, McpError, Scope.Scope> =>
  connect(
    () =>
      new StdioClientTransport({
        command: options.command,
        args: [...(options.args ?? [])],
        ...(options.env === undefined ? {} : { env: { ...options.env } }),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        stderr: "pipe"
      }),
    "parley-mcp"
  )

/**
 * A client of an MCP server over Streamable HTTP; the session ends with the scope.
 *
 * @since 0.1.0
 * @category connections
 */
export const connectHttp = (
  url: string,
  options: { readonly headers?: Readonly<Record<string, string>> | undefined } = {}
): Effect.Effect<Client, McpError, Scope.Scope> =>
  connect(
    () =>
      new StreamableHTTPClientTransport(
        new URL(url),
        options.headers === undefined ? undefined : { requestInit: { headers: { ...options.headers } } }
      ),
    "parley-mcp"
  )

/**
 * Options of {@link toolkit}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Put in front of every tool's name (e.g. `"github_"`), to keep the names of several servers apart. */
  readonly prefix?: string | undefined
  /** Which of the server's tools to offer (by the server's name). Default all. */
  readonly include?: ((name: string) => boolean) | undefined
  /** How long a call may take before it is answered with an `is_error` result. Default 60 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}

/** A tool name the API accepts (`^[a-zA-Z0-9_-]{1,64}$`), from an MCP tool's name. */
const apiName = (prefix: string, name: string): string =>
  `${prefix}${name}`.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64)

/** The text of a `tools/call` result: its text blocks, and a note for each block of another kind. */
const textOf = (content: ReadonlyArray<{ readonly type: string; readonly text?: unknown }>): string =>
  content
    .map((block) =>
      block.type === "text" && typeof block.text === "string" ? block.text : `[${block.type} content not shown]`
    )
    .join("\n")

interface Listed {
  readonly name: string
  readonly description?: string | undefined
  readonly inputSchema: { readonly [key: string]: unknown }
}

const listAll = (client: McpClient): Effect.Effect<ReadonlyArray<Listed>, McpError> =>
  Effect.tryPromise({
    try: async () => {
      const tools: Array<Listed> = []
      let cursor: string | undefined
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor })
        tools.push(...(page.tools as ReadonlyArray<Listed>))
        cursor = page.nextCursor
      } while (cursor !== undefined)
      return tools
    },
    catch: (cause) =>
      new McpError({
        operation: "list-tools",
        message: `The MCP server's tools could not be listed: ${describe(cause)}.`,
        cause
      })
  })

/**
 * The server's tools as a handled toolkit. A tool whose schema Parley cannot use (not an object schema, or not
 * valid JSON Schema) is left out with a warning in the log; names are made API-safe (`prefix` + name, other
 * characters as `_`); a name clash after that fails with `DuplicateToolName` as in `Toolkit.make`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toolkit = (client: McpClient, options: Options = {}): Effect.Effect<Toolkit.Handled, McpError> =>
  Effect.gen(function* () {
    const listed = yield* listAll(client)
    const prefix = options.prefix ?? ""
    const timeout = Duration.toMillis(Duration.decode(options.timeout ?? "60 seconds"))
    const tools: Array<Tool.Tool<string, unknown, string, string>> = []
    const handlers: Record<string, (input: unknown) => Effect.Effect<string, string>> = {}
    for (const listedTool of listed) {
      if (options.include !== undefined && !options.include(listedTool.name)) continue
      const name = apiName(prefix, listedTool.name)
      try {
        tools.push(
          Tool.fromJsonSchema<string, unknown, string, string, string, string>(name, {
            description: listedTool.description ?? listedTool.name,
            inputSchema: listedTool.inputSchema,
            failure: Schema.String
          })
        )
      } catch (error) {
        yield* Effect.logWarning(`MCP tool "${listedTool.name}" left out: ${describe(error)}`)
        continue
      }
      const serverName = listedTool.name
      handlers[name] = (input) =>
        Effect.tryPromise({
          try: (signal) =>
            client.callTool({ name: serverName, arguments: input as Record<string, unknown> }, undefined, {
              timeout,
              signal
            }),
          catch: (cause) => `The tool's server did not answer: ${describe(cause)}`
        }).pipe(
          Effect.flatMap((result) => {
            const content = Array.isArray(result.content)
              ? (result.content as ReadonlyArray<{ readonly type: string; readonly text?: unknown }>)
              : []
            const text =
              content.length === 0 && result.structuredContent !== undefined
                ? JSON.stringify(result.structuredContent)
                : textOf(content)
            return result.isError === true ? Effect.fail(text === "" ? "The tool failed." : text) : Effect.succeed(text)
          })
        )
    }
    return Toolkit.make(...tools).handle(handlers as never) as Toolkit.Handled
  })

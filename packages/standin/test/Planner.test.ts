import Anthropic from "@anthropic-ai/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Content from "@parley/core/Content"
import type * as Message from "@parley/core/Message"
import type * as Request from "@parley/core/Request"
import * as Tool from "@parley/core/Tool"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Planner from "../src/Planner.js"
import type * as Reply from "../src/Reply.js"
import * as Responder from "../src/Responder.js"
import * as StandinServer from "../src/StandinServer.js"
import { messagesBody, request } from "./http.js"
import { addTool } from "./sdkTools.js"

// The demo's tools, defined the way Parley users define them: from Effect schemas.
const calculator = Tool.make("calculator", {
  description: "Evaluate an arithmetic expression",
  input: Schema.Struct({ expression: Schema.String })
})
const currentTime = Tool.make("current_time", {
  description: "The current time in an IANA time zone",
  input: Schema.Struct({ timezone: Schema.String })
})
const convertUnits = Tool.make("convert_units", {
  description: "Convert a value between units",
  input: Schema.Struct({
    value: Schema.Number,
    from: Schema.Literal("km", "miles", "kg", "lb"),
    to: Schema.Literal("km", "miles", "kg", "lb")
  })
})
const readFile = Tool.make("read_file", {
  description: "Read a text file from the workspace",
  input: Schema.Struct({ path: Schema.String })
})
const listFiles = Tool.make("list_files", {
  description: "List the files in a directory of the workspace",
  input: Schema.Struct({ path: Schema.optional(Schema.String) })
})
const demoTools = [calculator, currentTime, convertUnits, readFile, listFiles]

const requestOf = (
  messages: ReadonlyArray<Message.MessageParam>,
  tools: ReadonlyArray<Tool.Any> = demoTools,
  extra: Partial<Request.MessagesRequest> = {}
): Request.MessagesRequest => ({
  model: "claude-test",
  max_tokens: 512,
  messages,
  ...(tools.length > 0 ? { tools: tools.map((tool) => tool.definition) } : {}),
  ...extra
})

const contentOf = (reply: Reply.Reply): ReadonlyArray<Content.ContentBlock> => {
  assert.strictEqual(reply._tag, "Message")
  return reply._tag === "Message" ? reply.message.content : []
}

const callsOf = (reply: Reply.Reply) =>
  contentOf(reply)
    .filter(Content.is("tool_use"))
    .map((block) => ({ name: block.name, input: block.input }))

const textOf = (reply: Reply.Reply) =>
  contentOf(reply)
    .filter(Content.is("text"))
    .map((block) => block.text)
    .join("")

/** Decodes every call's input with the schema of the tool it names: the planner's inputs must be valid. */
const assertValidInputs = (reply: Reply.Reply, tools: ReadonlyArray<Tool.Any>) => {
  for (const call of contentOf(reply).filter(Content.is("tool_use"))) {
    const tool = tools.find((candidate) => candidate.name === call.name)
    assert.isDefined(tool)
    if (tool !== undefined)
      assert.isTrue(Either.isRight(Schema.decodeUnknownEither(tool.input as Schema.Schema<unknown>)(call.input)))
  }
}

const demoPrompt = "What is 17 * 23, and what time is it in Tokyo?"

describe("Planner", () => {
  describe("tool calls", () => {
    it("calls the calculator and the clock in parallel, in prompt order", () => {
      const reply = Planner.plan(requestOf([{ role: "user", content: demoPrompt }]))
      assert.deepStrictEqual(callsOf(reply), [
        { name: "calculator", input: { expression: "17 * 23" } },
        { name: "current_time", input: { timezone: "Asia/Tokyo" } }
      ])
      assert.strictEqual(textOf(reply), "I'll use calculator and current_time to answer that.")
      assert.strictEqual(reply._tag === "Message" ? reply.message.stop_reason : undefined, "tool_use")
      assertValidInputs(reply, demoTools)
    })

    it("orders calls by where they appear in the prompt", () => {
      const reply = Planner.plan(
        requestOf([{ role: "user", content: "What time is it in New York and London, and what's (2 + 3) * 4?" }])
      )
      assert.deepStrictEqual(callsOf(reply), [
        { name: "current_time", input: { timezone: "America/New_York" } },
        { name: "current_time", input: { timezone: "Europe/London" } },
        { name: "calculator", input: { expression: "(2 + 3) * 4" } }
      ])
    })

    it("converts units with the schema's enum values", () => {
      const reply = Planner.plan(requestOf([{ role: "user", content: "Please convert 10 km to miles." }]))
      assert.deepStrictEqual(callsOf(reply), [{ name: "convert_units", input: { value: 10, from: "km", to: "miles" } }])
      assertValidInputs(reply, demoTools)
    })

    it("reads and lists files", () => {
      const reply = Planner.plan(
        requestOf([{ role: "user", content: "Read README.md, then list the files in src and show me docs/guide.txt" }])
      )
      assert.deepStrictEqual(callsOf(reply), [
        { name: "read_file", input: { path: "README.md" } },
        { name: "list_files", input: { path: "src" } },
        { name: "read_file", input: { path: "docs/guide.txt" } }
      ])
      const plain = Planner.plan(requestOf([{ role: "user", content: "list files" }]))
      assert.deepStrictEqual(callsOf(plain), [{ name: "list_files", input: {} }])
      assertValidInputs(reply, demoTools)
    })

    it("matches tools by their schemas, whatever their names, and fills required fields", () => {
      const evaluate = Tool.make("evaluate", {
        description: "Does math",
        input: Schema.Struct({
          expr: Schema.String.annotations({ description: "An arithmetic expression" }),
          precision: Schema.Int
        })
      })
      const clock = Tool.make("clock", {
        description: "Tells the time",
        input: Schema.Struct({ tz: Schema.Literal("UTC", "Asia/Tokyo", "Europe/Paris"), format24h: Schema.Boolean })
      })
      const convert = Tool.make("convert", {
        description: "Unit conversion",
        input: Schema.Struct({ amount: Schema.Number, from_unit: Schema.String, to_unit: Schema.String })
      })
      const tools = [evaluate, clock, convert]
      const reply = Planner.plan(
        requestOf(
          [{ role: "user", content: "Compute 12 divided by 4, the time in Paris, and convert 3.5 kg into pounds" }],
          tools
        )
      )
      assert.deepStrictEqual(callsOf(reply), [
        { name: "evaluate", input: { expr: "12 / 4", precision: 0 } },
        { name: "clock", input: { tz: "Europe/Paris", format24h: false } },
        { name: "convert", input: { amount: 3.5, from_unit: "kg", to_unit: "lb" } }
      ])
      assertValidInputs(reply, tools)
      const unknownZone = Planner.plan(requestOf([{ role: "user", content: "What time is it in Sydney?" }], tools))
      assert.deepStrictEqual(callsOf(unknownZone), [])
    })

    it("honours tool_choice", () => {
      const none = Planner.plan(
        requestOf([{ role: "user", content: demoPrompt }], demoTools, { tool_choice: { type: "none" } })
      )
      assert.deepStrictEqual(callsOf(none), [])
      const single = Planner.plan(
        requestOf([{ role: "user", content: demoPrompt }], demoTools, {
          tool_choice: { type: "auto", disable_parallel_tool_use: true }
        })
      )
      assert.deepStrictEqual(callsOf(single), [{ name: "calculator", input: { expression: "17 * 23" } }])
      const forced = Planner.plan(
        requestOf([{ role: "user", content: "Hello there" }], demoTools, {
          tool_choice: { type: "tool", name: "read_file" }
        })
      )
      assert.deepStrictEqual(callsOf(forced), [{ name: "read_file", input: { path: "" } }])
      assert.strictEqual(textOf(forced), "")
      const any = Planner.plan(
        requestOf([{ role: "user", content: "Hello there" }], demoTools, { tool_choice: { type: "any" } })
      )
      assert.deepStrictEqual(callsOf(any), [{ name: "calculator", input: { expression: "" } }])
    })

    it("narrates only when asked to", () => {
      const quiet = Planner.plan(requestOf([{ role: "user", content: demoPrompt }]), { narrate: false })
      assert.deepStrictEqual(
        contentOf(quiet).map((block) => block.type),
        ["tool_use", "tool_use"]
      )
    })

    it("is deterministic but for its ids, which are fresh on every reply", () => {
      const request = requestOf([{ role: "user", content: demoPrompt }])
      const first = Planner.plan(request)
      const second = Planner.plan(request)
      const ids = (reply: Reply.Reply) =>
        reply._tag === "Message"
          ? [reply.message.id, ...contentOf(reply).flatMap((b) => ("id" in b ? [b.id] : []))]
          : []
      const without = (reply: Reply.Reply) =>
        reply._tag === "Message"
          ? contentOf(reply).map((block) => (block.type === "tool_use" ? { ...block, id: "" } : block))
          : []
      assert.deepStrictEqual(without(first), without(second))
      assert.strictEqual(new Set([...ids(first), ...ids(second)]).size, ids(first).length * 2)
      assert.strictEqual(ids(first).length, 3)
    })
  })

  describe("answers", () => {
    const firstTurn = Planner.plan(requestOf([{ role: "user", content: demoPrompt }]))
    const assistant: Message.MessageParam = { role: "assistant", content: contentOf(firstTurn) }
    const [calcId, timeId] = contentOf(firstTurn)
      .filter(Content.is("tool_use"))
      .map((block) => block.id)

    it("answers with end_turn text built from the tool results", () => {
      const reply = Planner.plan(
        requestOf([
          { role: "user", content: demoPrompt },
          assistant,
          {
            role: "user",
            content: [Content.toolResult(calcId ?? "", "391"), Content.toolResult(timeId ?? "", "08:18 (Sunday)")]
          }
        ])
      )
      assert.strictEqual(textOf(reply), "17 * 23 = 391. The time in Tokyo is 08:18 (Sunday).")
      assert.strictEqual(reply._tag === "Message" ? reply.message.stop_reason : undefined, "end_turn")
    })

    it("reports failed calls honestly", () => {
      const reply = Planner.plan(
        requestOf([
          { role: "user", content: demoPrompt },
          assistant,
          {
            role: "user",
            content: [
              Content.toolResult(calcId ?? "", "391"),
              Content.toolResult(timeId ?? "", "Unknown time zone", { isError: true })
            ]
          }
        ])
      )
      assert.strictEqual(textOf(reply), "17 * 23 = 391. I could not get the time in Tokyo: Unknown time zone.")
    })

    it("describes conversions, files and unknown tools", () => {
      const uses: ReadonlyArray<Content.ContentBlock> = [
        { type: "tool_use", id: "t1", name: "convert_units", input: { value: 10, from: "km", to: "miles" } },
        { type: "tool_use", id: "t2", name: "read_file", input: { path: "notes.txt" } },
        { type: "tool_use", id: "t3", name: "weather", input: { city: "Oslo" } }
      ]
      const reply = Planner.plan(
        requestOf([
          { role: "user", content: "go" },
          { role: "assistant", content: uses },
          {
            role: "user",
            content: [
              Content.toolResult("t1", "6.21"),
              Content.toolResult("t2", "line one\nline two"),
              Content.toolResult("t3", [Content.text("Rain")])
            ]
          }
        ])
      )
      assert.strictEqual(
        textOf(reply),
        "10 km is 6.21 miles.\n\nHere is notes.txt:\n\nline one\nline two\n\nweather returned: Rain."
      )
    })
  })

  describe("plain answers", () => {
    it("says it is the offline stand-in when nothing matches and no tools are offered", () => {
      const reply = Planner.plan(requestOf([{ role: "user", content: "Hi there!" }], []))
      assert.strictEqual(
        textOf(reply),
        `Hello! I'm the Parley stand-in: an offline, rule-based responder, not a language model. You said: "Hi there!". ` +
          "When tools are offered I can do arithmetic, tell the time in a city, convert units, and read or list files."
      )
      assert.strictEqual(reply._tag === "Message" ? reply.message.stop_reason : undefined, "end_turn")
    })

    it("calls a user's own tool, filling its required properties from the prompt", () => {
      const add = Tool.make("add", {
        description: "Adds two numbers",
        input: Schema.Struct({ a: Schema.Number, b: Schema.Number })
      })
      const reply = Planner.plan(requestOf([{ role: "user", content: "add 2 and 3" }], [add]))
      assert.deepStrictEqual(callsOf(reply), [{ name: "add", input: { a: 2, b: 3 } }])
      const weather = Tool.make("get_weather", {
        description: "Get the current weather for a city",
        input: Schema.Struct({ city: Schema.String, unit: Schema.Literal("celsius", "fahrenheit") })
      })
      const asked = Planner.plan(
        requestOf([{ role: "user", content: "What's the weather in Paris, in fahrenheit?" }], [...demoTools, weather])
      )
      assert.deepStrictEqual(callsOf(asked), [{ name: "get_weather", input: { city: "Paris", unit: "fahrenheit" } }])
      assertValidInputs(asked, [...demoTools, weather])
      const unfilled = Planner.plan(requestOf([{ role: "user", content: "add some numbers" }], [add]))
      assert.deepStrictEqual(callsOf(unfilled), [])
      assert.include(textOf(unfilled), "found nothing in your message for the offered tools (add)")
      const vague = Planner.plan(requestOf([{ role: "user", content: "Tell me about the time" }]))
      assert.deepStrictEqual(callsOf(vague), [])
    })

    it("understands Russian and Chinese phrasings of the demo's tasks", () => {
      const cases: ReadonlyArray<readonly [string, ReadonlyArray<{ name: string; input: unknown }>]> = [
        [
          "Сколько будет 17 умножить на 23, и который час в Токио?",
          [
            { name: "calculator", input: { expression: "17 * 23" } },
            { name: "current_time", input: { timezone: "Asia/Tokyo" } }
          ]
        ],
        [
          "17乘以23等于多少？东京现在几点？",
          [
            { name: "calculator", input: { expression: "17 * 23" } },
            { name: "current_time", input: { timezone: "Asia/Tokyo" } }
          ]
        ],
        ["Который час в Лондоне?", [{ name: "current_time", input: { timezone: "Europe/London" } }]],
        ["Переведи 10 км в мили", [{ name: "convert_units", input: { value: 10, from: "km", to: "miles" } }]],
        ["把10公里换算成英里", [{ name: "convert_units", input: { value: 10, from: "km", to: "miles" } }]],
        ["Прочитай README.md", [{ name: "read_file", input: { path: "README.md" } }]],
        ["读取 README.md", [{ name: "read_file", input: { path: "README.md" } }]],
        ["Покажи файлы в src", [{ name: "list_files", input: { path: "src" } }]],
        ["列出文件", [{ name: "list_files", input: {} }]]
      ]
      for (const [prompt, expected] of cases) {
        const reply = Planner.plan(requestOf([{ role: "user", content: prompt }]))
        assert.deepStrictEqual(callsOf(reply), expected, prompt)
        assertValidInputs(reply, demoTools)
      }
    })

    it("reads thousands separators and exponents", () => {
      const separated = Planner.plan(requestOf([{ role: "user", content: "Calculate 1,234 + 5,678" }]))
      assert.deepStrictEqual(callsOf(separated), [{ name: "calculator", input: { expression: "1234 + 5678" } }])
      const exponent = Planner.plan(requestOf([{ role: "user", content: "What is 1.5e3 * 2?" }]))
      assert.deepStrictEqual(callsOf(exponent), [{ name: "calculator", input: { expression: "1500 * 2" } }])
    })

    it("reads the conversation for follow-ups", () => {
      const history = (first: string, answer: string, next: string): ReadonlyArray<Message.MessageParam> => [
        { role: "user", content: first },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "calculator", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "x" }] },
        { role: "assistant", content: answer },
        { role: "user", content: next }
      ]
      const doubled = Planner.plan(requestOf(history("What is 17 * 23?", "17 * 23 = 391.", "and multiply that by 2")))
      assert.deepStrictEqual(callsOf(doubled), [{ name: "calculator", input: { expression: "391 * 2" } }])
      const london = Planner.plan(
        requestOf(history("What time is it in Tokyo?", "The time in Tokyo is 08:18 (Sunday).", "and in London?"))
      )
      assert.deepStrictEqual(callsOf(london), [{ name: "current_time", input: { timezone: "Europe/London" } }])
    })

    it("names the offered tools when none fits", () => {
      const reply = Planner.plan(requestOf([{ role: "user", content: "Tell me a joke" }], [calculator]))
      assert.isTrue(textOf(reply).includes("found nothing in your message for the offered tools (calculator)"))
    })
  })

  it.scoped("the SDK's tool runner gets the user's own add tool called and answered", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({ responder: Responder.planner() })
      const client = new Anthropic({ apiKey: "test", baseURL: standin.url, maxRetries: 0 })
      const add = addTool()
      const final = yield* Effect.promise(async () =>
        client.beta.messages.toolRunner({
          model: "claude-test",
          max_tokens: 256,
          messages: [{ role: "user", content: "add 2 and 3" }],
          tools: [add]
        })
      )
      assert.deepStrictEqual(final.content as ReadonlyArray<unknown>, [{ type: "text", text: "add returned: 5." }])
    })
  )

  it.scoped("drives a two-turn exchange over HTTP", () =>
    Effect.gen(function* () {
      const standin = yield* StandinServer.start({ responder: Planner.make() })
      const tools = demoTools.map((tool) => tool.definition)
      const first = JSON.parse(
        (yield* request(standin.url, "/v1/messages", {
          body: messagesBody({ tools, messages: [{ role: "user", content: demoPrompt }] })
        })).body
      )
      assert.strictEqual(first.stop_reason, "tool_use")
      const uses = first.content.filter((block: { type: string }) => block.type === "tool_use")
      assert.strictEqual(uses.length, 2)
      const second = JSON.parse(
        (yield* request(standin.url, "/v1/messages", {
          body: messagesBody({
            tools,
            messages: [
              { role: "user", content: demoPrompt },
              { role: "assistant", content: first.content },
              {
                role: "user",
                content: [
                  { type: "tool_result", tool_use_id: uses[0].id, content: "391" },
                  { type: "tool_result", tool_use_id: uses[1].id, content: "08:18 (Sunday)" }
                ]
              }
            ]
          })
        })).body
      )
      assert.strictEqual(second.stop_reason, "end_turn")
      assert.strictEqual(second.content[0].text, "17 * 23 = 391. The time in Tokyo is 08:18 (Sunday).")
    })
  )
})

import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Calculator from "../src/tools/Calculator.js"

const calc = (expression: string) => Calculator.handler({ expression }).pipe(Effect.map((o) => o.result))
const fail = (expression: string) => Effect.flip(Calculator.handler({ expression }))

describe("Calculator", () => {
  it("exports tool metadata", () => {
    assert.strictEqual(Calculator.name, "calculator")
    assert.isTrue(Calculator.description.length > 0)
  })

  it.effect("evaluates 17 * 23", () =>
    Effect.gen(function* () {
      const out = yield* Calculator.handler({ expression: "17 * 23" })
      assert.deepStrictEqual(out, { expression: "17 * 23", result: 391 })
    })
  )

  it.effect("respects precedence and associativity", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* calc("2 + 3 * 4"), 14)
      assert.strictEqual(yield* calc("(2 + 3) * 4"), 20)
      assert.strictEqual(yield* calc("10 - 4 - 3"), 3)
      assert.strictEqual(yield* calc("100 / 10 / 5"), 2)
      assert.strictEqual(yield* calc("17 % 5 * 2"), 4)
      assert.strictEqual(yield* calc("2 * 3 ^ 2"), 18)
      assert.strictEqual(yield* calc("1 + 2 * (3 - 1) ^ 3 / 4"), 5)
    })
  )

  it.effect("power is right-associative", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* calc("2^3^2"), 512)
      assert.strictEqual(yield* calc("(2^3)^2"), 64)
      assert.strictEqual(yield* calc("2 ** 10"), 1024)
      assert.strictEqual(yield* calc("2^-1"), 0.5)
    })
  )

  it.effect("handles unary minus and plus", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* calc("-3 + 5"), 2)
      assert.strictEqual(yield* calc("--3"), 3)
      assert.strictEqual(yield* calc("+-+3"), -3)
      assert.strictEqual(yield* calc("-2^2"), -4)
      assert.strictEqual(yield* calc("(-2)^2"), 4)
      assert.strictEqual(yield* calc("4 * -2"), -8)
      assert.strictEqual(yield* calc("0 * -1"), 0)
      assert.isFalse(Object.is(yield* calc("0 * -1"), -0))
    })
  )

  it.effect("parses decimals and scientific notation", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* calc("1.5 * 2"), 3)
      assert.strictEqual(yield* calc(".5 + 1."), 1.5)
      assert.strictEqual(yield* calc("1e3"), 1000)
      assert.strictEqual(yield* calc("2.5E-2 * 4"), 0.1)
      assert.strictEqual(yield* calc("1e+2"), 100)
    })
  )

  it.effect("knows constants and functions", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* calc("pi"), Math.PI)
      assert.strictEqual(yield* calc("e"), Math.E)
      assert.strictEqual(yield* calc("PI"), Math.PI)
      assert.strictEqual(yield* calc("sqrt(16)"), 4)
      assert.strictEqual(yield* calc("abs(-7.5)"), 7.5)
      assert.closeTo(yield* calc("sin(pi / 2)"), 1, 1e-12)
      assert.closeTo(yield* calc("cos(pi)"), -1, 1e-12)
      assert.closeTo(yield* calc("tan(pi / 4)"), 1, 1e-12)
      assert.strictEqual(yield* calc("ln(e)"), 1)
      assert.strictEqual(yield* calc("log(e^2)"), 2)
      assert.strictEqual(yield* calc("log10(1000)"), 3)
      assert.strictEqual(yield* calc("exp(0)"), 1)
      assert.strictEqual(yield* calc("floor(2.7) + ceil(2.1) + round(2.5)"), 8)
      assert.strictEqual(yield* calc("min(3, 1, 2)"), 1)
      assert.strictEqual(yield* calc("max(3, 1 + 9, 2)"), 10)
      assert.strictEqual(yield* calc("max(4)"), 4)
      assert.strictEqual(yield* calc("sqrt(max(9, 16)) * 2"), 8)
    })
  )

  it.effect("accepts unicode operators", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* calc("6 × 7"), 42)
      assert.strictEqual(yield* calc("8 ÷ 2 − 1"), 3)
    })
  )

  it.effect("unexpected character", () =>
    Effect.gen(function* () {
      const error = yield* fail("2 + $3")
      assert.strictEqual(error._tag, "UnexpectedCharacter")
      assert.deepStrictEqual(
        error,
        new Calculator.UnexpectedCharacter({
          expression: "2 + $3",
          position: 4,
          found: "$",
          message: error.message
        })
      )
      assert.include(error.message, "position 4")
    })
  )

  it.effect("unexpected token", () =>
    Effect.gen(function* () {
      const error = yield* fail("2 * * 3")
      assert.strictEqual(error._tag, "UnexpectedCharacter")
      if (error._tag !== "UnexpectedCharacter") return
      assert.strictEqual(error.position, 4)
      assert.strictEqual(error.found, "*")
      const implicit = yield* fail("2 pi")
      assert.strictEqual(implicit._tag, "UnexpectedCharacter")
      if (implicit._tag !== "UnexpectedCharacter") return
      assert.strictEqual(implicit.position, 2)
      assert.strictEqual(implicit.found, "pi")
      const extra = yield* fail("(1 + 2))")
      assert.strictEqual(extra._tag, "UnexpectedCharacter")
      if (extra._tag !== "UnexpectedCharacter") return
      assert.strictEqual(extra.position, 7)
    })
  )

  it.effect("unexpected end", () =>
    Effect.gen(function* () {
      for (const [expression, position] of [
        ["1 +", 3],
        ["(1 + 2", 6],
        ["", 0],
        ["sqrt", 4],
        ["max(1,", 6]
      ] as const) {
        const error = yield* fail(expression)
        assert.strictEqual(error._tag, "UnexpectedEnd", expression)
        if (error._tag !== "UnexpectedEnd") return
        assert.strictEqual(error.position, position, expression)
        assert.strictEqual(error.expression, expression)
      }
    })
  )

  it.effect("unknown identifier, including prototype names", () =>
    Effect.gen(function* () {
      for (const identifier of ["foo", "constructor", "__proto__", "process", "toString", "hasOwnProperty"]) {
        const expression = `1 + ${identifier}`
        const error = yield* fail(expression)
        assert.strictEqual(error._tag, "UnknownIdentifier", identifier)
        if (error._tag !== "UnknownIdentifier") return
        assert.strictEqual(error.identifier, identifier)
        assert.strictEqual(error.position, 4)
        assert.include(error.message, "sqrt")
      }
      const exit = yield* fail("process.exit(1)")
      assert.strictEqual(exit._tag, "UnknownIdentifier")
      const call = yield* fail("constructor(1)")
      assert.strictEqual(call._tag, "UnknownIdentifier")
    })
  )

  it.effect("division and modulo by zero", () =>
    Effect.gen(function* () {
      const error = yield* fail("1 / (2 - 2)")
      assert.deepStrictEqual(
        error,
        new Calculator.DivisionByZero({ expression: "1 / (2 - 2)", position: 2, message: error.message })
      )
      const mod = yield* fail("5 % 0")
      assert.strictEqual(mod._tag, "DivisionByZero")
      if (mod._tag !== "DivisionByZero") return
      assert.strictEqual(mod.position, 2)
    })
  )

  it.effect("non-finite results", () =>
    Effect.gen(function* () {
      for (const [expression, position] of [
        ["sqrt(-1)", 0],
        ["10 ^ 400", 3],
        ["ln(0)", 0],
        ["1e400", 0],
        ["exp(1000) - 1", 0]
      ] as const) {
        const error = yield* fail(expression)
        assert.strictEqual(error._tag, "NonFiniteResult", expression)
        if (error._tag !== "NonFiniteResult") return
        assert.strictEqual(error.position, position, expression)
      }
    })
  )

  it.effect("wrong argument count", () =>
    Effect.gen(function* () {
      const error = yield* fail("sqrt(1, 2)")
      assert.deepStrictEqual(
        error,
        new Calculator.WrongArgumentCount({
          expression: "sqrt(1, 2)",
          position: 0,
          function: "sqrt",
          expected: "1",
          received: 2,
          message: error.message
        })
      )
    })
  )

  it.effect("expression too long", () =>
    Effect.gen(function* () {
      const expression = `${"1+".repeat(500)}1`
      const error = yield* fail(expression)
      assert.deepStrictEqual(
        error,
        new Calculator.ExpressionTooLong({ length: 1001, limit: 1000, message: error.message })
      )
      assert.strictEqual(yield* calc(`${"1+".repeat(499)}1`), 500)
    })
  )

  it.effect("nesting too deep", () =>
    Effect.gen(function* () {
      const error = yield* fail(`${"(".repeat(101)}1${")".repeat(101)}`)
      assert.strictEqual(error._tag, "NestingTooDeep")
      if (error._tag !== "NestingTooDeep") return
      assert.strictEqual(error.limit, 100)
      assert.strictEqual(error.position, 100)
      assert.strictEqual(yield* calc(`${"(".repeat(100)}1${")".repeat(100)}`), 1)
      const functions = yield* fail(`${"abs(".repeat(101)}1${")".repeat(101)}`)
      assert.strictEqual(functions._tag, "NestingTooDeep")
      const powers = yield* fail(Array.from({ length: 102 }, () => "1").join("^"))
      assert.strictEqual(powers._tag, "NestingTooDeep")
    })
  )

  it("evaluate is pure and returns Either", () => {
    const result = Calculator.evaluate("2 * 21")
    assert.isTrue(result._tag === "Right" && result.right === 42)
  })
})

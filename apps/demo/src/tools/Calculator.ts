/**
 * The `calculator` tool: safe arithmetic evaluation with a hand-written recursive-descent parser.
 *
 * Grammar (lowest to highest precedence):
 *
 * ```
 * expression := term (("+" | "-") term)*
 * term       := unary (("*" | "/" | "%") unary)*
 * unary      := ("+" | "-")* power
 * power      := primary ("^" unary)?          (right-associative; "**" is accepted as "^")
 * primary    := number | constant | function "(" expression ("," expression)* ")" | "(" expression ")"
 * ```
 *
 * No `eval`, `Function` or `vm` is involved: identifiers are looked up in closed `Map`s, so names such
 * as `constructor` or `__proto__` are simply unknown.
 */
import { Effect, Either, Schema } from "effect"

/** The tool name exposed to the model. */
export const name = "calculator"

/** The tool description exposed to the model. */
export const description =
  "Evaluate an arithmetic expression exactly and return the numeric result. Supports + - * / % ^ (power, " +
  "right-associative), unary minus, parentheses, decimals, scientific notation (1e3), the constants pi and e, and " +
  "the functions sqrt, abs, sin, cos, tan (radians), ln, log (natural), log10, exp, floor, ceil, round, min and " +
  "max (any number of arguments). Use it for any calculation instead of computing in your head."

/** Maximum accepted expression length, in characters. */
export const maxLength = 1000

/** Maximum nesting depth of parentheses, function calls and chained powers. */
export const maxDepth = 100

/** Input of the `calculator` tool. */
export const Input = Schema.Struct({
  expression: Schema.String.annotations({
    description: 'The arithmetic expression to evaluate, e.g. "17 * 23" or "sqrt(2) * (1 + 3^2) / 4".'
  })
})

/** Input of the `calculator` tool. */
export type Input = typeof Input.Type

/** Output of the `calculator` tool. */
export const Output = Schema.Struct({
  expression: Schema.String.annotations({ description: "The expression that was evaluated." }),
  result: Schema.Number.annotations({ description: "The numeric result." })
})

/** Output of the `calculator` tool. */
export type Output = typeof Output.Type

/** A character or token that is not valid at this position (0-based `position`). */
export class UnexpectedCharacter extends Schema.TaggedError<UnexpectedCharacter>()("UnexpectedCharacter", {
  expression: Schema.String,
  position: Schema.Number,
  found: Schema.String,
  message: Schema.String
}) {}

/** The expression ended while more input was required. */
export class UnexpectedEnd extends Schema.TaggedError<UnexpectedEnd>()("UnexpectedEnd", {
  expression: Schema.String,
  position: Schema.Number,
  message: Schema.String
}) {}

/** An identifier that is neither a known constant nor a known function. */
export class UnknownIdentifier extends Schema.TaggedError<UnknownIdentifier>()("UnknownIdentifier", {
  expression: Schema.String,
  position: Schema.Number,
  identifier: Schema.String,
  message: Schema.String
}) {}

/** A function was called with the wrong number of arguments. */
export class WrongArgumentCount extends Schema.TaggedError<WrongArgumentCount>()("WrongArgumentCount", {
  expression: Schema.String,
  position: Schema.Number,
  function: Schema.String,
  expected: Schema.String,
  received: Schema.Number,
  message: Schema.String
}) {}

/** Division or modulo by zero; `position` points at the operator. */
export class DivisionByZero extends Schema.TaggedError<DivisionByZero>()("DivisionByZero", {
  expression: Schema.String,
  position: Schema.Number,
  message: Schema.String
}) {}

/** An operation produced Infinity or NaN; `position` points at the operator, function or literal. */
export class NonFiniteResult extends Schema.TaggedError<NonFiniteResult>()("NonFiniteResult", {
  expression: Schema.String,
  position: Schema.Number,
  message: Schema.String
}) {}

/** The expression exceeds {@link maxLength} characters. */
export class ExpressionTooLong extends Schema.TaggedError<ExpressionTooLong>()("ExpressionTooLong", {
  length: Schema.Number,
  limit: Schema.Number,
  message: Schema.String
}) {}

/** The expression nests deeper than {@link maxDepth}. */
export class NestingTooDeep extends Schema.TaggedError<NestingTooDeep>()("NestingTooDeep", {
  expression: Schema.String,
  position: Schema.Number,
  limit: Schema.Number,
  message: Schema.String
}) {}

/** Every way the `calculator` tool can fail. */
export const Failure = Schema.Union(
  UnexpectedCharacter,
  UnexpectedEnd,
  UnknownIdentifier,
  WrongArgumentCount,
  DivisionByZero,
  NonFiniteResult,
  ExpressionTooLong,
  NestingTooDeep
)

/** Every way the `calculator` tool can fail. */
export type Failure = typeof Failure.Type

type Token =
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly position: number }
  | { readonly kind: "identifier"; readonly text: string; readonly position: number }
  | { readonly kind: "operator"; readonly text: string; readonly position: number }
  | { readonly kind: "invalid"; readonly text: string; readonly position: number }
  | { readonly kind: "end"; readonly text: ""; readonly position: number }

interface Fn {
  readonly minArgs: number
  readonly maxArgs: number
  readonly apply: (args: ReadonlyArray<number>) => number
}

const unary = (f: (x: number) => number): Fn => ({ minArgs: 1, maxArgs: 1, apply: (args) => f(args[0]!) })

const constants: ReadonlyMap<string, number> = new Map([
  ["pi", Math.PI],
  ["e", Math.E]
])

const functions: ReadonlyMap<string, Fn> = new Map<string, Fn>([
  ["sqrt", unary(Math.sqrt)],
  ["abs", unary(Math.abs)],
  ["sin", unary(Math.sin)],
  ["cos", unary(Math.cos)],
  ["tan", unary(Math.tan)],
  ["ln", unary(Math.log)],
  ["log", unary(Math.log)],
  ["log10", unary(Math.log10)],
  ["exp", unary(Math.exp)],
  ["floor", unary(Math.floor)],
  ["ceil", unary(Math.ceil)],
  ["round", unary(Math.round)],
  ["min", { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY, apply: (args) => Math.min(...args) }],
  ["max", { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY, apply: (args) => Math.max(...args) }]
])

const knownNames = `constants: ${[...constants.keys()].join(", ")}; functions: ${[...functions.keys()].join(", ")}`

const numberPattern = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y
const identifierPattern = /[A-Za-z_][A-Za-z0-9_]*/y

/** Operator spellings accepted besides the ASCII ones. */
const operatorAliases: ReadonlyMap<string, string> = new Map([
  ["**", "^"],
  ["×", "*"],
  ["·", "*"],
  ["÷", "/"],
  ["−", "-"]
])

const quote = (s: string): string => JSON.stringify(s)

class Evaluator {
  private readonly tokens: Array<Token> = []
  private index = 0
  private depth = 0

  constructor(private readonly source: string) {}

  run(): number {
    this.tokenize()
    const value = this.expression()
    const next = this.peek()
    if (next.kind !== "end") {
      throw this.unexpected(next, "expected an operator (+ - * / % ^) or the end of the expression")
    }
    return value
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lexer
  // ---------------------------------------------------------------------------------------------------------------

  private tokenize(): void {
    const s = this.source
    let i = 0
    while (i < s.length) {
      const c = s[i]!
      if (/\s/.test(c)) {
        i++
        continue
      }
      numberPattern.lastIndex = i
      const num = numberPattern.exec(s)
      if (num !== null) {
        const text = num[0]
        this.tokens.push({ kind: "number", value: Number(text), text, position: i })
        i += text.length
        continue
      }
      identifierPattern.lastIndex = i
      const ident = identifierPattern.exec(s)
      if (ident !== null) {
        this.tokens.push({ kind: "identifier", text: ident[0], position: i })
        i += ident[0].length
        continue
      }
      const two = s.slice(i, i + 2)
      const alias = operatorAliases.get(two) ?? operatorAliases.get(c)
      if (alias !== undefined) {
        this.tokens.push({ kind: "operator", text: alias, position: i })
        i += operatorAliases.has(two) ? 2 : 1
        continue
      }
      if ("+-*/%^(),".includes(c)) {
        this.tokens.push({ kind: "operator", text: c, position: i })
        i++
        continue
      }
      // Reported only when the parser reaches it, so errors surface in left-to-right order.
      this.tokens.push({ kind: "invalid", text: String.fromCodePoint(s.codePointAt(i)!), position: i })
      break
    }
    this.tokens.push({ kind: "end", text: "", position: s.length })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Parser / evaluator
  // ---------------------------------------------------------------------------------------------------------------

  private peek(): Token {
    return this.tokens[this.index]!
  }

  private advance(): Token {
    const token = this.tokens[this.index]!
    if (token.kind !== "end") this.index++
    return token
  }

  private isOperator(token: Token, ...ops: ReadonlyArray<string>): boolean {
    return token.kind === "operator" && ops.includes(token.text)
  }

  private expect(op: string, context: string): void {
    const token = this.peek()
    if (!this.isOperator(token, op)) throw this.unexpected(token, `expected ${quote(op)} ${context}`)
    this.advance()
  }

  private enter(position: number): void {
    this.depth++
    if (this.depth > maxDepth) {
      throw new NestingTooDeep({
        expression: this.source,
        position,
        limit: maxDepth,
        message: `The expression nests more than ${maxDepth} levels deep (at position ${position}). Simplify it.`
      })
    }
  }

  private leave(): void {
    this.depth--
  }

  private expression(): number {
    let value = this.term()
    for (;;) {
      const op = this.peek()
      if (!this.isOperator(op, "+", "-")) return value
      this.advance()
      const right = this.term()
      value = this.check(op.text === "+" ? value + right : value - right, op.position, `${op.text} operation`)
    }
  }

  private term(): number {
    let value = this.unary()
    for (;;) {
      const op = this.peek()
      if (!this.isOperator(op, "*", "/", "%")) return value
      this.advance()
      const right = this.unary()
      if (op.text !== "*" && right === 0) {
        throw new DivisionByZero({
          expression: this.source,
          position: op.position,
          message: `${op.text === "/" ? "Division" : "Modulo"} by zero at position ${op.position}.`
        })
      }
      const result = op.text === "*" ? value * right : op.text === "/" ? value / right : value % right
      value = this.check(result, op.position, `${op.text} operation`)
    }
  }

  private unary(): number {
    let sign = 1
    while (this.isOperator(this.peek(), "+", "-")) {
      if (this.advance().text === "-") sign = -sign
    }
    const value = this.power()
    return sign === 1 ? value : -value
  }

  private power(): number {
    const base = this.primary()
    const op = this.peek()
    if (!this.isOperator(op, "^")) return base
    this.advance()
    this.enter(op.position)
    const exponent = this.unary()
    this.leave()
    return this.check(base ** exponent, op.position, "^ operation")
  }

  private primary(): number {
    const token = this.advance()
    switch (token.kind) {
      case "number":
        if (!Number.isFinite(token.value)) {
          throw this.nonFinite(token.position, `the number ${token.text} is too large to represent`)
        }
        return token.value
      case "identifier":
        return this.identifier(token)
      case "operator":
        if (token.text === "(") {
          this.enter(token.position)
          const value = this.expression()
          this.expect(")", `to close the parenthesis opened at position ${token.position}`)
          this.leave()
          return value
        }
        throw this.unexpected(token, "expected a number, a constant, a function call or (")
      case "invalid":
      case "end":
        throw this.unexpected(token, "expected a number, a constant, a function call or (")
    }
  }

  private identifier(token: Token & { readonly kind: "identifier" }): number {
    const key = token.text.toLowerCase()
    const fn = functions.get(key)
    if (fn !== undefined) {
      this.expect("(", `after the function ${key}`)
      this.enter(token.position)
      const args = [this.expression()]
      while (this.isOperator(this.peek(), ",")) {
        this.advance()
        args.push(this.expression())
      }
      this.expect(")", `to close the argument list of ${key} (position ${token.position})`)
      this.leave()
      if (args.length < fn.minArgs || args.length > fn.maxArgs) {
        const expected = fn.maxArgs === fn.minArgs ? `${fn.minArgs}` : `at least ${fn.minArgs}`
        throw new WrongArgumentCount({
          expression: this.source,
          position: token.position,
          function: key,
          expected,
          received: args.length,
          message: `${key} takes ${expected} argument(s) but received ${args.length} (at position ${token.position}).`
        })
      }
      return this.check(fn.apply(args), token.position, `${key}(${args.join(", ")})`)
    }
    const constant = constants.get(key)
    if (constant !== undefined) return constant
    throw new UnknownIdentifier({
      expression: this.source,
      position: token.position,
      identifier: token.text,
      message: `Unknown identifier ${quote(token.text)} at position ${token.position}. Known ${knownNames}.`
    })
  }

  private check(value: number, position: number, what: string): number {
    if (Number.isFinite(value)) return value
    throw this.nonFinite(position, `${what} is ${Number.isNaN(value) ? "undefined (NaN)" : "infinite"}`)
  }

  private nonFinite(position: number, detail: string): NonFiniteResult {
    return new NonFiniteResult({
      expression: this.source,
      position,
      message: `The result is not a finite number: ${detail} (at position ${position}).`
    })
  }

  private unexpected(token: Token, expected: string): UnexpectedCharacter | UnexpectedEnd {
    if (token.kind === "end") {
      return new UnexpectedEnd({
        expression: this.source,
        position: token.position,
        message: `Unexpected end of expression at position ${token.position}: ${expected}.`
      })
    }
    if (token.kind === "invalid") {
      return new UnexpectedCharacter({
        expression: this.source,
        position: token.position,
        found: token.text,
        message:
          `Unexpected character ${quote(token.text)} at position ${token.position}. Only numbers, the operators ` +
          `+ - * / % ^, parentheses, commas and the names pi, e, ${[...functions.keys()].join(", ")} are allowed.`
      })
    }
    return new UnexpectedCharacter({
      expression: this.source,
      position: token.position,
      found: token.text,
      message: `Unexpected ${quote(token.text)} at position ${token.position}: ${expected}.`
    })
  }
}

const isFailure = Schema.is(Failure)

/** Evaluates an arithmetic expression purely, without side effects. */
export const evaluate = (expression: string): Either.Either<number, Failure> => {
  if (expression.length > maxLength) {
    return Either.left(
      new ExpressionTooLong({
        length: expression.length,
        limit: maxLength,
        message: `The expression is ${expression.length} characters long; the limit is ${maxLength}. Split it up.`
      })
    )
  }
  try {
    const result = new Evaluator(expression).run()
    return Either.right(result === 0 ? 0 : result) // normalises -0
  } catch (error) {
    if (isFailure(error)) return Either.left(error)
    throw error
  }
}

/** Handler of the `calculator` tool. */
export const handler = (input: Input): Effect.Effect<Output, Failure> =>
  Effect.suspend(() => evaluate(input.expression)).pipe(
    Effect.map((result) => ({ expression: input.expression, result }))
  )

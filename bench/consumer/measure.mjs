// What the cold-start consumers share, kept out of their code: the stand-in's URL from the command line, and the JSON
// line the bench runner reads after the answer (`performance.now()` counts from the process's start). It imports
// nothing, so it adds no load time of its own.
const at = process.argv.indexOf("--url")

/** The stand-in's base URL (`--url <base>`). */
export const standinUrl = at === -1 ? "http://127.0.0.1:8787" : process.argv[at + 1]

let importedMs = Number.NaN

/** Called first thing in a consumer's body: every static import has been loaded and evaluated by then. */
export const imported = () => {
  importedMs = performance.now()
}

/**
 * Called after the answer is printed: checks it (the stand-in's planner answers from the tool results, so a wrong
 * tool call or result changes it) and prints the report line.
 */
export const answered = (driver, text, turns) => {
  const answerMs = performance.now()
  if (!/^42 km is 26\.1 mi\. The time in Tokyo is \d\d:\d\d:\d\d\.$/.test(text) || turns !== 2) {
    throw new Error(`unexpected answer after ${turns} turns: ${JSON.stringify(text)}`)
  }
  const cpu = process.cpuUsage()
  const metrics = {
    importedMs,
    answerMs,
    processCpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024
  }
  process.stdout.write(`${JSON.stringify({ driver, scenario: "consumer", metrics })}\n`)
}
